"""What the kept faces cost on disk: many visits with the default bounds, then the crop folder measured.

    .venv/bin/python -m scripts.benchmark_kept_faces [--unknown 200] [--known 60]

Runs tests/benchmarks/kept_faces.py (a real Home Assistant test instance with the integration, a
local_file camera and the local server) and prints how many crops are kept, their bytes on disk
and the metadata's. The bounds (50 of each kind) hold the folder to 100 crops however many visits.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MODULE = "tests/benchmarks/kept_faces.py"


def main() -> None:
    """Run the visits and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--unknown", type=int, default=200, help="visits of a stranger")
    parser.add_argument("--known", type=int, default=60, help="visits of an enrolled person")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        result = Path(folder) / "figures.json"
        env = {
            **os.environ,
            "KEPT_FACES_UNKNOWN": str(args.unknown),
            "KEPT_FACES_KNOWN": str(args.known),
            "KEPT_FACES_RESULT": str(result),
        }
        started = time.monotonic()
        run = subprocess.run(  # noqa: S603 - our own interpreter and test module
            [sys.executable, "-m", "pytest", MODULE, "-q", "-p", "no:cacheprovider"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if run.returncode != 0:
            sys.exit(f"the visits failed:\n{run.stdout}\n{run.stderr}")
        figures = json.loads(result.read_text())
    kept = figures["kept"]
    print(f"visits: {figures['unknown_visits']} of a stranger, {figures['known_visits']} of Obama")
    print(f"kept: {kept['unknown']} unknown, {kept['recognised']} recognised ({figures['crops']} crops on disk)")
    print(
        f"crops: {figures['crop_bytes']:,} bytes (each {figures['crop_bytes_min']:,} to "
        f"{figures['crop_bytes_max']:,}, mean {figures['crop_bytes_mean']:,}; short side "
        f"{figures['crop_short_side_min']} to {figures['crop_short_side_max']} px)"
    )
    print(f"metadata: {figures['metadata_bytes']:,} bytes")
    print(f"total: {figures['crop_bytes'] + figures['metadata_bytes']:,} bytes; ran {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
