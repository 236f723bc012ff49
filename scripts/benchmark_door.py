"""What frames to confirm buys at a door: false announcements, recognitions, calls and latency, side by side.

    .venv/bin/python -m scripts.benchmark_door [--family 16] [--strangers 8] [--lookalikes 18] [--seed 19]
        [--confirm 1,2] [--unknown-frames 0,2]

Plays the same day at the door (tests/benchmarks/door_day.py: family members, strangers and
look-alike strangers blended from the repository's photos, fresh sensor noise on every frame)
through a real Home Assistant test instance with the integration and a local_file camera,
against the local server, in real time, once per setting: frames to confirm (1 and 2) and the
frames that confirm a stranger (0: at the end of the burst, as before that rule; 2: the
integration's default, decisions.py); then prints, side by side: false announcements (someone
named who was not there), family visits recognized, family visits announced as strangers,
uncertain visits, Baidu calls, motion-on → announcement latency p50/p90 for the family and for
strangers, and identify calls per stranger visit.
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
# A setting: (frames to confirm, frames that confirm a stranger).
type Setting = tuple[int, int]


def play(setting: Setting, day: dict[str, Any], results: Path) -> tuple[dict[str, Any], float]:
    """Play the day with one setting in a pytest run of its own; return its figures and seconds."""
    confirm, unknown_frames = setting
    written = results / f"door.{confirm}.{unknown_frames}.json"
    env = {
        **os.environ,
        "DOOR_DAY": json.dumps(day),
        "DOOR_CONFIRM": str(confirm),
        "DOOR_UNKNOWN_FRAMES": str(unknown_frames),
        "DOOR_RESULT": str(written),
    }
    started = time.monotonic()
    run = subprocess.run(  # noqa: S603 - our own interpreter and test module
        [sys.executable, "-m", "pytest", MODULE, "-q", "-p", "no:cacheprovider", "-n", "0"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if run.returncode != 0 or not written.exists():
        sys.exit(f"the day with setting {setting} failed:\n{run.stdout}\n{run.stderr}")
    return json.loads(written.read_text())["figures"], time.monotonic() - started


def percentile(values: list[float], share: float) -> str:
    """Return a percentile of latencies in seconds, or a dash when there are none."""
    if not values:
        return "—"
    if len(values) == 1:
        return f"{values[0]:.2f} s"
    return f"{statistics.quantiles(values, n=100, method='inclusive')[round(share * 100) - 1]:.2f} s"


def rows(figures: dict[Setting, dict[str, Any]], seconds: dict[Setting, float]) -> list[tuple[str, ...]]:
    """Return the table's rows: a label, then one cell per setting."""

    def cells(show: Any) -> tuple[str, ...]:
        return tuple(str(show(found)) for found in figures.values())

    return [
        ("false announcements (named who was not there)", *cells(lambda found: found["false_announcements"])),
        ("  of them by look-alikes", *cells(lambda found: found["false_by_lookalikes"])),
        ("family visits recognized", *cells(lambda found: f"{found['recognized']}/{found['family_visits']}")),
        ("family visits announced as strangers", *cells(lambda found: found["family_as_strangers"])),
        ("uncertain visits", *cells(lambda found: found["uncertain"])),
        ("unknown-face announcements", *cells(lambda found: found["unknown_face"])),
        (
            "stranger visits announced as strangers",
            *cells(lambda found: f"{found['strangers_announced']}/{found['stranger_visits']}"),
        ),
        ("Baidu calls", *cells(lambda found: sum(found["calls"].values()))),
        ("  by API", *cells(lambda found: ", ".join(f"{op} {n}" for op, n in sorted(found["calls"].items())))),
        ("motion on → recognized, p50", *cells(lambda found: percentile(found["latencies"], 0.5))),
        ("motion on → recognized, p90", *cells(lambda found: percentile(found["latencies"], 0.9))),
        ("motion on → stranger, p50", *cells(lambda found: percentile(found["stranger_latencies"], 0.5))),
        ("motion on → stranger, p90", *cells(lambda found: percentile(found["stranger_latencies"], 0.9))),
        ("identify calls per stranger visit", *cells(lambda found: per_visit(found["stranger_calls"]))),
        ("run, wall clock", *(f"{seconds[setting]:.0f} s" for setting in figures)),
    ]


def per_visit(calls: list[int]) -> str:
    """Return the mean calls of the visits, and the most one visit made."""
    return f"{statistics.mean(calls):.2f} (max {max(calls)})" if calls else "—"


def numbers(text: str) -> tuple[int, ...]:
    """Parse a comma list of whole numbers."""
    return tuple(int(number) for number in text.split(","))


def main() -> None:
    """Parse the day, play it with each setting, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--family", type=int, default=16, help="visits of family members")
    parser.add_argument("--strangers", type=int, default=8, help="visits of strangers")
    parser.add_argument("--lookalikes", type=int, default=18, help="visits of look-alike strangers")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--confirm", type=numbers, default=(1, 2), help="frames to confirm, e.g. 1,2")
    parser.add_argument(
        "--unknown-frames", type=numbers, default=(0, 2), help="frames that confirm a stranger (0: end of burst)"
    )
    args = parser.parse_args()
    day = {
        "family_visits": args.family,
        "stranger_visits": args.strangers,
        "lookalike_visits": args.lookalikes,
        "seed": args.seed,
    }
    figures: dict[Setting, dict[str, Any]] = {}
    seconds: dict[Setting, float] = {}
    settings = [(confirm, unknown) for confirm in args.confirm for unknown in args.unknown_frames]
    with tempfile.TemporaryDirectory() as folder:
        for setting in settings:
            figures[setting], seconds[setting] = play(setting, day, Path(folder))
            print(f"{setting_name(setting)}: done in {seconds[setting]:.0f} s", flush=True)
    print(f"\nday: {day}")
    print(
        "camera: identify, threshold 80, burst 5 frames 1 s apart, change gate on, V3 on the local server;"
        " look-alikes blend a stranger with 33-47 % of a family member\n"
    )
    table = rows(figures, seconds)
    width = max(len(row[0]) for row in table)
    print(f"{'frames to confirm / a stranger':<{width}}  " + "  ".join(f"{setting_name(s):>24}" for s in figures))
    for label, *values in table:
        print(f"{label:<{width}}  " + "  ".join(f"{value:>24}" for value in values))


def setting_name(setting: Setting) -> str:
    """Name a setting: frames to confirm, and when a stranger is announced."""
    confirm, unknown_frames = setting
    return f"{confirm} / {'burst end' if not unknown_frames else max(confirm, unknown_frames)}"


if __name__ == "__main__":
    main()
