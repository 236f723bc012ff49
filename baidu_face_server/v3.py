"""The V3 dialect (`/rest/2.0/face/v3/...`): JSON bodies and the `result` envelope."""

from __future__ import annotations

import json
import time
from typing import Any

from . import params as p
from .engine import DetectedFace, similarity
from .gateway import Call, Route
from .problems import Problem, ProblemError
from .quality import LEVELS, QualityLevel
from .service import Match, check_group_id, check_uid, check_user_info, passing

MAX_BASE64 = 2 * 1024 * 1024
# Baidu: a whole V3 request is under 10 MB.
MAX_BODY = 10 * 1024 * 1024
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

# Baidu documents no code for a face turned too far (UNCONFIRMED): 223118 "quality control
# error" is this server's choice, the one place to change it.
FACE_ANGLE_ERROR = (223118, "quality control error: face angle too large")
# 223119 is Baidu's code for a liveness control it cannot apply.
LIVENESS_NOT_JUDGED = (
    223119,
    "liveness control item error: liveness is not judged by this local server; use Baidu's cloud",
)
# One covered region names itself; several are 223113 "face is covered".
_OCCLUSION_ERRORS = {
    "left_eye": (223121, "left eye is occlusion"),
    "right_eye": (223122, "right eye is occlusion"),
    "left_cheek": (223123, "left cheek is occlusion"),
    "right_cheek": (223124, "right cheek is occlusion"),
    "chin_contour": (223125, "chin contour is occlusion"),
    "nose": (223126, "nose is occlusion"),
    "mouth": (223127, "mouth is occlusion"),
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
    Problem.INCOMPLETE_FACE: (223116, "incomplete face"),
    Problem.FACE_ANGLE: FACE_ANGLE_ERROR,
    Problem.BLURRED_FACE: (223114, "face is fuzzy"),
    Problem.DARK_FACE: (223115, "face light is not good"),
    Problem.OCCLUDED_FACE: (223113, "face is covered"),
    Problem.LIVENESS_NOT_JUDGED: LIVENESS_NOT_JUDGED,
    Problem.INTERNAL: (222901, "system busy"),
}


class V3:
    """The V3 dialect: JSON bodies, the `result` envelope, 222xxx/223xxx codes."""

    name = "v3"
    max_body = MAX_BODY

    def __init__(self) -> None:
        """Map each V3 path to its handler, named as the client names the operation."""
        self.routes: dict[str, Route] = {
            "detect": detect,
            "match": match,
            "search": verify,
            "multi-search": identify,
            "faceset/user/add": register_user,
            "faceset/user/update": update_user,
            "faceset/user/delete": delete_user,
            "faceset/user/get": get_user,
            "faceset/user/copy": add_user_to_group,
            "faceset/group/add": create_group,
            "faceset/group/delete": delete_group,
            "faceset/group/getlist": list_groups,
            "faceset/group/getusers": list_group_users,
            "faceset/face/getlist": list_faces,
            "faceset/face/delete": delete_face,
        }

    def parse(self, body: bytes) -> Any:
        """Read a JSON object or array; anything else is 222200."""
        try:
            value = json.loads(body.decode() or "{}")
        except ValueError, RecursionError:
            # Not UTF-8, not JSON, or nested too deep to read.
            raise ProblemError(Problem.INVALID_PARAM, "body") from None
        if not isinstance(value, (dict, list)):
            raise ProblemError(Problem.INVALID_PARAM, "body")
        return value

    def success(self, result: Any, log_id: int) -> dict[str, Any]:
        """Wrap a result in the envelope with error_code 0."""
        return _envelope(0, "SUCCESS", log_id, result)

    def error(self, code: int, message: str, log_id: int) -> dict[str, Any]:
        """Build the envelope with a null result."""
        return _envelope(code, message, log_id, None)

    def problem(self, error: ProblemError) -> tuple[int, str]:
        """V3's code and message; parameter errors name the wire parameter."""
        field = "user_id" if error.field == "uid" else error.field
        match error.problem:
            case Problem.INVALID_PARAM if field == "body":
                return 222200, "request body should be json format"
            case Problem.MISSING_PARAM:
                return 222001, f"param[{field}] is null"
            case Problem.INVALID_PARAM | Problem.PARAM_TOO_LONG:
                return _FORMAT_CODES.get(field, 222002), f"param[{field}] format error"
            case Problem.OCCLUDED_FACE if field in _OCCLUSION_ERRORS:
                return _OCCLUSION_ERRORS[field]
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


async def _load(call: Call, item: dict[str, Any]) -> tuple[Any, QualityLevel | None]:
    """Read an image object: its image, and the quality level it must pass (None: NONE)."""
    image_type = p.text(item, "image_type").upper()
    if image_type not in IMAGE_TYPES:
        raise ProblemError(Problem.INVALID_PARAM, "image_type")
    quality = p.choice(item, "quality_control", CONTROL_LEVELS, "NONE")
    # Refused, never waved through: nothing here can tell a face from a photo of one.
    if p.choice(item, "liveness_control", CONTROL_LEVELS, "NONE") != "NONE":
        raise ProblemError(Problem.LIVENESS_NOT_JUDGED, "liveness_control")
    image = item.get("image")
    if image is None or image == "":
        raise ProblemError(Problem.EMPTY_IMAGE, "image")
    if not isinstance(image, str):
        raise ProblemError(Problem.INVALID_PARAM, "image")
    return await call.service.load(image, image_type, MAX_BASE64), LEVELS.get(quality)


async def _one_face(call: Call, item: dict[str, Any]) -> DetectedFace:
    image, quality = await _load(call, item)
    return await call.service.one_face(image, quality)


async def _faces(call: Call, item: dict[str, Any], max_faces: int) -> tuple[int, list[DetectedFace]]:
    """How many faces an image has, and those that pass its quality_control.

    As Baidu's multi-search doc says, faces that fail are left out; when none passes, the
    largest one's refusal is the answer (UNCONFIRMED for Baidu's cloud).
    """
    image, quality = await _load(call, item)
    faces = await call.service.some_faces(image, max_faces, quality)
    return len(faces), passing(faces, quality)


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
    return {"group_id": match.group_id, "user_id": match.uid, "user_info": match.user_info, "score": match.score}


def _groups(params: dict[str, Any]) -> list[str]:
    return [check_group_id(g, "group_id_list") for g in p.id_list(params, "group_id_list", MAX_GROUPS)]


def _group(params: dict[str, Any], name: str = "group_id") -> str:
    return check_group_id(p.text(params, name), name)


def _uid(params: dict[str, Any]) -> str:
    return check_uid(p.text(params, "user_id"), "user_id")


def _threshold(params: dict[str, Any]) -> int:
    return p.integer(params, "match_threshold", DEFAULT_MATCH_THRESHOLD, 0, 100)


def _paging(params: dict[str, Any]) -> tuple[int, int]:
    return p.integer(params, "start", 0, 0, 10**9), p.integer(params, "length", 100, 1, 1000)


async def detect(call: Call) -> dict[str, Any]:
    """`detect`: faces with box, probability and angles (and landmarks when asked)."""
    params = _object(call)
    fields = {f.strip() for f in p.text(params, "face_field", required=False).split(",") if f.strip()}
    if not fields <= FACE_FIELDS:
        raise ProblemError(Problem.INVALID_PARAM, "face_field")
    max_faces = p.integer(params, "max_face_num", 1, 1, 120)
    # Baidu's SDK lists no quality_control for detect; given one, it works as on multi-search.
    face_num, faces = await _faces(call, params, max_faces)
    face_list = []
    for face in faces:
        body: dict[str, Any] = {
            "face_token": face.face_token,
            "location": _location(face),
            "face_probability": face.probability,
            "angle": {"yaw": face.yaw, "pitch": face.pitch, "roll": face.roll},
        }
        # Only what is measured here is returned: age, beauty, emotion, spoofing... are never invented.
        if "landmark" in fields:
            body["landmark"] = [{"x": pt.x, "y": pt.y} for pt in face.landmarks]
        if "quality" in fields:
            quality = face.quality
            body["quality"] = {
                "occlusion": quality.occlusion.regions(),
                "blur": quality.blur,
                "illumination": quality.illumination,
                "completeness": quality.completeness,
            }
        face_list.append(body)
    return {"face_num": face_num, "face_list": face_list}


async def match(call: Call) -> dict[str, Any]:
    """`match`: the score of two images' largest faces (the body is a JSON array of two)."""
    items = call.params
    if not isinstance(items, list) or len(items) != 2 or not all(isinstance(i, dict) for i in items):
        raise ProblemError(Problem.IMAGE_COUNT, "image")
    first, second = [await _one_face(call, item) for item in items]
    return {
        "score": similarity(first.embedding, second.embedding),
        "face_list": [{"face_token": first.face_token}, {"face_token": second.face_token}],
    }


async def verify(call: Call) -> dict[str, Any]:
    """`search`: with `user_id` the client's verify (1:1), without it 1:N of the largest face."""
    params = _object(call)
    groups = _groups(params)
    uid = _uid(params) if params.get("user_id") else None
    top = p.integer(params, "max_user_num", 1, 1, 50)
    threshold = _threshold(params)
    face = await _one_face(call, params)
    if uid is None:
        matches = call.service.identify(call.app_key, face, groups, top)
    else:
        matches = [call.service.verify(call.app_key, face, groups, uid)]
    matches = [m for m in matches if m.score >= threshold]
    if not matches:
        raise ProblemError(Problem.NO_MATCH, "group_id_list")
    return {"face_token": face.face_token, "user_list": [_user(m) for m in matches]}


async def identify(call: Call) -> dict[str, Any]:
    """`multi-search`: the best users of each face in a frame, at or above match_threshold."""
    params = _object(call)
    groups = _groups(params)
    top = p.integer(params, "max_user_num", 1, 1, 50)
    max_faces = p.integer(params, "max_face_num", 1, 1, 10)
    threshold = _threshold(params)
    face_num, faces = await _faces(call, params, max_faces)
    face_list = []
    for face in faces:
        matches = [m for m in call.service.identify(call.app_key, face, groups, top) if m.score >= threshold]
        face_list.append(
            {"face_token": face.face_token, "location": _location(face), "user_list": [_user(m) for m in matches]}
        )
    if not any(f["user_list"] for f in face_list):
        raise ProblemError(Problem.NO_MATCH, "group_id_list")
    return {"face_num": face_num, "face_list": face_list}


async def _face_of_user(call: Call, modes: frozenset[str], default: str) -> tuple[str, str, str | None, str, Any]:
    params = _object(call)
    group, uid = _group(params), _uid(params)
    user_info = check_user_info(p.text(params, "user_info", required=False)) if "user_info" in params else None
    mode = p.choice(params, "action_type", modes, default)
    face = await _one_face(call, params)
    return group, uid, user_info, mode, face


async def register_user(call: Call) -> dict[str, Any]:
    """`faceset/user/add`: APPEND (default) or REPLACE a user's faces in a group."""
    group, uid, user_info, mode, face = await _face_of_user(call, frozenset({"APPEND", "REPLACE"}), "APPEND")
    call.service.register_user(call.app_key, [group], uid, user_info, face, replace=mode == "REPLACE")
    return {"face_token": face.face_token, "location": _location(face)}


async def update_user(call: Call) -> dict[str, Any]:
    """`faceset/user/update`: UPDATE (the user must exist) or REPLACE (creates it)."""
    group, uid, user_info, mode, face = await _face_of_user(call, frozenset({"UPDATE", "REPLACE"}), "UPDATE")
    call.service.update_user(call.app_key, [group], uid, user_info, face, create=mode == "REPLACE")
    return {"face_token": face.face_token, "location": _location(face)}


async def delete_user(call: Call) -> None:
    """`faceset/user/delete`: a user leaves one group (the client's delete and remove)."""
    params = _object(call)
    call.service.delete_user(call.app_key, _uid(params), [_group(params)])


async def get_user(call: Call) -> dict[str, Any]:
    """`faceset/user/get`: the user's user_info in one group or, with `@ALL`, in each."""
    params = _object(call)
    uid = _uid(params)
    group = p.text(params, "group_id")
    groups = call.service.get_user(call.app_key, uid, None if group == ALL_GROUPS else [check_group_id(group)])
    return {"user_list": [{"user_info": info, "group_id": g} for g, info in groups.items()]}


async def add_user_to_group(call: Call) -> None:
    """`faceset/user/copy`: into an existing group only."""
    params = _object(call)
    uid, source, target = _uid(params), _group(params, "src_group_id"), _group(params, "dst_group_id")
    call.service.add_user_to_group(call.app_key, uid, source, [target], create_groups=False)


async def create_group(call: Call) -> None:
    """`faceset/group/add`."""
    call.service.create_group(call.app_key, _group(_object(call)))


async def delete_group(call: Call) -> None:
    """`faceset/group/delete`."""
    call.service.delete_group(call.app_key, _group(_object(call)))


async def list_groups(call: Call) -> dict[str, Any]:
    """`faceset/group/getlist`."""
    start, length = _paging(_object(call))
    return {"group_id_list": call.service.list_groups(call.app_key, start, length)}


async def list_group_users(call: Call) -> dict[str, Any]:
    """`faceset/group/getusers`: uids only, as on Baidu."""
    params = _object(call)
    start, length = _paging(params)
    users = call.service.list_group_users(call.app_key, _group(params), start, length)
    return {"user_id_list": [uid for uid, _ in users]}


async def list_faces(call: Call) -> dict[str, Any]:
    """`faceset/face/getlist`."""
    params = _object(call)
    faces = call.service.list_faces(call.app_key, _group(params), _uid(params))
    return {"face_list": [{"face_token": f.face_token, "ctime": f.ctime} for f in faces]}


async def delete_face(call: Call) -> None:
    """`faceset/face/delete`."""
    params = _object(call)
    token = p.text(params, "face_token")
    call.service.delete_face(call.app_key, _group(params), _uid(params), token)
