"""Diagnostics, usage counter, translations, action descriptions and packaging."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_get_all_descriptions
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.const import DOMAIN
from tests.conftest import BOTH

from .conftest import state

Setup = Callable[..., Awaitable[MockConfigEntry]]
INTEGRATION = Path(__file__).resolve().parents[2] / "custom_components" / DOMAIN


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for key, value in tree.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found


async def test_diagnostics_hide_the_keys_and_token(
    hass: HomeAssistant, hass_client: ClientSessionGenerator, setup_entry: Setup
) -> None:
    entry = await setup_entry()
    await hass.services.async_call(
        "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
    )
    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    token = entry.runtime_data.client._transport._token
    for secret in (BOTH.api_key, BOTH.secret_key, token):
        assert secret
        assert secret not in text
    assert diagnostics["entry"]["secret_key"] == "**REDACTED**"
    assert diagnostics["api_version"] == "v3"
    assert diagnostics["calls"]["identify"] == 1
    assert diagnostics["cameras"][0]["settings"]["camera_entity_id"] == "camera.door"


async def test_no_secret_in_any_log_line(
    hass: HomeAssistant, setup_entry: Setup, baidu: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    entry = await setup_entry()
    await hass.services.async_call(
        "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
    )
    baidu.server.reset_secret(BOTH.api_key, "rotated")  # refusals get logged too
    await hass.services.async_call(
        "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
    )
    await hass.async_block_till_done()
    token = entry.runtime_data.client._transport._token
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "could not scan" in text
    for secret in (BOTH.secret_key, "rotated", token or "no token"):
        assert secret not in text
    assert "Detected blocking call" not in text


async def test_the_call_counter(hass: HomeAssistant, setup_entry: Setup) -> None:
    await setup_entry()
    counter = "sensor.baidu_face_127_0_0_1_api_calls"
    assert state(hass, counter).state == "1"  # the API-version probe at setup
    for _ in range(2):
        await hass.services.async_call(
            "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=True
        )
    async_fire_time_changed(hass, dt_util.utcnow() + timedelta(seconds=31))
    await hass.async_block_till_done()
    counted = state(hass, counter)
    assert counted.state == "3"
    assert counted.attributes["identify"] == 2
    assert counted.attributes["token"] == 1


async def test_every_action_is_described(hass: HomeAssistant, setup_entry: Setup) -> None:
    await setup_entry()
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    expected = {
        "detect", "match", "identify", "verify", "get_user", "list_groups", "list_group_users",
        "register_user", "update_user", "delete_user", "add_user_to_group", "remove_user_from_group",
    }  # fmt: skip
    assert set(descriptions) == expected
    assert {"uid", "user_info", "groups", "replace", "camera_entity_id", "image_path"} <= set(
        descriptions["register_user"]["fields"]
    )
    translations = json.loads((INTEGRATION / "translations" / "en.json").read_text())["services"]
    for name, description in descriptions.items():
        assert set(description["fields"]) == set(translations[name]["fields"]), name


def test_translations_are_complete_in_both_languages() -> None:
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    chinese = json.loads((INTEGRATION / "translations" / "zh-Hans.json").read_text(encoding="utf-8"))
    assert keys(english) == keys(chinese)
    # Every translation key the code raises exists.
    source = "\n".join(p.read_text() for p in INTEGRATION.glob("*.py"))
    used = set(re.findall(r'translation_key="(\w+)"', source)) | set(re.findall(r'_invalid\("(\w+)"', source))
    used |= set(re.findall(r'Error, "(\w+)", (?:True|False)\),', source))  # the error table in runtime.py
    used |= set(re.findall(r'^    "\w+": "(\w+)",$', source, re.MULTILINE))  # refused fields, by name
    used |= set(re.findall(r'^\s+key = "(\w+)"', source, re.MULTILINE))
    assert {"invalid_uid", "user_not_found", "user_not_found_anywhere", "rate_limited"} <= used
    assert used, "no keys found"
    assert used <= set(english["exceptions"]), used - set(english["exceptions"])


def test_manifest_and_hacs() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert list(manifest)[:2] == ["domain", "name"]
    assert list(manifest)[2:] == sorted(list(manifest)[2:])
    assert manifest["version"]
    hacs = json.loads((INTEGRATION.parents[1] / "hacs.json").read_text())
    assert set(hacs) <= {
        "name",
        "homeassistant",
        "render_readme",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "persistent_directory",
        "hacs",
    }
    assert hacs["name"]
    assert [p.name for p in (INTEGRATION.parents[0]).iterdir() if p.is_dir() and not p.name.startswith("_")] == [DOMAIN]


def test_the_client_has_no_home_assistant_imports() -> None:
    for path in (INTEGRATION / "api").glob("*.py"):
        assert "homeassistant" not in path.read_text(), path.name


async def test_logbook_lines_for_recognitions(hass: HomeAssistant) -> None:
    from homeassistant.core import Event

    from custom_components.baidu_face.logbook import async_describe_events

    described: dict[str, Any] = {}
    async_describe_events(hass, lambda domain, event_type, describe: described.update({event_type: describe}))
    known = described["baidu_face_recognized"](
        Event(
            "baidu_face_recognized",
            {
                "uid": "obama",
                "user_info": "",
                "camera_entity_id": "camera.door",
                "score": 97.1,
                "entity_id": "image_processing.door_recognised_person",
            },
        )
    )
    assert known == {
        "name": "obama",
        "message": "saw obama (score 97.1)",
        "entity_id": "image_processing.door_recognised_person",
    }
    stranger = described["baidu_face_unknown_face"](
        Event(
            "baidu_face_unknown_face",
            {
                "score": 39.79,
                "camera_entity_id": "camera.door",
                "entity_id": "image_processing.door_recognised_person",
            },
        )
    )
    assert stranger["message"] == "saw an unknown face (best score 39.8)"
