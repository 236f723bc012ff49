"""The V3 dialect (`/rest/2.0/face/v3/...`): JSON bodies and the `result` envelope."""

from __future__ import annotations

import json
import time
from typing import Any

from . import params as p
from .engine import DetectedFace, similarity
from .gateway import Call, Route
from .problems import Problem, ProblemError
from .service import Match, check_group_id, check_user_id, check_user_info

MAX_BASE64 = 2 * 1024 * 1024
MAX_GROUPS = 10
IMAGE_TYPES = frozenset({"BASE64", "URL", "FACE_TOKEN"})
CONTROL_LEVELS = frozenset({"NONE", "LOW", "NORMAL", "HIGH"})
FACE_FIELDS = frozenset(
    {
        "age", "beauty", "expression", "face_shape", "gender", "glasses", "landmark", "landmark72",
        "landmark150", "quality", "eye_status", "emotion", "face_type", "mask", "spoofing",
    }
)  # fmt: skip
ALL_GROUPS = "@ALL"
# Baidu's documented default for search and multi-search: below it, nobody is found.
DEFAULT_MATCH_THRESHOLD = 80

# `param[x] format error` codes by parameter. 222006, 222013, 222015 and 222018
# are documented; the others follow the order of Baidu's published table.
_FORMAT_CODES = {
    "start": 222002,
    "length": 222003,
    "op_app_id": 222004,
    "group_id_list": 222005,
    "group_id": 222006,
    "src_group_id": 222007,
    "dst_group_id": 222008,
    "face_token": 222009,
    "user_info": 222010,
    "image": 222013,
    "image_type": 222015,
    "max_face_num": 222016,
    "face_field": 222017,
    "user_id": 222018,
    "quality_control": 222019,
    "liveness_control": 222020,
    "max_user_num": 222021,
    "action_type": 222023,
    "match_threshold": 222024,
    "face_type": 222025,
}

_ERRORS: dict[Problem, tuple[int, str]] = {
    Problem.EMPTY_IMAGE: (222001, "param[image] is null"),
    Problem.IMAGE_FORMAT: (222203, "image check fail"),
    Problem.IMAGE_SIZE: (222013, "param[image] format error"),
    Problem.IMAGE_DOWNLOAD: (222204, "image_url_download_fail"),
    Problem.IMAGE_COUNT: (222208, "the number of image is incorrect"),
    Problem.NO_FACE: (222202, "pic not has face"),
    Problem.FACE_TOKEN_NOT_FOUND: (222209, "face token not exist"),
    Problem.USER_NOT_FOUND: (223103, "user is not exist"),
    Problem.NO_USER_TO_UPDATE: (223103, "user is not exist"),
    Problem.GROUP_NOT_FOUND: (223100, "group is not exist"),
    Problem.DST_GROUP_NOT_FOUND: (223111, "dst group is not exist"),
    Problem.GROUP_EXISTS: (223101, "group is already exist"),
    Problem.USER_EXISTS: (223102, "user is already exist"),
    Problem.FACE_EXISTS: (223105, "face is already exist"),
    Problem.FACE_NOT_FOUND: (223106, "face is not exist"),
    Problem.TOO_MANY_FACES: (222210, "the number of user's faces is beyond the limit"),
    Problem.LAST_GROUP: (223103, "user is not exist"),
    Problem.NO_MATCH: (222207, "match user is not found"),
    Problem.GROUP_LIST_TOO_LARGE: (223104, "group_list is too large"),
    Problem.INTERNAL: (222901, "system busy"),
}


class V3:
    name = "v3"

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {
            "detect": detect,
            "match": match,
            "search": search,
            "multi-search": multi_search,
            "faceset/user/add": register,
            "faceset/user/update": update,
            "faceset/user/delete": delete_user,
            "faceset/user/get": get_user,
            "faceset/user/copy": copy_user,
            "faceset/group/add": create_group,
            "faceset/group/delete": delete_group,
            "faceset/group/getlist": list_groups,
            "faceset/group/getusers": list_group_users,
            "faceset/face/getlist": list_faces,
            "faceset/face/delete": delete_face,
        }

    def parse(self, body: bytes) -> Any:
        try:
            value = json.loads(body.decode() or "{}")
        except UnicodeDecodeError, ValueError:
            raise ProblemError(Problem.INVALID_PARAM, "body") from None
        if not isinstance(value, (dict, list)):
            raise ProblemError(Problem.INVALID_PARAM, "body")
        return value

    def success(self, result: Any, log_id: int) -> dict[str, Any]:
        return _envelope(0, "SUCCESS", log_id, result)

    def error(self, code: int, message: str, log_id: int) -> dict[str, Any]:
        return _envelope(code, message, log_id, None)

    def problem(self, error: ProblemError) -> tuple[int, str]:
        field = error.field
        match error.problem:
            case Problem.INVALID_PARAM if field == "body":
                return 222200, "request body should be json format"
            case Problem.MISSING_PARAM:
                return 222001, f"param[{field}] is null"
            case Problem.INVALID_PARAM | Problem.PARAM_TOO_LONG:
                return _FORMAT_CODES.get(field, 222002), f"param[{field}] format error"
        return _ERRORS[error.problem]


def _envelope(code: int, message: str, log_id: int, result: Any) -> dict[str, Any]:
    return {
        "error_code": code,
        "error_msg": message,
        "log_id": log_id,
        "timestamp": int(time.time()),
        "cached": 0,
        "result": result,
    }


def _object(call: Call) -> dict[str, Any]:
    if not isinstance(call.params, dict):
        raise ProblemError(Problem.INVALID_PARAM, "body")
    return call.params


async def _load(call: Call, item: dict[str, Any]) -> Any:
    image_type = p.text(item, "image_type").upper()
    if image_type not in IMAGE_TYPES:
        raise ProblemError(Problem.INVALID_PARAM, "image_type")
    for control in ("quality_control", "liveness_control"):
        # Accepted for fidelity; quality and liveness are not judged locally.
        p.choice(item, control, CONTROL_LEVELS, "NONE")
    image = item.get("image")
    if image is None or image == "":
        raise ProblemError(Problem.EMPTY_IMAGE, "image")
    if not isinstance(image, str):
        raise ProblemError(Problem.INVALID_PARAM, "image")
    return await call.service.load(image, image_type, MAX_BASE64, call.session)


def _location(face: DetectedFace) -> dict[str, Any]:
    # Baidu's types: left/top are floats, width/height/rotation integers.
    return {
        "left": float(face.left),
        "top": float(face.top),
        "width": round(face.width),
        "height": round(face.height),
        "rotation": round(face.rotation),
    }


def _user(match: Match) -> dict[str, Any]:
    return {"group_id": match.group_id, "user_id": match.user_id, "user_info": match.user_info, "score": match.score}


def _groups(params: dict[str, Any]) -> list[str]:
    return [check_group_id(g, "group_id_list") for g in p.id_list(params, "group_id_list", MAX_GROUPS)]


def _group(params: dict[str, Any], name: str = "group_id") -> str:
    return check_group_id(p.text(params, name), name)


def _uid(params: dict[str, Any]) -> str:
    return check_user_id(p.text(params, "user_id"))


def _threshold(params: dict[str, Any]) -> int:
    return p.integer(params, "match_threshold", DEFAULT_MATCH_THRESHOLD, 0, 100)


def _paging(params: dict[str, Any]) -> tuple[int, int]:
    return p.integer(params, "start", 0, 0, 10**9), p.integer(params, "length", 100, 1, 1000)


async def detect(call: Call) -> dict[str, Any]:
    params = _object(call)
    fields = {f.strip() for f in p.text(params, "face_field", required=False).split(",") if f.strip()}
    if not fields <= FACE_FIELDS:
        raise ProblemError(Problem.INVALID_PARAM, "face_field")
    max_faces = p.integer(params, "max_face_num", 1, 1, 120)
    faces = await call.service.some_faces(await _load(call, params), max_faces)
    face_list = []
    for face in faces:
        body: dict[str, Any] = {
            "face_token": face.face_token,
            "location": _location(face),
            "face_probability": face.probability,
            "angle": {"yaw": face.yaw, "pitch": face.pitch, "roll": face.roll},
        }
        # Only what dlib measures is returned; age, beauty, emotion... are never invented.
        if "landmark" in fields:
            body["landmark"] = [{"x": pt.x, "y": pt.y} for pt in face.landmarks]
        face_list.append(body)
    return {"face_num": len(face_list), "face_list": face_list}


async def match(call: Call) -> dict[str, Any]:
    items = call.params
    if not isinstance(items, list) or len(items) != 2 or not all(isinstance(i, dict) for i in items):
        raise ProblemError(Problem.IMAGE_COUNT, "image")
    first, second = [await call.service.one_face(await _load(call, item)) for item in items]
    return {
        "score": similarity(first.embedding, second.embedding),
        "face_list": [{"face_token": first.face_token}, {"face_token": second.face_token}],
    }


async def search(call: Call) -> dict[str, Any]:
    params = _object(call)
    groups = _groups(params)
    user_id = check_user_id(p.text(params, "user_id", required=False)) if params.get("user_id") else None
    top = p.integer(params, "max_user_num", 1, 1, 50)
    threshold = _threshold(params)
    face = await call.service.one_face(await _load(call, params))
    matches = call.service.search(call.app.api_key, face, groups, user_id, top)
    if not matches:
        raise ProblemError(Problem.USER_NOT_FOUND if user_id else Problem.NO_MATCH, "user_id")
    matches = [m for m in matches if m.score >= threshold]
    if not matches:
        raise ProblemError(Problem.NO_MATCH, "user_id")
    return {"face_token": face.face_token, "user_list": [_user(m) for m in matches]}


async def multi_search(call: Call) -> dict[str, Any]:
    params = _object(call)
    groups = _groups(params)
    top = p.integer(params, "max_user_num", 1, 1, 50)
    max_faces = p.integer(params, "max_face_num", 1, 1, 10)
    threshold = _threshold(params)
    faces = await call.service.some_faces(await _load(call, params), max_faces)
    face_list = []
    for face in faces:
        matches = [m for m in call.service.search(call.app.api_key, face, groups, top=top) if m.score >= threshold]
        face_list.append(
            {"face_token": face.face_token, "location": _location(face), "user_list": [_user(m) for m in matches]}
        )
    if not any(f["user_list"] for f in face_list):
        raise ProblemError(Problem.NO_MATCH, "group_id_list")
    return {"face_num": len(face_list), "face_list": face_list}


async def _save(call: Call, *, modes: frozenset[str], default: str) -> dict[str, Any]:
    params = _object(call)
    group, uid = _group(params), _uid(params)
    user_info = check_user_info(p.text(params, "user_info", required=False)) if "user_info" in params else None
    mode = p.choice(params, "action_type", modes, default)
    face = await call.service.one_face(await _load(call, params))
    call.service.store.save_user(
        call.app.api_key,
        [group],
        uid,
        user_info,
        face,
        replace_faces=mode != "APPEND",
        must_exist=mode == "UPDATE",
    )
    return {"face_token": face.face_token, "location": _location(face)}


async def register(call: Call) -> dict[str, Any]:
    return await _save(call, modes=frozenset({"APPEND", "REPLACE"}), default="APPEND")


async def update(call: Call) -> dict[str, Any]:
    return await _save(call, modes=frozenset({"UPDATE", "REPLACE"}), default="UPDATE")


async def delete_user(call: Call) -> None:
    params = _object(call)
    call.service.store.delete_user(call.app.api_key, _uid(params), [_group(params)])


async def get_user(call: Call) -> dict[str, Any]:
    params = _object(call)
    uid = _uid(params)
    group = p.text(params, "group_id")
    groups = call.service.store.user_groups(call.app.api_key, uid)
    if group != ALL_GROUPS:
        check_group_id(group)
        groups = {g: info for g, info in groups.items() if g == group}
    if not groups:
        raise ProblemError(Problem.USER_NOT_FOUND, "user_id")
    return {"user_list": [{"user_info": info, "group_id": g} for g, info in groups.items()]}


async def copy_user(call: Call) -> None:
    params = _object(call)
    uid, source, target = _uid(params), _group(params, "src_group_id"), _group(params, "dst_group_id")
    call.service.store.copy_user(call.app.api_key, uid, source, [target], create=False)


async def create_group(call: Call) -> None:
    call.service.store.create_group(call.app.api_key, _group(_object(call)))


async def delete_group(call: Call) -> None:
    call.service.store.delete_group(call.app.api_key, _group(_object(call)))


async def list_groups(call: Call) -> dict[str, Any]:
    start, length = _paging(_object(call))
    return {"group_id_list": call.service.store.list_groups(call.app.api_key, start, length)}


async def list_group_users(call: Call) -> dict[str, Any]:
    params = _object(call)
    start, length = _paging(params)
    users = call.service.store.list_group_users(call.app.api_key, _group(params), start, length)
    return {"user_id_list": [uid for uid, _ in users]}


async def list_faces(call: Call) -> dict[str, Any]:
    params = _object(call)
    faces = call.service.store.list_faces(call.app.api_key, _group(params), _uid(params))
    return {"face_list": [{"face_token": f.face_token, "ctime": f.ctime} for f in faces]}


async def delete_face(call: Call) -> None:
    params = _object(call)
    token = p.text(params, "face_token")
    call.service.store.delete_face(call.app.api_key, _group(params), _uid(params), token)
