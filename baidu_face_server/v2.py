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
from .service import Match, check_group_id, check_uid, check_user_info

MB = 1024 * 1024
DETECT_MAX_BASE64 = 2 * MB
FACESET_MAX_BASE64 = 10 * MB
MATCH_MAX_BASE64 = 20 * MB
MAX_GROUPS = 10
# V2 match takes 20 MB of images in one form.
MAX_BODY = 24 * MB
# A V2 form has a dozen fields at most: a body of thousands is refused before they are all
# made into strings (200,000 of them once left 43 MB the server never gave back).
MAX_FORM_FIELDS = 100
FACE_FIELDS = frozenset(
    {"age", "beauty", "expression", "faceshape", "gender", "glasses", "landmark", "race", "qualities", "faceliveness"}
)
LIVENESS = "faceliveness"

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
    # 216102 is Baidu's "service not support". (V2 has no quality control: the quality
    # refusals never happen in this dialect.)
    Problem.LIVENESS_NOT_JUDGED: (
        216102,
        "service not support: liveness is not judged by this local server; use Baidu's cloud",
    ),
    Problem.INTERNAL: (216401, "internal error"),
}


class V2:
    """The V2 dialect: form bodies, bare results, 216xxx codes."""

    name = "v2"
    max_body = MAX_BODY

    def __init__(self) -> None:
        """Map each V2 path to its handler, named as the client names the operation."""
        self.routes: dict[str, Route] = {
            "detect": detect,
            "match": match,
            "identify": identify,
            "multi-identify": identify_faces,
            "verify": verify,
            "faceset/user/add": register_user,
            "faceset/user/update": update_user,
            "faceset/user/delete": delete_user,
            "faceset/user/get": get_user,
            "faceset/group/getlist": list_groups,
            "faceset/group/getusers": list_group_users,
            "faceset/group/adduser": add_user_to_group,
            "faceset/group/deleteuser": remove_user_from_group,
        }

    def parse(self, body: bytes) -> dict[str, str]:
        """Read a form body; one that is not UTF-8 is a parameter error."""
        try:
            return dict(parse_qsl(body.decode(), keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS))
        except ValueError:
            # Not UTF-8 (UnicodeDecodeError), or too many fields.
            raise ProblemError(Problem.INVALID_PARAM, "body") from None

    def success(self, result: Any, log_id: int) -> dict[str, Any]:
        """Put the result's keys beside log_id, without error_code."""
        return {"log_id": log_id, **result}

    def error(self, code: int, message: str, log_id: int) -> dict[str, Any]:
        """error_code, error_msg and log_id."""
        return {"error_code": code, "error_msg": message, "log_id": log_id}

    def problem(self, error: ProblemError) -> tuple[int, str]:
        """V2's code and message."""
        if error.problem is Problem.INVALID_PARAM and error.field in {"uid", "user_id"}:
            return 216111, "invalid userid"
        return _ERRORS[error.problem]


async def _image(call: Call, limit: int) -> DecodedImage | DetectedFace:
    # Old samples send `images` where the SDKs send `image`.
    name = "image" if call.params.get("image") else "images"
    return await call.service.load(p.text(call.params, name, required=False), "BASE64", limit)


def _fields(call: Call, name: str) -> set[str]:
    """Read a comma list of names; one asking for liveness is refused, never waved through (nothing here judges it)."""
    fields = {f.strip() for f in p.text(call.params, name, required=False).split(",") if f.strip()}
    if LIVENESS in fields:
        raise ProblemError(Problem.LIVENESS_NOT_JUDGED, name)
    return fields


def _face_fields(call: Call) -> set[str]:
    fields = _fields(call, "face_fields")
    if not fields <= FACE_FIELDS:
        raise ProblemError(Problem.INVALID_PARAM, "face_fields")
    return fields


def _groups(call: Call, name: str = "group_id", *, required: bool = True) -> list[str]:
    return [check_group_id(g, name) for g in p.id_list(call.params, name, MAX_GROUPS, required=required)]


def _group(call: Call, name: str = "group_id") -> str:
    # One group, where a comma list would be two.
    return check_group_id(p.text(call.params, name), name)


def _uid(call: Call) -> str:
    return check_uid(p.text(call.params, "uid"))


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
    # Only landmarks and qualities are measured here; age, beauty, race... are never invented,
    # nor qualities' `type` (human or cartoon).
    if "landmark" in fields:
        body["landmark"] = [{"x": round(pt.x), "y": round(pt.y)} for pt in face.landmarks]
    if "qualities" in fields:
        quality = face.quality
        occlusion = quality.occlusion.regions()
        occlusion["chin"] = occlusion.pop("chin_contour")
        body["qualities"] = {
            "occlusion": occlusion,
            "blur": quality.blur,
            "illumination": quality.illumination,
            "completeness": quality.completeness,
        }
    return body


async def detect(call: Call) -> dict[str, Any]:
    """`detect`: faces with box, probability and angles (and landmarks when asked)."""
    fields = _face_fields(call)
    max_faces = p.integer(call.params, "max_face_num", 1, 1, 10)
    faces = await call.service.faces(await _image(call, DETECT_MAX_BASE64), max_faces)
    return {"result_num": len(faces), "result": [_face_body(f, fields) for f in faces]}


async def match(call: Call) -> dict[str, Any]:
    """`match`: a score for every pair of the comma-joined images."""
    _fields(call, "image_liveness")
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


def _user(match: Match) -> dict[str, Any]:
    return {"group_id": match.group_id, "uid": match.uid, "user_info": match.user_info, "scores": [match.score]}


async def identify(call: Call) -> dict[str, Any]:
    """`identify`: the best users for the largest face (V2 applies no threshold)."""
    groups = _groups(call)
    _fields(call, "ext_fields")
    top = p.integer(call.params, "user_top_num", 1, 1, 5)
    face = await call.service.one_face(await _image(call, FACESET_MAX_BASE64))
    matches = call.service.identify(call.app_key, face, groups, top)
    if not matches:
        raise ProblemError(Problem.NO_MATCH, "group_id")
    return {"result_num": len(matches), "result": [_user(m) for m in matches]}


async def identify_faces(call: Call) -> dict[str, Any]:
    """`multi-identify` as the last V2 SDK (baidu-aip 2.2.2) calls it: each face's best users and position."""
    groups = _groups(call)
    _fields(call, "ext_fields")
    top = p.integer(call.params, "user_top_num", 1, 1, 20)
    max_faces = p.integer(call.params, "detect_top_num", 1, 1, 10)
    faces = await call.service.some_faces(await _image(call, FACESET_MAX_BASE64), max_faces)
    result = [
        _user(m) | {"position": _box(face) | {"degree": round(face.rotation), "prob": face.probability}}
        for face in faces
        for m in call.service.identify(call.app_key, face, groups, top)
    ]
    if not result:
        raise ProblemError(Problem.NO_MATCH, "group_id")
    return {"result_num": len(result), "result": result}


async def verify(call: Call) -> dict[str, Any]:
    """`verify`: how well each face (up to top_num) matches the uid."""
    uid, groups = _uid(call), _groups(call)
    _fields(call, "ext_fields")
    top = p.integer(call.params, "top_num", 1, 1, 10)
    call.service.get_user(call.app_key, uid, groups)
    faces = await call.service.some_faces(await _image(call, FACESET_MAX_BASE64), top)
    scores = [call.service.verify(call.app_key, face, groups, uid).score for face in faces]
    return {"result_num": len(scores), "result": scores}


async def _face_of_user(call: Call, *, user_info_required: bool) -> tuple[str, list[str], str | None, bool, Any]:
    uid, groups = _uid(call), _groups(call)
    # An empty user_info keeps the stored one.
    user_info = check_user_info(p.text(call.params, "user_info", required=user_info_required)) or None
    replace = p.text(call.params, "action_type", required=False).lower() == "replace"
    face = await call.service.one_face(await _image(call, FACESET_MAX_BASE64))
    return uid, groups, user_info, replace, face


async def register_user(call: Call) -> dict[str, Any]:
    """`faceset/user/add`: append a face (or replace them with action_type=replace), in one or more groups."""
    uid, groups, user_info, replace, face = await _face_of_user(call, user_info_required=True)
    call.service.register_user(call.app_key, groups, uid, user_info, face, replace=replace)
    return {}


async def update_user(call: Call) -> dict[str, Any]:
    """`faceset/user/update`: replace a user's faces; action_type=replace creates a missing user."""
    uid, groups, user_info, replace, face = await _face_of_user(call, user_info_required=False)
    call.service.update_user(call.app_key, groups, uid, user_info, face, create=replace)
    return {}


async def delete_user(call: Call) -> dict[str, Any]:
    """`faceset/user/delete`: from the groups named, or from all."""
    call.service.delete_user(call.app_key, _uid(call), _groups(call, required=False))
    return {}


async def get_user(call: Call) -> dict[str, Any]:
    """`faceset/user/get`, in one of the two documented shapes: an object naming every group."""
    uid = _uid(call)
    groups = call.service.get_user(call.app_key, uid, _groups(call, required=False))
    return {"result": {"uid": uid, "user_info": next(iter(groups.values())), "groups": list(groups)}}


async def list_groups(call: Call) -> dict[str, Any]:
    """`faceset/group/getlist`."""
    start, num = _paging(call)
    groups = call.service.list_groups(call.app_key, start, num)
    return {"result_num": len(groups), "result": groups}


async def list_group_users(call: Call) -> dict[str, Any]:
    """`faceset/group/getusers`: uid and user_info of each."""
    group = _group(call)
    start, num = _paging(call)
    users = call.service.list_group_users(call.app_key, group, start, num)
    return {"result_num": len(users), "result": [{"uid": u, "user_info": info} for u, info in users]}


async def add_user_to_group(call: Call) -> dict[str, Any]:
    """`faceset/group/adduser`: copy a user into groups, creating them."""
    uid = _uid(call)
    source = _group(call, "src_group_id")
    call.service.add_user_to_group(call.app_key, uid, source, _groups(call), create_groups=True)
    return {}


async def remove_user_from_group(call: Call) -> dict[str, Any]:
    """`faceset/group/deleteuser`: a user keeps one group at least."""
    call.service.remove_user_from_group(call.app_key, _uid(call), _groups(call))
    return {}
