"""Faces kept from the cameras: a crop per face seen, bounded, browsable, and enrollable.

Each face a visit saw is kept as a JPEG crop in the config directory
(`<config>/baidu_face/<entry_id>/<id>.jpg`), its metadata in Home Assistant's
`Store`: every unknown face of a visit, and one crop per recognised person
and visit. At most `limit` of each kind are kept, none older than `days`:
the oldest go first, checked on every keep, at load and daily. The crops
(crops.py) are served to signed-in users (kept_face_view.py), browsed in the
Media panel (media_source.py) and enrolled by the `enroll_face` action.
"""

from __future__ import annotations

import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final, Literal

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DOMAIN
from .crops import crop_face
from .seen import SeenFace, box_attributes

type Kind = Literal["unknown", "recognised"]
UNKNOWN: Kind = "unknown"
RECOGNISED: Kind = "recognised"
KINDS: Final[tuple[Kind, ...]] = (UNKNOWN, RECOGNISED)

STORAGE_VERSION: Final = 1
# Ids are random URL-safe tokens; nothing else ever names a file.
_VALID_ID = re.compile(r"[A-Za-z0-9_-]{16}")
_ID_BYTES = 12  # 16 characters of token_urlsafe


@dataclass(frozen=True, slots=True)
class KeptFace:
    """One kept face: its crop lives in the entry's folder under `id`."""

    id: str
    kind: Kind
    seen: datetime
    camera: str  # the camera entity id
    score: float
    box: dict[str, float]
    face_token: str | None = None
    uid: str | None = None  # recognised as, or enrolled as


@dataclass(frozen=True, slots=True)
class Sighting:
    """A face a visit saw, to keep: its kind and the frame it is in."""

    kind: Kind
    frame: bytes
    face: SeenFace


type FaceListener = Callable[[KeptFace], None]


class FaceStore:
    """An entry's kept faces: at most `limit` of each kind, none older than `days`."""

    def __init__(self, hass: HomeAssistant, entry_id: str, limit: int, days: int, faces: Sequence[KeptFace]) -> None:
        """Take the faces saved before; `async_load` is how an entry gets its store."""
        self._hass = hass
        self.entry_id = entry_id
        self.limit = max(0, limit)
        self.days = days
        self.folder = _folder(hass, entry_id)
        self._store = _store(hass, entry_id)
        # Oldest first, so that the newest come first reversed.
        self._faces = {face.id: face for face in sorted(faces, key=lambda face: face.seen)}
        self._listeners: list[FaceListener] = []

    @classmethod
    async def async_load(cls, hass: HomeAssistant, entry_id: str, limit: int, days: int) -> FaceStore:
        """Load an entry's kept faces (dropping what the bounds no longer allow)."""
        stored = await _store(hass, entry_id).async_load() or {}
        faces = [_kept_face(data) for data in stored.get("faces", [])]
        store = cls(hass, entry_id, limit, days, [face for face in faces if face is not None])
        await store._async_tidy()
        return store

    @callback
    def async_start(self) -> CALLBACK_TYPE:
        """Drop what grew too old once a day; return what stops it."""

        @callback
        def daily(_: datetime) -> None:
            self._hass.async_create_task(self._async_save(self._over_bounds()), "baidu_face kept faces")

        return async_track_time_interval(self._hass, daily, timedelta(days=1))

    @callback
    def async_add_listener(self, listener: FaceListener) -> CALLBACK_TYPE:
        """Call `listener` with each face kept, moved (enrolled, mistaken) or dropped; return what stops it.

        A dropped face is no longer `get`-able when the listener hears of it.
        """
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def get(self, face_id: str) -> KeptFace | None:
        """Return a kept face by id."""
        return self._faces.get(face_id)

    def faces(self, kind: Kind) -> list[KeptFace]:
        """Return the kept faces of a kind, newest first."""
        return [face for face in reversed(self._faces.values()) if face.kind == kind]

    def latest(self, kind: Kind, camera: str | None = None, uid: str | None = None) -> KeptFace | None:
        """Return the newest kept face of a kind (seen by `camera`, of `uid`, when given)."""
        return next(
            (face for face in self.faces(kind) if camera in (None, face.camera) and uid in (None, face.uid)), None
        )

    def counts(self) -> dict[str, int]:
        """Return how many faces of each kind are kept (diagnostics)."""
        return {kind: len(self.faces(kind)) for kind in KINDS}

    async def async_read(self, face_id: str) -> bytes:
        """Return a kept face's crop (JPEG); KeyError when no such face is kept."""
        if face_id not in self._faces:
            raise KeyError(face_id)
        try:
            return await self._hass.async_add_executor_job(self._path(face_id).read_bytes)
        except FileNotFoundError as err:
            # Dropped by the bounds while this was reading.
            raise KeyError(face_id) from err

    async def async_keep(self, camera: str, sightings: Sequence[Sighting]) -> list[KeptFace | None]:
        """Keep a crop of each face a visit saw; return the kept faces in the same order (None: not kept)."""
        if not self.limit or not sightings:
            return [None] * len(sightings)
        ids = await self._hass.async_add_executor_job(self._write_crops, sightings)
        seen = dt_util.utcnow()
        kept: list[KeptFace | None] = []
        for sighting, face_id in zip(sightings, ids, strict=True):
            box = box_attributes(sighting.face.box)
            if face_id is None or box is None:  # no crop: no box, or no picture to crop
                kept.append(None)
                continue
            face = KeptFace(
                id=face_id,
                kind=sighting.kind,
                seen=seen,
                camera=camera,
                score=sighting.face.score,
                box=box,
                face_token=sighting.face.face_token,
                uid=sighting.face.uid,
            )
            self._faces[face_id] = face
            kept.append(face)
        await self._async_save(self._over_bounds())
        self._tell(face for face in kept if face is not None and face.id in self._faces)
        return kept

    async def async_enrolled(self, face_id: str, uid: str) -> KeptFace:
        """Record that a kept face was enrolled as `uid`: it moves to "recognised" (KeyError: not kept)."""
        face = replace(self._faces[face_id], kind=RECOGNISED, uid=uid)
        self._faces[face_id] = face
        await self._async_save(self._over_bounds())
        self._tell([face])
        return face

    async def async_mistaken(self, face_id: str) -> KeptFace:
        """Record that a kept face is not who it was recognised as: it moves to "unknown" (KeyError: not kept)."""
        face = replace(self._faces[face_id], kind=UNKNOWN, uid=None)
        self._faces[face_id] = face
        await self._async_save(self._over_bounds())
        self._tell([face])
        return face

    async def async_forget_person(self, uid: str) -> None:
        """Delete every kept face recognised or enrolled as `uid` (their device was deleted)."""
        await self._async_save([face.id for face in self._faces.values() if face.uid == uid])

    def _tell(self, faces: Iterable[KeptFace]) -> None:
        for face in faces:
            for listener in list(self._listeners):
                listener(face)

    def _over_bounds(self) -> list[str]:
        """Return the ids beyond the bounds: each kind's oldest past `limit`, and any older than `days`."""
        oldest = dt_util.utcnow() - timedelta(days=self.days)
        return [
            face.id
            for kind in KINDS
            for index, face in enumerate(self.faces(kind))
            if index >= self.limit or face.seen < oldest
        ]

    async def _async_save(self, dropped: Sequence[str]) -> None:
        """Forget the dropped faces, delete their crops, save what is kept, and tell the listeners what went."""
        gone = [face for face_id in dropped if (face := self._faces.pop(face_id, None)) is not None]
        if dropped:
            await self._hass.async_add_executor_job(self._delete_crops, dropped)
        await self._store.async_save({"faces": [_stored(face) for face in self._faces.values()]})
        self._tell(gone)

    async def _async_tidy(self) -> None:
        """Bring the files and the metadata back in step (a crash between the two), then apply the bounds."""
        on_disk = await self._hass.async_add_executor_job(self._crop_ids)
        for face_id in set(self._faces) - on_disk:
            del self._faces[face_id]
        strays = sorted(on_disk - set(self._faces))
        await self._async_save([*strays, *self._over_bounds()])

    def _path(self, face_id: str) -> Path:
        return self.folder / f"{face_id}.jpg"

    def _write_crops(self, sightings: Sequence[Sighting]) -> list[str | None]:
        """Crop and write each face, returning its new id (runs in the executor)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        ids: list[str | None] = []
        for sighting in sightings:
            box = sighting.face.box
            crop = crop_face(sighting.frame, box) if box is not None else None
            if crop is None:
                ids.append(None)
                continue
            face_id = secrets.token_urlsafe(_ID_BYTES)
            self._path(face_id).write_bytes(crop)
            ids.append(face_id)
        return ids

    def _delete_crops(self, face_ids: Sequence[str]) -> None:
        for face_id in face_ids:
            self._path(face_id).unlink(missing_ok=True)

    def _crop_ids(self) -> set[str]:
        if not self.folder.is_dir():
            return set()
        return {path.stem for path in self.folder.glob("*.jpg") if _VALID_ID.fullmatch(path.stem)}


def _stored(face: KeptFace) -> dict[str, Any]:
    return asdict(face) | {"seen": face.seen.isoformat()}


def _kept_face(data: Mapping[str, Any]) -> KeptFace | None:
    """Return a stored face (None when it is not one this version wrote)."""
    seen = dt_util.parse_datetime(str(data.get("seen")))
    if not _VALID_ID.fullmatch(str(data.get("id"))) or data.get("kind") not in KINDS or seen is None:
        return None
    return KeptFace(
        id=str(data["id"]),
        kind=data["kind"],
        seen=seen,
        camera=str(data.get("camera")),
        score=float(data.get("score") or 0.0),
        box=dict(data.get("box") or {}),
        face_token=data.get("face_token"),
        uid=data.get("uid"),
    )


def _folder(hass: HomeAssistant, entry_id: str) -> Path:
    return Path(hass.config.path(DOMAIN, entry_id))


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the `Store` an entry's kept faces' metadata is saved in."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.faces.{entry_id}")


async def async_forget_faces(hass: HomeAssistant, entry_id: str) -> None:
    """Delete every face an entry kept (the entry is being removed)."""
    await _store(hass, entry_id).async_remove()
    await hass.async_add_executor_job(shutil.rmtree, _folder(hass, entry_id), True)
