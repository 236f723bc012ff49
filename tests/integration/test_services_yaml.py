"""services.yaml passes hassfest's custom-integration check and matches the registered actions.

hassfest is not on PyPI, so its check for a custom integration's services.yaml
(script/hassfest/services.py in home-assistant/core) is restated here with the
installed Home Assistant's own validators: top-level keys are slugs (no `.anchor`
keys as core integrations may keep), each action may have name, description and
fields, and each field only the keys hassfest knows, with a valid selector.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import selector
from homeassistant.util.yaml import load_yaml_dict

from custom_components.baidu_face.api import MAX_FACES, MAX_PAGE, MAX_TOP
from custom_components.baidu_face.api.limits import MAX_START
from custom_components.baidu_face.const import DOMAIN
from custom_components.baidu_face.services import ACTIONS
from custom_components.baidu_face.visitors import MAX_VISITOR_NUMBER

INTEGRATION = Path(__file__).resolve().parents[2] / "custom_components" / DOMAIN
LANGUAGES = ("en", "zh-Hans")


def _present(value: Any) -> Any:
    if value is None:
        raise vol.Invalid("value cannot be None")
    return value


_FIELD = vol.Schema(
    {
        vol.Optional("example"): _present,
        vol.Optional("default"): _present,
        vol.Optional("required"): bool,
        vol.Optional("advanced"): bool,
        vol.Optional("selector"): selector.validate_selector,
        vol.Optional("name"): str,
        vol.Optional("description"): str,
    }
)
_SECTION = vol.Schema(
    {
        vol.Optional("collapsed"): bool,
        vol.Required("fields"): {str: _FIELD},
        vol.Optional("name"): str,
        vol.Optional("description"): str,
    }
)
_ACTION = vol.Any(
    vol.Schema(
        {
            vol.Optional("fields"): {str: vol.Any(_FIELD, _SECTION)},
            vol.Optional("name"): str,
            vol.Optional("description"): str,
        }
    ),
    None,
)
# As hassfest validates a custom integration: no top-level key but an action's slug.
CUSTOM_INTEGRATION_SERVICES = vol.Schema({cv.slug: _ACTION})


@pytest.fixture(scope="module")
def services() -> dict[str, Any]:
    return dict(load_yaml_dict(str(INTEGRATION / "services.yaml")))


def translations(language: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((INTEGRATION / "translations" / f"{language}.json").read_text(encoding="utf-8"))
    return data


def test_hassfest_custom_integration_schema(services: dict[str, Any]) -> None:
    CUSTOM_INTEGRATION_SERVICES(services)
    for action, description in services.items():
        fields = (description or {}).get("fields", {})
        seen: set[str] = set()
        for name, field in fields.items():
            inner = field.get("fields", {name: field})
            assert not seen & set(inner), f"{action}: a field appears twice"
            seen |= set(inner)


def test_the_top_level_keys_are_exactly_the_registered_actions(services: dict[str, Any]) -> None:
    assert set(services) == set(ACTIONS)


def test_the_fields_are_exactly_the_schemas(services: dict[str, Any]) -> None:
    for action, registered in ACTIONS.items():
        assert set(services[action]["fields"]) == {str(key) for key in registered.schema.schema}, action


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_action_and_field_is_named_and_described(services: dict[str, Any], language: str) -> None:
    described = translations(language)["services"]
    for action, description in services.items():
        assert described[action]["name"], (language, action)
        assert described[action]["description"], (language, action)
        for field, spec in description["fields"].items():
            assert described[action]["fields"][field]["name"], (language, action, field)
            assert described[action]["fields"][field]["description"], (language, action, field)
            if key := spec.get("selector", {}).get("select", {}).get("translation_key"):
                options = translations(language)["selector"][key]["options"]
                assert set(spec["selector"]["select"]["options"]) <= set(options), (language, key)


def test_every_action_has_an_icon(services: dict[str, Any]) -> None:
    icons = json.loads((INTEGRATION / "icons.json").read_text())["services"]
    for action in services:
        assert icons[action]["service"].startswith("mdi:"), action


def test_the_forms_offer_the_ranges_the_schemas_accept(services: dict[str, Any]) -> None:
    def limit(action: str, field: str) -> int:
        return int(services[action]["fields"][field]["selector"]["number"]["max"])

    assert limit("detect", "max_faces") == limit("identify", "max_faces") == MAX_FACES
    assert limit("identify", "top") == MAX_TOP
    assert limit("list_groups", "length") == limit("list_group_users", "length") == MAX_PAGE
    assert limit("list_groups", "start") == MAX_START


def test_the_visitor_form_offers_what_the_schema_accepts(services: dict[str, Any]) -> None:
    for action in ("enroll_face", "ignore_visitor", "unignore_visitor"):
        number = services[action]["fields"]["visitor_id"]["selector"]["number"]
        assert (number["min"], number["max"]) == (1, MAX_VISITOR_NUMBER), action


def test_every_kept_face_is_picked_in_the_media_browser(services: dict[str, Any]) -> None:
    for action in ("enroll_face", "ignore_visitor", "unignore_visitor", "not_this_person"):
        selector = services[action]["fields"]["face_id"]["selector"]
        assert selector == {"media": {"accept": ["image/jpeg"]}}, action
    # "That was not X" is about one face: the form asks for it.
    assert services["not_this_person"]["fields"]["face_id"]["required"] is True
