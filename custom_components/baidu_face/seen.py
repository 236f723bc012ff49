"""A face a camera's scan saw: made once from the client's results, shaped for Home Assistant only at the edges.

The scanner, the visits, the kept faces, the people and the pictures all pass
`SeenFace` along; `attributes` (the recognition entity's faces) and
`box_attributes` (events, action responses) are the edges where it becomes
plain data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from homeassistant.components.image_processing import FaceInformation

from .api import Candidate, Face, FaceBox, IdentifiedFace, Point, is_same_person


class FaceAttributes(FaceInformation, total=False):
    """A face as the recognition entity shows it: Home Assistant's keys, and ours beside them."""

    uid: str
    group_id: str
    user_info: str
    box: dict[str, float] | None
    face_token: str
    beauty: float
    emotion: str
    face_shape: str
    landmarks: list[dict[str, float]]


# The detect attributes among them, by the kind of value they hold.
type _Number = Literal["age", "beauty"]
type _Word = Literal["gender", "glasses", "motion", "emotion", "face_shape"]


@dataclass(frozen=True, slots=True)
class SeenFace:
    """One face of a frame: who it is (when recognised), how sure, where, and (detect mode) how it looks.

    `score` (0-100) is the best candidate's likeness on identifying cameras, the
    detector's certainty on detecting ones. Only a recognised face has a uid.
    """

    score: float
    box: FaceBox | None
    uid: str | None = None
    name: str | None = None  # user_info, else the uid
    group_id: str | None = None
    user_info: str | None = None
    # Lets a kept face be enrolled by token (V3) instead of sending its picture again.
    face_token: str | None = None
    age: float | None = None
    gender: str | None = None
    glasses: str | None = None
    expression: str | None = None
    beauty: float | None = None
    emotion: str | None = None
    face_shape: str | None = None
    landmarks: tuple[Point, ...] = ()
    # A face that would name someone but whose best two candidates (different people) are
    # within the tie margin names nobody: these are the two.
    tie: tuple[Candidate, ...] = ()
    # An unknown face that matched a stranger seen before: the visitor's uid (visitors.py).
    visitor: str | None = None

    @property
    def recognised(self) -> bool:
        """Whether the face is someone of the groups searched."""
        return self.uid is not None

    @classmethod
    def identified(
        cls, face: IdentifiedFace, threshold: float, tie_margin: float = 0.0, visitors: str | None = None
    ) -> SeenFace:
        """Return an identified face: recognised when its best candidate is the same person at `threshold`.

        A best candidate of the `visitors` group is no person: the face stays
        unknown, naming the visitor it is (whoever comes second: a visitor never
        opens anything). Otherwise, unless the best other candidate scores within
        `tie_margin` points of it: a visitor there makes the face that visitor
        all the same (which of the two comes first is noise; a face the user said
        is not this person is such a visitor), another person is a tie, naming
        nobody: then `tie` holds the two.
        """
        best = face.best
        if best is None or not is_same_person(best.score, threshold):
            return cls(best.score if best else 0.0, face.box, face_token=face.face_token)
        if best.group_id == visitors:
            return cls(best.score, face.box, face_token=face.face_token, visitor=best.uid)
        rival = next((c for c in face.candidates[1:] if c.uid != best.uid), None)
        if rival is not None and best.score - rival.score < tie_margin:
            if visitors is not None and rival.group_id == visitors:
                return cls(rival.score, face.box, face_token=face.face_token, visitor=rival.uid)
            return cls(best.score, face.box, face_token=face.face_token, tie=(best, rival))
        return cls(
            best.score,
            face.box,
            uid=best.uid,
            name=best.user_info or best.uid,
            group_id=best.group_id,
            user_info=best.user_info,
            face_token=face.face_token,
        )

    @classmethod
    def detected(cls, face: Face) -> SeenFace:
        """Return a detected face (detect mode names nobody, keeps no face, so its token is not carried)."""
        return cls(
            round(face.probability * 100, 1),
            face.box,
            age=face.age,
            gender=face.gender,
            glasses=face.glasses,
            expression=face.expression,
            beauty=face.beauty,
            emotion=face.emotion,
            face_shape=face.face_shape,
            landmarks=face.landmarks,
        )

    def attributes(self) -> FaceAttributes:
        """Return the face as the recognition entity's attributes and `image_processing.detect_face` data."""
        info: FaceAttributes = {"confidence": self.score}
        if self.uid is not None:
            info = {"name": self.name or self.uid, "confidence": self.score, "uid": self.uid}
            if self.group_id is not None:
                info["group_id"] = self.group_id
            if self.user_info is not None:
                info["user_info"] = self.user_info
        info["box"] = box_attributes(self.box)
        if self.face_token:
            info["face_token"] = self.face_token
        info.update(self._appearance())
        return info

    def _appearance(self) -> FaceAttributes:
        """Return what detect found about the face, in Home Assistant's face keys where they exist."""
        info: FaceAttributes = {}
        numbers: list[tuple[_Number, float | None]] = [("age", self.age), ("beauty", self.beauty)]
        words: list[tuple[_Word, str | None]] = [
            ("gender", self.gender),
            ("glasses", self.glasses),
            ("motion", self.expression),  # Home Assistant's name for it
            ("emotion", self.emotion),
            ("face_shape", self.face_shape),
        ]
        for number_key, number in numbers:
            if number is not None:
                info[number_key] = number
        for word_key, word in words:
            if word is not None:
                info[word_key] = word
        if self.landmarks:
            info["landmarks"] = [asdict(point) for point in self.landmarks]
        return info


def box_attributes(box: FaceBox | None) -> dict[str, float] | None:
    """Return a face's box as plain numbers (pixels of the image given), or None when the API gave none."""
    if box is None:
        return None
    return {"left": box.left, "top": box.top, "width": box.width, "height": box.height}
