"""The Baidu Face client: one vocabulary, either API version, checked input."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable, Sequence
from typing import Self

import aiohttp

from .dialect import Dialect
from .exceptions import BaiduFaceInvalidInputError, BaiduFacePermissionError
from .images import PreparedImage, prepare_image
from .models import (
    ATTRIBUTES,
    ApiVersion,
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
from .transport import Transport
from .v2 import V2
from .v3 import V3

DEFAULT_BASE_URL = "https://aip.baidubce.com"
DEFAULT_QPS = 2  # Baidu's free tier
ID_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
MAX_UID_BYTES = 128
MAX_GROUP_BYTES = 48
MAX_USER_INFO_BYTES = 256
MAX_GROUPS = 10
MAX_FACES = 10
MAX_TOP = 50
MAX_PAGE = 1000
MAX_MATCH_IMAGES = 10

type ImageInput = bytes | PreparedImage


def _invalid(message: str) -> BaiduFaceInvalidInputError:
    return BaiduFaceInvalidInputError(message)


def check_uid(uid: str) -> str:
    if not ID_PATTERN.match(uid):
        raise _invalid(f"uid {uid!r} may only hold letters, digits and _")
    if len(uid.encode()) > MAX_UID_BYTES:
        raise _invalid(f"uid is longer than {MAX_UID_BYTES} bytes")
    return uid


def check_group(group: str) -> str:
    if not ID_PATTERN.match(group):
        raise _invalid(f"group id {group!r} may only hold letters, digits and _")
    if len(group.encode()) > MAX_GROUP_BYTES:
        raise _invalid(f"group id is longer than {MAX_GROUP_BYTES} bytes")
    return group


def check_groups(groups: Iterable[str]) -> list[str]:
    unique = list(dict.fromkeys(groups))
    if not unique:
        raise _invalid("at least one group is needed")
    if len(unique) > MAX_GROUPS:
        raise _invalid(f"at most {MAX_GROUPS} groups at a time")
    return [check_group(g) for g in unique]


def check_user_info(user_info: str) -> str:
    if len(user_info.encode()) > MAX_USER_INFO_BYTES:
        raise _invalid(f"user_info is longer than {MAX_USER_INFO_BYTES} bytes (UTF-8)")
    return user_info


def check_range(name: str, value: int, low: int, high: int) -> int:
    if not low <= value <= high:
        raise _invalid(f"{name} must be from {low} to {high}")
    return value


class BaiduFaceClient:
    """Async client for Baidu AI Face (or the local server), V2 or V3.

    The session is the caller's (Home Assistant's shared one); the client never
    closes it.
    """

    def __init__(
        self,
        session: aiohttp.ClientSession,
        api_key: str,
        secret_key: str,
        *,
        api_version: ApiVersion | str = ApiVersion.AUTO,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 10.0,
        qps: int = DEFAULT_QPS,
        max_retries: int = 3,
    ) -> None:
        self._transport = Transport(
            session, api_key, secret_key, base_url=base_url, timeout=timeout, qps=qps, max_retries=max_retries
        )
        self._wanted = ApiVersion(api_version)
        self._dialect: Dialect | None = self._make(self._wanted) if self._wanted is not ApiVersion.AUTO else None
        self._dialect_lock = asyncio.Lock()
        self.base_url = base_url

    def __repr__(self) -> str:
        return f"BaiduFaceClient(base_url={self.base_url!r}, api_version={self.api_version.value!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        return None

    def _make(self, version: ApiVersion) -> Dialect:
        return V3(self._transport.call) if version is ApiVersion.V3 else V2(self._transport.call)

    @property
    def api_version(self) -> ApiVersion:
        """The version in use: the one found, or the one asked for (AUTO until found)."""
        return self._dialect.version if self._dialect else self._wanted

    @property
    def call_counts(self) -> dict[str, int]:
        """Requests made so far, by operation (one operation may need several)."""
        return dict(self._transport.calls)

    async def authenticate(self) -> None:
        """Fetch a fresh access token: proves the keys."""
        await self._transport.token(renew=True)

    async def resolve_api_version(self) -> ApiVersion:
        """Find which API version the app may use (V3 first) and remember it; a forced one is checked."""
        if self._dialect is not None and self._wanted is not ApiVersion.AUTO:
            await self._dialect.probe()
            return self._dialect.version
        return (await self._use()).version

    async def _use(self) -> Dialect:
        async with self._dialect_lock:
            if self._dialect is None:
                for version in (ApiVersion.V3, ApiVersion.V2):
                    candidate = self._make(version)
                    try:
                        await candidate.probe()
                    except BaiduFacePermissionError:
                        continue
                    self._dialect = candidate
                    break
                else:
                    raise BaiduFacePermissionError(
                        "this app may not use the Face API (neither V3 nor V2): enable it in Baidu's console",
                        error_code=6,
                    )
            return self._dialect

    async def _prepare(self, image: ImageInput) -> PreparedImage:
        if isinstance(image, PreparedImage):
            return image
        # Decoding and re-encoding a camera frame takes tens of milliseconds.
        return await asyncio.get_running_loop().run_in_executor(None, prepare_image, image)

    async def detect(self, image: ImageInput, *, max_faces: int = 1, attributes: Iterable[str] = ()) -> list[Face]:
        """Faces in the image, largest first (empty when there is none)."""
        wanted = frozenset(attributes)
        if unknown := wanted - ATTRIBUTES:
            raise _invalid(f"unknown attributes: {', '.join(sorted(unknown))}")
        check_range("max_faces", max_faces, 1, MAX_FACES)
        prepared = await self._prepare(image)
        return await (await self._use()).detect(prepared, max_faces, wanted)

    async def match(self, images: Sequence[ImageInput]) -> list[MatchScore]:
        """Scores for every pair of the images."""
        check_range("the number of images", len(images), 2, MAX_MATCH_IMAGES)
        prepared = [await self._prepare(i) for i in images]
        return await (await self._use()).match(prepared)

    async def identify(
        self, image: ImageInput, groups: Iterable[str], *, max_faces: int = 1, top: int = 1
    ) -> list[IdentifiedFace]:
        """Who each face resembles, from the groups; candidates below 80 are kept, to tell strangers."""
        group_ids = check_groups(groups)
        check_range("max_faces", max_faces, 1, MAX_FACES)
        check_range("top", top, 1, MAX_TOP)
        prepared = await self._prepare(image)
        return await (await self._use()).identify(prepared, group_ids, max_faces, top)

    async def verify(self, image: ImageInput, uid: str, groups: Iterable[str]) -> VerifyResult:
        """How much the image's face looks like `uid` (80 and up: the same person)."""
        check_uid(uid)
        group_ids = check_groups(groups)
        prepared = await self._prepare(image)
        return await (await self._use()).verify(prepared, uid, group_ids)

    async def register_user(
        self, uid: str, image: ImageInput, groups: Iterable[str], *, user_info: str = "", replace: bool = False
    ) -> RegisterResult:
        """Add a face to `uid` in each group (creating both as needed); `replace` drops its old faces."""
        check_uid(uid)
        group_ids = check_groups(groups)
        check_user_info(user_info)
        prepared = await self._prepare(image)
        return await (await self._use()).register_user(uid, prepared, group_ids, user_info, replace)

    async def update_user(
        self, uid: str, image: ImageInput, group: str, *, user_info: str | None = None, create: bool = False
    ) -> RegisterResult:
        """Replace `uid`'s faces in a group with this image; `create` registers a missing uid."""
        check_uid(uid)
        check_group(group)
        if user_info is not None:
            check_user_info(user_info)
        prepared = await self._prepare(image)
        return await (await self._use()).update_user(uid, prepared, group, user_info, create)

    async def delete_user(self, uid: str, groups: Iterable[str] | None = None) -> Result:
        """Remove `uid` from the groups, or from every group when none are given."""
        check_uid(uid)
        group_ids = check_groups(groups) if groups is not None else None
        return await (await self._use()).delete_user(uid, group_ids)

    async def get_user(self, uid: str, group: str | None = None) -> User:
        check_uid(uid)
        if group is not None:
            check_group(group)
        return await (await self._use()).get_user(uid, group)

    async def list_groups(self, start: int = 0, length: int = 100) -> list[str]:
        check_range("start", start, 0, 10**9)
        check_range("length", length, 1, MAX_PAGE)
        return await (await self._use()).list_groups(start, length)

    async def list_group_users(self, group: str, start: int = 0, length: int = 100) -> list[GroupUser]:
        check_group(group)
        check_range("start", start, 0, 10**9)
        check_range("length", length, 1, MAX_PAGE)
        return await (await self._use()).list_group_users(group, start, length)

    async def add_user_to_group(self, uid: str, source_group: str, groups: Iterable[str]) -> Result:
        """Put `uid` (its faces and user_info) from `source_group` into more groups."""
        check_uid(uid)
        check_group(source_group)
        return await (await self._use()).add_user_to_group(uid, source_group, check_groups(groups))

    async def remove_user_from_group(self, uid: str, group: str) -> Result:
        """Take `uid` out of one group; a user always keeps one group (delete it instead)."""
        check_uid(uid)
        check_group(group)
        return await (await self._use()).remove_user_from_group(uid, group)

    async def create_group(self, group: str) -> Result:
        return await (await self._use()).create_group(check_group(group))

    async def delete_group(self, group: str) -> Result:
        return await (await self._use()).delete_group(check_group(group))

    async def list_faces(self, uid: str, group: str) -> list[StoredFace]:
        return await (await self._use()).list_faces(check_uid(uid), check_group(group))

    async def delete_face(self, uid: str, group: str, face_token: str) -> Result:
        if not re.fullmatch(r"[0-9a-f]{32}", face_token):
            raise _invalid("face_token must be 32 hex digits")
        return await (await self._use()).delete_face(check_uid(uid), check_group(group), face_token)
