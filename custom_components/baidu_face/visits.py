"""A visit: the burst of frames one trigger scans, its faces combined."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from .seen import SeenFace


class FrameUnavailableError(Exception):
    """A frame source could not give a frame; `reason` is the problem sensor's (errors.PROBLEM_REASONS)."""

    def __init__(self, reason: str, message: str) -> None:
        """Fail for `reason`; `message` is for the log (no secret)."""
        super().__init__(message)
        self.reason = reason


class FrameSource(Protocol):
    """Where a visit's frames come from when not the camera's live picture (Frigate's snapshots: frigate_source.py)."""

    async def frame(self) -> bytes:
        """Return the next frame (a JPEG); raise FrameUnavailableError when there is none."""
        ...


@dataclass
class Visit:
    """A visit's frames, combined: the best score per person; unknown faces only where no known one explains them."""

    frames_left: int
    frames_scanned: int = 0
    frames_skipped: int = 0
    problem: str | None = None
    known: dict[str, SeenFace] = field(default_factory=dict)
    unknown: list[SeenFace] = field(default_factory=list)
    most_faces: int = 0
    # The pictures behind the faces, for crops and the "Last scan" image: the frame
    # each person's best face is in, the frame the unknown faces are in, and the
    # last frame sent with its own faces (known first).
    known_frames: dict[str, bytes] = field(default_factory=dict)
    unknown_frame: bytes | None = None
    frame: bytes | None = None
    frame_faces: list[SeenFace] = field(default_factory=list)
    # None: the camera's live picture.
    source: FrameSource | None = None

    @property
    def faces(self) -> list[SeenFace]:
        """The visit's faces: each known person once, then the faces no known person accounts for."""
        unexplained = max(0, self.most_faces - len(self.known))
        return [*self.known.values(), *self.unknown[:unexplained]]

    def add(self, frame: bytes, known: dict[str, SeenFace], unknown: list[SeenFace]) -> None:
        """Add one scanned frame and its faces."""
        self.frames_scanned += 1
        self.frame = frame
        self.frame_faces = [*known.values(), *unknown]
        for uid, face in known.items():
            if uid not in self.known or face.score > self.known[uid].score:
                self.known[uid] = face
                self.known_frames[uid] = frame
        if len(unknown) > len(self.unknown):
            self.unknown = unknown
            self.unknown_frame = frame
        self.most_faces = max(self.most_faces, len(known) + len(unknown))


type VisitListener = Callable[[Visit], None]
