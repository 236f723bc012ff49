"""Actions for every face operation; reading ones return data, changing ones may."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict
from pathlib import Path
from typing import Any

import voluptuous as vol
from homeassistant.components.camera import async_get_image
from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv

from .api import BaiduFaceError, Result
from .api.client import (
    ID_PATTERN,
    MAX_FACES,
    MAX_GROUP_BYTES,
    MAX_GROUPS,
    MAX_MATCH_IMAGES,
    MAX_PAGE,
    MAX_UID_BYTES,
    MAX_USER_INFO_BYTES,
)
from .const import CONF_GROUPS, CONF_THRESHOLD, DEFAULT_THRESHOLD, DETECT_ATTRIBUTES, DOMAIN
from .image_processing import box_attributes
from .runtime import BaiduFaceConfigEntry, ha_error

ATTR_CONFIG_ENTRY_ID = "config_entry_id"
ATTR_CAMERA = "camera_entity_id"
ATTR_IMAGE_PATH = "image_path"
ATTR_UID = "uid"
ATTR_GROUP = "group_id"
ATTR_GROUPS = "groups"
ATTR_SOURCE_GROUP = "source_group_id"
ATTR_USER_INFO = "user_info"
ATTR_REPLACE = "replace"
ATTR_CREATE = "create"
ATTR_MAX_FACES = "max_faces"
ATTR_TOP = "top"
ATTR_ATTRIBUTES = "attributes"
ATTR_START = "start"
ATTR_LENGTH = "length"

_ENTRY = {vol.Optional(ATTR_CONFIG_ENTRY_ID): cv.string}
_IMAGE = {vol.Optional(ATTR_CAMERA): cv.entity_domain("camera"), vol.Optional(ATTR_IMAGE_PATH): cv.string}
_GROUPS = vol.All(cv.ensure_list, [cv.string])
_PAGE = {
    vol.Optional(ATTR_START, default=0): vol.All(vol.Coerce(int), vol.Range(min=0)),
    vol.Optional(ATTR_LENGTH, default=100): vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_PAGE)),
}

type Handler = Callable[[HomeAssistant, BaiduFaceConfigEntry, ServiceCall], Awaitable[dict[str, Any]]]


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders)


def _uid(value: str) -> str:
    if not ID_PATTERN.match(value) or len(value.encode()) > MAX_UID_BYTES:
        raise _invalid("invalid_uid", uid=value)
    return value


def _group(value: str) -> str:
    if not ID_PATTERN.match(value) or len(value.encode()) > MAX_GROUP_BYTES:
        raise _invalid("invalid_group", group=value)
    return value


def _groups(entry: BaiduFaceConfigEntry, call: ServiceCall, *, default_from_options: bool = True) -> list[str]:
    groups = list(call.data.get(ATTR_GROUPS) or (entry.options.get(CONF_GROUPS, []) if default_from_options else []))
    if not groups:
        raise _invalid("groups_required")
    if len(groups) > MAX_GROUPS:
        raise _invalid("too_many_groups", limit=str(MAX_GROUPS))
    return [_group(g) for g in groups]


def _user_info(call: ServiceCall) -> str | None:
    info: str | None = call.data.get(ATTR_USER_INFO)
    if info is not None and len(info.encode()) > MAX_USER_INFO_BYTES:
        raise _invalid("user_info_too_long", limit=str(MAX_USER_INFO_BYTES))
    return info


async def _camera_image(hass: HomeAssistant, camera: str) -> bytes:
    try:
        return (await async_get_image(hass, camera)).content
    except HomeAssistantError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="camera_image_failed",
            translation_placeholders={"camera": camera, "error": str(err)},
        ) from err


async def _file_image(hass: HomeAssistant, path: str) -> bytes:
    # Only what Home Assistant's allowlist_external_dirs allows may be read.
    if not await hass.async_add_executor_job(hass.config.is_allowed_path, path):
        raise _invalid("path_not_allowed", path=path)
    try:
        return await hass.async_add_executor_job(Path(path).read_bytes)
    except OSError as err:
        raise _invalid("path_unreadable", path=path, error=err.strerror or type(err).__name__) from err


async def _image(hass: HomeAssistant, call: ServiceCall) -> bytes:
    camera: str | None = call.data.get(ATTR_CAMERA)
    path: str | None = call.data.get(ATTR_IMAGE_PATH)
    if camera and not path:
        return await _camera_image(hass, camera)
    if path and not camera:
        return await _file_image(hass, path)
    raise _invalid("one_image_source")


def _result(result: Result) -> dict[str, Any]:
    return {"log_id": result.log_id, "groups": list(result.completed)}


async def _detect(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    faces = await entry.runtime_data.client.detect(
        await _image(hass, call), max_faces=call.data[ATTR_MAX_FACES], attributes=call.data.get(ATTR_ATTRIBUTES, [])
    )
    found = []
    for face in faces:
        data = {k: v for k, v in asdict(face).items() if v not in (None, ())}
        data["box"] = box_attributes(face.box)
        found.append(data)
    return {"total_faces": len(found), "faces": found}


async def _match(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    cameras, paths = call.data.get(ATTR_CAMERA, []), call.data.get(ATTR_IMAGE_PATH, [])
    if not 2 <= len(cameras) + len(paths) <= MAX_MATCH_IMAGES:
        raise _invalid("match_image_count", limit=str(MAX_MATCH_IMAGES))
    images = [await _camera_image(hass, c) for c in cameras] + [await _file_image(hass, p) for p in paths]
    scores = await entry.runtime_data.client.match(images)
    threshold = entry.options.get(CONF_THRESHOLD, DEFAULT_THRESHOLD)
    return {
        "images": [*cameras, *paths],
        "scores": [
            {"first": s.first, "second": s.second, "score": s.score, "same_person": s.score >= threshold}
            for s in scores
        ],
    }


async def _identify(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    groups = _groups(entry, call)
    faces = await entry.runtime_data.client.identify(
        await _image(hass, call), groups, max_faces=call.data[ATTR_MAX_FACES], top=call.data[ATTR_TOP]
    )
    threshold = entry.options.get(CONF_THRESHOLD, DEFAULT_THRESHOLD)
    result = []
    for face in faces:
        best = face.best
        known = best is not None and best.score >= threshold
        result.append(
            {
                "uid": best.uid if known and best else None,
                "recognized": known,
                "box": box_attributes(face.box),
                "candidates": [asdict(c) for c in face.candidates],
            }
        )
    return {"threshold": threshold, "faces": result}


async def _verify(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    uid, groups = _uid(call.data[ATTR_UID]), _groups(entry, call)
    result = await entry.runtime_data.client.verify(await _image(hass, call), uid, groups)
    threshold = entry.options.get(CONF_THRESHOLD, DEFAULT_THRESHOLD)
    return {"uid": uid, "score": result.score, "group_id": result.group_id, "verified": result.score >= threshold}


async def _get_user(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    group = call.data.get(ATTR_GROUP)
    user = await entry.runtime_data.client.get_user(_uid(call.data[ATTR_UID]), _group(group) if group else None)
    return {"uid": user.uid, "groups": [asdict(m) for m in user.memberships]}


async def _list_groups(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    return {"groups": await entry.runtime_data.client.list_groups(call.data[ATTR_START], call.data[ATTR_LENGTH])}


async def _list_group_users(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    users = await entry.runtime_data.client.list_group_users(
        _group(call.data[ATTR_GROUP]), call.data[ATTR_START], call.data[ATTR_LENGTH]
    )
    return {"users": [asdict(u) for u in users]}


async def _register_user(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    uid, groups, info = _uid(call.data[ATTR_UID]), _groups(entry, call), _user_info(call)
    result = await entry.runtime_data.client.register_user(
        uid, await _image(hass, call), groups, user_info=info or "", replace=call.data[ATTR_REPLACE]
    )
    return {
        "uid": uid,
        "groups": list(result.groups),
        "log_id": result.log_id,
        "face_token": result.face_token,
        "box": box_attributes(result.box),
    }


async def _update_user(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    uid, group, info = _uid(call.data[ATTR_UID]), _group(call.data[ATTR_GROUP]), _user_info(call)
    result = await entry.runtime_data.client.update_user(
        uid, await _image(hass, call), group, user_info=info, create=call.data[ATTR_CREATE]
    )
    return {"uid": uid, "groups": [group], "log_id": result.log_id, "face_token": result.face_token}


async def _delete_user(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    groups = _groups(entry, call, default_from_options=False) if call.data.get(ATTR_GROUPS) else None
    return _result(await entry.runtime_data.client.delete_user(_uid(call.data[ATTR_UID]), groups))


async def _add_user_to_group(hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall) -> dict[str, Any]:
    uid, source = _uid(call.data[ATTR_UID]), _group(call.data[ATTR_SOURCE_GROUP])
    groups = _groups(entry, call, default_from_options=False)
    return _result(await entry.runtime_data.client.add_user_to_group(uid, source, groups))


async def _remove_user_from_group(
    hass: HomeAssistant, entry: BaiduFaceConfigEntry, call: ServiceCall
) -> dict[str, Any]:
    uid, group = _uid(call.data[ATTR_UID]), _group(call.data[ATTR_GROUP])
    return _result(await entry.runtime_data.client.remove_user_from_group(uid, group))


_SERVICES: dict[str, tuple[Handler, dict[Any, Any], SupportsResponse]] = {
    "detect": (
        _detect,
        {
            **_IMAGE,
            vol.Optional(ATTR_MAX_FACES, default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_FACES)),
            vol.Optional(ATTR_ATTRIBUTES): vol.All(cv.ensure_list, [vol.In(DETECT_ATTRIBUTES)]),
        },
        SupportsResponse.ONLY,
    ),
    "match": (
        _match,
        {
            vol.Optional(ATTR_CAMERA): vol.All(cv.ensure_list, [cv.entity_domain("camera")]),
            vol.Optional(ATTR_IMAGE_PATH): vol.All(cv.ensure_list, [cv.string]),
        },
        SupportsResponse.ONLY,
    ),
    "identify": (
        _identify,
        {
            **_IMAGE,
            vol.Optional(ATTR_GROUPS): _GROUPS,
            vol.Optional(ATTR_MAX_FACES, default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=MAX_FACES)),
            vol.Optional(ATTR_TOP, default=1): vol.All(vol.Coerce(int), vol.Range(min=1, max=5)),
        },
        SupportsResponse.ONLY,
    ),
    "verify": (
        _verify,
        {**_IMAGE, vol.Required(ATTR_UID): cv.string, vol.Optional(ATTR_GROUPS): _GROUPS},
        SupportsResponse.ONLY,
    ),
    "get_user": (
        _get_user,
        {vol.Required(ATTR_UID): cv.string, vol.Optional(ATTR_GROUP): cv.string},
        SupportsResponse.ONLY,
    ),
    "list_groups": (_list_groups, _PAGE, SupportsResponse.ONLY),
    "list_group_users": (_list_group_users, {vol.Required(ATTR_GROUP): cv.string, **_PAGE}, SupportsResponse.ONLY),
    "register_user": (
        _register_user,
        {
            **_IMAGE,
            vol.Required(ATTR_UID): cv.string,
            vol.Optional(ATTR_USER_INFO): cv.string,
            vol.Optional(ATTR_GROUPS): _GROUPS,
            vol.Optional(ATTR_REPLACE, default=False): cv.boolean,
        },
        SupportsResponse.OPTIONAL,
    ),
    "update_user": (
        _update_user,
        {
            **_IMAGE,
            vol.Required(ATTR_UID): cv.string,
            vol.Required(ATTR_GROUP): cv.string,
            vol.Optional(ATTR_USER_INFO): cv.string,
            vol.Optional(ATTR_CREATE, default=False): cv.boolean,
        },
        SupportsResponse.OPTIONAL,
    ),
    "delete_user": (
        _delete_user,
        {vol.Required(ATTR_UID): cv.string, vol.Optional(ATTR_GROUPS): _GROUPS},
        SupportsResponse.OPTIONAL,
    ),
    "add_user_to_group": (
        _add_user_to_group,
        {
            vol.Required(ATTR_UID): cv.string,
            vol.Required(ATTR_SOURCE_GROUP): cv.string,
            vol.Required(ATTR_GROUPS): _GROUPS,
        },
        SupportsResponse.OPTIONAL,
    ),
    "remove_user_from_group": (
        _remove_user_from_group,
        {vol.Required(ATTR_UID): cv.string, vol.Required(ATTR_GROUP): cv.string},
        SupportsResponse.OPTIONAL,
    ),
}


def _entry(hass: HomeAssistant, call: ServiceCall) -> BaiduFaceConfigEntry:
    """The entry named by config_entry_id, or the only one there is."""
    if entry_id := call.data.get(ATTR_CONFIG_ENTRY_ID):
        entry = hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN:
            raise _invalid("entry_not_found", entry_id=entry_id)
        if entry.state is not ConfigEntryState.LOADED:
            raise _invalid("entry_not_loaded", title=entry.title)
        return entry
    loaded = hass.config_entries.async_loaded_entries(DOMAIN)
    if len(loaded) != 1:
        raise _invalid("entry_required")
    return loaded[0]


def _service(handler: Handler) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    async def run(call: ServiceCall) -> ServiceResponse:
        entry = _entry(call.hass, call)
        try:
            response = await handler(call.hass, entry, call)
        except BaiduFaceError as err:
            raise ha_error(err) from err
        return response if call.return_response else None

    return run


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    for name, (handler, schema, supports) in _SERVICES.items():
        hass.services.async_register(
            DOMAIN, name, _service(handler), schema=vol.Schema({**_ENTRY, **schema}), supports_response=supports
        )
