"""Each camera's pictures: "Last scan" and, on identifying cameras, "Last unknown face".

"Last scan" is the last frame a visit sent, its faces boxed and named: drawn into
the pixels in the executor, once per visit, and kept as one JPEG in memory (a
restart starts with none). "Last unknown face" is the newest unknown face the
camera's visits kept (kept_faces.py): read from the kept crops, so it survives restarts.
When that face is enrolled or dropped, the one before it shows (or none).
"""

from __future__ import annotations

import asyncio
import io
import logging
import unicodedata
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import override

from homeassistant.components.image import ImageEntity
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util
from PIL import Image, ImageDraw, ImageFont

from .entity import CameraEntity
from .kept_faces import UNKNOWN, FaceStore, KeptFace
from .runtime import BaiduFaceConfigEntry
from .scanner import CameraScanner
from .seen import SeenFace
from .visits import Visit

_LOGGER = logging.getLogger(__name__)

# Drawing reads nothing from Baidu; the pictures are pushed when a visit ends.
PARALLEL_UPDATES = 0

CONTENT_TYPE = "image/jpeg"
JPEG_QUALITY = 85
# Box colours: a named person, a face nobody in the groups matches, a detected face (detect mode).
KNOWN_COLOUR = (0, 160, 60)
UNKNOWN_COLOUR = (220, 40, 40)
DETECTED_COLOUR = (0, 110, 220)
LABEL_TEXT_COLOUR = (255, 255, 255)
# The labels are pixels, not text a browser translates: English words, and names in their own
# script. The font is Noto Sans CJK SC cut down to the characters names use: Latin, GB 2312
# (hanzi and kana), Hangul and JIS level-1 kanji (scripts/make_label_font.py; 3.5 MiB, where the
# whole font is 15). A name with a character it lacks is drawn as its uid.
LABEL_FONT = Path(__file__).parent / "fonts" / "NotoSansCJKsc-Regular-Labels.otf"
UNKNOWN_LABEL = "Unknown"
DETECTED_LABEL = "Face"


async def async_setup_entry(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, async_add_entities: AddConfigEntryEntitiesCallback
) -> None:
    """Add each camera subentry's images, under that subentry."""
    for scanner in entry.runtime_data.scanners.values():
        images: list[CameraImage] = [LastScanImage(hass, entry, scanner)]
        if scanner.settings.identify:
            # A detect-mode camera names nobody, so none of its faces is "unknown".
            images.append(LastUnknownFaceImage(hass, entry, scanner))
        async_add_entities(images, config_subentry_id=scanner.subentry_id)


@lru_cache(maxsize=8)
def label_font(size: int) -> ImageFont.FreeTypeFont:
    """Return the labels' font at `size` pixels, loaded once per size (in the executor: it reads a file)."""
    return ImageFont.truetype(LABEL_FONT, size)


def _drawable(font: ImageFont.FreeTypeFont, text: str) -> str | None:
    """Return `text` as the font can draw it, or None when it cannot.

    A character the font lacks is drawn as its letters without accents where the font has those
    (Ǹ as N); any other makes the whole text undrawable (the caller draws the uid instead).
    """
    # A character the font lacks renders as its "missing glyph" box: the same mask as a private-use character.
    missing = bytes(font.getmask("\U0010fffd"))

    def has(char: str) -> bool:
        return char.isspace() or bytes(font.getmask(char)) != missing

    drawn = []
    for char in unicodedata.normalize("NFC", text):
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        if has(char):
            drawn.append(char)
        elif plain and all(has(c) for c in plain):
            drawn.append(plain)
        else:
            return None
    return "".join(drawn)


def face_label(face: SeenFace, identify: bool, font: ImageFont.FreeTypeFont) -> str:
    """Return what is written above a face: who (or "Unknown", or "Face" in detect mode) and the score."""
    if face.uid is not None:
        who = _drawable(font, face.name or face.uid) or face.uid
    else:
        who = UNKNOWN_LABEL if identify else DETECTED_LABEL
    return f"{who} {face.score:.0f}%"


def annotated_frame(frame: bytes, faces: list[SeenFace], identify: bool) -> bytes | None:
    """Return a frame as JPEG with a box and a label on each face; None when it is not a picture (the executor)."""
    try:
        with Image.open(io.BytesIO(frame)) as opened:
            picture = opened.convert("RGB")
    except OSError, ValueError, Image.DecompressionBombError:
        return None
    short_side = min(picture.size)
    # Thick enough to see and readable on a 1080p dashboard card: a 1080p frame gets 5 px lines, 38 px text.
    line = max(4, short_side // 200)
    font = label_font(max(14, short_side // 28))
    padding = line
    draw = ImageDraw.Draw(picture)
    for face in faces:
        box = face.box
        if box is None:
            continue
        colour = DETECTED_COLOUR if not identify else KNOWN_COLOUR if face.recognised else UNKNOWN_COLOUR
        left, top = box.left, box.top
        draw.rectangle((left, top, left + box.width, top + box.height), outline=colour, width=line)
        label = face_label(face, identify, font)
        _, text_top, text_right, text_bottom = draw.textbbox((0, 0), label, font=font)
        label_height = text_bottom - text_top + 2 * padding
        # Above the box, or inside its top edge when the box touches the frame's top.
        label_top = top - label_height if top >= label_height else top
        draw.rectangle((left, label_top, left + text_right + 2 * padding, label_top + label_height), fill=colour)
        draw.text((left + padding, label_top + padding - text_top), label, fill=LABEL_TEXT_COLOUR, font=font)
    out = io.BytesIO()
    # Full-resolution colour (no 4:2:0 subsampling): thin coloured lines and small text stay sharp.
    picture.save(out, "JPEG", quality=JPEG_QUALITY, subsampling=0)
    return out.getvalue()


class CameraImage(CameraEntity, ImageEntity):
    """A picture of a camera subentry (JPEG), on the camera's device."""

    _attr_content_type = CONTENT_TYPE

    def __init__(self, hass: HomeAssistant, entry: BaiduFaceConfigEntry, scanner: CameraScanner, key: str) -> None:
        """Show one of `scanner`'s pictures: the one named by translation key `key`."""
        super().__init__(entry, scanner, key, hass)
        self._entry = entry


class LastScanImage(CameraImage):
    """The last frame a visit sent to Baidu, each face boxed and labelled with its name (or "Unknown") and score."""

    def __init__(self, hass: HomeAssistant, entry: BaiduFaceConfigEntry, scanner: CameraScanner) -> None:
        """Draw `scanner`'s visits."""
        super().__init__(hass, entry, scanner, "last_scan")
        self._picture: bytes | None = None
        self._drawing: asyncio.Task[None] | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Listen to the scanner's visits."""
        self.async_on_remove(self._scanner.async_add_listener(self._visit_finished))

    @override
    async def async_will_remove_from_hass(self) -> None:
        """Drop a drawing under way."""
        if self._drawing is not None:
            self._drawing.cancel()

    @override
    async def async_image(self) -> bytes | None:
        """Return the last visit's picture (None before the first)."""
        return self._picture

    @callback
    def _visit_finished(self, visit: Visit) -> None:
        if visit.frame is None:
            return  # no frame sent (all failed or unchanged): the last picture stays
        # Only the newest visit's picture matters: a drawing still under way is dropped.
        if self._drawing is not None:
            self._drawing.cancel()
        self._drawing = self._entry.async_create_task(
            self.hass,
            self._draw(visit.frame, list(visit.frame_faces), dt_util.utcnow()),
            f"baidu_face last scan {self._scanner.settings.camera}",
        )

    async def _draw(self, frame: bytes, faces: list[SeenFace], taken: datetime) -> None:
        picture = await self.hass.async_add_executor_job(annotated_frame, frame, faces, self._scanner.settings.identify)
        if picture is None:
            _LOGGER.debug("The last frame of %s is not a picture Pillow reads", self._scanner.settings.camera)
            return
        self._picture = picture
        # The picture's time is the entity's state: a new one makes the dashboards fetch it.
        self._attr_image_last_updated = taken
        self.async_write_ha_state()


class LastUnknownFaceImage(CameraImage):
    """The crop of the newest unknown face the camera's visits kept; its `face_id` lets a button enrol it."""

    def __init__(self, hass: HomeAssistant, entry: BaiduFaceConfigEntry, scanner: CameraScanner) -> None:
        """Show the newest of `scanner`'s kept unknown faces."""
        super().__init__(hass, entry, scanner, "last_unknown_face")
        self._faces: FaceStore = entry.runtime_data.faces
        self._face: KeptFace | None = None

    @override
    async def async_added_to_hass(self) -> None:
        """Show the newest kept unknown face, and listen for the next."""
        self.async_on_remove(self._faces.async_add_listener(self._face_kept))
        self._show_latest()

    @override
    async def async_image(self) -> bytes | None:
        """Return the crop (None when no unknown face is kept)."""
        if self._face is None:
            return None
        try:
            return await self._faces.async_read(self._face.id)
        except KeyError:
            return None  # dropped by the bounds since

    @callback
    def _face_kept(self, face: KeptFace) -> None:
        # A face kept here, or one enrolled or dropped (no longer unknown: the one before shows, or none).
        if face.camera != self._scanner.settings.camera:
            return
        latest = self._faces.latest(UNKNOWN, self._scanner.settings.camera)
        if (latest.id if latest else None) == (self._face.id if self._face else None):
            return
        # The state is when the picture changed: dashboards fetch the picture again only when it
        # does. A face shown again may have been seen at the same moment as the one it replaces
        # (one visit keeps its strangers together), so it shows as of now.
        self._show(latest, latest.seen if latest is not None and latest.id == face.id else dt_util.utcnow())
        self.async_write_ha_state()

    @callback
    def _show_latest(self) -> None:
        latest = self._faces.latest(UNKNOWN, self._scanner.settings.camera)
        self._show(latest, latest.seen if latest else None)

    @callback
    def _show(self, face: KeptFace | None, changed: datetime | None) -> None:
        self._face = face
        self._attr_image_last_updated = changed if face else None
        self._attr_extra_state_attributes = {"face_id": face.id if face else None}
