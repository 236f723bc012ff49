"""The Baidu Face client: one vocabulary, either API version, checked input."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Self

import aiohttp

from .answers import reading
from .dialect import Dialect
from .errors import liveness_unavailable
from .exceptions import (
    BaiduFaceConnectionError,
    BaiduFaceError,
    BaiduFaceFaceNotFoundError,
    BaiduFaceGroupNotFoundError,
    BaiduFaceLivenessError,
    BaiduFaceLivenessUnavailableError,
    BaiduFaceNotFoundError,
    BaiduFacePermissionError,
    BaiduFaceUserNotFoundError,
)
from .images import FaceToken, PreparedImage, Sendable, prepare_image
from .limits import (
    DEFAULT_BASE_URL,
    DEFAULT_QPS,
    MAX_FACES,
    MAX_PAGE,
    MAX_START,
    MAX_TOP,
    check_attributes,
    check_face_token,
    check_group,
    check_groups,
    check_images,
    check_level,
    check_range,
    check_uid,
    check_user_info,
    invalid,
)
from .models import (
    ATTRIBUTES,
    ApiVersion,
    Capabilities,
    ControlLevel,
    Controls,
    Face,
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
from .transport import CallBudget, Transport
from .v2 import V2
from .v3 import V3

__all__ = ["DEFAULT_DEADLINE", "BaiduFaceClient", "ImageInput", "capabilities_for"]

# One call, retries and back-offs included, gives up after this many seconds.
DEFAULT_DEADLINE = 30.0

# A picture, or (V3, see `Capabilities.face_tokens`) a face Baidu already saw.
type ImageInput = bytes | PreparedImage | FaceToken
# A liveness or quality level: a ControlLevel, or its name ("normal").
type Level = ControlLevel | str
NONE = ControlLevel.NONE

# Which input a not-found error is about, in order of preference.
_MISSING: tuple[tuple[type[BaiduFaceNotFoundError], str], ...] = (
    (BaiduFaceUserNotFoundError, "uid"),
    (BaiduFaceGroupNotFoundError, "group_id"),
    (BaiduFaceGroupNotFoundError, "groups"),
    (BaiduFaceFaceNotFoundError, "face_token"),
)


def _token(image: Sendable) -> str | None:
    """Return the face_token sent in place of a picture, to name in a "not found" error."""
    return str(image) if isinstance(image, FaceToken) else None


def _controls(liveness: Level, quality: Level) -> Controls:
    return Controls(check_level(liveness, "liveness"), check_level(quality, "quality"))


def capabilities_for(version: ApiVersion) -> Capabilities:
    """Return what an API version can do (for AUTO: V3's, the version tried first), e.g. for a settings form."""
    return V2.capabilities if version is ApiVersion.V2 else V3.capabilities


class BaiduFaceClient:
    """Async client for Baidu AI Face (or the local server), V2 or V3.

    The session is the caller's (Home Assistant's shared one); the client never
    closes it.

    `liveness` and `quality` levels (none, low, normal, high) on detect, match,
    identify, verify, register_user and update_user ask Baidu to judge the
    face: one that fails is refused with BaiduFaceLivenessError or
    BaiduFaceQualityError, the same on both API versions. V3 sends the levels
    (Baidu judges them); V2 asks for the scores and the client compares them
    with `controls.py`'s table, and, where V2 cannot ask for quality in the same
    call (identify, verify, register_user, update_user), first spends one detect
    call to measure it (`Capabilities.quality_costs_detect`; counted and
    budgeted like any other call). A backend that cannot judge liveness (the
    local server) refuses with BaiduFaceLivenessUnavailableError: nothing is
    ever passed unjudged.

    Args:
        session: the aiohttp session to send with.
        api_key: the app's API key.
        secret_key: the app's secret key.
        api_version: V2, V3 or AUTO (find the one the app may use, V3 first).
        base_url: Baidu's endpoint, or the local server's.
        timeout: seconds one HTTP request may take.
        qps: calls a second the app may make. Baidu counts them per app, so
            clients with the same API key and base URL share one limiter (and
            one access token); when their qps differ, the lowest wins.
        max_retries: how often a call refused with error 18 (too many calls a
            second) is tried again, backing off.
        deadline: seconds one call may take in all - token, retries, back-offs
            and every request of a multi-step operation included - before it
            fails with BaiduFaceConnectionError.
        budget: asked before each request whether it may be sent (a request
            it refuses raises BaiduFaceBudgetExhaustedError, unsent), and told
            what came of each one sent; None sends everything.

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
        deadline: float = DEFAULT_DEADLINE,
        budget: CallBudget | None = None,
    ) -> None:
        """Make a client; nothing is sent until the first call."""
        if deadline <= 0:
            raise ValueError("deadline must be more than 0 seconds")
        self._transport = Transport(
            session,
            api_key,
            secret_key,
            base_url=base_url,
            timeout=timeout,
            qps=qps,
            max_retries=max_retries,
            budget=budget,
        )
        self._wanted = ApiVersion(api_version)
        self._dialect: Dialect | None = self._make(self._wanted) if self._wanted is not ApiVersion.AUTO else None
        self._dialect_lock = asyncio.Lock()
        self._deadline = deadline
        self._judges_liveness: bool | None = None
        self.base_url = base_url

    def __repr__(self) -> str:
        """Name the endpoint and version, never the keys."""
        return f"BaiduFaceClient(base_url={self.base_url!r}, api_version={self.api_version.value!r})"

    async def __aenter__(self) -> Self:
        """Use the client in `async with`."""
        return self

    async def __aexit__(self, *_: object) -> None:
        """Nothing to release: the session is the caller's."""
        return

    def _make(self, version: ApiVersion) -> Dialect:
        return V3(self._transport.call) if version is ApiVersion.V3 else V2(self._transport.call)

    @property
    def api_version(self) -> ApiVersion:
        """The version in use: the one found, or the one asked for (AUTO until found)."""
        return self._dialect.version if self._dialect else self._wanted

    @property
    def capabilities(self) -> Capabilities:
        """What the version in use can do.

        With AUTO, before `resolve_api_version()` (or a first call) has found
        the version, these are V3's, the version tried first.
        """
        return self._dialect.capabilities if self._dialect else capabilities_for(self._wanted)

    @property
    def judges_liveness(self) -> bool | None:
        """Whether the backend judges liveness: None until a call asked for it, then what its answer showed.

        False once the backend refused a liveness level as one it cannot apply
        (the local server does); True once it answered one (Baidu's cloud).
        """
        return self._judges_liveness

    @property
    def call_counts(self) -> dict[str, int]:
        """Requests made so far, by operation (one operation may need several)."""
        return dict(self._transport.calls)

    async def authenticate(self) -> None:
        """Fetch a fresh access token: proves the keys."""
        await self._bounded(self._transport.token(renew=True))

    async def resolve_api_version(self) -> ApiVersion:
        """Find which API version the app may use (V3 first) and remember it; a forced one is checked."""
        if self._dialect is not None and self._wanted is not ApiVersion.AUTO:
            await self._bounded(self._dialect.probe())
            return self._dialect.version
        return (await self._bounded(self._use())).version

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

    async def _bounded[T](self, work: Awaitable[T]) -> T:
        """Await `work` within the client's deadline."""
        try:
            async with asyncio.timeout(self._deadline):
                return await work
        except TimeoutError:
            raise BaiduFaceConnectionError(
                f"{self.base_url} did not finish the call within the {self._deadline:g} s deadline"
            ) from None

    async def _run[T](
        self,
        operation: Callable[[Dialect], Awaitable[T]],
        *,
        controls: Controls | None = None,
        uid: str | None = None,
        group: str | None = None,
        groups: Sequence[str] = (),
        face_token: str | None = None,
    ) -> T:
        """Run one operation on the dialect in use, within the deadline; name the input an error is about.

        An answer of the wrong shape, wherever an adapter reads it, becomes
        BaiduFaceBadAnswerError here; what the answer said of liveness is noted
        (`judges_liveness`).
        """

        async def run() -> T:
            with reading(self.base_url):
                return await operation(await self._use())

        asked = controls is not None and controls.liveness is not NONE
        try:
            result = await self._bounded(run())
        except BaiduFaceError as raised:
            err = liveness_unavailable(raised) if asked else raised
            self._note_liveness(err)
            self._name(err, uid=uid, group_id=group, groups=",".join(groups) or None, face_token=face_token)
            if err is raised:
                raise
            raise err from raised
        if asked:
            self._judges_liveness = True
        return result

    def _note_liveness(self, err: BaiduFaceError) -> None:
        if isinstance(err, BaiduFaceLivenessError):
            self._judges_liveness = True
        elif isinstance(err, BaiduFaceLivenessUnavailableError) and err.error_code is not None:
            # The backend's own refusal; a missing score alone proves nothing of the backend.
            self._judges_liveness = False

    @staticmethod
    def _name(err: BaiduFaceError, **sent: str | None) -> None:
        missing = next((f for kind, f in _MISSING if isinstance(err, kind) and sent[f] is not None), None)
        if missing is not None:
            err.name(missing, sent[missing])
        elif err.field in sent and err.value is None:
            err.value = sent[err.field]

    async def _prepare(self, image: ImageInput) -> Sendable:
        if isinstance(image, FaceToken):
            check_face_token(image)
            return image
        if isinstance(image, PreparedImage):
            return image
        if not isinstance(image, bytes | bytearray | memoryview):
            raise invalid("image", None, f"an image must be bytes, not {type(image).__name__}")
        # Decoding and re-encoding a camera frame takes tens of milliseconds.
        return await asyncio.get_running_loop().run_in_executor(None, prepare_image, bytes(image))

    async def detect(
        self,
        image: ImageInput,
        *,
        max_faces: int = 1,
        attributes: Iterable[str] = (),
        liveness: Level = NONE,
        quality: Level = NONE,
    ) -> Faces[Face]:
        """Faces in the image, largest first (empty when there is none).

        `attributes` are names from models.ATTRIBUTES; one the version in use
        does not return (see `capabilities`) raises BaiduFaceNotSupportedError.
        A `quality` level asks for each face's quality and judges it (no extra
        call on either version): faces that fail are left out and counted in
        `Faces.refused`, and when none passes the largest one's refusal is
        raised. `liveness` is judged by V3 only (`capabilities.liveness`).
        """
        wanted = check_attributes(attributes, ATTRIBUTES)
        check_range("max_faces", max_faces, 1, MAX_FACES)
        controls = _controls(liveness, quality)
        prepared = await self._prepare(image)
        return await self._run(lambda d: d.detect(prepared, max_faces, wanted, controls), controls=controls)

    async def match(
        self, images: Sequence[ImageInput], *, liveness: Level = NONE, quality: Level = NONE
    ) -> list[MatchScore]:
        """Scores for every pair of the images.

        A pair with an image without a face scores 0 with `face_found` False
        (an answer, not an error). Under a level, an image that fails it
        refuses the match.
        """
        check_images(images)
        controls = _controls(liveness, quality)
        prepared = [await self._prepare(i) for i in images]
        return await self._run(lambda d: d.match(prepared, controls), controls=controls)

    async def identify(
        self,
        image: ImageInput,
        groups: Iterable[str],
        *,
        max_faces: int = 1,
        top: int = 1,
        liveness: Level = NONE,
        quality: Level = NONE,
    ) -> Faces[IdentifiedFace]:
        """Who each face resembles, from the groups, best first.

        Candidates below the "same person" threshold are kept, so callers can
        tell a stranger by score (`is_same_person`); `top` may not exceed
        `capabilities.max_top`. Under a level, faces that fail it are left out
        and counted in `Faces.refused`; when none passes, the largest one's
        refusal is raised. On V2 a quality level costs one detect call first,
        and liveness on several faces one identify call per face.
        """
        group_ids = check_groups(groups)
        check_range("max_faces", max_faces, 1, MAX_FACES)
        check_range("top", top, 1, MAX_TOP)
        controls = _controls(liveness, quality)
        prepared = await self._prepare(image)
        return await self._run(
            lambda d: d.identify(prepared, group_ids, max_faces, top, controls), controls=controls, groups=group_ids
        )

    async def verify(
        self, image: ImageInput, uid: str, groups: Iterable[str], *, liveness: Level = NONE, quality: Level = NONE
    ) -> VerifyResult:
        """How much the image's face looks like `uid` (see `is_same_person`).

        An image without a face scores 0 with `face_found` False. On V2 a
        quality level costs one detect call first.
        """
        check_uid(uid)
        group_ids = check_groups(groups)
        controls = _controls(liveness, quality)
        prepared = await self._prepare(image)
        return await self._run(
            lambda d: d.verify(prepared, uid, group_ids, controls), controls=controls, uid=uid, groups=group_ids
        )

    async def register_user(
        self,
        uid: str,
        image: ImageInput,
        groups: Iterable[str],
        *,
        user_info: str = "",
        replace: bool = False,
        liveness: Level = NONE,
        quality: Level = NONE,
    ) -> RegisterResult:
        """Add a face to `uid` in each group (creating both as needed); `replace` drops its old faces.

        The face may be a `FaceToken` of a face Baidu saw lately (V3: no
        upload); one it no longer knows is BaiduFaceFaceNotFoundError, and V2
        refuses any with BaiduFaceNotSupportedError: send the picture then.
        Baidu advises a quality level (normal) for faces registered; on V2 it
        costs one detect call first. A picture without a face is
        BaiduFaceNoFaceError.
        """
        check_uid(uid)
        group_ids = check_groups(groups)
        check_user_info(user_info)
        controls = _controls(liveness, quality)
        prepared = await self._prepare(image)
        return await self._run(
            lambda d: d.register_user(uid, prepared, group_ids, user_info, replace, controls),
            controls=controls,
            uid=uid,
            groups=group_ids,
            face_token=_token(prepared),
        )

    async def update_user(
        self,
        uid: str,
        image: ImageInput,
        group: str,
        *,
        user_info: str | None = None,
        create: bool = False,
        liveness: Level = NONE,
        quality: Level = NONE,
    ) -> RegisterResult:
        """Replace `uid`'s faces in a group with this image; `create` registers a missing uid.

        Without `user_info` the stored one is kept. Levels as for `register_user`.
        """
        check_uid(uid)
        check_group(group)
        if user_info is not None:
            check_user_info(user_info)
        controls = _controls(liveness, quality)
        prepared = await self._prepare(image)
        return await self._run(
            lambda d: d.update_user(uid, prepared, group, user_info, create, controls),
            controls=controls,
            uid=uid,
            group=group,
            face_token=_token(prepared),
        )

    async def delete_user(self, uid: str, groups: Iterable[str] | None = None) -> Result:
        """Remove `uid` from the groups, or from every group when `groups` is None.

        An empty list is refused: only leaving it out means "every group".
        """
        check_uid(uid)
        group_ids = check_groups(groups) if groups is not None else None
        return await self._run(lambda d: d.delete_user(uid, group_ids), uid=uid, groups=group_ids or ())

    async def get_user(self, uid: str, group: str | None = None) -> User:
        """Read the groups `uid` is in and its user_info in each (only `group`'s when given)."""
        check_uid(uid)
        if group is not None:
            check_group(group)
        return await self._run(lambda d: d.get_user(uid, group), uid=uid, group=group)

    async def list_groups(self, start: int = 0, length: int = 100) -> list[str]:
        """List the app's group ids, a page at a time."""
        check_range("start", start, 0, MAX_START)
        check_range("length", length, 1, MAX_PAGE)
        return await self._run(lambda d: d.list_groups(start, length))

    async def list_group_users(self, group: str, start: int = 0, length: int = 100) -> list[GroupUser]:
        """List the users of a group, a page at a time."""
        check_group(group)
        check_range("start", start, 0, MAX_START)
        check_range("length", length, 1, MAX_PAGE)
        return await self._run(lambda d: d.list_group_users(group, start, length), group=group)

    async def add_user_to_group(self, uid: str, source_group: str, groups: Iterable[str]) -> Result:
        """Put `uid` (its faces and user_info) from `source_group` into more groups."""
        check_uid(uid)
        check_group(source_group)
        group_ids = check_groups(groups)
        return await self._run(lambda d: d.add_user_to_group(uid, source_group, group_ids), uid=uid, group=source_group)

    async def remove_user_from_group(self, uid: str, group: str) -> Result:
        """Take `uid` out of one group; a user always keeps one group (delete it instead)."""
        check_uid(uid)
        check_group(group)
        return await self._run(lambda d: d.remove_user_from_group(uid, group), uid=uid, group=group)

    async def create_group(self, group: str) -> Result:
        """Make an empty group (`capabilities.create_group`)."""
        check_group(group)
        return await self._run(lambda d: d.create_group(group), group=group)

    async def delete_group(self, group: str) -> Result:
        """Delete a group and its users (`capabilities.delete_group`)."""
        check_group(group)
        return await self._run(lambda d: d.delete_group(group), group=group)

    async def list_faces(self, uid: str, group: str) -> list[StoredFace]:
        """List the faces stored for `uid` in a group (`capabilities.list_faces`)."""
        check_uid(uid)
        check_group(group)
        return await self._run(lambda d: d.list_faces(uid, group), uid=uid, group=group)

    async def delete_face(self, uid: str, group: str, face_token: str) -> Result:
        """Delete one stored face of `uid` (`capabilities.delete_face`)."""
        check_face_token(face_token)
        check_uid(uid)
        check_group(group)
        return await self._run(
            lambda d: d.delete_face(uid, group, face_token), uid=uid, group=group, face_token=face_token
        )
