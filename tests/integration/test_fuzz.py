"""Every action, given wrong types, empty values, huge strings, unicode and path tricks, only ever refuses cleanly.

The inputs are a fixed list (no randomness), each put in place of one field of a call that would
otherwise work, through a real Home Assistant and the local server. A direct call may end only in a
validation error, a ServiceValidationError or a translated HomeAssistantError; over the REST API no
call may answer 500.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import voluptuous as vol
from homeassistant.core import HomeAssistant, SupportsResponse
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.baidu_face.const import DOMAIN
from custom_components.baidu_face.services import ACTIONS
from tests.faces import FACES

from .conftest import FAMILY

IMAGE_FIELDS = ("camera_entity_id", "image_path")

WRONG: tuple[Any, ...] = (
    5,
    2.5,
    True,
    None,
    "",
    [],
    {},
    "x" * 100_000,
    "名字🙂",
    "\u202egnp.evil",
    "../../../../etc/passwd",
    "/config/../../etc/shadow",
    "camera.door/../../secrets",
    "a,b",
    ["ok", 5],
    [[]],
    [None],
    -1,
    10**30,
    "1e309",
    {"nested": {"deep": [1]}},
)


def valid_calls(photo: str) -> dict[str, dict[str, Any]]:
    """Return a call of each action that would work (or fail only on Baidu's side)."""
    image = {"image_path": photo}
    return {
        "detect": image | {"max_faces": 2, "attributes": ["age"]},
        "match": {"camera_entity_id": ["camera.door"], "image_path": [photo]},
        "identify": image | {"groups": [FAMILY], "max_faces": 1, "top": 2},
        "verify": image | {"uid": "obama", "groups": [FAMILY]},
        "get_user": {"uid": "obama", "group_id": FAMILY},
        "list_groups": {"start": 0, "length": 10},
        "list_group_users": {"group_id": FAMILY, "start": 0, "length": 10},
        "register_user": image | {"uid": "fuzzed", "user_info": "Fuzz", "groups": ["fuzz"], "replace": True},
        "update_user": image | {"uid": "fuzzed", "group_id": "fuzz", "user_info": "F", "create": True},
        "delete_user": {"uid": "nobody_here", "groups": ["fuzz"]},
        "add_user_to_group": {"uid": "obama", "source_group_id": FAMILY, "groups": ["fuzz"]},
        "remove_user_from_group": {"uid": "nobody_here", "group_id": "fuzz"},
        "refresh_people": {},
        "enroll_face": {"face_id": "NoSuchFace000000", "uid": "fuzzed", "groups": ["fuzz"], "user_info": "F"},
        "ignore_visitor": {"visitor_id": 7},
        "unignore_visitor": {"face_id": "NoSuchFace000000"},
        "list_faces": {"uid": "obama", "group_id": FAMILY},
        "forget_face": {"uid": "nobody_here", "group_id": FAMILY, "face_token": "0123456789abcdef" * 2},
        "not_this_person": {"face_id": "NoSuchFace000000", "uid": "obama"},
    }


def cases(photo: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each valid call with one field replaced by each wrong value, left out, or joined by an unknown one."""
    for action, call in valid_calls(photo).items():
        fields = [str(key) for key in ACTIONS[action].schema.schema] + ["unknown_field"]
        yield action, {}
        for field in fields:
            rest = {k: v for k, v in call.items() if k != field}
            if field in IMAGE_FIELDS and action != "match":
                # The other image source would only make "give one image" the answer.
                rest = {k: v for k, v in rest.items() if k not in IMAGE_FIELDS}
            yield action, rest
            for value in WRONG:
                yield action, rest | {field: value}


def test_every_action_is_fuzzed() -> None:
    assert set(valid_calls("/photo.jpg")) == set(ACTIONS)


@pytest.fixture
def photo(hass: HomeAssistant, tmp_path: Path) -> str:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(FACES / "probe" / "obama_small.jpg", folder / "obama.jpg")
    hass.config.allowlist_external_dirs = {str(folder)}
    return str(folder / "obama.jpg")


def outcome(err: Exception) -> str:
    """Name an acceptable failure, or describe an unacceptable one."""
    if isinstance(err, vol.Invalid):
        return "validation error"
    if isinstance(err, HomeAssistantError) and err.translation_key and err.translation_domain:
        kind = "ServiceValidationError" if isinstance(err, ServiceValidationError) else "HomeAssistantError"
        return f"{kind}:{err.translation_key}"
    return f"UNEXPECTED {type(err).__name__}: {err!s:.200}"


async def test_no_action_crashes_on_any_input(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    photo: str,
    api_version: str,
) -> None:
    # The local server takes any rate; the default 2 calls a second would only make this slow.
    await setup_entry(api_version, subentries=[], qps=50)
    assert await async_setup_component(hass, "api", {})
    client = await hass_client()
    direct: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    unexpected: list[str] = []
    for action, data in cases(photo):
        try:
            await hass.services.async_call(
                DOMAIN,
                action,
                data,
                blocking=True,
                return_response=ACTIONS[action].response is not SupportsResponse.NONE,
            )
            direct["ok"] += 1
        except Exception as err:  # the point is to see every kind
            name = outcome(err)
            direct[name.split(":")[0]] += 1
            if name.startswith("UNEXPECTED") or name.startswith("HomeAssistantError"):
                unexpected.append(f"{action} {str(data)[:120]}: {name} {err}")
        answer = await client.post(f"/api/services/{DOMAIN}/{action}?return_response", json=data)
        statuses[answer.status] += 1
        if answer.status not in (200, 400):
            unexpected.append(f"REST {action} {str(data)[:120]}: {answer.status} {(await answer.text())[:200]}")
    print(f"fuzzed {sum(direct.values())} calls: {dict(direct)}; REST statuses {dict(statuses)}")
    assert not unexpected, "\n".join(unexpected[:20])
    assert direct["validation error"] > 500
    assert direct["ok"] > 10  # the valid calls did work, so the refusals are about the input
