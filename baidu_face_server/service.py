"""Face operations in the shared vocabulary; the dialect modules only translate wire shapes.

Every operation a client can ask for (register_user, update_user, delete_user,
get_user, add_user_to_group, remove_user_from_group, identify, verify, ...) is a
method here, with Baidu's face-set rules; `v2.py` and `v3.py` read their wire
parameters, call one of these and shape the answer.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from .engine import DetectedFace, FaceEngine, similarity
from .images import DecodedImage, decode_base64_image, decode_image_bytes
from .problems import Problem, ProblemError
from .quality import QualityLevel, refusal
from .store import EnrolledFace, FaceStore, StoredFace
from .urls import UrlImages

# \Z, not $: "$" also matches before a trailing newline ("alice\n" would be a second alice).
ID_PATTERN = re.compile(r"^[A-Za-z0-9_]+\Z")
MAX_UID_BYTES = 128
MAX_GROUP_BYTES = 48
MAX_USER_INFO_BYTES = 256

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Match:
    """A user found for a face: the score of the user's closest registered face."""

    group_id: str
    uid: str
    user_info: str
    score: float


def check_id(value: str, field: str, max_bytes: int) -> str:
    """Baidu's rule for ids: letters, digits and underscores, at most `max_bytes`."""
    if not value:
        raise ProblemError(Problem.MISSING_PARAM, field)
    if not ID_PATTERN.match(value):
        raise ProblemError(Problem.INVALID_PARAM, field)
    if len(value.encode()) > max_bytes:
        raise ProblemError(Problem.PARAM_TOO_LONG, field)
    return value


def check_uid(value: str, field: str = "uid") -> str:
    """Return a valid uid, or raise the parameter error."""
    return check_id(value, field, MAX_UID_BYTES)


def check_group_id(value: str, field: str = "group_id") -> str:
    """Return a valid group id, or raise the parameter error."""
    return check_id(value, field, MAX_GROUP_BYTES)


def check_user_info(value: str, field: str = "user_info") -> str:
    """User info within Baidu's 256 bytes, or the parameter error."""
    if len(value.encode()) > MAX_USER_INFO_BYTES:
        raise ProblemError(Problem.PARAM_TOO_LONG, field)
    return value


class FaceService:
    """Runs recognition off the event loop and keeps each app's face set in the store."""

    def __init__(self, store: FaceStore, engine: FaceEngine, url_images: UrlImages | None = None) -> None:
        """Work on `store` with `engine`; `url_images` fetches URL images (None: they are refused)."""
        self._store = store
        self._engine = engine
        self._url_images = url_images
        # dlib's models are not thread-safe: one worker serialises them.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="face-engine")

    @property
    def store(self) -> FaceStore:
        """The database, for tests and bulk tools; the routes use the operations below."""
        return self._store

    def close(self) -> None:
        """Wait for the engine's worker, then close the store."""
        self._executor.shutdown(wait=True)
        self._store.close()

    async def _run(self, func: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func)

    # Access tokens.

    def save_token(self, token: str, api_key: str, expires: float) -> None:
        """Remember an access token issued to an app until `expires`."""
        self._store.save_token(token, api_key, expires)

    def token_owner(self, token: str) -> tuple[str, float] | None:
        """Return the API key and expiry of an access token, if it was issued."""
        return self._store.token_owner(token)

    def forget_expired_faces(self) -> int:
        """Forget the faces seen longer ago than their lifetime; return how many."""
        return self._store.forget_expired_faces()

    def revoke_tokens(self, api_key: str) -> None:
        """Void every token of an app (its secret was reset)."""
        self._store.revoke_tokens(api_key)

    # Images and faces.

    async def load(self, image: str, image_type: str, max_base64: int) -> DecodedImage | DetectedFace:
        """Resolve a request image: decoded pixels, or an already-known face for FACE_TOKEN."""
        match image_type:
            case "BASE64":
                return await self._run(lambda: decode_base64_image(image, max_base64))
            case "FACE_TOKEN":
                if not image:
                    raise ProblemError(Problem.EMPTY_IMAGE, "image")
                return self._store.seen_face(image)
            case "URL" if self._url_images is not None:
                data = await self._url_images.fetch(image)
                return await self._run(lambda: decode_image_bytes(data))
            case _:
                raise ProblemError(Problem.INVALID_PARAM, "image_type")

    async def faces(self, image: DecodedImage | DetectedFace, max_faces: int = 1) -> list[DetectedFace]:
        """Detect faces (largest first) and remember them for later FACE_TOKEN use."""
        if isinstance(image, DetectedFace):
            return [image]
        found = await self._run(lambda: self._engine.analyze(image.pixels, image.data, max_faces))
        self._store.remember_faces(found)
        return found

    async def some_faces(
        self, image: DecodedImage | DetectedFace, max_faces: int = 1, quality: QualityLevel | None = None
    ) -> list[DetectedFace]:
        """As `faces`, but an image without a face is the caller's error.

        Under a `quality` level that wants whole faces, an image whose only face runs off its
        edge is refused as incomplete rather than as having no face.
        """
        found = await self.faces(image, max_faces)
        if not found:
            if quality is not None and quality.complete and isinstance(image, DecodedImage):
                pixels = image.pixels
                if await self._run(lambda: self._engine.cut_off_face(pixels)):
                    raise ProblemError(Problem.INCOMPLETE_FACE, "image")
            raise ProblemError(Problem.NO_FACE, "image")
        return found

    async def one_face(self, image: DecodedImage | DetectedFace, quality: QualityLevel | None = None) -> DetectedFace:
        """Return the largest face of an image; under a `quality` level, refuse it if it fails."""
        return passing(await self.some_faces(image, 1, quality), quality)[0]

    # Recognition.

    def identify(self, app: str, face: DetectedFace, groups: list[str], top: int = 1) -> list[Match]:
        """Find the best `top` users of the groups for a face, each scored by its closest registered face."""
        return self._search(app, face, groups, None, top)

    def verify(self, app: str, face: DetectedFace, groups: list[str], uid: str) -> Match:
        """How well a face matches one user of the groups."""
        matches = self._search(app, face, groups, uid, 1)
        if not matches:
            raise ProblemError(Problem.USER_NOT_FOUND, "uid")
        return matches[0]

    def _search(self, app: str, face: DetectedFace, groups: list[str], uid: str | None, top: int) -> list[Match]:
        if uid is None:
            enrolled_faces = self._store.nearest_faces(app, groups, face.embedding, top)
        else:
            enrolled_faces = self._store.enrolled_faces(app, groups, uid)
        # Each user by its closest face; closest users first, so that users whose
        # rounded scores are equal still come in one order (then group, uid).
        closest: dict[tuple[str, str], tuple[float, EnrolledFace]] = {}
        for enrolled in enrolled_faces:
            distance = float(np.linalg.norm(enrolled.embedding - face.embedding))
            key = (enrolled.group_id, enrolled.uid)
            if key not in closest or distance < closest[key][0]:
                closest[key] = (distance, enrolled)
        ranked = sorted(closest.values(), key=lambda pair: (pair[0], pair[1].group_id, pair[1].uid))[:top]
        return [_score(enrolled, face) for _, enrolled in ranked]

    # The face set.

    def register_user(
        self, app: str, groups: list[str], uid: str, user_info: str | None, face: DetectedFace, *, replace: bool
    ) -> None:
        """Add a face to a uid in each group, creating groups and user; `replace` drops its earlier faces."""
        self._store.save_user(app, groups, uid, user_info, face, replace_faces=replace)

    def update_user(
        self, app: str, groups: list[str], uid: str, user_info: str | None, face: DetectedFace, *, create: bool
    ) -> None:
        """Replace a uid's faces in each group; a uid not yet there is an error unless `create`."""
        self._store.save_user(app, groups, uid, user_info, face, replace_faces=True, must_exist=not create)

    def delete_user(self, app: str, uid: str, groups: list[str] | None = None) -> None:
        """Remove a uid from the groups, or from every group when none are named."""
        self._store.delete_user(app, uid, groups if groups else list(self._store.user_groups(app, uid)))

    def get_user(self, app: str, uid: str, groups: list[str] | None = None) -> dict[str, str]:
        """Map the groups (of those named, if any) a uid is in to its user_info, oldest first."""
        found = self._store.user_groups(app, uid)
        if groups:
            found = {g: info for g, info in found.items() if g in groups}
        if not found:
            raise ProblemError(Problem.USER_NOT_FOUND, "uid")
        return found

    def add_user_to_group(self, app: str, uid: str, source: str, targets: list[str], *, create_groups: bool) -> None:
        """Copy a uid (user_info and faces) from one group into others."""
        self._store.copy_user(app, uid, source, targets, create=create_groups)

    def remove_user_from_group(self, app: str, uid: str, groups: list[str]) -> None:
        """Take a uid out of groups, all or none; its last group it keeps."""
        self._store.delete_user(app, uid, groups, keep_one=True)

    def create_group(self, app: str, group: str) -> None:
        """Create an empty group."""
        self._store.create_group(app, group)

    def delete_group(self, app: str, group: str) -> None:
        """Delete a group with its users and faces."""
        self._store.delete_group(app, group)

    def list_groups(self, app: str, start: int, length: int) -> list[str]:
        """List a page of the app's groups, oldest first."""
        return self._store.list_groups(app, start, length)

    def list_group_users(self, app: str, group: str, start: int, length: int) -> list[tuple[str, str]]:
        """List a page of a group's users (uid, user_info), oldest first."""
        return self._store.list_group_users(app, group, start, length)

    def list_faces(self, app: str, group: str, uid: str) -> list[StoredFace]:
        """List a user's registered faces in a group."""
        return self._store.list_faces(app, group, uid)

    def delete_face(self, app: str, group: str, uid: str, face_token: str) -> None:
        """Delete one registered face; a user left without faces goes too."""
        self._store.delete_face(app, group, uid, face_token)


def passing(faces: list[DetectedFace], quality: QualityLevel | None) -> list[DetectedFace]:
    """Keep the faces (largest first) that pass a quality level, or all without one.

    When none passes, the largest face's refusal is raised.
    """
    if quality is None:
        return faces
    refusals = [refusal(face.quality, face.angles, quality) for face in faces]
    passed = [face for face, refused in zip(faces, refusals, strict=True) if refused is None]
    if not passed and refusals and (largest := refusals[0]) is not None:
        raise largest
    return passed


def _score(enrolled: EnrolledFace, face: DetectedFace) -> Match:
    return Match(enrolled.group_id, enrolled.uid, enrolled.user_info, similarity(enrolled.embedding, face.embedding))
