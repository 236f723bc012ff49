"""The demo's dashboard: the people of the face set, who each camera sees and saw, the latest visitors, Enroll buttons.

Built from what Home Assistant has, through its own APIs: the device and entity registries
say who the people are (devices of model id "person": the model is in Home Assistant's language)
and which cameras have a recognition entity (its state: a name, Stranger or Nobody; a detecting
camera's face count) and "Last scan" and "Last unknown face" images, and which sensor is the
entry's "Visitors" (the latest visitors in its attributes); the dashboard is a storage-mode Lovelace dashboard
(`lovelace/dashboards/create`, `lovelace/config/save`), and each camera's "Enroll" button and
each visitor's "Enroll" and "Ignore" run a script (`/api/config/script/config/<id>`) because a
card's action cannot read an attribute. A visitor's buttons name their place in the list
(the latest first), which the script reads when pressed. Saving the same configuration again
changes nothing, so every run (and every new person) updates the one dashboard.
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
# Whom an Enroll button makes of a camera's last unknown face or of a visitor: a new person
# each time, named after the minute it was pressed (Home Assistant templates, rendered then).
GUEST_UID = "guest_{{ now().strftime('%y%m%d_%H%M%S') }}"
GUEST_WHEN = "{{ now().strftime('%m-%d %H:%M') }}"
# The dashboard's own words, in the demo's language (Home Assistant's: --language); the
# entities' names on it come translated from Home Assistant.
TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "guest": f"Guest {GUEST_WHEN}",
        "last_scan": "{camera}: last scan",
        "last_unknown_face": "{camera}: last unknown face",
        "enroll": "Enroll as a guest",
        "enroll_script": "Enroll the {camera}'s last unknown face",
        "visitors": "Visitors",
        "remembered": "{count} remembered; the latest:",
        "visitor_number": "Visitor {number}",
        "visits": "Visits: {visits}, first seen {first_seen}",
        "ignored": "ignored: counted, not announced",
        "ignore": "Ignore",
        "enroll_visitor_script": "Enroll a visitor of the dashboard",
        "ignore_visitor_script": "Ignore a visitor of the dashboard",
        "index": "Their place on the dashboard (0: the latest)",
    },
    "zh-Hans": {
        "guest": f"客人 {GUEST_WHEN}",
        "last_scan": "{camera}：上次扫描",  # noqa: RUF001 - Chinese punctuation
        "last_unknown_face": "{camera}：上次的陌生人脸",  # noqa: RUF001 - Chinese punctuation
        "enroll": "注册为客人",
        "enroll_script": "注册{camera}上次的陌生人脸",
        "visitors": "访客",
        "remembered": "记住了 {count} 位；最近的：",  # noqa: RUF001 - Chinese punctuation
        "visitor_number": "访客 {number}",
        "visits": "来访 {visits} 次，首次 {first_seen}",  # noqa: RUF001 - Chinese punctuation
        "ignored": "已忽略：照样计数，不再通知",  # noqa: RUF001 - Chinese punctuation
        "ignore": "忽略",
        "enroll_visitor_script": "注册仪表盘上的访客",
        "ignore_visitor_script": "忽略仪表盘上的访客",
        "index": "在仪表盘上的位置（0：最近的）",  # noqa: RUF001 - Chinese punctuation
    },
}
LANGUAGES = tuple(TEXTS)
LAST_SCAN = "_last_scan"
LAST_UNKNOWN_FACE = "_last_unknown_face"
RECOGNITION_DOMAIN = "image_processing"
# The entry's "Visitors" sensor, by its unique id's suffix; how many of its latest visitors the dashboard shows.
VISITORS_SENSOR = "_visitors"
DASHBOARD_VISITORS = 3
ENROLL_VISITOR_SCRIPT = "baidu_face_enroll_visitor"
IGNORE_VISITOR_SCRIPT = "baidu_face_ignore_visitor"
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
    """Return the script that enrols the face shown by a camera's "Last unknown face" as a new guest."""
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
                "data": {"face_id": face_id, "uid": GUEST_UID, "user_info": texts["guest"], "groups": groups},
            }
        ],
    }


def _nth_visitor(sensor: str) -> str:
    """Return the template of the visitor at the script's `index` in the sensor's list."""
    return f"(state_attr('{sensor}', 'visitors') or [])[index | int]"


def visitor_scripts(sensor: str, groups: list[str], language: str = "en") -> dict[str, dict[str, Any]]:
    """Return the scripts of a visitor's buttons, by id: enroll them as a new guest (all their faces), ignore them."""
    texts = TEXTS[language]
    fields = {"index": {"name": texts["index"], "required": True, "selector": {"number": {"min": 0, "max": 9}}}}
    visitor_id = f"{{{{ {_nth_visitor(sensor)}.visitor_id }}}}"
    written = "Written by scripts/demo: a visitor's button on the dashboard."

    def script(alias: str, icon: str, action: str, data: dict[str, Any]) -> dict[str, Any]:
        sequence = [{"action": f"{DOMAIN}.{action}", "data": {"visitor_id": visitor_id, **data}}]
        return {
            "alias": alias,
            "description": written,
            "icon": icon,
            "mode": "single",
            "fields": fields,
            "sequence": sequence,
        }

    enroll = {"uid": GUEST_UID, "user_info": texts["guest"], "groups": groups}
    return {
        ENROLL_VISITOR_SCRIPT: script(texts["enroll_visitor_script"], "mdi:account-plus", "enroll_face", enroll),
        IGNORE_VISITOR_SCRIPT: script(texts["ignore_visitor_script"], "mdi:bell-off", "ignore_visitor", {}),
    }


def _button(name: str, icon: str, script: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    action: dict[str, Any] = {"action": "perform-action", "perform_action": f"script.{script}"}
    return {
        "type": "button",
        "name": name,
        "icon": icon,
        "icon_height": "48px",
        "show_state": False,
        "tap_action": action | ({"data": data} if data else {}),
    }


def visitors_card(sensor: str, language: str = "en") -> dict[str, Any]:
    """Return the latest visitors' card: each one's number and visits, with Enroll and Ignore buttons."""
    texts = TEXTS[language]
    cards: list[dict[str, Any]] = [
        {
            "type": "markdown",
            "content": f"## {texts['visitors']}\n{texts['remembered'].format(count=f'{{{{ states({sensor!r}) }}}}')}",
        }
    ]
    for index in range(DASHBOARD_VISITORS):
        v = f"(state_attr({sensor!r}, 'visitors') or [])[{index}]"
        first_seen = f"{{{{ as_timestamp({v}.first_seen) | timestamp_custom('%Y-%m-%d %H:%M') }}}}"
        visits = texts["visits"].format(visits=f"{{{{ {v}.visits }}}}", first_seen=first_seen)
        content = (
            f"### {texts['visitor_number'].format(number=f'{{{{ {v}.visitor_id }}}}')}\n{visits}"
            f"{{% if {v}.ignored %}}\n\n*{texts['ignored']}*{{% endif %}}"
        )
        buttons = [
            _button(
                texts["enroll"],
                "mdi:account-plus",
                ENROLL_VISITOR_SCRIPT,
                {"index": index},
            ),
            _button(texts["ignore"], "mdi:bell-off", IGNORE_VISITOR_SCRIPT, {"index": index}),
        ]
        shown = {
            "type": "vertical-stack",
            "cards": [{"type": "markdown", "content": content}, {"type": "horizontal-stack", "cards": buttons}],
        }
        # Only as many as there are.
        condition = {"condition": "numeric_state", "entity": sensor, "above": index}
        cards.append({"type": "conditional", "conditions": [condition], "card": shown})
    return {"type": "vertical-stack", "cards": cards}


def dashboard_config(
    people: Iterable[Person], cameras: Iterable[Camera], language: str = "en", visitors: str | None = None
) -> dict[str, Any]:
    """Return the dashboard: a card per person, each camera's who-is-there, last scan and unknown face, the visitors."""
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
        button = _button(texts["enroll"], "mdi:account-plus", enrol_script(camera))
        face = {"type": "picture-entity", "entity": camera.last_unknown_face, "show_state": False}
        face["name"] = texts["last_unknown_face"].format(camera=camera.name)
        cards.append({"type": "vertical-stack", "cards": [face, button]})
    if visitors is not None:
        cards.append(visitors_card(visitors, language))
    return {"title": TITLE, "views": [{"title": TITLE, "path": "home", "icon": ICON, "cards": cards}]}


async def read_registries(hass: HassClient) -> tuple[list[Person], list[Camera], str | None]:
    """Return the integration's people, cameras and "Visitors" sensor, from Home Assistant's registries."""
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
    visitors = next(
        (
            entity["entity_id"]
            for entities_of_device in by_device.values()
            for entity in entities_of_device
            if entity["entity_id"].startswith("sensor.") and entity["unique_id"].endswith(VISITORS_SENSOR)
        ),
        None,
    )
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
    return sorted(people, key=lambda p: p.name), sorted(cameras, key=lambda c: c.name), visitors


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
        people, cameras, visitors = await read_registries(self.hass)
        config = dashboard_config(people, cameras, self.language, visitors)
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
        if visitors is not None:
            for script_id, script in visitor_scripts(visitors, self.groups, self.language).items():
                await self.hass.call("POST", f"/api/config/script/config/{script_id}", script)
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
