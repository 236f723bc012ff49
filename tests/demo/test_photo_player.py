"""The demo's doorways: noise on every frame that changes no scene, a person that does, motion with each visit."""

from __future__ import annotations

import asyncio
import io
import itertools
from pathlib import Path

from PIL import Image, ImageChops, ImageStat

from scripts.photo_player import PhotoPlayer, doorway_frame, visits
from tests.faces import FACES


def grey_thumbnail(jpeg: bytes) -> Image.Image:
    with Image.open(io.BytesIO(jpeg)) as image:
        return image.convert("L").resize((64, 36))


def mean_difference(a: bytes, b: bytes) -> float:
    return float(ImageStat.Stat(ImageChops.difference(grey_thumbnail(a), grey_thumbnail(b))).mean[0])


def test_every_empty_frame_has_its_own_noise_and_shows_the_same_doorway() -> None:
    first, second = doorway_frame(None), doorway_frame(None)
    assert first != second
    with Image.open(io.BytesIO(first)) as a, Image.open(io.BytesIO(second)) as b:
        assert ImageStat.Stat(ImageChops.difference(a.convert("L"), b.convert("L"))).mean[0] > 2  # noise is there
    assert mean_difference(first, second) < 1  # and averages out in a thumbnail


def test_a_person_stepping_in_changes_the_picture() -> None:
    assert mean_difference(doorway_frame(None), doorway_frame(FACES / "probe" / "obama.jpg")) > 10


def test_visits_take_the_photos_in_turn_and_every_nth_has_nobody() -> None:
    photos = [Path("a.jpg"), Path("b.jpg")]
    shown = list(itertools.islice(visits(photos, empty_seconds=4, visit_seconds=3, nobody_every=3), 6))
    assert [visit.photo for visit in shown] == [photos[0], photos[1], None, photos[0], photos[1], None]
    assert [visit.start for visit in shown] == [4, 11, 18, 25, 32, 39]


async def test_the_sensor_turns_on_after_the_person_is_in_frame_and_off_when_they_left(tmp_path: Path) -> None:
    frame = tmp_path / "door.jpg"
    empty = doorway_frame(None)
    seen: list[tuple[bool, float]] = []
    who: list[Path | None] = []
    four = asyncio.Event()

    async def motion(camera: int, on: bool, photo: Path | None) -> None:
        assert camera == 0
        seen.append((on, mean_difference(frame.read_bytes(), empty) if frame.exists() else 0.0))
        who.append(photo)
        if len(seen) == 4:
            four.set()

    player = PhotoPlayer(
        [frame], [FACES / "probe" / "obama.jpg"], motion, empty_seconds=0.3, visit_seconds=0.3, frame_seconds=0.1
    )
    task = asyncio.create_task(player.play())
    await asyncio.wait_for(four.wait(), 20)
    task.cancel()
    assert [on for on, _ in seen][:4] == [False, True, False, True]
    obama = FACES / "probe" / "obama.jpg"
    assert who[:4] == [None, obama, obama, obama]  # nobody before the first visit; who came and went
    assert all(difference > 10 for on, difference in seen if on)  # the person is there when motion turns on
