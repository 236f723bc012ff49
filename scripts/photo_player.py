"""A doorway on file cameras: empty noisy frames, then a person for a few seconds, with the motion that comes with them.

The player decides what each camera shows and sets its motion sensor: the empty doorway
(fresh sensor noise on every frame), then a visit — motion turns on as a person steps
in, they stand there a few seconds, motion turns off as they leave — then the empty
doorway again. Some motion comes with nobody in frame (a cat, a shadow). The demo plays it
live; `scripts/benchmark_quota.py` replays a whole day of it with time compressed.
"""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from custom_components.baidu_face.const import (
    CONF_BURST_FRAMES,
    CONF_BURST_INTERVAL,
    CONF_CHANGE_THRESHOLD,
    CONF_COOLDOWN,
    CONF_SCAN_INTERVAL,
    CONF_TRIGGERS,
    DEFAULT_BURST_FRAMES,
    DEFAULT_BURST_INTERVAL,
    DEFAULT_CHANGE_THRESHOLD,
    DEFAULT_COOLDOWN,
)
from sample_faces.frames import noisy_jpeg

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}
FRAME_SIZE = (1280, 720)
# A cheap camera's sensor noise at night: visible, and no change of scene.
NOISE_SIGMA = 6.0


def photos_in(folder: Path) -> list[Path]:
    """Return the photos in a folder, in name order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES) if folder.is_dir() else []


def show(frame: Path, photo: Path) -> None:
    """Put `photo` on a camera whose frame file is `frame`; a reader never sees half a file."""
    temporary = frame.with_suffix(".tmp")
    shutil.copy(photo, temporary)
    temporary.replace(frame)


def show_bytes(frame: Path, image: bytes) -> None:
    """Put an encoded frame on a camera whose frame file is `frame`, as `show` does."""
    temporary = frame.with_suffix(".tmp")
    temporary.write_bytes(image)
    temporary.replace(frame)


@dataclass(frozen=True, slots=True)
class Visit:
    """One motion event at the door: `photo` stands there for `seconds` (None: motion, nobody in frame)."""

    start: float
    seconds: float
    photo: Path | None


def visits(
    photos: list[Path], *, empty_seconds: float, visit_seconds: float, nobody_every: int, start: float = 0.0
) -> Iterator[Visit]:
    """Endless visits showing `photos` in turn, `empty_seconds` apart; every `nobody_every`-th has nobody."""
    at = start + empty_seconds
    shown = itertools.cycle(photos)
    for number in itertools.count(1):
        photo = None if number % nobody_every == 0 or not photos else next(shown)
        yield Visit(at, visit_seconds, photo)
        at += visit_seconds + empty_seconds


@cache
def _doorway(size: tuple[int, int]) -> Image.Image:
    """Draw the empty doorway: a wall, a darker door frame, a floor; nothing in it looks like a face."""
    width, height = size
    image = Image.new("RGB", size, (118, 112, 104))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, height * 4 // 5, width, height), fill=(84, 76, 70))
    draw.rectangle((width // 3, height // 10, width * 2 // 3, height * 4 // 5), fill=(70, 64, 60))
    return image


@cache
def _standing(photo: Path, size: tuple[int, int]) -> Image.Image:
    """Shrink a photo to stand in the doorway (at most 85 % of the frame's height, 60 % of its width)."""
    with Image.open(photo) as original:
        rgb = original.convert("RGB")
    scale = min(1.0, size[1] * 0.85 / rgb.height, size[0] * 0.6 / rgb.width)
    return rgb.resize((round(rgb.width * scale), round(rgb.height * scale)), Image.Resampling.LANCZOS)


def doorway_frame(photo: Path | None, size: tuple[int, int] = FRAME_SIZE) -> bytes:
    """Return a JPEG of the doorway, with `photo` standing in it if given, and this frame's own sensor noise."""
    image = _doorway(size).copy()
    if photo is not None:
        person = _standing(photo, size)
        image.paste(person, ((size[0] - person.width) // 2, size[1] - person.height))
    return noisy_jpeg(image, NOISE_SIGMA)


# motion(camera, on, photo): the camera's motion sensor turns on or off; `photo` is who stands there (None: nobody).
Motion = Callable[[int, bool, Path | None], Awaitable[None]]


def triggered_by(motion_sensor: str | None) -> dict[str, Any]:
    """Return a camera subentry's scan settings: a doorway's motion sensor starts a visit, with the default bursts.

    A visit is a burst of frames that stops at the first recognition; the change gate and the
    cool-down keep their defaults; nothing scans on a clock. None: no trigger (a Frigate
    camera, whose person events start its visits).
    """
    return {
        CONF_TRIGGERS: [motion_sensor] if motion_sensor else [],
        CONF_BURST_FRAMES: DEFAULT_BURST_FRAMES,
        CONF_BURST_INTERVAL: DEFAULT_BURST_INTERVAL,
        CONF_CHANGE_THRESHOLD: DEFAULT_CHANGE_THRESHOLD,
        CONF_COOLDOWN: DEFAULT_COOLDOWN,
        CONF_SCAN_INTERVAL: 0,
    }


@dataclass
class PhotoPlayer:
    """Cameras (their frame files, in order) at doorways, each camera one photo ahead of the last.

    `motion(camera, on, photo)` sets camera number `camera`'s motion sensor (and says who is there:
    the demo's Frigate camera makes a person event of it).
    """

    frames: list[Path]
    photos: list[Path]
    motion: Motion
    empty_seconds: float = 4.0
    visit_seconds: float = 4.0
    nobody_every: int = 5
    frame_seconds: float = 1.0

    async def play(self) -> None:
        """Play every camera until cancelled."""
        await asyncio.gather(*(self._camera(number) for number in range(len(self.frames))))

    async def _camera(self, number: int) -> None:
        frame = self.frames[number]
        photos = self.photos[number:] + self.photos[:number]
        loop = asyncio.get_running_loop()
        started = loop.time()
        await self.motion(number, False, None)
        schedule = visits(
            photos, empty_seconds=self.empty_seconds, visit_seconds=self.visit_seconds, nobody_every=self.nobody_every
        )
        for visit in schedule:
            await self._hold(frame, None, started + visit.start)
            # The person is in the frame before the sensor says so, as with a real PIR sensor.
            show_bytes(frame, await asyncio.to_thread(doorway_frame, visit.photo))
            await self.motion(number, True, visit.photo)
            await self._hold(frame, visit.photo, started + visit.start + visit.seconds)
            await self.motion(number, False, visit.photo)

    async def _hold(self, frame: Path, photo: Path | None, until: float) -> None:
        """Show `photo` (or the empty doorway) with fresh noise every `frame_seconds` until loop time `until`."""
        loop = asyncio.get_running_loop()
        while (left := until - loop.time()) > 0:
            # Encoding a frame takes tens of milliseconds: not on the loop that answers signals.
            show_bytes(frame, await asyncio.to_thread(doorway_frame, photo))
            await asyncio.sleep(min(left, self.frame_seconds))
