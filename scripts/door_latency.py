"""How long a door waits: trigger → announcement, read from the recorder after a demo run.

    .venv/bin/python -m scripts.door_latency [--state DIR]

Reads Home Assistant's recorder database of a demo run (`scripts.demo --state DIR`, or
`scripts.demo_soak`'s state directory): each time a camera's motion sensor turned on, and each
recognition or unknown face that camera announced after it. Prints, per event type, how many
were matched to their trigger and the latency's median, p90 and worst, split by the frames the
visit scanned (each frame after the first waits for the camera's burst interval, which is where
most of a slow announcement's time goes). Nothing is sent anywhere; the database is opened
read-only.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import statistics
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from custom_components.baidu_face.const import EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE

# An announcement this long after its camera's last trigger is not that trigger's (the camera's
# interval, or a scan asked for by hand); a visit's burst ends well within it.
MATCH_SECONDS = 30.0
EVENT_TYPES = (EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE)
DATABASE = "home-assistant_v2.db"  # the recorder's default, in the configuration directory

_MOTION_STATES = """
SELECT states_meta.entity_id, states.state, states.last_updated_ts
FROM states JOIN states_meta ON states.metadata_id = states_meta.metadata_id
WHERE states_meta.entity_id LIKE 'binary_sensor.%\\_motion' ESCAPE '\\'
ORDER BY states.last_updated_ts
"""
_ANNOUNCEMENTS = """
SELECT event_types.event_type, event_data.shared_data, events.time_fired_ts
FROM events
JOIN event_types ON events.event_type_id = event_types.event_type_id
LEFT JOIN event_data ON events.data_id = event_data.data_id
WHERE event_types.event_type IN ({})
ORDER BY events.time_fired_ts
"""


@dataclass(frozen=True, slots=True)
class Latency:
    """One announcement after its trigger."""

    event_type: str
    camera: str
    seconds: float
    frames_scanned: int


def triggers(rows: Iterable[tuple[str, str, float]]) -> dict[str, list[float]]:
    """Return when each camera's motion sensor turned on (off/unknown → on), by camera entity."""
    last: dict[str, str] = {}
    turned_on: dict[str, list[float]] = defaultdict(list)
    for entity_id, state, when in rows:
        if state == "on" and last.get(entity_id) != "on":
            # The demo's sensors are binary_sensor.<camera>_motion for camera.<camera>.
            camera = "camera." + entity_id.removeprefix("binary_sensor.").removesuffix("_motion")
            turned_on[camera].append(when)
        last[entity_id] = state
    return turned_on


def latencies(database: Path) -> list[Latency]:
    """Return every announcement of the recorder's that follows its camera's trigger within MATCH_SECONDS."""
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        turned_on = triggers(connection.execute(_MOTION_STATES))
        placeholders = ", ".join("?" for _ in EVENT_TYPES)
        events = connection.execute(_ANNOUNCEMENTS.format(placeholders), EVENT_TYPES).fetchall()
    found = []
    for event_type, shared_data, fired in events:
        data = json.loads(shared_data or "{}")
        camera = data.get("camera_entity_id", "")
        before = [when for when in turned_on.get(camera, ()) if when <= fired]
        if before and fired - before[-1] <= MATCH_SECONDS:
            found.append(Latency(event_type, camera, fired - before[-1], int(data.get("frames_scanned", 1))))
    return found


def p90(values: list[float]) -> float:
    """Return the 90th percentile (the value itself for fewer than two)."""
    return statistics.quantiles(values, n=10, method="inclusive")[-1] if len(values) > 1 else values[0]


def table(found: list[Latency]) -> list[str]:
    """Return the lines to print: per event type, then per frames scanned, count, median, p90 and worst."""
    if not found:
        return ["no announcement followed a motion trigger"]
    lines = [f"{'announcement':<28} {'frames':>6} {'count':>6} {'median s':>9} {'p90 s':>7} {'worst s':>8}"]
    for event_type in EVENT_TYPES:
        of_type = [latency for latency in found if latency.event_type == event_type]
        groups: dict[str, list[float]] = {"all": [latency.seconds for latency in of_type]}
        for frames in sorted({latency.frames_scanned for latency in of_type}):
            groups[str(frames)] = [latency.seconds for latency in of_type if latency.frames_scanned == frames]
        for group, seconds in groups.items():
            if seconds:
                lines.append(
                    f"{event_type:<28} {group:>6} {len(seconds):>6} {statistics.median(seconds):>9.2f}"
                    f" {p90(seconds):>7.2f} {max(seconds):>8.2f}"
                )
    return lines


def main() -> None:
    """Print the latency table of a demo run's recorder."""
    parser = argparse.ArgumentParser(prog="python -m scripts.door_latency", description=(__doc__ or "").split("\n")[0])
    default_state = Path(tempfile.gettempdir()) / "demo-soak-state"
    parser.add_argument("--state", type=Path, default=default_state, help="the demo's state directory")
    args = parser.parse_args()
    database = args.state / "ha" / DATABASE
    if not database.exists():
        parser.error(f"no recorder database at {database}: run the demo with --state {args.state} first")
    print("\n".join(table(latencies(database))))


if __name__ == "__main__":
    main()
