"""The V2 dialect (`/rest/2.0/face/v2/...`): form bodies, the seed's shapes."""

from __future__ import annotations

from itertools import combinations
from typing import Any
from urllib.parse import parse_qsl

from . import params as p
from .engine import DetectedFace, similarity
from .gateway import Call, Route
from .images import DecodedImage
from .problems import Problem, ProblemError
from .service import check_group_id, check_user_id, check_user_info

MB = 1024 * 1024
DETECT_MAX_BASE64 = 2 * MB
FACESET_MAX_BASE64 = 10 * MB
MATCH_MAX_BASE64 = 20 * MB
MAX_GROUPS = 10
FACE_FIELDS = frozenset(
    {"age", "beauty", "expression", "faceshape", "gender", "glasses", "landmark", "race", "qualities"}
)

_ERRORS: dict[Problem, tuple[int, str]] = {
    Problem.MISSING_PARAM: (216101, "not enough param"),
    Problem.INVALID_PARAM: (216100, "invalid param"),
    Problem.PARAM_TOO_LONG: (216103, "param too long"),
    Problem.EMPTY_IMAGE: (216200, "empty image"),
    Problem.IMAGE_FORMAT: (216201, "image format error"),
    Problem.IMAGE_SIZE: (216202, "image size error"),
    Problem.IMAGE_DOWNLOAD: (216201, "image format error"),
    Problem.IMAGE_COUNT: (216614, "not enough images"),
    Problem.NO_FACE: (216402, "face not found"),
    Problem.FACE_TOKEN_NOT_FOUND: (216100, "invalid param"),
    Problem.USER_NOT_FOUND: (216612, "user not exist"),
    Problem.NO_USER_TO_UPDATE: (216612, "user not exist"),
    Problem.GROUP_NOT_FOUND: (216618, "no user in group"),
    Problem.DST_GROUP_NOT_FOUND: (216618, "no user in group"),
    Problem.GROUP_EXISTS: (216100, "invalid param"),
    Problem.USER_EXISTS: (216100, "already add"),
    Problem.FACE_EXISTS: (216616, "image exist"),
    Problem.FACE_NOT_FOUND: (216100, "invalid param"),
    Problem.TOO_MANY_FACES: (216631, "request add user overlimit"),
    Problem.LAST_GROUP: (216619, "user must be in one group at least"),
    Problem.NO_MATCH: (216618, "no user in group"),
    Problem.GROUP_LIST_TOO_LARGE: (216100, "invalid param"),
    Problem.INTERNAL: (216401, "internal error"),
}


class V2:
    name = "v2"

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {
            "detect": detect,
            "match": match,
            "identify": identify,
            "multi-identify": multi_identify,
            "verify": verify,
            "faceset/user/add": register,
            "faceset/user/update": update,
            "faceset/user/delete": delete_user,
            "faceset/user/get": get_user,
            "faceset/group/getlist": list_groups,
            "faceset/group/getusers": list_group_users,
            "faceset/group/adduser": add_to_group,
            "faceset/group/deleteuser": remove_from_group,
        }

    def parse(self, body: bytes) -> dict[str, str]:
        try:
            return dict(parse_qsl(body.decode(), keep_blank_values=True))
        except UnicodeDecodeError:
            raise ProblemError(Problem.INVALID_PARAM, "body") from None

    def success(self, result: Any, log_id: int) -> dict[str, Any]:
        return {"log_id": log_id, **result}

    def error(self, code: int, message: str, log_id: int) -> dict[str, Any]:
        return {"error_code": code, "error_msg": message, "log_id": log_id}

    def problem(self, error: ProblemError) -> tuple[int, str]:
        if error.problem is Problem.INVALID_PARAM and error.field in {"uid", "user_id"}:
            return 216111, "invalid userid"
        return _ERRORS[error.problem]


async def _image(call: Call, limit: int) -> DecodedImage | DetectedFace:
    # Old samples send `images` where the SDKs send `image`.
    name = "image" if call.params.get("image") else "images"
    return await call.service.load(p.text(call.params, name, required=False), "BASE64", limit)


def _face_fields(call: Call) -> set[str]:
    fields = {f.strip() for f in p.text(call.params, "face_fields", required=False).split(",") if f.strip()}
    if not fields <= FACE_FIELDS:
        raise ProblemError(Problem.INVALID_PARAM, "face_fields")
    return fields


def _groups(call: Call, name: str = "group_id", *, required: bool = True) -> list[str]:
    return [check_group_id(g, name) for g in p.id_list(call.params, name, MAX_GROUPS, required=required)]


def _uid(call: Call) -> str:
    return check_user_id(p.text(call.params, "uid"), "uid")


def _paging(call: Call) -> tuple[int, int]:
    start = p.integer(call.params, "start", 0, 0, 10**9)
    # 2017 docs call the page end `end`; the SDKs send `num`.
    default = p.integer(call.params, "end", start + 100, start, start + 1000) - start
    return start, p.integer(call.params, "num", default, 1, 1000)


def _box(face: DetectedFace) -> dict[str, int]:
    # V2 gives every coordinate as a whole number.
    return {"left": round(face.left), "top": round(face.top), "width": round(face.width), "height": round(face.height)}


def _face_body(face: DetectedFace, fields: set[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "location": _box(face),
        "face_probability": face.probability,
        "rotation_angle": face.rotation,
        "yaw": face.yaw,
        "pitch": face.pitch,
        "roll": face.roll,
    }
    # Only landmarks are computed locally; age, beauty, race... are never invented.
    if "landmark" in fields:
        body["landmark"] = [{"x": round(pt.x), "y": round(pt.y)} for pt in face.landmarks]
    return body


async def detect(call: Call) -> dict[str, Any]:
    fields = _face_fields(call)
    max_faces = p.integer(call.params, "max_face_num", 1, 1, 10)
    faces = await call.service.faces(await _image(call, DETECT_MAX_BASE64), max_faces)
    return {"result_num": len(faces), "result": [_face_body(f, fields) for f in faces]}


async def match(call: Call) -> dict[str, Any]:
    images = [i for i in p.text(call.params, "images", required=False).split(",") if i]
    if len(images) < 2:
        raise ProblemError(Problem.IMAGE_COUNT, "images")
    if sum(map(len, images)) > MATCH_MAX_BASE64:
        raise ProblemError(Problem.IMAGE_SIZE, "images")
    faces = [await call.service.one_face(await call.service.load(i, "BASE64", MATCH_MAX_BASE64)) for i in images]
    result = [
        {"index_i": i, "index_j": j, "score": similarity(faces[i].embedding, faces[j].embedding)}
        for i, j in combinations(range(len(faces)), 2)
    ]
    return {"result_num": len(result), "result": result}


async def identify(call: Call) -> dict[str, Any]:
    groups = _groups(call)
    top = p.integer(call.params, "user_top_num", 1, 1, 5)
    face = await call.service.one_face(await _image(call, FACESET_MAX_BASE64))
    matches = call.service.search(call.app.api_key, face, groups, top=top)
    if not matches:
        raise ProblemError(Problem.NO_MATCH, "group_id")
    result = [
        {"group_id": m.group_id, "uid": m.user_id, "user_info": m.user_info, "scores": [m.score]} for m in matches
    ]
    return {"result_num": len(result), "result": result}


async def multi_identify(call: Call) -> dict[str, Any]:
    """M:N identify as the last V2 SDK (baidu-aip 2.2.2) calls it: each face's best users, with its position."""
    groups = _groups(call)
    top = p.integer(call.params, "user_top_num", 1, 1, 20)
    max_faces = p.integer(call.params, "detect_top_num", 1, 1, 10)
    faces = await call.service.some_faces(await _image(call, FACESET_MAX_BASE64), max_faces)
    result = [
        {
            "group_id": m.group_id,
            "uid": m.user_id,
            "user_info": m.user_info,
            "scores": [m.score],
            "position": _box(face) | {"degree": round(face.rotation), "prob": face.probability},
        }
        for face in faces
        for m in call.service.search(call.app.api_key, face, groups, top=top)
    ]
    if not result:
        raise ProblemError(Problem.NO_MATCH, "group_id")
    return {"result_num": len(result), "result": result}


async def verify(call: Call) -> dict[str, Any]:
    uid, groups = _uid(call), _groups(call)
    top = p.integer(call.params, "top_num", 1, 1, 10)
    if not set(groups) & set(call.service.store.user_groups(call.app.api_key, uid)):
        raise ProblemError(Problem.USER_NOT_FOUND, "uid")
    faces = await call.service.some_faces(await _image(call, FACESET_MAX_BASE64), top)
    scores = [call.service.search(call.app.api_key, face, groups, uid)[0].score for face in faces]
    return {"result_num": len(scores), "result": scores}


async def _save(call: Call, *, update: bool) -> dict[str, Any]:
    uid, groups = _uid(call), _groups(call)
    user_info = check_user_info(p.text(call.params, "user_info", required=not update))
    replace = p.text(call.params, "action_type", required=False).lower() == "replace"
    face = await call.service.one_face(await _image(call, FACESET_MAX_BASE64))
    call.service.store.save_user(
        call.app.api_key,
        groups,
        uid,
        user_info or None,
        face,
        # An update swaps the faces; a register appends unless asked to replace.
        replace_faces=replace or update,
        must_exist=update and not replace,
    )
    return {}


async def register(call: Call) -> dict[str, Any]:
    return await _save(call, update=False)


async def update(call: Call) -> dict[str, Any]:
    return await _save(call, update=True)


async def delete_user(call: Call) -> dict[str, Any]:
    uid = _uid(call)
    store = call.service.store
    groups = _groups(call, required=False) or list(store.user_groups(call.app.api_key, uid))
    store.delete_user(call.app.api_key, uid, groups)
    return {}


async def get_user(call: Call) -> dict[str, Any]:
    uid = _uid(call)
    groups = call.service.store.user_groups(call.app.api_key, uid)
    wanted = _groups(call, required=False)
    if wanted:
        groups = {g: info for g, info in groups.items() if g in wanted}
    if not groups:
        raise ProblemError(Problem.USER_NOT_FOUND, "uid")
    # One of the two documented shapes: an object naming every group.
    return {"result": {"uid": uid, "user_info": next(iter(groups.values())), "groups": list(groups)}}


async def list_groups(call: Call) -> dict[str, Any]:
    start, num = _paging(call)
    groups = call.service.store.list_groups(call.app.api_key, start, num)
    return {"result_num": len(groups), "result": groups}


async def list_group_users(call: Call) -> dict[str, Any]:
    (group,) = _groups(call)[:1]
    start, num = _paging(call)
    users = call.service.store.list_group_users(call.app.api_key, group, start, num)
    return {"result_num": len(users), "result": [{"uid": u, "user_info": info} for u, info in users]}


async def add_to_group(call: Call) -> dict[str, Any]:
    uid = _uid(call)
    (source,) = _groups(call, "src_group_id")[:1]
    call.service.store.copy_user(call.app.api_key, uid, source, _groups(call), create=True)
    return {}


async def remove_from_group(call: Call) -> dict[str, Any]:
    uid = _uid(call)
    call.service.store.delete_user(call.app.api_key, uid, _groups(call), keep_one=True)
    return {}
