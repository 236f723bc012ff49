"""Face operations in the shared vocabulary; the dialect modules only translate wire shapes."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import aiohttp

from .engine import DetectedFace, FaceEngine, similarity
from .images import DecodedImage, decode_base64_image, decode_image_bytes
from .problems import Problem, ProblemError
from .store import Candidate, FaceStore

ID_PATTERN = re.compile(r"^[A-Za-z0-9_]+$")
MAX_UID_BYTES = 128
MAX_GROUP_BYTES = 48
MAX_USER_INFO_BYTES = 256
# A URL image is fetched at most this big (Baidu's own cap for URL images).
MAX_URL_IMAGE_BYTES = 10 * 1024 * 1024

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Match:
    group_id: str
    user_id: str
    user_info: str
    score: float


def check_id(value: str, field: str, max_bytes: int) -> str:
    if not value:
        raise ProblemError(Problem.MISSING_PARAM, field)
    if not ID_PATTERN.match(value):
        raise ProblemError(Problem.INVALID_PARAM, field)
    if len(value.encode()) > max_bytes:
        raise ProblemError(Problem.PARAM_TOO_LONG, field)
    return value


def check_user_id(value: str, field: str = "user_id") -> str:
    return check_id(value, field, MAX_UID_BYTES)


def check_group_id(value: str, field: str = "group_id") -> str:
    return check_id(value, field, MAX_GROUP_BYTES)


def check_user_info(value: str, field: str = "user_info") -> str:
    if len(value.encode()) > MAX_USER_INFO_BYTES:
        raise ProblemError(Problem.PARAM_TOO_LONG, field)
    return value


class FaceService:
    """Runs recognition off the event loop and keeps the face set in the store."""

    def __init__(self, store: FaceStore, engine: FaceEngine) -> None:
        self.store = store
        self._engine = engine
        # dlib's models are not thread-safe: one worker serialises them.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="face-engine")

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.store.close()

    async def _run(self, func: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, func)

    async def load(
        self, image: str, image_type: str, max_base64: int, session: aiohttp.ClientSession | None = None
    ) -> DecodedImage | DetectedFace:
        """Resolve a request image: decoded pixels, or an already-known face for FACE_TOKEN."""
        match image_type:
            case "BASE64":
                return await self._run(lambda: decode_base64_image(image, max_base64))
            case "FACE_TOKEN":
                if not image:
                    raise ProblemError(Problem.EMPTY_IMAGE, "image")
                return self.store.seen_face(image)
            case "URL" if session is not None:
                data = await _download(session, image)
                return await self._run(lambda: decode_image_bytes(data))
            case _:
                raise ProblemError(Problem.INVALID_PARAM, "image_type")

    async def faces(self, image: DecodedImage | DetectedFace, max_faces: int = 1) -> list[DetectedFace]:
        """Detect faces (largest first) and remember them for later FACE_TOKEN use."""
        if isinstance(image, DetectedFace):
            return [image]
        found = await self._run(lambda: self._engine.analyze(image.pixels, image.data, max_faces))
        self.store.remember_faces(found)
        return found

    async def some_faces(self, image: DecodedImage | DetectedFace, max_faces: int = 1) -> list[DetectedFace]:
        """As `faces`, but an image without a face is the caller's error."""
        found = await self.faces(image, max_faces)
        if not found:
            raise ProblemError(Problem.NO_FACE, "image")
        return found

    async def one_face(self, image: DecodedImage | DetectedFace) -> DetectedFace:
        return (await self.some_faces(image))[0]

    def search(
        self, app: str, face: DetectedFace, group_ids: list[str], user_id: str | None = None, top: int = 1
    ) -> list[Match]:
        """The best `top` users for a face, each scored by its closest registered face."""
        best: dict[tuple[str, str], Match] = {}
        for candidate in self.store.candidates(app, group_ids, user_id):
            match = _score(candidate, face)
            key = (candidate.group_id, candidate.user_id)
            if key not in best or match.score > best[key].score:
                best[key] = match
        return sorted(best.values(), key=lambda m: -m.score)[:top]


def _score(candidate: Candidate, face: DetectedFace) -> Match:
    return Match(
        candidate.group_id, candidate.user_id, candidate.user_info, similarity(candidate.embedding, face.embedding)
    )


async def _download(session: aiohttp.ClientSession, url: str) -> bytes:
    data = bytearray()
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as response:
            response.raise_for_status()
            async for chunk in response.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > MAX_URL_IMAGE_BYTES:
                    raise ProblemError(Problem.IMAGE_SIZE, "image")
    except aiohttp.ClientError, TimeoutError, ValueError:
        raise ProblemError(Problem.IMAGE_DOWNLOAD, "image") from None
    return bytes(data)
