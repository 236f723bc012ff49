"""Typed results, in one vocabulary whichever API version answered.

uid, group ids and user_info as Baidu calls them; scores 0-100 where 80
means "same person"; boxes in the pixels of the image the caller passed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class ApiVersion(StrEnum):
    """Which of Baidu's Face APIs to speak; AUTO finds the one the app may use (V3 first)."""

    AUTO = "auto"
    V2 = "v2"
    V3 = "v3"


class ControlLevel(StrEnum):
    """How strict a liveness or quality control is; NONE checks nothing (V3 sends these upper-cased)."""

    NONE = "none"
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"


class QualityCheck(StrEnum):
    """A quality check, in the order they are applied: the first that fails names the refusal."""

    COMPLETENESS = "completeness"  # the whole face inside the image
    ANGLE = "angle"  # yaw, pitch and roll
    BLUR = "blur"
    ILLUMINATION = "illumination"
    OCCLUSION = "occlusion"  # a part of the face covered


@dataclass(frozen=True, slots=True)
class Controls:
    """The liveness and quality levels one call asks for."""

    liveness: ControlLevel = ControlLevel.NONE
    quality: ControlLevel = ControlLevel.NONE


# Attributes a caller may ask detect for; each dialect spells them its own way
# and supports its own share (see `Capabilities.attributes`).
ATTRIBUTES = frozenset(
    {"age", "beauty", "expression", "gender", "glasses", "race", "emotion", "face_shape", "landmark"}
)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What one API version can do, as its dialect adapter declares it.

    Ask these instead of spelling out a dialect's facts (V2 has no emotion,
    returns at most 5 candidates, cannot list or delete single faces, ...).
    """

    version: ApiVersion
    attributes: frozenset[str]  # detect attributes this version returns
    max_top: int  # candidates identify may return per face
    list_faces: bool
    delete_face: bool
    create_group: bool
    delete_group: bool
    face_tokens: bool  # takes a face Baidu already saw (`FaceToken`) in place of a picture
    # Operations that can judge liveness (the others refuse a liveness level with
    # BaiduFaceNotSupportedError).
    liveness: frozenset[str] = frozenset()
    # Whether a quality level on identify, verify, register_user or update_user
    # costs one more (detect) call: V2 cannot ask for quality in those calls.
    quality_costs_detect: bool = False


@dataclass(frozen=True, slots=True)
class FaceBox:
    """A face's place in the caller's image, in its pixels; rotation in degrees."""

    left: float
    top: float
    width: float
    height: float
    rotation: int = 0


@dataclass(frozen=True, slots=True)
class Point:
    """A landmark in the caller's image, in its pixels."""

    x: float
    y: float


@dataclass(frozen=True, slots=True)
class Occlusion:
    """How covered each part of a face is: 0 (visible) to 1 (fully covered)."""

    left_eye: float
    right_eye: float
    nose: float
    mouth: float
    left_cheek: float
    right_cheek: float
    chin_contour: float


@dataclass(frozen=True, slots=True)
class Quality:
    """A face's quality as Baidu measures it.

    blur 0 (sharp) to 1 (blurred); illumination 0-255 (the face's mean grey
    level); completeness 1 when the whole face is inside the image, 0 when it
    crosses the edge; angles in degrees (None where the answer gave none).
    """

    blur: float
    illumination: float
    completeness: float
    occlusion: Occlusion
    yaw: float | None = None
    pitch: float | None = None
    roll: float | None = None


@dataclass(frozen=True, slots=True)
class Face:
    """One detected face. Attributes are None unless asked for and returned.

    `quality` is there when a quality level was asked for; `liveness` is the
    0-1 score (higher: more likely a live person) where the answer gave one,
    None when it was not checked or Baidu judged it without saying the score.
    """

    box: FaceBox
    probability: float
    yaw: float
    pitch: float
    roll: float
    face_token: str | None = None
    age: float | None = None
    beauty: float | None = None
    gender: str | None = None  # "male" / "female"
    glasses: str | None = None  # "none" / "common" / "sun"
    expression: str | None = None  # "none" / "smile" / "laugh"
    emotion: str | None = None
    race: str | None = None
    face_shape: str | None = None
    landmarks: tuple[Point, ...] = ()
    quality: Quality | None = None
    liveness: float | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A registered user a face resembles, with the score (0-100) of the likeness."""

    uid: str
    group_id: str
    user_info: str
    score: float


class Faces[T](list[T]):
    """The faces a call found, largest first, and how many it left out for failing a control level.

    A list, so callers that only want the faces need not know; `refused` counts
    the faces that were found but failed the quality (or liveness) level.
    """

    __slots__ = ("refused",)

    def __init__(self, faces: Iterable[T] = (), refused: int = 0) -> None:
        """Hold the faces that passed, and the count of those that did not."""
        super().__init__(faces)
        self.refused = refused


@dataclass(frozen=True, slots=True)
class IdentifiedFace:
    """A face and the registered users it resembles, best first (scores may be below 80).

    `quality` and `liveness` as on `Face`, where the answer gave them.
    """

    candidates: tuple[Candidate, ...]
    box: FaceBox | None = None
    face_token: str | None = None
    quality: Quality | None = None
    liveness: float | None = None

    @property
    def best(self) -> Candidate | None:
        """The most likely candidate, if any."""
        return self.candidates[0] if self.candidates else None


@dataclass(frozen=True, slots=True)
class MatchScore:
    """The score of images `first` and `second` (indexes into the caller's list).

    `face_found` is False (and the score 0) when the answer said an image of
    the pair has no face; V2 does not say which image, so then every pair says
    so. `quality` and `liveness` are the two images', where the answer gave them.
    """

    first: int
    second: int
    score: float
    face_found: bool = True
    quality: tuple[Quality | None, Quality | None] = (None, None)
    liveness: tuple[float | None, float | None] = (None, None)


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """How much a face looks like `uid` (0 when Baidu found no match); `is_same_person` decides.

    `face_found` is False (and the score 0) for an image without a face.
    `quality` and `liveness` as on `Face`, where the answer gave them.
    """

    uid: str
    score: float
    group_id: str | None = None
    face_found: bool = True
    quality: Quality | None = None
    liveness: float | None = None


@dataclass(frozen=True, slots=True)
class RegisterResult:
    """What a registration or update stored: the groups, and (V3) the face's token and box."""

    uid: str
    groups: tuple[str, ...]
    log_id: int | None = None
    face_token: str | None = None
    box: FaceBox | None = None
    quality: Quality | None = None  # where the client measured it first (V2)


@dataclass(frozen=True, slots=True)
class Membership:
    """One group a user is in, and the user_info stored there."""

    group_id: str
    user_info: str


@dataclass(frozen=True, slots=True)
class User:
    """A registered user and the groups it is in."""

    uid: str
    memberships: tuple[Membership, ...]

    @property
    def groups(self) -> tuple[str, ...]:
        """The ids of the user's groups."""
        return tuple(m.group_id for m in self.memberships)


@dataclass(frozen=True, slots=True)
class GroupUser:
    """A user of a group; V3 lists ids only, so user_info may be None."""

    uid: str
    user_info: str | None = None


@dataclass(frozen=True, slots=True)
class StoredFace:
    """One face stored for a user (V3): its token and when it was added."""

    face_token: str
    created: str


@dataclass(frozen=True, slots=True)
class Result:
    """What a change returned: Baidu's log id for support requests."""

    log_id: int | None = None
    completed: tuple[str, ...] = field(default=())
