"""The demo's dashboard: the people of the face set, who each camera sees and saw, and a button to enroll a stranger.

Built from what Home Assistant has, through its own APIs: the device and entity registries
say who the people are (devices of model id "person": the model is in Home Assistant's language)
and which cameras have a recognition entity (its state: a name, Stranger or Nobody; a detecting
camera's face count) and "Last scan" and "Last unknown face" images; the dashboard is a storage-mode Lovelace dashboard
(`lovelace/dashboards/create`, `lovelace/config/save`), and each camera's "Enrol" button
runs a script (`/api/config/script/config/<id>`) because a card's action cannot read an
attribute. Saving the same configuration again changes nothing, so every run (and every
new person) updates the one dashboard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from custom_components.baidu_face.const import DOMAIN
from custom_components.baidu_face.entity import PERSON_MODEL_ID
from scripts.hass_driver import HassClient

URL_PATH = "baidu-face"
TITLE = "Baidu Face"
ICON = "mdi:face-recognition"
# Whom a camera's last unknown face becomes when its dashboard button is pressed.
VISITOR_UID = "visitor"
VISITOR_NAME = "Visitor"
# The dashboard's own words, in the demo's language (Home Assistant's: --language); the
# entities' names on it come translated from Home Assistant.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "visitor": VISITOR_NAME,
        "last_scan": "{camera}: last scan",
        "last_unknown_face": "{camera}: last unknown face",
        "enroll": "Enroll as {visitor}",
        "enroll_script": "Enroll the {camera}'s last unknown face",
    },
    "zh-Hans": {
        "visitor": "访客",
        "last_scan": "{camera}：上次扫描",  # noqa: RUF001 - Chinese punctuation
        "last_unknown_face": "{camera}：上次的陌生人脸",  # noqa: RUF001 - Chinese punctuation
        "enroll": "注册为{visitor}",
        "enroll_script": "注册{camera}上次的陌生人脸",
    },
}
LANGUAGES = tuple(TEXTS)
LAST_SCAN = "_last_scan"
LAST_UNKNOWN_FACE = "_last_unknown_face"
RECOGNITION_DOMAIN = "image_processing"
TRACKER = "device_tracker."
# Registry changes that can add or remove a card: a person or a camera came or went.
REGISTRY_EVENTS = ("device_registry_updated", "entity_registry_updated")


@dataclass(frozen=True, slots=True)
class Person:
    """A person's device and the rows of their card: each entity, under its own name (not repeating theirs)."""

    name: str
    rows: tuple[dict[str, str], ...]


@dataclass(frozen=True, slots=True)
class Camera:
    """A camera's device, its recognition entity and its images (an identifying camera also has a last unknown face)."""

    name: str
    slug: str
    last_scan: str
    last_unknown_face: str | None
    recognition: str | None


def enrol_script(camera: Camera) -> str:
    """Return the id of the script that enrols a camera's last unknown face."""
    return f"baidu_face_enrol_{camera.slug}_unknown_face"


def script_config(camera: Camera, groups: list[str], language: str = "en") -> dict[str, Any]:
    """Return the script that enrols the face shown by a camera's "Last unknown face" as the visitor."""
    texts = TEXTS[language]
    face_id = f"{{{{ state_attr('{camera.last_unknown_face}', 'face_id') }}}}"
    camera_name = camera.name.lower() if language == "en" else camera.name
    return {
        "alias": texts["enroll_script"].format(camera=camera_name),
        "description": "Written by scripts/demo: the dashboard's Enroll button.",
        "icon": "mdi:account-plus",
        "mode": "single",
        "sequence": [
            {
                "action": f"{DOMAIN}.enroll_face",
                "data": {"face_id": face_id, "uid": VISITOR_UID, "user_info": texts["visitor"], "groups": groups},
            }
        ],
    }


def dashboard_config(people: Iterable[Person], cameras: Iterable[Camera], language: str = "en") -> dict[str, Any]:
    """Return the dashboard: a card per person, each camera's who-is-there and last scan, each last unknown face."""
    texts = TEXTS[language]
    cards: list[dict[str, Any]] = [
        {"type": "entities", "title": person.name, "entities": list(person.rows)} for person in people
    ]
    for camera in cameras:
        scan: dict[str, Any] = {
            "type": "picture-entity",
            "entity": camera.last_scan,
            "name": texts["last_scan"].format(camera=camera.name),
            "show_state": False,
        }
        if camera.recognition is None:
            cards.append(scan)
        else:
            # Who is there now, in Home Assistant's language, above what the camera last saw.
            cards.append({"type": "vertical-stack", "cards": [{"type": "tile", "entity": camera.recognition}, scan]})
        if camera.last_unknown_face is None:
            continue
        button = {
            "type": "button",
            "name": texts["enroll"].format(visitor=texts["visitor"]),
            "icon": "mdi:account-plus",
            "icon_height": "48px",
            "show_state": False,
            "tap_action": {"action": "perform-action", "perform_action": f"script.{enrol_script(camera)}"},
        }
        face = {"type": "picture-entity", "entity": camera.last_unknown_face, "show_state": False}
        face["name"] = texts["last_unknown_face"].format(camera=camera.name)
        cards.append({"type": "vertical-stack", "cards": [face, button]})
    return {"title": TITLE, "views": [{"title": TITLE, "path": "home", "icon": ICON, "cards": cards}]}


async def read_registries(hass: HassClient) -> tuple[list[Person], list[Camera]]:
    """Return the integration's people and cameras, from Home Assistant's device and entity registries."""
    devices, entities = await hass.websocket(
        {"type": "config/device_registry/list"}, {"type": "config/entity_registry/list"}
    )
    ours = {
        device["id"]: device
        for device in devices
        if any(domain == DOMAIN for domain, _ in device["identifiers"]) and not device["disabled_by"]
    }
    by_device: dict[str, list[dict[str, Any]]] = {}
    for entity in entities:
        if entity["platform"] == DOMAIN and entity["device_id"] in ours and not entity["disabled_by"]:
            by_device.setdefault(entity["device_id"], []).append(entity)
    people, cameras = [], []
    for device_id, device_entities in by_device.items():
        device = ours[device_id]
        name = device["name_by_user"] or device["name"]
        if device["model_id"] == PERSON_MODEL_ID:
            rows = [_row(entity) for entity in sorted(device_entities, key=lambda e: _card_order(e["entity_id"]))]
            people.append(Person(name, tuple(rows)))
            continue
        entity_ids = [entity["entity_id"] for entity in device_entities]
        scans = [e for e in entity_ids if e.startswith("image.") and e.endswith(LAST_SCAN)]
        if scans:
            unknown = next((e for e in entity_ids if e.startswith("image.") and e.endswith(LAST_UNKNOWN_FACE)), None)
            recognition = next((e for e in entity_ids if e.startswith(f"{RECOGNITION_DOMAIN}.")), None)
            slug = scans[0].removeprefix("image.").removesuffix(LAST_SCAN)
            cameras.append(Camera(name, slug, scans[0], unknown, recognition))
    return sorted(people, key=lambda p: p.name), sorted(cameras, key=lambda c: c.name)


def _row(entity: dict[str, Any]) -> dict[str, str]:
    """Return an entities card's row for an entity, named by its own name ("Last seen"), not its device's."""
    row = {"entity": entity["entity_id"]}
    if entity["has_entity_name"] and entity["original_name"]:
        row["name"] = entity["original_name"]
    elif entity["entity_id"].startswith(TRACKER):
        # The tracker is named after the person (for person.*), whom the card's title already names.
        row["name"] = "Presence"
    return row


def _card_order(entity_id: str) -> tuple[int, str]:
    """Order a person's entities as the card shows them: home or away, when, then where, then whether recently."""
    if entity_id.startswith(TRACKER):
        return 0, entity_id
    for rank, suffix in enumerate(("_last_seen", "_last_seen_at", "_seen_recently"), start=1):
        if entity_id.endswith(suffix):
            return rank, entity_id
    return 4, entity_id


@dataclass
class Dashboard:
    """The demo's dashboard in one Home Assistant, kept in step with its people and cameras."""

    hass: HassClient
    groups: list[str]
    language: str = "en"
    saved: dict[str, Any] | None = None

    @property
    def path(self) -> str:
        """Return the dashboard's path on Home Assistant's site."""
        return f"/{URL_PATH}/home"

    async def update(self) -> dict[str, Any]:
        """Create the dashboard if missing; write its scripts and configuration if they changed; the configuration."""
        people, cameras = await read_registries(self.hass)
        config = dashboard_config(people, cameras, self.language)
        if config == self.saved:
            return config
        if self.saved is None:
            (dashboards,) = await self.hass.websocket({"type": "lovelace/dashboards/list"})
            if not any(dashboard["url_path"] == URL_PATH for dashboard in dashboards):
                create = {"url_path": URL_PATH, "title": TITLE, "icon": ICON, "show_in_sidebar": True}
                await self.hass.websocket({"type": "lovelace/dashboards/create", "require_admin": False, **create})
        for camera in cameras:
            if camera.last_unknown_face is not None:
                script = script_config(camera, self.groups, self.language)
                await self.hass.call("POST", f"/api/config/script/config/{enrol_script(camera)}", script)
        await self.hass.websocket({"type": "lovelace/config/save", "url_path": URL_PATH, "config": config})
        self.saved = config
        return config

    async def keep_updated(self) -> None:
        """Update the dashboard whenever a device or an entity comes or goes, until cancelled.

        Also once at the start, for what changed while nobody listened (Home Assistant restarted);
        `HassUnavailable` when Home Assistant goes away.
        """
        async with self.hass.subscription(*REGISTRY_EVENTS) as events:
            await self.update()
            async for _ in events:
                # A new person brings three entities: the updates after the first change nothing.
                await asyncio.sleep(1)
                await self.update()
