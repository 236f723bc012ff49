"""What a camera announces when a visit ends: each person recognised (once per cool-down), and any stranger.

A stranger is told as the visitor they are (visitors.py): their number, visits
so far, first sighting, whether they are ignored (then nothing is announced)
and whether they are remembered at all.

Or, when the visit saw a face and could not say who (decisions.py), that it
is uncertain, with the candidates and why. An `Announcement` is made once per
person, stranger or uncertain visit. Its `event_data` is the bus event
automations trigger on (`baidu_face_recognized`, `baidu_face_unknown_face`,
`baidu_face_uncertain`); its `event_attributes` are what the camera's event
entity shows of it; its `logbook_entry` is its one line in Activity. All
carry the visit's `decision` record.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from homeassistant.components.image_processing.const import DOMAIN as IMAGE_PROCESSING_DOMAIN
from homeassistant.const import ATTR_DOMAIN, ATTR_ENTITY_ID, ATTR_NAME, EVENT_LOGBOOK_ENTRY
from homeassistant.core import CALLBACK_TYPE, Context, HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.util import dt as dt_util

from .api import Candidate
from .const import DOMAIN, EVENT_RECOGNIZED, EVENT_UNCERTAIN, EVENT_UNKNOWN_FACE
from .decisions import Decisions
from .kept_face_view import image_url
from .kept_faces import KeptFace
from .seen import SeenFace, box_attributes
from .texts import text
from .visitors import Visitor, VisitorSighting
from .visits import UNCERTAIN, Visit


@dataclass(frozen=True, slots=True)
class Announcement:
    """A person a visit recognised, or the best of its strangers (unknown faces no known person accounts for)."""

    event_type: str  # EVENT_RECOGNIZED, EVENT_UNKNOWN_FACE or EVENT_UNCERTAIN
    face: SeenFace
    entity_id: str | None  # the camera's recognition entity
    camera: str
    frames_scanned: int
    # The face's kept crop (kept_faces.py), when it was kept.
    face_id: str | None = None
    image_url: str | None = None
    # An unknown face's: how many faces nobody known explains, and each one's kept crop.
    faces: int = 0
    face_ids: tuple[str, ...] = ()
    # An unknown face's visitor (None: not remembered, see `remembered`).
    visitor: Visitor | None = None
    # Why the visit decided so (decisions.Decisions.record).
    decision: Mapping[str, Any] | None = None
    # An uncertain visit's: why (decisions.REASON_*), and whom it weighed, with the frames naming each.
    reason: str | None = None
    candidates: tuple[tuple[Candidate, int], ...] = ()

    @property
    def recognized(self) -> bool:
        """Whether it announces a person (else a stranger)."""
        return self.event_type == EVENT_RECOGNIZED

    def event_data(self) -> dict[str, Any]:
        """Return the bus event's data: the camera, who (when recognised), the score and box, the crop."""
        face = self.face
        data: dict[str, Any] = {
            ATTR_ENTITY_ID: self.entity_id,
            "camera_entity_id": self.camera,
            "frames_scanned": self.frames_scanned,
        }
        if self.recognized:
            data |= {"uid": face.uid, "user_info": face.user_info, "group_id": face.group_id}
        elif self.event_type == EVENT_UNCERTAIN:
            data |= {"reason": self.reason, "candidates": self._candidates()}
        else:
            data["faces"] = self.faces
        data |= {"score": face.score, "box": box_attributes(face.box), **self._crop()}
        if self.event_type == EVENT_UNKNOWN_FACE:
            data |= {"face_ids": list(self.face_ids), **self._visitor()}
        return data | {"decision": dict(self.decision or {})}

    def event_attributes(self) -> dict[str, Any]:
        """Return the event entity's attributes: who (when recognised), the score and box, the crop, the frames."""
        attributes: dict[str, Any] = {"uid": self.face.uid, "name": self.face.name} if self.recognized else {}
        if self.event_type == EVENT_UNCERTAIN:
            attributes |= {"reason": self.reason, "candidates": self._candidates()}
        attributes |= {"score": self.face.score, "box": box_attributes(self.face.box)}
        if self.event_type == EVENT_UNKNOWN_FACE:
            attributes |= {"faces": self.faces, **self._visitor()}
        attributes |= self._crop() | {"frames": self.frames_scanned}
        return attributes | {"decision": dict(self.decision or {})}

    def _candidates(self) -> list[dict[str, Any]]:
        return [
            {"uid": c.uid, "user_info": c.user_info or None, "group_id": c.group_id or None, "score": c.score}
            | {"frames": frames}
            for c, frames in self.candidates
        ]

    def logbook_entry(self, hass: HomeAssistant) -> dict[str, Any]:
        """Return its line in Activity, in Home Assistant's language: who, on which camera, the score.

        A logbook entry on the camera rather than a description of the bus event:
        a described event belongs to the recognition entity its data names, so
        excluding that entity's states from the logbook (README) would drop the
        line too; the camera's own state rarely changes.
        """
        # Activity shows the camera's name before the message: the message names the person.
        score = f"{self.face.score:.1f}"
        if self.recognized:
            name = self.face.name or self.face.uid or ""
            message = text(hass, "recognized_line", name=name, score=score)
        elif self.event_type == EVENT_UNCERTAIN:
            # Not a name: the door stays shut, and Activity says why.
            name = text(hass, "uncertain")
            names = " / ".join(candidate.user_info or candidate.uid for candidate, _ in self.candidates)
            message = text(hass, "uncertain_line", reason=text(hass, f"uncertain_{self.reason}"), names=names or "—")
        elif self.visitor is not None:
            # A remembered stranger is named as the visitor they are.
            name = text(hass, "visitor_name", number=self.visitor.number)
            message = text(hass, "visitor_line", visitor=name, visits=self.visitor.visits, score=score)
        else:
            name, message = text(hass, "unknown_face"), text(hass, "unknown_face_line", score=score)
        return {ATTR_NAME: name, "message": message, ATTR_DOMAIN: DOMAIN, ATTR_ENTITY_ID: self.camera}

    def _visitor(self) -> dict[str, Any]:
        """Return who a stranger is: their visitor id and name, visits so far, first sighting, ignored, remembered."""
        visitor = self.visitor
        if visitor is None:
            return {
                "visitor_id": None,
                "visitor": None,
                "visits": 1,
                "first_seen": None,
                "ignored": False,
                "remembered": False,
            }
        return {
            "visitor_id": visitor.number,
            "visitor": visitor.name,
            "visits": visitor.visits,
            "first_seen": visitor.first_seen.isoformat(),
            "ignored": visitor.ignored,
            "remembered": True,
        }

    def _crop(self) -> dict[str, str]:
        """Return the kept crop's id and URL (nothing when the face was not kept)."""
        if self.face_id is None or self.image_url is None:
            return {}
        return {"face_id": self.face_id, "image_url": self.image_url}


type AnnouncementListener = Callable[[Announcement], None]


class Announcer:
    """One camera's announcements: fired on the bus, and told to the listeners (the camera's event entity)."""

    def __init__(
        self, hass: HomeAssistant, entry_id: str, camera: str, cooldown: float, unique_id: str, decisions: Decisions
    ) -> None:
        """Announce for `camera`'s recognition entity (its `unique_id`); a person at most once per `cooldown` s.

        Each announcement carries its decision record, from `decisions`.
        """
        self._decisions = decisions
        self._hass = hass
        self._entry_id = entry_id
        self._camera = camera
        self._cooldown = timedelta(seconds=cooldown)
        self._unique_id = unique_id
        self._announced: dict[str, datetime] = {}
        self._listeners: list[AnnouncementListener] = []

    @callback
    def async_add_listener(self, listener: AnnouncementListener) -> CALLBACK_TYPE:
        """Call `listener` with every announcement, as it is fired; return what stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def due(self, visit: Visit) -> list[str]:
        """Return the people of a visit to announce (not within their cool-down), marking them announced."""
        now = dt_util.utcnow()
        due = []
        for uid in visit.known:
            last = self._announced.get(uid)
            if last is None or now - last >= self._cooldown:
                self._announced[uid] = now
                due.append(uid)
        return due

    def announce(
        self,
        visit: Visit,
        due: Sequence[str],
        kept: Mapping[str, KeptFace | None],
        strangers: Sequence[KeptFace | None],
        visitors: Sequence[VisitorSighting] = (),
    ) -> None:
        """Announce the people `due`, and the best of the visit's strangers (also beside a known person), or its doubt.

        `kept` and `strangers` are the crops kept of the people's and the strangers' faces
        (`Visit.strangers`: an unknown face that is a person the visit named in another frame is
        none), `visitors` who the strangers are; an ignored visitor is not announced. A
        concluded visit's `known` holds only the people it confirmed (decisions.py).
        """
        entity_id = er.async_get(self._hass).async_get_entity_id(IMAGE_PROCESSING_DOMAIN, DOMAIN, self._unique_id)
        verdict = visit.verdict
        for uid in due:
            self._fire(self._announcement(EVENT_RECOGNIZED, visit, visit.known[uid], kept.get(uid), entity_id, uid))
        if verdict is not None and verdict.outcome == UNCERTAIN:
            seen = [*visit.uncertain.values(), *visit.unknown]
            face = max(seen, key=lambda f: f.score) if seen else SeenFace(0.0, None)
            announcement = self._announcement(EVENT_UNCERTAIN, visit, face, None, entity_id)
            weighed = tuple((c, visit.named.get(c.uid, 0)) for c in verdict.candidates)
            self._fire(replace(announcement, reason=verdict.reason, candidates=weighed))
            return
        unknown = visit.strangers
        if not unknown:
            return

        def visitor(index: int) -> Visitor | None:
            return visitors[index].visitor if index < len(visitors) else None

        told = [i for i in range(len(unknown)) if not ((who := visitor(i)) is not None and who.ignored)]
        if not told:
            return
        best = max(told, key=lambda index: unknown[index].score)
        crop = strangers[best] if best < len(strangers) else None
        announcement = self._announcement(EVENT_UNKNOWN_FACE, visit, unknown[best], crop, entity_id)
        face_ids = tuple(face.id for face in strangers if face is not None)
        self._fire(replace(announcement, faces=len(unknown), face_ids=face_ids, visitor=visitor(best)))

    def _announcement(
        self,
        event_type: str,
        visit: Visit,
        face: SeenFace,
        crop: KeptFace | None,
        entity_id: str | None,
        uid: str | None = None,
    ) -> Announcement:
        return Announcement(
            event_type,
            face,
            entity_id,
            self._camera,
            visit.frames_scanned,
            face_id=crop.id if crop else None,
            image_url=image_url(self._entry_id, crop.id) if crop else None,
            decision=self._decisions.record(visit, event_type, uid),
        )

    def _fire(self, announcement: Announcement) -> None:
        # One context: the Activity line and the event are the same announcement.
        context = Context()
        self._hass.bus.async_fire(announcement.event_type, announcement.event_data(), context=context)
        self._hass.bus.async_fire(EVENT_LOGBOOK_ENTRY, announcement.logbook_entry(self._hass), context=context)
        for listener in list(self._listeners):
            listener(announcement)
