"""What frames to confirm buys at a door: false announcements, recognitions, calls and latency, side by side.

    .venv/bin/python -m scripts.benchmark_door [--family 16] [--strangers 8] [--lookalikes 18] [--seed 19]

Plays the same day at the door (tests/benchmarks/door_day.py: family members, strangers and
look-alike strangers blended from the repository's photos, fresh sensor noise on every frame)
through a real Home Assistant test instance with the integration and a local_file camera,
against the local server, in real time, once with frames to confirm 1 and once with 2; then
prints, side by side: false announcements (someone named who was not there), family visits
recognized, uncertain visits, Baidu calls, and motion-on → announcement latency p50/p90.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
MODULE = "tests/benchmarks/door_day.py"
SETTINGS = (1, 2)


def play(confirm: int, day: dict[str, Any], results: Path) -> tuple[dict[str, Any], float]:
    """Play the day with `confirm` frames to confirm in a pytest run of its own; return its figures and seconds."""
    written = results / f"door.{confirm}.json"
    env = {**os.environ, "DOOR_DAY": json.dumps(day), "DOOR_CONFIRM": str(confirm), "DOOR_RESULT": str(written)}
    started = time.monotonic()
    run = subprocess.run(  # noqa: S603 - our own interpreter and test module
        [sys.executable, "-m", "pytest", MODULE, "-q", "-p", "no:cacheprovider", "-n", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if run.returncode != 0 or not written.exists():
        sys.exit(f"the day with {confirm} frame(s) to confirm failed:\n{run.stdout}\n{run.stderr}")
    return json.loads(written.read_text())["figures"], time.monotonic() - started


def percentile(values: list[float], share: float) -> str:
    """Return a percentile of latencies in seconds, or a dash when there are none."""
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.2f} s"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[round(share * 100) - 1]:.2f} s"


def rows(figures: dict[int, dict[str, Any]], seconds: dict[int, float]) -> list[tuple[str, ...]]:
    """Return the table's rows: a label, then one cell per setting."""

    def cells(show: Any) -> tuple[str, ...]:
        return tuple(str(show(found)) for found in figures.values())

    return [
        ("false announcements (named who was not there)", *cells(lambda found: found["false_announcements"])),
        ("  of them by look-alikes", *cells(lambda found: found["false_by_lookalikes"])),
        ("family visits recognized", *cells(lambda found: f"{found['recognized']}/{found['family_visits']}")),
        ("uncertain visits", *cells(lambda found: found["uncertain"])),
        ("unknown-face announcements", *cells(lambda found: found["unknown_face"])),
        ("Baidu calls", *cells(lambda found: sum(found["calls"].values()))),
        ("  by API", *cells(lambda found: ", ".join(f"{op} {n}" for op, n in sorted(found["calls"].items())))),
        ("motion on → recognized, p50", *cells(lambda found: percentile(found["latencies"], 0.5))),
        ("motion on → recognized, p90", *cells(lambda found: percentile(found["latencies"], 0.9))),
        ("run, wall clock", *(f"{seconds[confirm]:.0f} s" for confirm in figures)),
    ]


def main() -> None:
    """Parse the day, play it with each setting, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--family", type=int, default=16, help="visits of family members")
    parser.add_argument("--strangers", type=int, default=8, help="visits of strangers")
    parser.add_argument("--lookalikes", type=int, default=18, help="visits of look-alike strangers")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    day = {
        "family_visits": args.family,
        "stranger_visits": args.strangers,
        "lookalike_visits": args.lookalikes,
        "seed": args.seed,
    }
    figures: dict[int, dict[str, Any]] = {}
    seconds: dict[int, float] = {}
    with tempfile.TemporaryDirectory() as folder:
        for confirm in SETTINGS:
            figures[confirm], seconds[confirm] = play(confirm, day, Path(folder))
            print(f"frames to confirm {confirm}: done in {seconds[confirm]:.0f} s", flush=True)
    print(f"\nday: {day}")
    print(
        "camera: identify, threshold 80, burst 5 frames 1 s apart, change gate on, V3 on the local server;"
        " look-alikes blend a stranger with 33-47 % of a family member\n"
    )
    table = rows(figures, seconds)
    width = max(len(row[0]) for row in table)
    print(f"{'frames to confirm':<{width}}  " + "  ".join(f"{confirm:>24}" for confirm in figures))
    for label, *values in table:
        print(f"{label:<{width}}  " + "  ".join(f"{value:>24}" for value in values))


if __name__ == "__main__":
    main()
