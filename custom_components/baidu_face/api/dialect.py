"""What every API dialect adapter offers, in the client's vocabulary."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from .images import PreparedImage
from .models import (
    ApiVersion,
    Capabilities,
    Face,
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
    """One API version's adapter: wire names and shapes stay inside it."""

    version: ApiVersion
    capabilities: Capabilities

    async def probe(self) -> None: ...
    async def detect(self, image: PreparedImage, max_faces: int, attributes: frozenset[str]) -> list[Face]: ...
    async def match(self, images: list[PreparedImage]) -> list[MatchScore]: ...
    async def identify(
        self, image: PreparedImage, groups: list[str], max_faces: int, top: int
    ) -> list[IdentifiedFace]: ...
    async def verify(self, image: PreparedImage, uid: str, groups: list[str]) -> VerifyResult: ...
    async def register_user(
        self, uid: str, image: PreparedImage, groups: list[str], user_info: str, replace: bool
    ) -> RegisterResult: ...
    async def update_user(
        self, uid: str, image: PreparedImage, group: str, user_info: str | None, create: bool
    ) -> RegisterResult: ...
    async def delete_user(self, uid: str, groups: list[str] | None) -> Result: ...
    async def get_user(self, uid: str, group: str | None) -> User: ...
    async def list_groups(self, start: int, length: int) -> list[str]: ...
    async def list_group_users(self, group: str, start: int, length: int) -> list[GroupUser]: ...
    async def add_user_to_group(self, uid: str, source: str, targets: list[str]) -> Result: ...
    async def remove_user_from_group(self, uid: str, group: str) -> Result: ...
    async def create_group(self, group: str) -> Result: ...
    async def delete_group(self, group: str) -> Result: ...
    async def list_faces(self, uid: str, group: str) -> list[StoredFace]: ...
    async def delete_face(self, uid: str, group: str, face_token: str) -> Result: ...


def labelled(value: Any, labels: tuple[str, ...]) -> str | None:
    """V2's numeric codes (0/1/2) or V3's {"type": ...} as one label."""
    if isinstance(value, dict):
        value = value.get("type")
    if isinstance(value, int) and 0 <= value < len(labels):
        return labels[value]
    return str(value) if value is not None else None
