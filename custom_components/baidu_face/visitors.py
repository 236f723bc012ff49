"""Visitors: the strangers the cameras saw, each remembered under a stable number ("Visitor 7").

A visitor rides on the face set itself: the entry keeps a group of its own
(`visitors_group`) holding one user per visitor, registered from the crop kept
of their face (kept_faces.py) the first time they are seen. The cameras search
that group in the same identify call as the people's groups, so a returning
visitor costs no extra search; a new one costs one registration, counted and
held to the budgets like any call (when it is refused the stranger is still
announced, just not remembered). The visitors' numbers, visits and kept crops
are saved in a `Store`. At most `limit` visitors are kept, none unseen for
more than `days`: the longest unseen go first, from the face set too.

Visitors are never people: their group is not one of the people's (people.py
skips it), a face that matches one stays unknown (seen.SeenFace.identified),
and it never fires `recognized`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers.event import async_track_time_interval
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .api import (
    MAX_GROUPS,
    MAX_PAGE,
    BaiduFaceClient,
    BaiduFaceError,
    BaiduFaceNotFoundError,
    BaiduFaceQuotaExhaustedError,
    Candidate,
    is_same_person,
)
from .const import DOMAIN
from .kept_faces import FaceStore, KeptFace
from .seen import SeenFace

_LOGGER = logging.getLogger(__name__)

STORAGE_VERSION: Final = 1
# Baidu keeps at most 20 faces per user: that many of a visitor's crops are kept and enrolled.
MAX_VISITOR_FACES: Final = 20
# The largest visitor number an action takes (the form offers as much).
MAX_VISITOR_NUMBER: Final = 1_000_000_000
_GROUP_PREFIX: Final = f"{DOMAIN}_visitors_"
_UID_PREFIX: Final = "visitor_"


def visitors_group(entry_id: str) -> str:
    """Return the face set group that holds an entry's visitors (Baidu's ids are case-sensitive letters and digits)."""
    return f"{_GROUP_PREFIX}{entry_id.lower()}"


def is_visitors_group(group: str) -> bool:
    """Whether a group holds some entry's visitors (it is never a group of people)."""
    return group.startswith(_GROUP_PREFIX)


@dataclass(frozen=True, slots=True)
class Visitor:
    """A stranger seen before: their number, when and where they were seen, their kept crops."""

    number: int
    first_seen: datetime
    last_seen: datetime
    visits: int = 1
    cameras: tuple[str, ...] = ()
    # The ids of their kept crops (kept_faces.py), oldest first; the bounds there may drop some.
    face_ids: tuple[str, ...] = ()
    ignored: bool = False

    @property
    def uid(self) -> str:
        """The visitor's user id in the visitors group."""
        return f"{_UID_PREFIX}{self.number}"

    @property
    def name(self) -> str:
        """How the visitor is shown."""
        return f"Visitor {self.number}"

    def as_dict(self) -> dict[str, Any]:
        """Return the visitor as the Store keeps them."""
        return {
            "number": self.number,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
            "visits": self.visits,
            "cameras": list(self.cameras),
            "face_ids": list(self.face_ids),
            "ignored": self.ignored,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Visitor | None:
        """Return a visitor the Store kept (None when it is not one this version wrote)."""
        first = dt_util.parse_datetime(str(data.get("first_seen")))
        last = dt_util.parse_datetime(str(data.get("last_seen")))
        number = data.get("number")
        if not isinstance(number, int) or first is None or last is None:
            return None
        return cls(
            number=number,
            first_seen=first,
            last_seen=last,
            visits=int(data.get("visits") or 1),
            cameras=tuple(data.get("cameras") or ()),
            face_ids=tuple(data.get("face_ids") or ()),
            ignored=bool(data.get("ignored")),
        )


@dataclass(frozen=True, slots=True)
class VisitorSighting:
    """What a stranger's face of a visit was: a visitor (new or returning), or not remembered."""

    visitor: Visitor | None
    new: bool = False

    @property
    def remembered(self) -> bool:
        """Whether the stranger is remembered as a visitor (no: no crop, or the registration was refused)."""
        return self.visitor is not None


class Visitors:
    """An entry's visitors: in its own group of the face set, and in a Store."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ConfigEntry,
        client: BaiduFaceClient,
        faces: FaceStore,
        limit: int,
        days: int,
        stored: Mapping[str, Any] | None,
    ) -> None:
        """Take the visitors saved before; `limit` 0 remembers none."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._faces = faces
        self.limit = max(0, limit)
        self.days = days
        self.group = visitors_group(entry.entry_id)
        self._store = _store(hass, entry.entry_id)
        stored = stored or {}
        loaded = (Visitor.from_dict(data) for data in stored.get("visitors", []))
        self._visitors = {v.number: v for v in sorted((v for v in loaded if v), key=lambda v: v.last_seen)}
        self._next = max([int(stored.get("next_number") or 1), *(n + 1 for n in self._visitors)])
        # Cameras whose groups leave no room for the visitors group (said once each).
        self._crowded: set[str] = set()
        self._unsub_daily: CALLBACK_TYPE | None = None
        self._listeners: list[CALLBACK_TYPE] = []
        # One change of the face set's strangers at a time (a new visitor, an enrollment), and when
        # the last one finished: a visit that began before it may have searched a face set without it.
        self._changing = asyncio.Lock()
        self._changed_at: datetime | None = None

    @classmethod
    async def async_load(
        cls, hass: HomeAssistant, entry: ConfigEntry, client: BaiduFaceClient, faces: FaceStore, limit: int, days: int
    ) -> Visitors:
        """Load an entry's visitors."""
        return cls(hass, entry, client, faces, limit, days, await _store(hass, entry.entry_id).async_load())

    def __iter__(self) -> Iterator[Visitor]:
        """Iterate over the visitors, the most recently seen first."""
        return iter(sorted(self._visitors.values(), key=lambda v: v.last_seen, reverse=True))

    def __len__(self) -> int:
        """Return how many visitors are remembered."""
        return len(self._visitors)

    @callback
    def async_add_listener(self, listener: CALLBACK_TYPE) -> CALLBACK_TYPE:
        """Call `listener` whenever the visitors changed (saved); return what removes it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def get(self, number: int) -> Visitor | None:
        """Return a visitor by number."""
        return self._visitors.get(number)

    def of_face(self, face_id: str) -> Visitor | None:
        """Return the visitor a kept face is one of."""
        return next((v for v in self._visitors.values() if face_id in v.face_ids), None)

    def _of_uid(self, uid: str) -> Visitor | None:
        number = uid.removeprefix(_UID_PREFIX)
        return self._visitors.get(int(number)) if uid.startswith(_UID_PREFIX) and number.isdigit() else None

    @callback
    def async_start(self) -> None:
        """Forget the visitors unseen too long, once a day, until `async_stop`."""
        # Home Assistant's interval tracker and its job refer to each other, so they outlive
        # their cancelling until a garbage collection: held weakly, the stopped visitors (and
        # their client, whose Baidu token clients share) go at once.
        visitors = weakref.ref(self)
        hass = self._hass

        @callback
        def daily(_: datetime) -> None:
            if (alive := visitors()) is not None:
                hass.async_create_task(alive._async_apply_bounds(), "baidu_face visitors")

        self._unsub_daily = async_track_time_interval(hass, daily, timedelta(days=1))

    def searches(self, groups: Sequence[str]) -> bool:
        """Whether a camera searching `groups` searches the visitors too (Baidu searches at most MAX_GROUPS at once)."""
        return bool(self.limit) and 0 < len(groups) < MAX_GROUPS

    def search_groups(self, camera: str, groups: Sequence[str]) -> tuple[str, ...]:
        """Return the groups a camera's identify call searches: its own, and the visitors' when there are any.

        A camera that already searches MAX_GROUPS groups does not search the
        visitors, nor remembers its strangers (said once).
        """
        if not self.searches(groups):
            if self.limit and camera not in self._crowded:
                self._crowded.add(camera)
                _LOGGER.warning(
                    "%s searches %d groups, Baidu's most in one call: its strangers are not remembered as visitors",
                    camera,
                    len(groups),
                )
            return tuple(groups)
        return (*groups, self.group) if self._visitors else tuple(groups)

    async def async_saw(
        self,
        camera: str,
        faces: Sequence[SeenFace],
        crops: Sequence[KeptFace | None],
        searched: datetime,
        groups: Sequence[str],
    ) -> list[VisitorSighting]:
        """Record the strangers of one visit (with their kept crops, same order); return who each one is.

        A face that matched a visitor is one more visit of theirs (no call); any
        other is registered as a new visitor from its crop (one call), unless it
        has none or the registration is refused. `searched`: when the visit's
        frames were searched (at the earliest), in `groups` and the visitors'.
        """
        now = dt_util.utcnow()
        sightings: list[VisitorSighting] = []
        for index, face in enumerate(faces):
            crop = crops[index] if index < len(crops) else None
            visitor = self._of_uid(face.visitor) if face.visitor else None
            if visitor is not None:
                visitor = self._visited(visitor, camera, crop, now)
                sightings.append(VisitorSighting(visitor))
            elif self.limit and crop is not None:
                sightings.append(await self._async_stranger(camera, crop, searched, now, groups))
            else:
                sightings.append(VisitorSighting(None))
        if sightings:
            await self._async_apply_bounds()
        return sightings

    async def async_remember(self, crop: KeptFace) -> Visitor | None:
        """Remember a kept face as a new visitor (one registration call); None when visitors are off or it is refused.

        This is how "that was not X" sticks: the face's next frame matches the
        visitor (its own face) better than X, and a visitor names nobody.
        """
        if not self.limit:
            return None
        async with self._changing:
            visitor = await self._async_register(crop.camera, crop, dt_util.utcnow())
        if visitor is not None:
            await self._async_apply_bounds()
        return visitor

    async def _async_stranger(
        self, camera: str, crop: KeptFace, searched: datetime, now: datetime, groups: Sequence[str]
    ) -> VisitorSighting:
        """Return who a stranger no visitor matched is: a new visitor, unless the face set changed since their search.

        Two cameras seeing a new stranger at once both search before either has
        registered them, and a camera may search while the user enrolls the very
        visitor it sees: a change waits for the one before, and a stranger whose
        visit began before the last change finished is searched again, once (only
        then: one search call), in `groups` and the visitors'. A visitor found is
        one more visit of theirs; a person found (enrolled meanwhile) is no visitor.
        """
        async with self._changing:
            if self._changed_at is not None and self._changed_at >= searched:
                match = await self._async_match(crop, groups)
                if match is not None:
                    visitor = self._of_uid(match.uid) if match.group_id == self.group else None
                    return VisitorSighting(None if visitor is None else self._visited(visitor, camera, crop, now))
            new = await self._async_register(camera, crop, now)
            return VisitorSighting(new, new=new is not None)

    async def _async_match(self, crop: KeptFace, groups: Sequence[str]) -> Candidate | None:
        """Return who a crop is in `groups` and the visitors' (one search); None: nobody, or the search failed."""
        try:
            image = await self._faces.async_read(crop.id)
            found = await self._client.identify(image, [*groups, self.group], max_faces=1, top=1)
        except (KeyError, BaiduFaceError) as err:
            _LOGGER.debug("Could not search a stranger again after the visitors changed: %s", err)
            return None
        best = found[0].best if found else None
        # Baidu's own threshold for "the same person": the cameras' may differ, but this face
        # already scored under theirs against everyone the camera searched.
        return best if best is not None and is_same_person(best.score) else None

    @contextlib.asynccontextmanager
    async def async_changing(self) -> AsyncIterator[None]:
        """Hold new visitors while the face set's strangers change (an enrollment moves one into a person)."""
        async with self._changing:
            try:
                yield
            finally:
                self._changed_at = dt_util.utcnow()

    def _visited(self, visitor: Visitor, camera: str, crop: KeptFace | None, now: datetime) -> Visitor:
        face_ids = visitor.face_ids if crop is None else (*visitor.face_ids, crop.id)[-MAX_VISITOR_FACES:]
        cameras = visitor.cameras if camera in visitor.cameras else (*visitor.cameras, camera)
        visitor = replace(visitor, last_seen=now, visits=visitor.visits + 1, cameras=cameras, face_ids=face_ids)
        self._put(visitor)
        return visitor

    async def _async_register(self, camera: str, crop: KeptFace, now: datetime) -> Visitor | None:
        """Register a stranger's kept crop as a new visitor (one call); None when it cannot be."""
        # Taken before the call: two cameras registering at once get a number each.
        visitor = Visitor(self._next, now, now, cameras=(camera,), face_ids=(crop.id,))
        self._next += 1
        try:
            image = await self._faces.async_read(crop.id)
            await self._client.register_user(visitor.uid, image, [self.group], user_info=visitor.name)
        except (KeyError, BaiduFaceError) as err:
            if self._next == visitor.number + 1:
                self._next = visitor.number  # nobody took the next number meanwhile: no gap
            if isinstance(err, BaiduFaceQuotaExhaustedError):
                _LOGGER.debug("A stranger at %s is not remembered: the registration quota or budget is spent", camera)
            elif isinstance(err, BaiduFaceError):
                _LOGGER.warning("A stranger at %s is not remembered: %s", camera, err)
            return None  # KeyError: the crop was dropped meanwhile
        self._changed_at = dt_util.utcnow()
        self._put(visitor)
        return visitor

    def _put(self, visitor: Visitor) -> None:
        # Re-inserted last: the dict stays ordered by last sighting, oldest first.
        self._visitors.pop(visitor.number, None)
        self._visitors[visitor.number] = visitor

    async def async_set_ignored(self, visitor: Visitor, ignored: bool) -> Visitor:
        """Ignore a visitor (still counted and kept, never announced), or stop ignoring them."""
        visitor = replace(visitor, ignored=ignored)
        self._visitors[visitor.number] = visitor
        await self._async_save()
        return visitor

    def kept_faces(self, visitor: Visitor) -> list[KeptFace]:
        """Return a visitor's crops that are still kept, oldest first."""
        return [face for face_id in visitor.face_ids if (face := self._faces.get(face_id)) is not None]

    async def async_forget(self, visitors: Sequence[Visitor]) -> None:
        """Forget visitors: delete them from the face set (one call each) and from the Store.

        One Baidu no longer has is forgotten all the same.
        """
        for visitor in visitors:
            with suppress(BaiduFaceNotFoundError):
                await self._client.delete_user(visitor.uid, [self.group])
            self._visitors.pop(visitor.number, None)
        await self._async_save()

    async def _async_apply_bounds(self) -> None:
        """Forget the longest unseen beyond `limit`, and those unseen for more than `days`; save."""
        oldest = dt_util.utcnow() - timedelta(days=self.days)
        ordered = list(self._visitors.values())  # oldest sighting first
        over = len(ordered) - self.limit
        gone = [v for index, v in enumerate(ordered) if index < over or v.last_seen < oldest]
        try:
            await self.async_forget(gone)
        except BaiduFaceError as err:
            # Kept for now; the next sighting or the daily check tries again.
            _LOGGER.warning("Could not forget old visitors: %s", err)
            await self._async_save()

    async def async_stop(self) -> None:
        """Stop the daily check and save the visitors now."""
        if self._unsub_daily is not None:
            self._unsub_daily()
            self._unsub_daily = None
        await self._async_save()

    async def _async_save(self) -> None:
        # Every change is saved (a sighting, an ignore, an enrolment, the bounds): listeners hear them all here.
        await self._store.async_save(
            {"visitors": [v.as_dict() for v in self._visitors.values()], "next_number": self._next}
        )
        for listener in list(self._listeners):
            listener()

    def diagnostics(self) -> dict[str, Any]:
        """Return how many visitors there are, how many are ignored, the crowded cameras (no faces)."""
        return {
            "visitors": len(self._visitors),
            "ignored": sum(v.ignored for v in self._visitors.values()),
            "limit": self.limit,
            "days": self.days,
            "cameras_without_room": len(self._crowded),
        }


def _store(hass: HomeAssistant, entry_id: str) -> Store[dict[str, Any]]:
    """Return the `Store` an entry's visitors are saved in."""
    return Store(hass, STORAGE_VERSION, f"{DOMAIN}.visitors.{entry_id}")


async def async_forget_visitors(hass: HomeAssistant, entry_id: str, client: BaiduFaceClient) -> None:
    """Delete a removed entry's visitors: their group's users (V2 cannot delete a group), then the Store.

    What Baidu refuses is logged: the entry goes all the same.
    """
    group = visitors_group(entry_id)
    try:
        uids: list[str] = []
        while len(page := await client.list_group_users(group, len(uids), MAX_PAGE)) == MAX_PAGE:
            uids += [user.uid for user in page]
        for uid in [*uids, *(user.uid for user in page)]:
            await client.delete_user(uid, [group])
    except BaiduFaceNotFoundError:
        pass  # no visitor was ever registered, or the last one took the group with them
    except BaiduFaceError as err:
        _LOGGER.warning("Could not delete the visitors of a removed entry from the face set: %s", err)
    await _store(hass, entry_id).async_remove()
