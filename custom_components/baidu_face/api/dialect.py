"""What every API dialect adapter offers, in the client's vocabulary."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from .answers import number, optional, quality_of, records
from .images import Sendable
from .models import (
    ApiVersion,
    Capabilities,
    Controls,
    Face,
    FaceBox,
    Faces,
    GroupUser,
    IdentifiedFace,
    MatchScore,
    RegisterResult,
    Result,
    StoredFace,
    User,
    VerifyResult,
)

# transport.call(operation, path, payload, form=...) -> successful body
Call = Callable[..., Awaitable[dict[str, Any]]]

EXPRESSIONS = ("none", "smile", "laugh")
GLASSES = ("none", "common", "sun")


class Dialect(Protocol):
    """One API version's adapter: wire names and shapes stay inside it.

    The client has checked every input before an adapter sees it; an adapter
    translates, sends through the transport and parses, and refuses with
    BaiduFaceNotSupportedError what its version cannot do (see `capabilities`),
    a `FaceToken` in place of a picture included. It reads answers with
    `answers`' readers: a wrong shape raises, and the client turns that into
    BaiduFaceBadAnswerError.

    `controls` are the liveness and quality levels asked for: a face that fails
    one is refused with BaiduFaceQualityError or BaiduFaceLivenessError (Baidu's
    refusal, or the adapter's own judgement by `controls.py` where Baidu only
    gives the numbers); a call that finds several faces leaves out those that
    fail, counting them in `Faces.refused`, and refuses when none passes.
    """

    version: ApiVersion
    capabilities: Capabilities

    async def probe(self) -> None:
        """Make the cheapest call of this version: raises BaiduFacePermissionError if the app may not use it."""

    async def detect(
        self, image: Sendable, max_faces: int, attributes: frozenset[str], controls: Controls
    ) -> Faces[Face]:
        """Find up to `max_faces` faces, largest first, with the attributes asked for."""

    async def match(self, images: list[Sendable], controls: Controls) -> list[MatchScore]:
        """Score every pair of the images; a pair with an image without a face scores 0 (face_found False)."""

    async def identify(
        self, image: Sendable, groups: list[str], max_faces: int, top: int, controls: Controls
    ) -> Faces[IdentifiedFace]:
        """Find each face's `top` best candidates in the groups, whatever their score."""

    async def verify(self, image: Sendable, uid: str, groups: list[str], controls: Controls) -> VerifyResult:
        """Score the face against `uid`: low, or 0, for a stranger or an image without a face, never an error."""

    async def register_user(
        self, uid: str, image: Sendable, groups: list[str], user_info: str, replace: bool, controls: Controls
    ) -> RegisterResult:
        """Add the face to `uid` in every group, creating user and groups as needed."""

    async def update_user(
        self, uid: str, image: Sendable, group: str, user_info: str | None, create: bool, controls: Controls
    ) -> RegisterResult:
        """Replace `uid`'s faces in one group; None keeps the stored user_info."""

    async def delete_user(self, uid: str, groups: list[str] | None) -> Result:
        """Remove `uid` from the groups (None: from every group)."""

    async def get_user(self, uid: str, group: str | None) -> User:
        """Read `uid`'s groups and user_info (one group's only when given)."""

    async def list_groups(self, start: int, length: int) -> list[str]:
        """List a page of the app's group ids."""

    async def list_group_users(self, group: str, start: int, length: int) -> list[GroupUser]:
        """List a page of a group's users."""

    async def add_user_to_group(self, uid: str, source: str, targets: list[str]) -> Result:
        """Copy `uid` from `source` into the target groups."""

    async def remove_user_from_group(self, uid: str, group: str) -> Result:
        """Take `uid` out of one group; never its last."""

    async def create_group(self, group: str) -> Result:
        """Create an empty group."""

    async def delete_group(self, group: str) -> Result:
        """Delete a group and its users."""

    async def list_faces(self, uid: str, group: str) -> list[StoredFace]:
        """List `uid`'s stored faces in a group."""

    async def delete_face(self, uid: str, group: str, face_token: str) -> Result:
        """Delete one stored face."""


def labelled(value: Any, labels: tuple[str, ...]) -> str | None:
    """V2's numeric codes (0/1/2) or V3's {"type": ...} as one label."""
    if isinstance(value, dict):
        value = value.get("type")
    if isinstance(value, int) and 0 <= value < len(labels):
        return labels[value]
    return str(value) if value is not None else None


def face_from(
    image: Sendable, face: dict[str, Any], box: FaceBox, angles: tuple[Any, Any, Any], quality: str, **more: Any
) -> Face:
    """Read a detected face: what both dialects spell alike here, the rest (`more`) as each adapter reads it.

    `angles` are the answer's yaw, pitch and roll; `quality` names the face's
    quality object (V3 `quality`, V2 `qualities`), read when the answer has one.
    """
    return Face(
        box=box,
        probability=number(face.get("face_probability", 0)),
        yaw=number(angles[0]),
        pitch=number(angles[1]),
        roll=number(angles[2]),
        age=optional(face.get("age"), number),
        beauty=optional(face.get("beauty"), number),
        glasses=labelled(face.get("glasses"), GLASSES),
        expression=labelled(face.get("expression"), EXPRESSIONS),
        landmarks=tuple(image.point(number(p["x"]), number(p["y"])) for p in records(face.get("landmark"))),
        quality=optional(face.get(quality), lambda q: quality_of(q, angles)),
        **more,
    )
