"""Actions for every face operation; reading ones return data, changing ones may.

Each action has a named schema that checks every field's type and range before
its handler runs. What an id may hold is the client's rule (one home, in
`api.limits`); whatever the client or Baidu refuses reaches the user through
`ha_error`, translated and in the terms of the action that was called.

The actions that look at a face take `liveness` and `quality` levels and say in
`checks` what was checked and how it came out (`_checks`, one shape for all).
Looking is answered, whatever the face: a frame without a face, or one that
fails a level, answers `verified: false` / no faces with a `reason`, so the
automation that asked goes on. Registering refuses a face that fails, saying why.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Coroutine
from contextlib import suppress
from dataclasses import asdict
from pathlib import Path
from typing import Any, NamedTuple, TypedDict

import voluptuous as vol
from homeassistant.components.camera import async_get_image
from homeassistant.const import Platform
from homeassistant.core import HomeAssistant, ServiceCall, ServiceResponse, SupportsResponse, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers import service
from homeassistant.helpers.selector import ConfigEntrySelector

from .api import (
    ATTRIBUTES,
    DEFAULT_THRESHOLD,
    MAX_FACES,
    MAX_GROUPS,
    MAX_PAGE,
    MAX_TOP,
    BaiduFaceControlUnavailableError,
    BaiduFaceError,
    BaiduFaceFaceNotFoundError,
    BaiduFaceLivenessError,
    BaiduFaceNoFaceError,
    BaiduFaceNotFoundError,
    BaiduFaceNotSupportedError,
    BaiduFaceQualityError,
    ControlLevel,
    FaceToken,
    Quality,
    RegisterResult,
    Result,
    check_image_count,
    is_same_person,
)
from .api.limits import MAX_START
from .const import CONF_GROUPS, CONF_THRESHOLD, DOMAIN
from .errors import ha_error
from .kept_faces import KeptFace
from .people import device_person_uid
from .runtime import BaiduFaceConfigEntry
from .seen import box_attributes
from .visitors import MAX_VISITOR_FACES, MAX_VISITOR_NUMBER, Visitor

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
ATTR_PERSON = "person"
ATTR_FACE_TOKEN = "face_token"  # noqa: S105 (a field name, not a secret)
ATTR_FACE_ID = "face_id"
ATTR_LIVENESS = "liveness"
ATTR_VISITOR_ID = "visitor_id"
ATTR_QUALITY = "quality"

# Actions that search the entry's default groups when the call names none.
USES_DEFAULT_GROUPS = frozenset({"identify", "verify", "register_user", "enroll_face"})
# Actions on a person's faces in one group, which `_group` picks when the call names none.
USES_ONE_GROUP = frozenset({"list_faces", "forget_face"})

_WHOLE = re.compile(r"[+-]?\d{1,12}", re.ASCII)


def _text(value: Any) -> str:
    """Accept text, or a whole number a template rendered (uid 42); never a bool, float, list or None."""
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise vol.Invalid("expected text")


def _path(value: Any) -> str:
    """Accept a file path; a NUL byte would make path checks raise instead of answer."""
    if not isinstance(value, str) or not value or "\x00" in value:
        raise vol.Invalid("expected a file path")
    return value


def _whole(value: Any) -> int:
    """Accept a whole number, also as text from a form; refuse 2.5, true or thousands of digits."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value)
    raise vol.Invalid("expected a whole number")


# A kept face's address in the Media panel: media-source://baidu_face/<entry_id>/<kind>/<face_id>.
_MEDIA_SOURCE = f"media-source://{DOMAIN}/"


def _face_id(value: Any) -> str:
    """Accept a kept face's id, its Media panel address, or a media selector's pick of it."""
    if isinstance(value, dict):
        value = value.get("media_content_id")
    if not isinstance(value, str) or not value:
        raise vol.Invalid("expected the id of a kept face")
    return value.rsplit("/", 1)[-1] if value.startswith(_MEDIA_SOURCE) else value


def _count(low: int, high: int) -> vol.All:
    return vol.All(_whole, vol.Range(min=low, max=high))


_CAMERA = vol.All(str, cv.entity_domain(Platform.CAMERA))
# Given, a list holds one group id at least: only leaving the field out means "all" or "the defaults".
_GROUP_IDS = vol.All(cv.ensure_list, [_text], vol.Length(min=1, max=MAX_GROUPS))

_ENTRY = {vol.Optional(ATTR_CONFIG_ENTRY_ID): ConfigEntrySelector({"integration": DOMAIN})}
_IMAGE = {vol.Optional(ATTR_CAMERA): _CAMERA, vol.Optional(ATTR_IMAGE_PATH): _path}
_PAGE = {
    vol.Optional(ATTR_START, default=0): _count(0, MAX_START),
    vol.Optional(ATTR_LENGTH, default=100): _count(1, MAX_PAGE),
}
_MAX_FACES = {vol.Optional(ATTR_MAX_FACES, default=1): _count(1, MAX_FACES)}
_LEVEL = vol.In([level.value for level in ControlLevel])


def _levels(quality: ControlLevel) -> dict[vol.Optional, Any]:
    return {
        vol.Optional(ATTR_LIVENESS, default=ControlLevel.NONE.value): _LEVEL,
        vol.Optional(ATTR_QUALITY, default=quality.value): _LEVEL,
    }


# Looking at a face checks nothing unless asked; registering one checks its
# quality at Baidu's advice for enrolment (normal).
_LOOKING = _levels(ControlLevel.NONE)
_ENROLLING = _levels(ControlLevel.NORMAL)

DETECT_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_IMAGE,
        **_MAX_FACES,
        **_LOOKING,
        vol.Optional(ATTR_ATTRIBUTES): vol.All(cv.ensure_list, [vol.In(sorted(ATTRIBUTES))]),
    }
)
MATCH_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_LOOKING,
        vol.Optional(ATTR_CAMERA, default=list): vol.All(cv.ensure_list, [_CAMERA]),
        vol.Optional(ATTR_IMAGE_PATH, default=list): vol.All(cv.ensure_list, [_path]),
    }
)
IDENTIFY_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_IMAGE,
        **_MAX_FACES,
        **_LOOKING,
        vol.Optional(ATTR_GROUPS): _GROUP_IDS,
        # The version in use may allow fewer (`Capabilities.max_top`): the client says so.
        vol.Optional(ATTR_TOP, default=1): _count(1, MAX_TOP),
    }
)
VERIFY_SCHEMA = vol.Schema(
    {**_ENTRY, **_IMAGE, **_LOOKING, vol.Required(ATTR_UID): _text, vol.Optional(ATTR_GROUPS): _GROUP_IDS}
)
GET_USER_SCHEMA = vol.Schema({**_ENTRY, vol.Required(ATTR_UID): _text, vol.Optional(ATTR_GROUP): _text})
LIST_GROUPS_SCHEMA = vol.Schema({**_ENTRY, **_PAGE})
LIST_GROUP_USERS_SCHEMA = vol.Schema({**_ENTRY, **_PAGE, vol.Required(ATTR_GROUP): _text})
REGISTER_USER_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_IMAGE,
        **_ENROLLING,
        vol.Required(ATTR_UID): _text,
        vol.Optional(ATTR_USER_INFO): _text,
        vol.Optional(ATTR_GROUPS): _GROUP_IDS,
        vol.Optional(ATTR_REPLACE, default=False): cv.boolean,
    }
)
UPDATE_USER_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_IMAGE,
        **_ENROLLING,
        vol.Required(ATTR_UID): _text,
        vol.Required(ATTR_GROUP): _text,
        vol.Optional(ATTR_USER_INFO): _text,
        vol.Optional(ATTR_CREATE, default=False): cv.boolean,
    }
)
DELETE_USER_SCHEMA = vol.Schema({**_ENTRY, vol.Required(ATTR_UID): _text, vol.Optional(ATTR_GROUPS): _GROUP_IDS})
ADD_USER_TO_GROUP_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        vol.Required(ATTR_UID): _text,
        vol.Required(ATTR_SOURCE_GROUP): _text,
        vol.Required(ATTR_GROUPS): _GROUP_IDS,
    }
)
REMOVE_USER_FROM_GROUP_SCHEMA = vol.Schema({**_ENTRY, vol.Required(ATTR_UID): _text, vol.Required(ATTR_GROUP): _text})
# A person of the face set, picked as their device or typed as a uid (`_uid` wants exactly one).
_WHO = {vol.Optional(ATTR_PERSON): cv.string, vol.Optional(ATTR_UID): _text}
# A visitor (visitors.py), by number or by one of their kept faces (`_visitor` wants exactly one).
_VISITOR = {vol.Optional(ATTR_VISITOR_ID): _count(1, MAX_VISITOR_NUMBER), vol.Optional(ATTR_FACE_ID): _face_id}
ENROLL_FACE_SCHEMA = vol.Schema(
    {
        **_ENTRY,
        **_ENROLLING,
        **_VISITOR,
        **_WHO,
        vol.Optional(ATTR_GROUPS): _GROUP_IDS,
        vol.Optional(ATTR_USER_INFO): _text,
    }
)
LIST_FACES_SCHEMA = vol.Schema({**_ENTRY, **_WHO, vol.Optional(ATTR_GROUP): _text})
FORGET_FACE_SCHEMA = vol.Schema(
    {**_ENTRY, **_WHO, vol.Required(ATTR_FACE_TOKEN): _text, vol.Optional(ATTR_GROUP): _text}
)
# A kept face (the recognized event's `face_id`) and, when not the one it was recognised as, who it is not.
NOT_THIS_PERSON_SCHEMA = vol.Schema({**_ENTRY, **_WHO, vol.Required(ATTR_FACE_ID): _face_id})
REFRESH_PEOPLE_SCHEMA = vol.Schema(_ENTRY)
IGNORE_VISITOR_SCHEMA = vol.Schema({**_ENTRY, **_VISITOR})

type Handler = Callable[[ServiceCall, BaiduFaceConfigEntry], Awaitable[dict[str, Any]]]


class Action(NamedTuple):
    """An action as registered: its handler, its schema and whether it returns data."""

    handler: Handler
    schema: vol.Schema
    response: SupportsResponse


ACTIONS: dict[str, Action] = {}


def _action(name: str, schema: vol.Schema, response: SupportsResponse) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        ACTIONS[name] = Action(handler, schema, response)
        return handler

    return register


def _invalid(key: str, **placeholders: str) -> ServiceValidationError:
    return ServiceValidationError(translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders)


def _groups(entry: BaiduFaceConfigEntry, call: ServiceCall) -> list[str]:
    """Return the groups the call names, else (for the actions that have them) the entry's default groups."""
    if ATTR_GROUPS in call.data:
        return list(call.data[ATTR_GROUPS])
    groups = list(entry.options.get(CONF_GROUPS, [])) if call.service in USES_DEFAULT_GROUPS else []
    if not groups:
        raise _invalid("groups_required", action=call.service)
    return groups


def _entry_id(call: ServiceCall) -> str | None:
    """Return the entry a call names, else the one its person's device or its kept face belongs to.

    None leaves the choice to Home Assistant's helper: the only entry, if there is one.
    """
    hass = call.hass
    if ATTR_CONFIG_ENTRY_ID in call.data:
        return str(call.data[ATTR_CONFIG_ENTRY_ID])
    if ATTR_PERSON in call.data:
        device = dr.async_get(hass).async_get(str(call.data[ATTR_PERSON]))
        for entry_id in device.config_entries if device else ():
            entry = hass.config_entries.async_get_entry(entry_id)
            if entry is not None and entry.domain == DOMAIN:
                return entry_id
    elif ATTR_FACE_ID in call.data or ATTR_VISITOR_ID in call.data:
        loaded: list[BaiduFaceConfigEntry] = hass.config_entries.async_loaded_entries(DOMAIN)
        for entry in loaded:
            data = entry.runtime_data
            if ATTR_FACE_ID in call.data and data.faces.get(call.data[ATTR_FACE_ID]) is not None:
                return entry.entry_id
            if ATTR_VISITOR_ID in call.data and data.visitors.get(call.data[ATTR_VISITOR_ID]) is not None:
                return entry.entry_id
    return None


def _uid(entry: BaiduFaceConfigEntry, call: ServiceCall) -> str:
    """Return the uid of the person a call names: their device (`person`) or their `uid`, exactly one."""
    person: str | None = call.data.get(ATTR_PERSON)
    uid: str | None = call.data.get(ATTR_UID)
    if person is None and uid is None:
        raise _invalid("no_person", action=call.service)
    if person is not None and uid is not None:
        raise _invalid("one_person", action=call.service)
    if uid is not None:
        return uid
    device = dr.async_get(call.hass).async_get(str(person))
    if device is not None and (found := device_person_uid(entry.entry_id, device.identifiers)) is not None:
        return found
    raise _invalid("person_not_found", action=call.service, person=str(person))


def _group(entry: BaiduFaceConfigEntry, call: ServiceCall, uid: str) -> str:
    """Return the group a call names, else the one group it can only mean (no call made).

    That is the entry's one default group, or the one group (of the default
    groups, if any) the person is known to be in; anything else is ambiguous.
    """
    if ATTR_GROUP in call.data:
        return str(call.data[ATTR_GROUP])
    defaults: list[str] = list(entry.options.get(CONF_GROUPS, []))
    person = entry.runtime_data.people.get(uid)
    candidates = defaults
    if len(defaults) != 1 and person is not None:
        candidates = [g for g in person.groups if not defaults or g in defaults]
    if len(candidates) != 1:
        raise _invalid("group_required", action=call.service, groups=", ".join(candidates or defaults) or "-")
    return candidates[0]


def _version(entry: BaiduFaceConfigEntry) -> str:
    """Name the API version in use, as a message names it (V2, V3)."""
    return entry.runtime_data.client.api_version.value.upper()


def _threshold(entry: BaiduFaceConfigEntry) -> float:
    return float(entry.options.get(CONF_THRESHOLD, DEFAULT_THRESHOLD))


async def _camera_image(hass: HomeAssistant, camera: str) -> bytes:
    if hass.states.get(camera) is None:
        raise _invalid("camera_not_found", camera=camera)
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


async def _image(call: ServiceCall) -> bytes:
    camera: str | None = call.data.get(ATTR_CAMERA)
    path: str | None = call.data.get(ATTR_IMAGE_PATH)
    if camera and not path:
        return await _camera_image(call.hass, camera)
    if path and not camera:
        return await _file_image(call.hass, path)
    raise _invalid("one_image_source" if camera and path else "no_image_source", action=call.service)


def _result(result: Result) -> dict[str, Any]:
    return {"log_id": result.log_id, "groups": list(result.completed)}


class Levels(TypedDict):
    """A call's levels, as the client's keyword arguments."""

    liveness: str
    quality: str


def _levels_of(call: ServiceCall) -> Levels:
    return Levels(liveness=call.data[ATTR_LIVENESS], quality=call.data[ATTR_QUALITY])


type Refusal = BaiduFaceQualityError | BaiduFaceLivenessError


async def _judged[T](work: Awaitable[T]) -> T | Refusal:
    """Await a look at a face: a face that fails a level is an answer (returned), not a failure."""
    try:
        return await work
    except (BaiduFaceQualityError, BaiduFaceLivenessError) as refusal:
        return refusal


def _reason(refusal: Refusal) -> str:
    return ATTR_QUALITY if isinstance(refusal, BaiduFaceQualityError) else ATTR_LIVENESS


def _checks(
    call: ServiceCall,
    *,
    quality: Quality | None = None,
    liveness: float | None = None,
    refusal: Refusal | None = None,
    judged: bool = True,
) -> dict[str, Any]:
    """Say what was checked of a face and how it came out, in one shape for every action.

    `passed` is None where nothing was checked: the level was none, or there
    was no face to judge (`judged` False). A refusal fails its own check; a
    quality refusal comes before liveness is judged, a liveness one after
    quality passed. Numbers are there where the answer gave them (Baidu's
    cloud judges V3's levels without saying its numbers).
    """
    outcome: dict[str, dict[str, Any]] = {}
    for name in (ATTR_LIVENESS, ATTR_QUALITY):
        level = call.data[name]
        asked = level != ControlLevel.NONE and judged
        failed = refusal is not None and _reason(refusal) == name
        unjudged = isinstance(refusal, BaiduFaceQualityError) and name == ATTR_LIVENESS
        outcome[name] = {"level": level, "passed": (not failed) if asked and not unjudged else None}
    if isinstance(refusal, BaiduFaceLivenessError) and refusal.score is not None:
        liveness = refusal.score
    outcome[ATTR_LIVENESS]["score"] = liveness
    if quality is not None:
        outcome[ATTR_QUALITY] |= asdict(quality)
    if isinstance(refusal, BaiduFaceQualityError):
        outcome[ATTR_QUALITY] |= {"failed": refusal.check, "regions": list(refusal.regions)}
    return outcome


@_action("detect", DETECT_SCHEMA, SupportsResponse.ONLY)
async def _detect(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    faces = await _judged(
        entry.runtime_data.client.detect(
            await _image(call),
            max_faces=call.data[ATTR_MAX_FACES],
            attributes=call.data.get(ATTR_ATTRIBUTES, []),
            **_levels_of(call),
        )
    )
    if isinstance(faces, BaiduFaceError):
        return {"total_faces": 0, "faces": [], "reason": _reason(faces), "checks": _checks(call, refusal=faces)}
    found = []
    for face in faces:
        data = {k: v for k, v in asdict(face).items() if v not in (None, ()) and k not in (ATTR_QUALITY, ATTR_LIVENESS)}
        data["box"] = box_attributes(face.box)
        data["checks"] = _checks(call, quality=face.quality, liveness=face.liveness)
        found.append(data)
    return {
        "total_faces": len(found),
        "faces": found,
        "refused_faces": faces.refused,
        "reason": None if found else "no_face",
        "checks": _checks(call, judged=bool(found)),
    }


@_action("match", MATCH_SCHEMA, SupportsResponse.ONLY)
async def _match(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    cameras: list[str] = call.data[ATTR_CAMERA]
    paths: list[str] = call.data[ATTR_IMAGE_PATH]
    # The client's rule, asked before any picture is taken.
    check_image_count(len(cameras) + len(paths))
    images = [await _camera_image(call.hass, c) for c in cameras] + [await _file_image(call.hass, p) for p in paths]
    scores = await _judged(entry.runtime_data.client.match(images, **_levels_of(call)))
    names = [*cameras, *paths]
    if isinstance(scores, BaiduFaceError):
        return {"images": names, "scores": [], "reason": _reason(scores), "checks": _checks(call, refusal=scores)}
    threshold = _threshold(entry)
    return {
        "images": names,
        "scores": [
            {
                "first": s.first,
                "second": s.second,
                "score": s.score,
                "same_person": s.face_found and is_same_person(s.score, threshold),
                "reason": None if s.face_found else "no_face",
                "checks": [
                    _checks(call, quality=quality, liveness=liveness, judged=s.face_found)
                    for quality, liveness in zip(s.quality, s.liveness, strict=True)
                ],
            }
            for s in scores
        ],
        "reason": None,
        "checks": _checks(call, judged=any(s.face_found for s in scores)),
    }


@_action("identify", IDENTIFY_SCHEMA, SupportsResponse.ONLY)
async def _identify(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    threshold = _threshold(entry)
    faces = await _judged(
        entry.runtime_data.client.identify(
            await _image(call),
            _groups(entry, call),
            max_faces=call.data[ATTR_MAX_FACES],
            top=call.data[ATTR_TOP],
            **_levels_of(call),
        )
    )
    if isinstance(faces, BaiduFaceError):
        return {"threshold": threshold, "faces": [], "reason": _reason(faces), "checks": _checks(call, refusal=faces)}
    result = []
    for face in faces:
        best = face.best
        known = best if best is not None and is_same_person(best.score, threshold) else None
        result.append(
            {
                "uid": known.uid if known else None,
                "recognized": known is not None,
                "box": box_attributes(face.box),
                "candidates": [asdict(c) for c in face.candidates],
                "checks": _checks(call, quality=face.quality, liveness=face.liveness),
            }
        )
    return {
        "threshold": threshold,
        "faces": result,
        "refused_faces": faces.refused,
        "reason": None if result else "no_face",
        "checks": _checks(call, judged=bool(result)),
    }


@_action("verify", VERIFY_SCHEMA, SupportsResponse.ONLY)
async def _verify(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    uid = call.data[ATTR_UID]
    client = entry.runtime_data.client
    result = await _judged(client.verify(await _image(call), uid, _groups(entry, call), **_levels_of(call)))
    if isinstance(result, BaiduFaceError):
        refused = {"score": 0.0, "group_id": None, "verified": False, "reason": _reason(result)}
        return {"uid": uid, **refused, "checks": _checks(call, refusal=result)}
    return {
        "uid": uid,
        "score": result.score,
        "group_id": result.group_id,
        "verified": result.face_found and is_same_person(result.score, _threshold(entry)),
        "reason": None if result.face_found else "no_face",
        "checks": _checks(call, quality=result.quality, liveness=result.liveness, judged=result.face_found),
    }


@_action("get_user", GET_USER_SCHEMA, SupportsResponse.ONLY)
async def _get_user(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    user = await entry.runtime_data.client.get_user(call.data[ATTR_UID], call.data.get(ATTR_GROUP))
    return {"uid": user.uid, "groups": list(user.groups), "memberships": [asdict(m) for m in user.memberships]}


@_action("list_groups", LIST_GROUPS_SCHEMA, SupportsResponse.ONLY)
async def _list_groups(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    return {"groups": await entry.runtime_data.client.list_groups(call.data[ATTR_START], call.data[ATTR_LENGTH])}


@_action("list_group_users", LIST_GROUP_USERS_SCHEMA, SupportsResponse.ONLY)
async def _list_group_users(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    users = await entry.runtime_data.client.list_group_users(
        call.data[ATTR_GROUP], call.data[ATTR_START], call.data[ATTR_LENGTH]
    )
    return {"users": [asdict(u) for u in users]}


@_action("register_user", REGISTER_USER_SCHEMA, SupportsResponse.OPTIONAL)
async def _register_user(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    uid = call.data[ATTR_UID]
    result = await entry.runtime_data.client.register_user(
        uid,
        await _image(call),
        _groups(entry, call),
        user_info=call.data.get(ATTR_USER_INFO, ""),
        replace=call.data[ATTR_REPLACE],
        **_levels_of(call),
    )
    entry.runtime_data.people.async_registered(uid, tuple(result.groups), call.data.get(ATTR_USER_INFO))
    return {
        "uid": uid,
        "groups": list(result.groups),
        "log_id": result.log_id,
        "face_token": result.face_token,
        "box": box_attributes(result.box),
        "checks": _checks(call, quality=result.quality),
    }


@_action("update_user", UPDATE_USER_SCHEMA, SupportsResponse.OPTIONAL)
async def _update_user(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    uid, group = call.data[ATTR_UID], call.data[ATTR_GROUP]
    result = await entry.runtime_data.client.update_user(
        uid,
        await _image(call),
        group,
        user_info=call.data.get(ATTR_USER_INFO),
        create=call.data[ATTR_CREATE],
        **_levels_of(call),
    )
    entry.runtime_data.people.async_registered(uid, (group,), call.data.get(ATTR_USER_INFO))
    return {
        "uid": uid,
        "groups": [group],
        "log_id": result.log_id,
        "face_token": result.face_token,
        "checks": _checks(call, quality=result.quality),
    }


@_action("delete_user", DELETE_USER_SCHEMA, SupportsResponse.OPTIONAL)
async def _delete_user(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    # Left out, groups means every group; the schema refuses an empty list.
    groups = call.data.get(ATTR_GROUPS)
    result = await entry.runtime_data.client.delete_user(call.data[ATTR_UID], groups)
    entry.runtime_data.people.async_deleted(call.data[ATTR_UID], tuple(groups) if groups else None)
    return _result(result)


@_action("add_user_to_group", ADD_USER_TO_GROUP_SCHEMA, SupportsResponse.OPTIONAL)
async def _add_user_to_group(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    uid, source = call.data[ATTR_UID], call.data[ATTR_SOURCE_GROUP]
    result = await entry.runtime_data.client.add_user_to_group(uid, source, call.data[ATTR_GROUPS])
    entry.runtime_data.people.async_registered(uid, (source, *call.data[ATTR_GROUPS]), None)
    return _result(result)


@_action("remove_user_from_group", REMOVE_USER_FROM_GROUP_SCHEMA, SupportsResponse.OPTIONAL)
async def _remove_user_from_group(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    uid, group = call.data[ATTR_UID], call.data[ATTR_GROUP]
    result = await entry.runtime_data.client.remove_user_from_group(uid, group)
    entry.runtime_data.people.async_deleted(uid, (group,))
    return _result(result)


@_action("refresh_people", REFRESH_PEOPLE_SCHEMA, SupportsResponse.OPTIONAL)
async def _refresh_people(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    people = entry.runtime_data.people
    calls = await people.async_refresh()
    return {"people": [{"uid": p.uid, "name": p.name, "groups": list(p.groups)} for p in people], "calls": calls}


def _visitor(entry: BaiduFaceConfigEntry, call: ServiceCall) -> Visitor | None:
    """Return the visitor a call names: by `visitor_id`, or as the one a kept `face_id` is of (None: not a visitor's).

    Exactly one of the two is given.
    """
    number: int | None = call.data.get(ATTR_VISITOR_ID)
    face_id: str | None = call.data.get(ATTR_FACE_ID)
    if (number is None) == (face_id is None):
        raise _invalid("one_face_or_visitor" if number else "no_face_or_visitor", action=call.service)
    visitors = entry.runtime_data.visitors
    if number is None:
        return visitors.of_face(str(face_id))
    visitor = visitors.get(number)
    if visitor is None:
        raise _invalid("visitor_not_found", action=call.service, visitor_id=str(number))
    return visitor


def _faces_to_enroll(entry: BaiduFaceConfigEntry, call: ServiceCall) -> tuple[list[KeptFace], Visitor | None]:
    """Return the kept faces a call enrolls: the one `face_id`, or all a visitor's (up to Baidu's 20 per user)."""
    data = entry.runtime_data
    visitor = _visitor(entry, call)
    face_id: str | None = call.data.get(ATTR_FACE_ID)
    if visitor is not None:
        # All of a visitor's faces go to the person, and the visitor goes: left in the
        # face set, their face (the same one) would still win the search.
        faces = data.visitors.kept_faces(visitor)[-MAX_VISITOR_FACES:]
    else:
        faces = [face] if face_id is not None and (face := data.faces.get(face_id)) is not None else []
    if not faces:
        shown = face_id or (visitor.name if visitor else "-")
        raise _invalid("face_not_kept", action=call.service, face_id=shown)
    return faces, visitor


async def _register_faces(
    entry: BaiduFaceConfigEntry, call: ServiceCall, faces: list[KeptFace], uid: str, user_info: str
) -> list[tuple[str, RegisterResult]]:
    """Register kept faces as `uid`; of several, one refused for its quality or gone meanwhile is left out."""
    groups, levels = _groups(entry, call), _levels_of(call)
    registered: list[tuple[str, RegisterResult]] = []
    for face in faces:
        try:
            registered.append((face.id, await _register_kept_face(entry, face, uid, groups, user_info, levels)))
        except BaiduFaceQualityError, BaiduFaceLivenessError, BaiduFaceNoFaceError:
            if len(faces) == 1:
                raise
        except KeyError:
            pass  # dropped by the bounds meanwhile
    if not registered:
        raise _invalid("face_not_kept", action=call.service, face_id=faces[0].id)
    return registered


@_action("enroll_face", ENROLL_FACE_SCHEMA, SupportsResponse.OPTIONAL)
async def _enroll_face(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    data = entry.runtime_data
    faces, visitor = _faces_to_enroll(entry, call)
    uid = _uid(entry, call)
    user_info = call.data.get(ATTR_USER_INFO)
    if user_info is None and (person := data.people.get(uid)) is not None and person.name != uid:
        # Sent empty, user_info would overwrite the name the person has.
        user_info = person.name
    # A camera seeing this face meanwhile searches again once it is done, rather than remember a visitor of it.
    async with data.visitors.async_changing():
        registered = await _register_faces(entry, call, faces, uid, user_info or "")
        if visitor is not None:
            await data.visitors.async_forget([visitor])
    for kept_id, _ in registered:
        with suppress(KeyError):  # dropped by the bounds meanwhile: registered all the same
            await data.faces.async_enrolled(kept_id, uid)
    first = registered[0][1]
    data.people.async_registered(uid, tuple(first.groups), user_info)
    response: dict[str, Any] = {
        "uid": uid,
        "groups": list(first.groups),
        "face_token": first.face_token,
        "face_id": call.data.get(ATTR_FACE_ID) or registered[0][0],
        "checks": _checks(call, quality=first.quality),
    }
    if visitor is not None:
        response |= {"visitor_id": visitor.number, "face_ids": [kept_id for kept_id, _ in registered]}
    return response


async def _register_kept_face(
    entry: BaiduFaceConfigEntry, face: KeptFace, uid: str, groups: list[str], user_info: str, levels: Levels
) -> RegisterResult:
    """Register a kept face as `uid`: by its token where the API allows (no upload), else its crop (KeyError: gone)."""
    data = entry.runtime_data
    if face.face_token and data.client.capabilities.face_tokens:
        result = await _register_seen_face(entry, uid, FaceToken(face.face_token), groups, user_info, levels)
        if result is not None:
            return result
    crop = await data.faces.async_read(face.id)
    return await data.client.register_user(uid, crop, groups, user_info=user_info, **levels)


async def _register_seen_face(
    entry: BaiduFaceConfigEntry, uid: str, token: FaceToken, groups: list[str], user_info: str, levels: Levels
) -> RegisterResult | None:
    """Register a face by the token Baidu gave it (no upload); None when Baidu no longer knows it, or cannot."""
    try:
        return await entry.runtime_data.client.register_user(uid, token, groups, user_info=user_info, **levels)
    except (BaiduFaceFaceNotFoundError, BaiduFaceNotSupportedError) as err:
        # Baidu keeps the faces it saw for a while (the local server an hour); then the crop is sent.
        # A level the backend cannot apply fails the crop the same way: no second call.
        if err.completed or isinstance(err, BaiduFaceControlUnavailableError):
            raise
        return None


@_action("list_faces", LIST_FACES_SCHEMA, SupportsResponse.ONLY)
async def _list_faces(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    if not entry.runtime_data.client.capabilities.list_faces:
        raise _invalid("list_faces_unsupported", action=call.service, version=_version(entry))
    uid = _uid(entry, call)
    group = _group(entry, call, uid)
    faces = await entry.runtime_data.client.list_faces(uid, group)
    return {"uid": uid, "group_id": group, "faces": [asdict(f) for f in faces]}


@_action("forget_face", FORGET_FACE_SCHEMA, SupportsResponse.OPTIONAL)
async def _forget_face(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    if not entry.runtime_data.client.capabilities.delete_face:
        raise _invalid("forget_face_unsupported", action=call.service, version=_version(entry))
    uid, face_token = _uid(entry, call), call.data[ATTR_FACE_TOKEN]
    group = _group(entry, call, uid)
    client = entry.runtime_data.client
    result = await client.delete_face(uid, group, face_token)
    try:
        left = len(await client.list_faces(uid, group))
    except BaiduFaceNotFoundError:
        # Baidu removed the user from the group with their last face.
        left = 0
        entry.runtime_data.people.async_deleted(uid, (group,))
    return {"uid": uid, "group_id": group, "face_token": face_token, "faces_left": left, "log_id": result.log_id}


async def _remove_seen_face(entry: BaiduFaceConfigEntry, uid: str, face_token: str | None) -> list[str]:
    """Delete a seen face from `uid` where it is one of their faces (its token among theirs); return those groups.

    Baidu names a face by its picture, so a face enrolled from the very frame (or
    by its token) has the same token. One `list_faces` call per group of the
    person, one `delete_face` where it is there; V2 can do neither (none made).
    """
    data = entry.runtime_data
    if face_token is None or not data.client.capabilities.delete_face:
        return []
    person = data.people.get(uid)
    removed: list[str] = []
    for group in person.groups if person is not None else entry.options.get(CONF_GROUPS, []):
        try:
            tokens = [face.face_token for face in await data.client.list_faces(uid, group)]
        except BaiduFaceNotFoundError:
            continue  # not (or no longer) in that group
        if face_token not in tokens:
            continue
        await data.client.delete_face(uid, group, face_token)
        removed.append(group)
        if len(tokens) == 1:
            # Baidu removed the user from the group with their last face.
            data.people.async_deleted(uid, (group,))
    return removed


@_action("not_this_person", NOT_THIS_PERSON_SCHEMA, SupportsResponse.OPTIONAL)
async def _not_this_person(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    """Correct a wrong match so that it sticks: the face leaves the person and becomes a visitor.

    Left in the person's faces, the same face would match them again; as a
    visitor (one registration, held to the budgets) its next frame matches the
    visitor better than the person, and a visitor names nobody (seen.py).
    """
    data = entry.runtime_data
    face_id: str = call.data[ATTR_FACE_ID]
    face = data.faces.get(face_id)
    if face is None:
        raise _invalid("face_not_kept", action=call.service, face_id=face_id)
    uid = _uid(entry, call) if ATTR_PERSON in call.data or ATTR_UID in call.data else face.uid
    if uid is None:
        raise _invalid("no_person", action=call.service)
    removed = await _remove_seen_face(entry, uid, face.face_token)
    with suppress(KeyError):  # dropped by the bounds meanwhile: nothing left to remember
        face = await data.faces.async_mistaken(face_id)
    visitor = await data.visitors.async_remember(face)
    return {
        "uid": uid,
        "face_id": face_id,
        "removed_from": removed,
        "visitor_id": visitor.number if visitor else None,
        "visitor": visitor.name if visitor else None,
        "remembered": visitor is not None,
    }


async def _set_ignored(call: ServiceCall, entry: BaiduFaceConfigEntry, ignored: bool) -> dict[str, Any]:
    visitor = _visitor(entry, call)
    if visitor is None:
        raise _invalid("not_a_visitor", action=call.service, face_id=str(call.data.get(ATTR_FACE_ID)))
    visitor = await entry.runtime_data.visitors.async_set_ignored(visitor, ignored)
    return {"visitor_id": visitor.number, "visitor": visitor.name, "ignored": visitor.ignored, "visits": visitor.visits}


@_action("ignore_visitor", IGNORE_VISITOR_SCHEMA, SupportsResponse.OPTIONAL)
async def _ignore_visitor(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    return await _set_ignored(call, entry, True)


@_action("unignore_visitor", IGNORE_VISITOR_SCHEMA, SupportsResponse.OPTIONAL)
async def _unignore_visitor(call: ServiceCall, entry: BaiduFaceConfigEntry) -> dict[str, Any]:
    return await _set_ignored(call, entry, False)


def _searched(entry: BaiduFaceConfigEntry, call: ServiceCall) -> list[str]:
    """Return the groups a call looked in, to name in a "not found" message (none: every group)."""
    for key in (ATTR_SOURCE_GROUP, ATTR_GROUP):
        if key in call.data:
            return [call.data[key]]
    if ATTR_GROUPS in call.data or call.service in USES_DEFAULT_GROUPS:
        return list(call.data.get(ATTR_GROUPS) or entry.options.get(CONF_GROUPS, []))
    if call.service in USES_ONE_GROUP:
        # The group the action chose: the client failed, so choosing it succeeded.
        return [_group(entry, call, _uid(entry, call))]
    return []


def _run(handler: Handler) -> Callable[[ServiceCall], Coroutine[Any, Any, ServiceResponse]]:
    """Run an action on its entry, turning every client error into a translated one.

    The translation happens here, once, so no handler needs a try block and no
    action can fail with a raw client exception; the message names the action
    the user called, not the client's internal call.
    """

    async def run(call: ServiceCall) -> ServiceResponse:
        # Optional with one entry: the helper then takes the only one, if it is loaded.
        entry: BaiduFaceConfigEntry = service.async_get_config_entry(call.hass, DOMAIN, _entry_id(call))
        try:
            response = await handler(call, entry)
        except BaiduFaceError as err:
            raise ha_error(err, call.service, _searched(entry, call)) from err
        return response if call.return_response else None

    return run


@callback
def async_setup_services(hass: HomeAssistant) -> None:
    """Register every action (once, at set-up: they exist even while no entry is loaded)."""
    for name, action in ACTIONS.items():
        hass.services.async_register(
            DOMAIN, name, _run(action.handler), schema=action.schema, supports_response=action.response
        )
