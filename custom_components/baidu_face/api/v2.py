"""The V2 dialect (the seed's API): form bodies, comma lists, several groups per call."""

from __future__ import annotations

import asyncio
import base64
import io
from typing import Any, override

from PIL import Image

from .dialect import EXPRESSIONS, GLASSES, Call, Dialect, labelled
from .exceptions import (
    BaiduFaceNoFaceError,
    BaiduFaceNotSupportedError,
    BaiduFacePermissionError,
    BaiduFaceUserNotFoundError,
)
from .images import FaceToken, PreparedImage, Sendable
from .models import (
    ApiVersion,
    Candidate,
    Capabilities,
    Face,
    FaceBox,
    GroupUser,
    IdentifiedFace,
    MatchScore,
    Membership,
    RegisterResult,
    Result,
    StoredFace,
    User,
    VerifyResult,
)

# The client's attribute names, spelled V2's way; V2 has no emotion.
ATTRIBUTES = {
    "age": "age",
    "beauty": "beauty",
    "expression": "expression",
    "gender": "gender",
    "glasses": "glasses",
    "race": "race",
    "face_shape": "faceshape",
    "landmark": "landmark",
}
MAX_TOP = 5
CAPABILITIES = Capabilities(
    ApiVersion.V2,
    frozenset(ATTRIBUTES),
    MAX_TOP,
    list_faces=False,
    delete_face=False,
    create_group=False,
    delete_group=False,
    face_tokens=False,
)
# multi-identify is refused with "unsupported method" (3) or "no permission" (6)
# where an app or server lacks it: then each face is identified on its own.
MULTI_IDENTIFY_REFUSED = frozenset({3, 6})
# Each face is cut out with this much of its size around it before V2 identifies it.
CROP_MARGIN = 0.6


def _unsupported(what: str, field: str | None = None, value: str | None = None) -> BaiduFaceNotSupportedError:
    return BaiduFaceNotSupportedError(
        f"{what} is not supported by API v2; a V3 app can do it", field=field, value=value
    )


def _picture(image: Sendable) -> PreparedImage:
    """Return the picture to send: V2 knows no face_token, so the caller must send the picture itself."""
    if isinstance(image, FaceToken):
        raise _unsupported("Sending a face_token instead of a picture", field="image")
    return image


class V2(Dialect):
    """Speaks V2 (`/rest/2.0/face/v2/...`) in the client's vocabulary."""

    version = ApiVersion.V2
    capabilities = CAPABILITIES

    def __init__(self, call: Call) -> None:
        """Send through `call` (the transport)."""
        self._call = call
        self._multi_identify: bool | None = None  # unknown until tried

    async def _form(self, operation: str, path: str, form: dict[str, Any]) -> dict[str, Any]:
        return await self._call(operation, f"v2/{path}", {k: str(v) for k, v in form.items()}, form=True)

    @override
    async def probe(self) -> None:
        await self._form("probe", "faceset/group/getlist", {"start": 0, "num": 1})

    @override
    async def detect(self, image: Sendable, max_faces: int, attributes: frozenset[str]) -> list[Face]:
        picture = _picture(image)
        if unsupported := attributes - ATTRIBUTES.keys():
            raise BaiduFaceNotSupportedError(f"API v2 does not return {', '.join(sorted(unsupported))}")
        form = {"image": picture.base64, "max_face_num": max_faces}
        if attributes:
            form["face_fields"] = ",".join(sorted(ATTRIBUTES[a] for a in attributes))
        body = await self._form("detect", "detect", form)
        return [_face(picture, f) for f in body.get("result", [])]

    @override
    async def match(self, images: list[Sendable]) -> list[MatchScore]:
        body = await self._form("match", "match", {"images": ",".join(_picture(i).base64 for i in images)})
        return [MatchScore(r["index_i"], r["index_j"], float(r["score"])) for r in body.get("result", [])]

    @override
    async def identify(self, image: Sendable, groups: list[str], max_faces: int, top: int) -> list[IdentifiedFace]:
        """Each face's best candidates: several faces in one multi-identify call where the app may use it."""
        picture = _picture(image)
        if top > MAX_TOP:
            raise _unsupported(f"more than {MAX_TOP} candidates", field="top", value=str(top))
        if max_faces == 1:
            return await self._identify_one(picture, groups, top, None)
        if self._multi_identify is not False:
            try:
                found = await self._identify_many(picture, groups, max_faces, top)
            except (BaiduFaceNotSupportedError, BaiduFacePermissionError) as err:
                if err.error_code not in MULTI_IDENTIFY_REFUSED:
                    raise
                self._multi_identify = False  # this app or server lacks it: never ask again
            else:
                self._multi_identify = True
                return found
        # V2's identify looks at the largest face only: find every face, then identify each cut out.
        faces = await self.detect(picture, max_faces, frozenset())
        loop = asyncio.get_running_loop()
        found = []
        for face in faces:
            crop = await loop.run_in_executor(None, _crop, picture, face)
            found += await self._identify_one(crop, groups, top, face)
        return found

    async def _identify_many(
        self, image: PreparedImage, groups: list[str], max_faces: int, top: int
    ) -> list[IdentifiedFace]:
        form = {"image": image.base64, "group_id": ",".join(groups), "detect_top_num": max_faces, "user_top_num": top}
        try:
            body = await self._form("identify", "multi-identify", form)
        except BaiduFaceNoFaceError:
            return []
        # One entry per face and candidate: a face is known by its position.
        faces: dict[tuple[Any, ...], tuple[dict[str, Any], list[Candidate]]] = {}
        for entry in body.get("result", []):
            position = entry.get("position") or {}
            key = tuple(position.get(k) for k in ("left", "top", "width", "height"))
            faces.setdefault(key, (position, []))[1].append(_candidate(entry))
        return [
            IdentifiedFace(
                tuple(sorted(candidates, key=lambda c: -c.score)),
                _box(image, position, int(position.get("degree", 0))) if "left" in position else None,
            )
            for position, candidates in faces.values()
        ]

    async def _identify_one(
        self, image: PreparedImage, groups: list[str], top: int, face: Face | None
    ) -> list[IdentifiedFace]:
        form = {"image": image.base64, "group_id": ",".join(groups), "user_top_num": top}
        try:
            body = await self._form("identify", "identify", form)
        except BaiduFaceNoFaceError:
            return []
        candidates = tuple(_candidate(r) for r in body.get("result", []))
        return [IdentifiedFace(candidates, face.box if face else None, face.face_token if face else None)]

    @override
    async def verify(self, image: Sendable, uid: str, groups: list[str]) -> VerifyResult:
        body = await self._form(
            "verify", "verify", {"image": _picture(image).base64, "uid": uid, "group_id": ",".join(groups)}
        )
        return VerifyResult(uid, float(max(body.get("result") or [0])))

    @override
    async def register_user(
        self, uid: str, image: Sendable, groups: list[str], user_info: str, replace: bool
    ) -> RegisterResult:
        # V2 requires user_info; the uid is the natural stand-in for "no info".
        form = {
            "uid": uid,
            "user_info": user_info or uid,
            "group_id": ",".join(groups),
            "image": _picture(image).base64,
        }
        if replace:
            form["action_type"] = "replace"
        body = await self._form("register_user", "faceset/user/add", form)
        return RegisterResult(uid, tuple(groups), body.get("log_id"))

    @override
    async def update_user(
        self, uid: str, image: Sendable, group: str, user_info: str | None, create: bool
    ) -> RegisterResult:
        """Replace the user's faces in a group; the stored user_info is kept when none is given."""
        picture = _picture(image)
        if user_info is None:
            # Baidu's V2 SDK always sends user_info on update: send the stored one.
            user_info = await self._stored_user_info(uid, group, create)
        form = {"uid": uid, "group_id": group, "image": picture.base64, "user_info": user_info}
        if create:
            form["action_type"] = "replace"
        body = await self._form("update_user", "faceset/user/update", form)
        return RegisterResult(uid, (group,), body.get("log_id"))

    async def _stored_user_info(self, uid: str, group: str, create: bool) -> str:
        try:
            user = await self.get_user(uid, None)
            memberships = {m.group_id: m.user_info for m in user.memberships}
        except BaiduFaceUserNotFoundError:
            if not create:
                raise
            memberships = {}
        # A user new to the group takes the info it has elsewhere; a new user, its uid (as register does).
        return memberships.get(group, next(iter(memberships.values()), uid))

    @override
    async def delete_user(self, uid: str, groups: list[str] | None) -> Result:
        form = {"uid": uid}
        if groups:
            form["group_id"] = ",".join(groups)
        body = await self._form("delete_user", "faceset/user/delete", form)
        return Result(body.get("log_id"), tuple(groups or ()))

    @override
    async def get_user(self, uid: str, group: str | None) -> User:
        """Read the user's groups and user_info from either documented shape of the answer."""
        form = {"uid": uid} | ({"group_id": group} if group else {})
        result = (await self._form("get_user", "faceset/user/get", form)).get("result")
        # Baidu documents an object {uid, user_info, groups[]} and a list with one
        # {uid, user_info, group_id} per group; some answers are a list of the object.
        records = result if isinstance(result, list) else [result] if isinstance(result, dict) else []
        memberships: dict[str, str] = {}
        for record in records:
            groups = record.get("groups") or ([record["group_id"]] if "group_id" in record else [])
            for g in groups:
                memberships.setdefault(g, record.get("user_info", ""))
        return User(uid, tuple(Membership(g, info) for g, info in memberships.items()))

    @override
    async def list_groups(self, start: int, length: int) -> list[str]:
        body = await self._form("list_groups", "faceset/group/getlist", {"start": start, "num": length})
        return list(body.get("result", []))

    @override
    async def list_group_users(self, group: str, start: int, length: int) -> list[GroupUser]:
        form = {"group_id": group, "start": start, "num": length}
        body = await self._form("list_group_users", "faceset/group/getusers", form)
        return [GroupUser(u["uid"], u.get("user_info", "")) for u in body.get("result", [])]

    @override
    async def add_user_to_group(self, uid: str, source: str, targets: list[str]) -> Result:
        form = {"uid": uid, "src_group_id": source, "group_id": ",".join(targets)}
        body = await self._form("add_user_to_group", "faceset/group/adduser", form)
        return Result(body.get("log_id"), tuple(targets))

    @override
    async def remove_user_from_group(self, uid: str, group: str) -> Result:
        body = await self._form("remove_user_from_group", "faceset/group/deleteuser", {"uid": uid, "group_id": group})
        return Result(body.get("log_id"), (group,))

    @override
    async def create_group(self, group: str) -> Result:
        raise _unsupported("Creating an empty group")

    @override
    async def delete_group(self, group: str) -> Result:
        raise _unsupported("Deleting a whole group")

    @override
    async def list_faces(self, uid: str, group: str) -> list[StoredFace]:
        raise _unsupported("Listing a user's faces")

    @override
    async def delete_face(self, uid: str, group: str, face_token: str) -> Result:
        raise _unsupported("Deleting one face")


def _box(image: PreparedImage, location: dict[str, Any], rotation: int) -> FaceBox:
    return image.box(location["left"], location["top"], location["width"], location["height"], rotation)


def _candidate(entry: dict[str, Any]) -> Candidate:
    return Candidate(
        entry["uid"], entry["group_id"], entry.get("user_info", ""), float(max(entry.get("scores") or [0]))
    )


def _face(image: PreparedImage, face: dict[str, Any]) -> Face:
    return Face(
        box=_box(image, face["location"], int(face.get("rotation_angle", 0))),
        probability=float(face.get("face_probability", 0)),
        yaw=float(face.get("yaw", 0)),
        pitch=float(face.get("pitch", 0)),
        roll=float(face.get("roll", 0)),
        age=face.get("age"),
        beauty=face.get("beauty"),
        gender=face.get("gender"),
        glasses=labelled(face.get("glasses"), GLASSES),
        expression=labelled(face.get("expression"), EXPRESSIONS),
        race=face.get("race"),
        face_shape=labelled((face.get("faceshape") or [{}])[0], ()),
        landmarks=tuple(image.point(p["x"], p["y"]) for p in face.get("landmark", [])),
    )


def _crop(image: PreparedImage, face: Face) -> PreparedImage:
    """Cut the face out with a margin around it, as its own image (boxes are the caller's pixels)."""
    with Image.open(io.BytesIO(base64.b64decode(image.base64))) as picture:
        s = image.scale
        box = face.box
        margin = max(box.width, box.height) * CROP_MARGIN
        area = (
            max(0, round((box.left - margin) / s)),
            max(0, round((box.top - margin) / s)),
            min(picture.width, round((box.left + box.width + margin) / s)),
            min(picture.height, round((box.top + box.height + margin) / s)),
        )
        out = io.BytesIO()
        picture.convert("RGB").crop(area).save(out, "JPEG", quality=92)
    return PreparedImage(base64.b64encode(out.getvalue()).decode(), area[2] - area[0], area[3] - area[1])
