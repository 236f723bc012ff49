"""What ships: translations in both languages, action descriptions, manifest, hacs.json, a client without HA."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_get_all_descriptions
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.baidu_face.const import DOMAIN
from custom_components.baidu_face.errors import PROBLEM_REASONS

Setup = Callable[..., Awaitable[MockConfigEntry]]
INTEGRATION = Path(__file__).resolve().parents[2] / "custom_components" / DOMAIN


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for key, value in tree.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found


async def test_every_action_is_described(hass: HomeAssistant, setup_entry: Setup) -> None:
    await setup_entry()
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    expected = {
        "detect", "match", "identify", "verify", "get_user", "list_groups", "list_group_users",
        "register_user", "update_user", "delete_user", "add_user_to_group", "remove_user_from_group",
        "refresh_people", "enroll_face", "forget_face", "list_faces", "ignore_visitor", "unignore_visitor",
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
    used |= set(re.findall(r'Error, "(\w+)", (?:True|False)\),', source))  # the error table in errors.py
    used |= set(re.findall(r'^    "\w+": "(\w+)",$', source, re.MULTILINE))  # refused fields, by name
    used |= set(re.findall(r'^\s+key = "(\w+)"', source, re.MULTILINE))
    assert {"invalid_uid", "user_not_found", "user_not_found_anywhere", "rate_limited"} <= used
    assert used, "no keys found"
    # Entities' translation keys are found by the same search.
    known = set(english["exceptions"]) | {key for platform in english["entity"].values() for key in platform}
    assert used <= known, used - known


def test_every_scan_problem_reason_is_translated() -> None:
    """The problem sensor's reasons are the error table's keys: each has a translated state, and no state is dead."""
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    states = english["entity"]["binary_sensor"]["scan_problem"]["state_attributes"]["reason"]["state"]
    assert set(states) == PROBLEM_REASONS


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


def test_both_languages_use_the_same_placeholders() -> None:
    english, chinese = (
        json.loads((INTEGRATION / "translations" / f"{language}.json").read_text(encoding="utf-8"))
        for language in ("en", "zh-Hans")
    )

    def placeholders(tree: dict[str, Any], prefix: str = "") -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                found |= placeholders(value, f"{prefix}{key}.")
            else:
                found[prefix + key] = set(re.findall(r"\{(\w+)\}", str(value)))
        return found

    assert placeholders(english) == placeholders(chinese)
