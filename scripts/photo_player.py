"""Play photos on file cameras: each camera's frame file shows the next photo, in step with the scans.

A frame changes half-way between two scans (scans run on the wall clock, every `seconds`
on the dot), so every photo is scanned exactly once and none is skipped.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

PHOTO_SUFFIXES = {".jpg", ".jpeg", ".png"}


def photos_in(folder: Path) -> list[Path]:
    """Return the photos in a folder, in name order."""
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in PHOTO_SUFFIXES) if folder.is_dir() else []


def show(frame: Path, photo: Path) -> None:
    """Put `photo` on a camera whose frame file is `frame`; a reader never sees half a file."""
    temporary = frame.with_suffix(".tmp")
    shutil.copy(photo, temporary)
    temporary.replace(frame)


@dataclass
class PhotoPlayer:
    """Cameras (their frame files, in order) playing the same photos, each camera one photo ahead of the last."""

    frames: list[Path]
    photos: list[Path]
    seconds: float

    def show_step(self, step: int) -> None:
        """Show the photos of one step on every camera."""
        for offset, frame in enumerate(self.frames):
            show(frame, self.photos[(step + offset) % len(self.photos)])

    async def play(self) -> None:
        """Show step 0 now, then each next step once a scan has seen the last, until cancelled."""
        if not self.photos:
            return
        step = 0
        while True:
            self.show_step(step)
            step += 1
            # Scans fire at wall-clock multiples of `seconds`: change half-way after the next one.
            await asyncio.sleep(self.seconds - time.time() % self.seconds + self.seconds / 2)
