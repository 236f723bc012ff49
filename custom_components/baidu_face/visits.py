"""A visit: the burst of frames one trigger scans, its faces combined."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Protocol

from homeassistant.util import dt as dt_util

from .api import Candidate
from .seen import SeenFace

# What one frame of a visit came to (its decision record, decisions.py).
FRAME_NAMED = "named"  # a face named someone
FRAME_NOBODY = "nobody"  # faces, none of them anyone (a stranger)
FRAME_TIE = "tie"  # a face's two best candidates were too close to tell apart
FRAME_NO_FACE = "no_face"
FRAME_SKIPPED = "skipped"  # unchanged since the last frame sent: not sent
FRAME_REFUSED = "refused"  # sent, and refused for the quality level
FRAME_LIVENESS_FAILED = "liveness_failed"  # sent, and the face failed the liveness level (a photo, a screen)


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


# What a visit came to (decisions.Rule.conclude decides).
RECOGNIZED = "recognized"
UNKNOWN = "unknown"
UNCERTAIN = "uncertain"
NOTHING = "nothing"  # no face, or every frame refused for quality


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a visit came to: its outcome, why (uncertain), the people confirmed, and the candidates it weighed."""

    outcome: str
    reason: str | None = None
    confirmed: tuple[str, ...] = ()
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class FrameResult:
    """One frame of a visit: what it came to, each person it named with their score, its best candidate's score."""

    result: str  # FRAME_*
    scores: Mapping[str, float] = field(default_factory=dict)
    best: float | None = None
    check: str | None = None  # the failed quality check, for FRAME_REFUSED


@dataclass
class Visit:
    """A visit's frames, combined: the best score per person; unknown faces only where no known one explains them.

    `known` holds everyone a frame named until the visit is concluded
    (decisions.Rule.conclude): then only the people confirmed, the others in
    `uncertain`.
    """

    frames_left: int
    # When it began: its frames were searched after this (visitors.py: the face set changed meanwhile).
    started: datetime = field(default_factory=dt_util.utcnow)
    frames_scanned: int = 0  # frames sent and answered
    frames_skipped: int = 0
    frames_refused: int = 0  # sent, refused for quality
    liveness_failed: int = 0  # sent, refused for liveness
    faces_refused: int = 0  # faces of answered frames left out for failing a level (others passed)
    problem: str | None = None
    known: dict[str, SeenFace] = field(default_factory=dict)
    unknown: list[SeenFace] = field(default_factory=list)
    most_faces: int = 0
    # Frames naming each person, and the candidates of faces that were ties.
    named: dict[str, int] = field(default_factory=dict)
    tied: dict[str, Candidate] = field(default_factory=dict)
    frames: list[FrameResult] = field(default_factory=list)
    # Set when the visit is concluded (decisions.Verdict), with the named people it did not confirm.
    verdict: Verdict | None = None
    uncertain: dict[str, SeenFace] = field(default_factory=dict)
    # The pictures behind the faces, for crops and the "Last scan" image: the frame
    # each person's best face is in, the frame the unknown faces are in, and the
    # last frame sent with its own faces (known first).
    known_frames: dict[str, bytes] = field(default_factory=dict)
    unknown_frame: bytes | None = None
    unknown_beside: int = 0  # how many known faces that frame had
    frame: bytes | None = None
    frame_faces: list[SeenFace] = field(default_factory=list)
    # None: the camera's live picture.
    source: FrameSource | None = None

    @property
    def faces(self) -> list[SeenFace]:
        """The visit's faces: each known person once, then the faces no known person accounts for.

        A person named but not confirmed is a face without a name.
        """
        unexplained = max(0, self.most_faces - len(self.known))
        unnamed = [_unnamed(face) for face in self.uncertain.values()]
        return [*self.known.values(), *[*unnamed, *self.unknown][:unexplained]]

    @property
    def strangers(self) -> list[SeenFace]:
        """The unknown faces no person (confirmed or not) accounts for: kept, and announced, as strangers.

        An uncertain visit has none (a tie, a photo: it may be the person it doubts), so none is
        kept to be enrolled as someone new.
        """
        if self.verdict is not None and self.verdict.outcome == UNCERTAIN:
            return []
        return self.unknown[: max(0, self.most_faces - len(self.known) - len(self.uncertain))]

    @property
    def frames_sent(self) -> int:
        """Frames sent to Baidu: answered, or refused for quality or liveness."""
        return self.frames_scanned + self.frames_refused + self.liveness_failed

    def skip(self) -> None:
        """Count a frame the change gate kept back."""
        self.frames_skipped += 1
        self.frames.append(FrameResult(FRAME_SKIPPED))

    def refuse(self, check: str) -> None:
        """Count a frame refused for quality (its `check` failed): not a stranger, not a failure."""
        self.frames_refused += 1
        self.frames.append(FrameResult(FRAME_REFUSED, check=check))

    def fail_liveness(self) -> None:
        """Count a frame whose face failed liveness: not a recognition, whatever its likeness."""
        self.liveness_failed += 1
        self.frames.append(FrameResult(FRAME_LIVENESS_FAILED))

    def add(self, frame: bytes, known: dict[str, SeenFace], unknown: list[SeenFace], refused: int = 0) -> None:
        """Add one scanned frame and its faces (a tie among the unknown ones), and how many faces failed a level."""
        self.frames_scanned += 1
        self.faces_refused += refused
        for uid in known:
            self.named[uid] = self.named.get(uid, 0) + 1
        ties = [face for face in unknown if face.tie]
        for face in ties:
            for candidate in face.tie:
                if candidate.uid not in self.tied or candidate.score > self.tied[candidate.uid].score:
                    self.tied[candidate.uid] = candidate
        scores = [face.score for face in (*known.values(), *unknown)]
        result = FRAME_NAMED if known else FRAME_TIE if ties else FRAME_NOBODY if unknown else FRAME_NO_FACE
        self.frames.append(
            FrameResult(result, {uid: face.score for uid, face in known.items()}, max(scores, default=None))
        )
        self.frame = frame
        self.frame_faces = [*known.values(), *unknown]
        for uid, face in known.items():
            if uid not in self.known or face.score > self.known[uid].score:
                self.known[uid] = face
                self.known_frames[uid] = frame
        # The unknown faces come from the frame with the most faces; of two as full, the one that
        # names more of them: its unknown faces are not those people (a person is in a frame once).
        if unknown and (len(known) + len(unknown), len(known)) > (
            len(self.unknown) + self.unknown_beside,
            self.unknown_beside,
        ):
            self.unknown, self.unknown_frame, self.unknown_beside = unknown, frame, len(known)
        self.most_faces = max(self.most_faces, len(known) + len(unknown))


def _unnamed(face: SeenFace) -> SeenFace:
    return replace(face, uid=None, name=None, group_id=None, user_info=None)


type VisitListener = Callable[[Visit], None]
