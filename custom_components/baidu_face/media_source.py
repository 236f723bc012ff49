"""The kept faces in the Media panel: Baidu Face → (entry) → Unknown faces / Visitors / Recognised → the crops.

Identifiers are `<entry_id>`, `<entry_id>/<kind>` and `<entry_id>/<kind>/<face_id>`;
the entry level is skipped when there is one entry. A remembered stranger's crops
are under Visitors → `<entry_id>/visitors/<number>` ("Visitor 7 — 4 visits"), not
among the unknown faces (which keep the strangers not remembered); each crop keeps
its one identifier wherever it is listed. A crop resolves to its authenticated URL
(kept_face_view.image_url), which Media Source signs for the player.
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
from .kept_faces import KINDS, RECOGNISED, UNKNOWN, FaceStore, KeptFace, Kind
from .texts import camera_name
from .visitors import Visitor, Visitors

NAME = "Baidu Face"
# The folder of the visitors, beside the kinds' folders.
VISITORS = "visitors"
# The folders' titles (texts.py).
_TITLE_KEYS: dict[str, str] = {UNKNOWN: "unknown_faces", VISITORS: "visitors", RECOGNISED: "recognised_faces"}


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
        """Return the entries, an entry's folders, a folder's crops, the visitors, or a visitor's crops."""
        titles = await self._titles()
        if not item.identifier:
            entries = self._entries()
            if len(entries) == 1:
                return self._entry_node(entries[0], titles, identifier=None)
            return _folder(None, NAME, [self._entry_node(entry, titles) for entry in entries])
        entry_id, _, folder = item.identifier.partition("/")
        entry = next((entry for entry in self._entries() if entry.entry_id == entry_id), None)
        if entry is None:
            raise BrowseError(f"No Baidu Face entry {entry_id}")
        if not folder:
            return self._entry_node(entry, titles)
        if folder == VISITORS:
            return self._visitors_node(entry, titles, children=True)
        kind, _, number = folder.partition("/")
        if kind == VISITORS and number.isdigit() and (visitor := _visitors(entry).get(int(number))) is not None:
            return self._visitor_node(entry, visitor, titles, children=True)
        if kind not in KINDS or number:
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

    async def _titles(self) -> dict[str, str]:
        """Return the folders' titles in Home Assistant's language (it may have changed since set-up)."""
        await texts.async_load(self.hass)
        return {folder: texts.text(self.hass, key) for folder, key in _TITLE_KEYS.items()}

    def _entry_node(self, entry: ConfigEntry, titles: dict[str, str], identifier: str | None = "") -> BrowseMediaSource:
        """Return an entry's folder with its kinds and visitors (as the root when `identifier` is None)."""
        folders = [
            self._kind_node(entry, UNKNOWN, titles),
            self._visitors_node(entry, titles),
            self._kind_node(entry, RECOGNISED, titles),
        ]
        if identifier is None:
            return _folder(None, NAME, folders)
        return _folder(entry.entry_id, entry.title, folders)

    def _kind_node(
        self, entry: ConfigEntry, kind: Kind, titles: dict[str, str], children: bool = False
    ) -> BrowseMediaSource:
        """Return a kind's folder; the unknown faces are the strangers not remembered (a visitor's are theirs)."""
        store: FaceStore = entry.runtime_data.faces
        faces = None
        if children:
            visitors = _visitors(entry)
            shown = [face for face in store.faces(kind) if kind != UNKNOWN or visitors.of_face(face.id) is None]
            faces = [self._face_node(entry, face) for face in shown]
        return _folder(f"{entry.entry_id}/{kind}", titles[kind], faces)

    def _visitors_node(self, entry: ConfigEntry, titles: dict[str, str], children: bool = False) -> BrowseMediaSource:
        """Return the visitors' folder: a folder per visitor with kept crops, the most recently seen first."""
        visitors = _visitors(entry)
        folders = None
        if children:
            folders = [self._visitor_node(entry, v, titles) for v in visitors if visitors.kept_faces(v)]
        return _folder(f"{entry.entry_id}/{VISITORS}", titles[VISITORS], folders)

    def _visitor_node(
        self, entry: ConfigEntry, visitor: Visitor, titles: dict[str, str], children: bool = False
    ) -> BrowseMediaSource:
        """Return a visitor's folder ("Visitor 7 — 4 visits"), their latest crop as its thumbnail."""
        kept = _visitors(entry).kept_faces(visitor)
        name = texts.text(self.hass, "visitor_name", number=visitor.number)
        title = "visitor_folder_one" if visitor.visits == 1 else "visitor_folder"
        node = _folder(
            f"{entry.entry_id}/{VISITORS}/{visitor.number}",
            texts.text(self.hass, title, visitor=name, visits=visitor.visits),
            [self._face_node(entry, face) for face in reversed(kept)] if children else None,
        )
        if kept:
            node.thumbnail = image_url(entry.entry_id, kept[-1].id)
        return node

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


def _visitors(entry: ConfigEntry) -> Visitors:
    visitors: Visitors = entry.runtime_data.visitors
    return visitors


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
