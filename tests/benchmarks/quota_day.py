"""A synthetic day at a doorway, replayed through Home Assistant with the integration, time compressed.

Not collected by the test run (the name does not start with `test_`): `scripts/benchmark_quota.py`
runs it once per scanning mode and prints the figures side by side. The modes: a fixed 10 s
interval and one scan per motion event (an automation), both sending every frame as
before triggers existed; the camera's own triggers with the change gate and bursts. Each
run is a real Home Assistant test instance with a real local_file camera and the
integration, against the local server with everyone in sample_faces/enroll. The freezer
moves the clock from one moment of the day that matters to the next (every 10 s, and every
second of a visit), so a day takes minutes. The day comes from `DayParameters` (JSON in
$QUOTA_DAY); the figures go to the JSON file named by $QUOTA_RESULT.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from freezegun.api import FrozenDateTimeFactory
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from baidu_face_server import running_server
from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import (
    CONF_CHANGE_THRESHOLD,
    CONF_MAX_FACES,
    CONF_SCAN_INTERVAL,
    EVENT_RECOGNIZED,
    EVENT_UNKNOWN_FACE,
)
from scripts.photo_player import doorway_frame, show_bytes, triggered_by
from tests.benchmarks import MOTION, setup_door
from tests.conftest import apps
from tests.faces import FACES, PEOPLE, STRANGER, build_face_set

IDENTIFY = "image_processing.door_recognised_person"
FIXED_SECONDS = 10
# Frames with the same picture differ only by sensor noise: a few of each, shown at random.
NOISY_COPIES = 6
# Who each probe photo shows (sample_faces/README.md: `<a>+<b>.jpg`, `obama_small.jpg`, ...).
KNOWN_PHOTOS = {
    "probe/obama.jpg": ("obama",),
    "probe/obama_small.jpg": ("obama",),
    "probe/kit_harington.jpg": ("kit_harington",),
    "probe/alex_lacamoire.jpg": ("alex_lacamoire",),
    "probe/obama+biden.jpg": ("obama", "biden"),
    "probe/kit_harington+rose_leslie.jpg": ("kit_harington", "rose_leslie"),
}
assert {uid for uids in KNOWN_PHOTOS.values() for uid in uids} == set(PEOPLE)


@dataclass(frozen=True)
class DayParameters:
    """What happens at the door in one day."""

    hours: float = 24.0
    known_visits: int = 24
    unknown_visits: int = 6
    # Motion with nobody in frame: a cat, a shadow, a car's lights.
    empty_motions: int = 10
    shortest_visit: float = 3.0
    longest_visit: float = 8.0
    # Visits start at least this far apart (longer than the announcement cool-down).
    gap_seconds: float = 120.0
    seed: int = 10


@dataclass(frozen=True)
class Visit:
    """One motion event: who is at the door (nobody, a stranger, or known people) from `start` for `seconds`."""

    start: float
    seconds: float
    photo: str | None
    uids: tuple[str, ...] = ()

    @property
    def end(self) -> float:
        """When the visitor has gone."""
        return self.start + self.seconds


def doorway_day(day: DayParameters) -> list[Visit]:
    """Return the day's visits in time order, the same for the same parameters."""
    rng = random.Random(day.seed)
    kinds = (
        [rng.choice(list(KNOWN_PHOTOS)) for _ in range(day.known_visits)]
        + [STRANGER] * day.unknown_visits
        + [None] * day.empty_motions
    )
    rng.shuffle(kinds)
    length = day.hours * 3600
    slack = length - len(kinds) * day.gap_seconds
    if slack < 0:
        raise ValueError("too many visits for the day's length and gap")
    # Sorted random offsets in the slack, each visit `gap_seconds` after the last.
    offsets = sorted(rng.uniform(0, slack) for _ in kinds)
    return [
        Visit(
            start=round(offset + number * day.gap_seconds, 1),
            seconds=round(rng.uniform(day.shortest_visit, day.longest_visit), 1),
            photo=photo,
            uids=KNOWN_PHOTOS.get(photo or "", ()),
        )
        for number, (offset, photo) in enumerate(zip(offsets, kinds, strict=True))
    ]


def moments(day: DayParameters, visits: list[Visit]) -> list[float]:
    """Return the moments the replay stops at: every 10 s, and every second from a visit's start to 10 s after it."""
    stops = {float(second) for second in range(0, int(day.hours * 3600), FIXED_SECONDS)}
    for visit in visits:
        stops |= {visit.start + second for second in range(int(visit.seconds) + FIXED_SECONDS + 1)}
        stops.add(visit.end)
    return sorted(stops)


@dataclass
class Figures:
    """What one mode did with the day."""

    mode: str
    calls: dict[str, int] = field(default_factory=dict)
    known_visits: int = 0
    visits_recognised: int = 0
    # (visit, person) -> recognised events; announcements of nobody-visits and outside visits apart.
    announcements: list[int] = field(default_factory=list)
    unknown_visits: int = 0
    unknown_announced: list[int] = field(default_factory=list)
    stray_events: int = 0
    frames_skipped: int | None = None


@pytest.fixture(autouse=True)
def auto_enable_custom_integrations(enable_custom_integrations: None) -> None:
    """Let Home Assistant load the integration."""


@pytest.fixture
async def baidu(socket_enabled: None, tmp_path: Path) -> AsyncIterator[RunningServer]:
    """Run the local server with everyone in sample_faces/enroll in group `family`."""
    db = tmp_path / "faces.sqlite3"
    build_face_set(db, [app.api_key for app in apps()], "family")
    async with running_server(apps(), db) as server:
        yield server


class Doorway:
    """The door camera's frame file, showing a visit's photo or the empty doorway with fresh noise."""

    def __init__(self, frame: Path, visits: list[Visit], seed: int) -> None:
        """Render a few noisy copies of every picture the day shows."""
        self.frame = frame
        self.rng = random.Random(seed)
        photos = {visit.photo for visit in visits} | {None}
        self.copies = {
            photo: [doorway_frame(FACES / photo if photo else None) for _ in range(NOISY_COPIES)] for photo in photos
        }

    def show(self, photo: str | None) -> None:
        """Show a fresh frame of `photo` (None: the empty doorway)."""
        show_bytes(self.frame, self.rng.choice(self.copies[photo]))


def frames_skipped(hass: HomeAssistant) -> int | None:
    """Return the frames the change gate kept from Baidu, where the integration says so."""
    state = hass.states.get(IDENTIFY)
    skipped = state.attributes.get("frames_skipped") if state else None
    return int(skipped) if skipped is not None else None


@pytest.mark.parametrize("mode", ["fixed", "motion", "triggers"])
async def test_replay_the_day(
    hass: HomeAssistant, baidu: RunningServer, freezer: FrozenDateTimeFactory, tmp_path: Path, mode: str
) -> None:
    """Replay the day in one mode; write what it cost and what it announced."""
    day = DayParameters(**json.loads(os.environ.get("QUOTA_DAY", "{}")))
    visits = doorway_day(day)
    # Fixed scanning and the motion automation as they were before issue 10: every frame is sent.
    settings: dict[str, Any] = {CONF_SCAN_INTERVAL: FIXED_SECONDS if mode == "fixed" else 0, CONF_CHANGE_THRESHOLD: 0}
    if mode == "triggers":
        settings = triggered_by(MOTION)

    frame = tmp_path / "door.jpg"
    doorway = Doorway(frame, visits, day.seed)
    doorway.show(None)
    # The start-up read of the people is set-up, not the day's scanning: done before counting.
    entry = await setup_door(hass, baidu, frame, **{CONF_MAX_FACES: 3, **settings})

    if mode == "motion":
        # Before triggers: an automation, one scan when motion turns on.
        scan_on_motion = {
            "triggers": [{"trigger": "state", "entity_id": MOTION, "to": "on"}],
            "actions": [{"action": "image_processing.scan", "target": {"entity_id": IDENTIFY}}],
        }
        assert await async_setup_component(hass, "automation", {"automation": [scan_on_motion]})

    heard: list[tuple[float, Event]] = []
    start = dt_util.utcnow().replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)

    @callback
    def listen(event: Event) -> None:
        heard.append(((dt_util.utcnow() - start).total_seconds(), event))

    hass.bus.async_listen(EVENT_RECOGNIZED, listen)
    hass.bus.async_listen(EVENT_UNKNOWN_FACE, listen)
    client = entry.runtime_data.client
    before = client.call_counts

    freezer.move_to(start)
    async_fire_time_changed(hass, start)
    await hass.async_block_till_done()
    showing: Visit | None = None
    upcoming = iter(visits)
    next_visit = next(upcoming, None)
    for moment in moments(day, visits):
        if showing is not None and moment >= showing.end:
            showing = None
            hass.states.async_set(MOTION, "off", {"device_class": "motion"})
        if next_visit is not None and moment >= next_visit.start:
            showing, next_visit = next_visit, next(upcoming, None)
        # The person is in the frame before the sensor says so, as with a real PIR sensor.
        doorway.show(showing.photo if showing else None)
        now = start + timedelta(seconds=moment)
        freezer.move_to(now)
        if showing is not None and hass.states.get(MOTION).state == "off":  # type: ignore[union-attr]
            hass.states.async_set(MOTION, "on", {"device_class": "motion"})
        async_fire_time_changed(hass, now)
        # Interval scans run as background tasks: each finishes before the clock moves on.
        await hass.async_block_till_done(wait_background_tasks=True)

    figures = Figures(mode)
    after = client.call_counts
    figures.calls = {op: after.get(op, 0) - before.get(op, 0) for op in after if op != "token"}
    figures.calls = {op: count for op, count in figures.calls.items() if count}
    figures.frames_skipped = frames_skipped(hass)
    count_announcements(figures, visits, heard)
    Path(os.environ.get("QUOTA_RESULT", tmp_path / "result.json")).with_suffix(f".{mode}.json").write_text(
        json.dumps({"day": asdict(day), "figures": asdict(figures)})
    )
    await hass.config_entries.async_unload(entry.entry_id)


def count_announcements(figures: Figures, visits: list[Visit], heard: list[tuple[float, Event]]) -> None:
    """Attribute every event to the visit it belongs to (from its start to 10 s after it ended)."""
    claimed: set[int] = set()

    def during(visit: Visit, event_type: str, uid: str | None = None) -> int:
        found = [
            number
            for number, (at, event) in enumerate(heard)
            if visit.start <= at <= visit.end + FIXED_SECONDS
            and event.event_type == event_type
            and (uid is None or event.data.get("uid") == uid)
        ]
        claimed.update(found)
        return len(found)

    for visit in visits:
        if visit.uids:
            figures.known_visits += 1
            counts = [during(visit, EVENT_RECOGNIZED, uid) for uid in visit.uids]
            figures.announcements += counts
            figures.visits_recognised += all(counts)
        elif visit.photo:
            figures.unknown_visits += 1
            figures.unknown_announced.append(during(visit, EVENT_UNKNOWN_FACE))
    # Unknown-face events during known visits (the child behind Obama and Biden) are not stray.
    for visit in visits:
        during(visit, EVENT_UNKNOWN_FACE)
    figures.stray_events = len(heard) - len(claimed)
