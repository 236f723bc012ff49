"""The kept faces in the Media panel: Baidu Face → (entry) → Unknown faces / Recognised → the crops.

Identifiers are `<entry_id>`, `<entry_id>/<kind>` and `<entry_id>/<kind>/<face_id>`;
the entry level is skipped when there is one entry. A crop resolves to its
authenticated URL (kept_face_view.image_url), which Media Source signs for the player.
"""

from __future__ import annotations

from typing import override

from homeassistant.components.media_player.const import MediaClass
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from . import texts
from .const import DOMAIN
from .kept_face_view import image_url
from .kept_faces import KINDS, RECOGNISED, FaceStore, KeptFace, Kind
from .texts import camera_name

NAME = "Baidu Face"
# The kinds' folder titles (texts.py).
_TITLE_KEYS: dict[Kind, str] = {"unknown": "unknown_faces", "recognised": "recognised_faces"}


async def async_get_media_source(hass: HomeAssistant) -> KeptFacesMediaSource:
    """Return the kept faces' media source."""
    return KeptFacesMediaSource(hass)


class KeptFacesMediaSource(MediaSource):
    """Browse and show the faces each entry kept."""

    name = NAME

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the kept faces of every loaded entry."""
        super().__init__(DOMAIN)
        self.hass = hass

    @override
    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Resolve a kept face to its crop's URL."""
        parts = item.identifier.split("/")
        store = self._store(parts[0])
        if len(parts) != 3 or store is None or store.get(parts[2]) is None:
            raise Unresolvable(f"No kept face {item.identifier}")
        return PlayMedia(image_url(parts[0], parts[2]), "image/jpeg")

    @override
    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Return the entries, an entry's two folders, or a folder's crops."""
        titles = await self._titles()
        if not item.identifier:
            entries = self._entries()
            if len(entries) == 1:
                return self._entry_node(entries[0], titles, identifier=None)
            return _folder(None, NAME, [self._entry_node(entry, titles) for entry in entries])
        entry_id, _, kind = item.identifier.partition("/")
        entry = next((entry for entry in self._entries() if entry.entry_id == entry_id), None)
        if entry is None:
            raise BrowseError(f"No Baidu Face entry {entry_id}")
        if not kind:
            return self._entry_node(entry, titles)
        if kind not in KINDS:
            raise BrowseError(f"Unknown folder {item.identifier}")
        return self._kind_node(entry, kind, titles, children=True)

    def _entries(self) -> list[ConfigEntry]:
        return self.hass.config_entries.async_loaded_entries(DOMAIN)

    def _store(self, entry_id: str) -> FaceStore | None:
        entry = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry not in self._entries():
            return None
        store: FaceStore = entry.runtime_data.faces
        return store

    async def _titles(self) -> dict[Kind, str]:
        """Return the folders' titles in Home Assistant's language (it may have changed since set-up)."""
        await texts.async_load(self.hass)
        return {kind: texts.text(self.hass, key) for kind, key in _TITLE_KEYS.items()}

    def _entry_node(
        self, entry: ConfigEntry, titles: dict[Kind, str], identifier: str | None = ""
    ) -> BrowseMediaSource:
        """Return an entry's folder with its two kinds (as the root when `identifier` is None)."""
        kinds = [self._kind_node(entry, kind, titles) for kind in KINDS]
        if identifier is None:
            return _folder(None, NAME, kinds)
        return _folder(entry.entry_id, entry.title, kinds)

    def _kind_node(
        self, entry: ConfigEntry, kind: Kind, titles: dict[Kind, str], children: bool = False
    ) -> BrowseMediaSource:
        store: FaceStore = entry.runtime_data.faces
        faces = [self._face_node(entry, face) for face in store.faces(kind)] if children else None
        return _folder(f"{entry.entry_id}/{kind}", titles[kind], faces)

    def _face_node(self, entry: ConfigEntry, face: KeptFace) -> BrowseMediaSource:
        url = image_url(entry.entry_id, face.id)
        return BrowseMediaSource(
            domain=DOMAIN,
            identifier=f"{entry.entry_id}/{face.kind}/{face.id}",
            media_class=MediaClass.IMAGE,
            media_content_type="image/jpeg",
            title=self._face_title(entry, face),
            thumbnail=url,
            can_play=True,
            can_expand=False,
        )

    def _face_title(self, entry: ConfigEntry, face: KeptFace) -> str:
        """Return "<camera> · <local time>", the person's name first when recognised (their uid once they left)."""
        seen = dt_util.as_local(face.seen).strftime("%Y-%m-%d %H:%M:%S")
        parts = []
        if face.kind == RECOGNISED and face.uid:
            person = entry.runtime_data.people.get(face.uid)
            parts.append(person.name if person is not None else face.uid)
        return " · ".join([*parts, camera_name(self.hass, face.camera), seen])


def _folder(identifier: str | None, title: str, children: list[BrowseMediaSource] | None) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=identifier,
        media_class=MediaClass.DIRECTORY,
        media_content_type="",
        title=title,
        can_play=False,
        can_expand=True,
        children_media_class=MediaClass.IMAGE if children is not None else MediaClass.DIRECTORY,
        children=children,
    )
