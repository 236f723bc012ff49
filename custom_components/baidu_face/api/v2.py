"""The V2 dialect (the seed's API): form bodies, comma lists, several groups per call."""

from __future__ import annotations

import asyncio
import base64
import io
from dataclasses import replace
from itertools import combinations
from typing import Any, override

from PIL import Image

from .answers import log_id, number, optional, quality_of, record, records, text, texts, whole
from .controls import kept, liveness_refusal, quality_refusal
from .dialect import Call, Dialect, face_from, labelled
from .exceptions import (
    BaiduFaceError,
    BaiduFaceLivenessError,
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
    ControlLevel,
    Controls,
    Face,
    FaceBox,
    Faces,
    GroupUser,
    IdentifiedFace,
    MatchScore,
    Membership,
    Quality,
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
# What V2 asks for to judge the levels: `qualities` (detect's face_fields, match's
# ext_fields) and `faceliveness` (identify's and verify's ext_fields, match's image_liveness).
QUALITIES = "qualities"
FACELIVENESS = "faceliveness"
ANGLES = ("yaw", "pitch", "roll")
CAPABILITIES = Capabilities(
    ApiVersion.V2,
    frozenset(ATTRIBUTES),
    MAX_TOP,
    list_faces=False,
    delete_face=False,
    create_group=False,
    delete_group=False,
    face_tokens=False,
    liveness=frozenset({"identify", "verify", "match"}),
    quality_costs_detect=True,
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
    async def detect(
        self, image: Sendable, max_faces: int, attributes: frozenset[str], controls: Controls
    ) -> Faces[Face]:
        _no_liveness("detect", controls)
        if unsupported := attributes - ATTRIBUTES.keys():
            raise BaiduFaceNotSupportedError(f"API v2 does not return {', '.join(sorted(unsupported))}")
        return await self._detect(_picture(image), max_faces, attributes, controls.quality)

    async def _detect(
        self, picture: PreparedImage, max_faces: int, attributes: frozenset[str], quality: ControlLevel
    ) -> Faces[Face]:
        """Find faces, with their `qualities` when a level asks for them: those that fail it are left out."""
        fields = {ATTRIBUTES[a] for a in attributes} | ({QUALITIES} if quality is not ControlLevel.NONE else set())
        form = {"image": picture.base64, "max_face_num": max_faces}
        if fields:
            form["face_fields"] = ",".join(sorted(fields))
        body = await self._form("detect", "detect", form)
        faces = [_face(picture, f) for f in records(body.get("result"))]
        return kept(quality_refusal(f.quality, quality) or f for f in faces)

    async def _largest(self, picture: PreparedImage, quality: ControlLevel) -> Face | None:
        """Measure the largest face's quality (one detect call: V2 cannot ask for it in identify, verify or add).

        Returns None for a picture without a face; raises the refusal of a face that fails.
        """
        faces = await self._detect(picture, 1, frozenset(), quality)
        return faces[0] if faces else None

    @override
    async def match(self, images: list[Sendable], controls: Controls) -> list[MatchScore]:
        pictures = [_picture(i) for i in images]
        form = {"images": ",".join(p.base64 for p in pictures)}
        if controls.quality is not ControlLevel.NONE:
            form["ext_fields"] = QUALITIES
        if controls.liveness is not ControlLevel.NONE:
            # One entry per image, in order: every image is checked.
            form["image_liveness"] = ",".join([FACELIVENESS] * len(pictures))
        try:
            body = await self._form("match", "match", form)
        except BaiduFaceNoFaceError:
            # V2 does not say which image has no face, so every pair says so.
            return [MatchScore(i, j, 0.0, face_found=False) for i, j in combinations(range(len(pictures)), 2)]
        qualities = _ext_qualities(body.get("ext_info"), controls.quality, len(pictures))
        scores = _ext_liveness(body.get("ext_info"), controls.liveness, len(pictures))
        for measured, score in zip(qualities, scores, strict=True):
            if refusal := quality_refusal(measured, controls.quality) or liveness_refusal(score, controls.liveness):
                raise refusal
        pairs = []
        for entry in records(body.get("result")):
            i, j = whole(entry["index_i"]), whole(entry["index_j"])
            if not (0 <= i < len(pictures) and 0 <= j < len(pictures)):
                raise IndexError("a pair of images that were not sent")
            quality, liveness = (qualities[i], qualities[j]), (scores[i], scores[j])
            pairs.append(MatchScore(i, j, number(entry["score"]), quality=quality, liveness=liveness))
        return pairs

    @override
    async def identify(
        self, image: Sendable, groups: list[str], max_faces: int, top: int, controls: Controls
    ) -> Faces[IdentifiedFace]:
        """Each face's best candidates and box: every face in one multi-identify call where the app may use it.

        One face too is asked of multi-identify (detect_top_num 1: the largest),
        whose answer says where the face is, where identify's does not: the
        same one call, and the face can be cropped and kept. Where the app may
        not use multi-identify, one face costs one identify call, without a box.
        A quality level costs one detect call first (V2's identify cannot ask
        for quality); liveness on several faces identifies each face on its
        own, cut out (V2 judges liveness only of a face that fills a third of
        the picture): one call per face.
        """
        picture = _picture(image)
        if top > MAX_TOP:
            raise _unsupported(f"more than {MAX_TOP} candidates", field="top", value=str(top))
        one_call = controls.liveness is ControlLevel.NONE
        if controls.quality is ControlLevel.NONE:
            if one_call and (found := await self._identify_many(picture, groups, max_faces, top)) is not None:
                return Faces(found)
            if max_faces == 1:
                return Faces(await self._identify_one(picture, groups, top, None, controls.liveness))
        faces = await self._detect(picture, max_faces, frozenset(), controls.quality)
        if not faces:
            return Faces()
        if max_faces == 1:
            # Identify looks at the largest face of the picture: the one detect measured.
            return Faces(await self._identify_one(picture, groups, top, faces[0], controls.liveness))
        if one_call and (found := await self._identify_many(picture, groups, max_faces, top)) is not None:
            return _measured(found, faces)
        return await self._identify_each(picture, groups, top, faces, controls.liveness)

    async def _identify_many(
        self, image: PreparedImage, groups: list[str], max_faces: int, top: int
    ) -> list[IdentifiedFace] | None:
        """Identify every face in one multi-identify call; None where the app or server lacks it (never asked again)."""
        if self._multi_identify is False:
            return None
        form = {"image": image.base64, "group_id": ",".join(groups), "detect_top_num": max_faces, "user_top_num": top}
        try:
            body = await self._form("identify", "multi-identify", form)
        except BaiduFaceNoFaceError:
            self._multi_identify = True
            return []
        except (BaiduFaceNotSupportedError, BaiduFacePermissionError) as err:
            if err.error_code not in MULTI_IDENTIFY_REFUSED:
                raise
            self._multi_identify = False
            return None
        self._multi_identify = True
        # One entry per face and candidate: a face is known by its position.
        faces: dict[tuple[Any, ...], tuple[dict[str, Any], list[Candidate]]] = {}
        for entry in records(body.get("result")):
            position = record(entry.get("position") or {})
            key = tuple(position.get(k) for k in ("left", "top", "width", "height"))
            faces.setdefault(key, (position, []))[1].append(_candidate(entry))
        return [
            IdentifiedFace(
                tuple(sorted(candidates, key=lambda c: -c.score)),
                _box(image, position, whole(position.get("degree", 0))) if "left" in position else None,
            )
            for position, candidates in faces.values()
        ]

    async def _identify_each(
        self, picture: PreparedImage, groups: list[str], top: int, faces: Faces[Face], liveness: ControlLevel
    ) -> Faces[IdentifiedFace]:
        """Identify each face cut out on its own (V2's identify looks at the largest face only)."""
        loop = asyncio.get_running_loop()
        judged: list[IdentifiedFace | BaiduFaceError] = []
        for face in faces:
            crop = await loop.run_in_executor(None, _crop, picture, face)
            try:
                judged += await self._identify_one(crop, groups, top, face, liveness)
            except BaiduFaceLivenessError as refusal:
                judged.append(refusal)
        return kept(judged, faces.refused)

    async def _identify_one(
        self, image: PreparedImage, groups: list[str], top: int, face: Face | None, liveness: ControlLevel
    ) -> list[IdentifiedFace]:
        form = {"image": image.base64, "group_id": ",".join(groups), "user_top_num": top}
        if liveness is not ControlLevel.NONE:
            form["ext_fields"] = FACELIVENESS
        try:
            body = await self._form("identify", "identify", form)
        except BaiduFaceNoFaceError:
            return []
        (score,) = _ext_liveness(body.get("ext_info"), liveness, 1)
        if refusal := liveness_refusal(score, liveness):
            raise refusal
        candidates = tuple(_candidate(r) for r in records(body.get("result")))
        if face is None:
            return [IdentifiedFace(candidates, liveness=score)]
        return [IdentifiedFace(candidates, face.box, face.face_token, face.quality, score)]

    @override
    async def verify(self, image: Sendable, uid: str, groups: list[str], controls: Controls) -> VerifyResult:
        """How much the face looks like `uid`; a quality level costs one detect call first."""
        picture = _picture(image)
        face = None
        if (
            controls.quality is not ControlLevel.NONE
            and (face := await self._largest(picture, controls.quality)) is None
        ):
            return VerifyResult(uid, 0.0, face_found=False)
        form = {"image": picture.base64, "uid": uid, "group_id": ",".join(groups)}
        if controls.liveness is not ControlLevel.NONE:
            form["ext_fields"] = FACELIVENESS
        try:
            body = await self._form("verify", "verify", form)
        except BaiduFaceNoFaceError:
            return VerifyResult(uid, 0.0, face_found=False)
        (score,) = _ext_liveness(body.get("ext_info"), controls.liveness, 1)
        if refusal := liveness_refusal(score, controls.liveness):
            raise refusal
        best = max((number(s) for s in body.get("result") or []), default=0.0)
        return VerifyResult(uid, best, quality=face.quality if face else None, liveness=score)

    async def _measured_largest(self, operation: str, picture: PreparedImage, controls: Controls) -> Face | None:
        """Measure the largest face before a registration under a quality level; no face refuses it."""
        _no_liveness(operation, controls)
        if controls.quality is ControlLevel.NONE:
            return None
        face = await self._largest(picture, controls.quality)
        if face is None:
            raise BaiduFaceNoFaceError(f"{operation} failed: there is no face in the image", field="image")
        return face

    @override
    async def register_user(
        self, uid: str, image: Sendable, groups: list[str], user_info: str, replace: bool, controls: Controls
    ) -> RegisterResult:
        """Add the face; a quality level costs one detect call first."""
        picture = _picture(image)
        face = await self._measured_largest("register_user", picture, controls)
        # V2 requires user_info; the uid is the natural stand-in for "no info".
        form = {"uid": uid, "user_info": user_info or uid, "group_id": ",".join(groups), "image": picture.base64}
        if replace:
            form["action_type"] = "replace"
        body = await self._form("register_user", "faceset/user/add", form)
        return RegisterResult(uid, tuple(groups), log_id(body), quality=face.quality if face else None)

    @override
    async def update_user(
        self, uid: str, image: Sendable, group: str, user_info: str | None, create: bool, controls: Controls
    ) -> RegisterResult:
        """Replace the user's faces in a group; the stored user_info is kept when none is given.

        A quality level costs one detect call first.
        """
        picture = _picture(image)
        face = await self._measured_largest("update_user", picture, controls)
        if user_info is None:
            # Baidu's V2 SDK always sends user_info on update: send the stored one.
            user_info = await self._stored_user_info(uid, group, create)
        form = {"uid": uid, "group_id": group, "image": picture.base64, "user_info": user_info}
        if create:
            form["action_type"] = "replace"
        body = await self._form("update_user", "faceset/user/update", form)
        return RegisterResult(uid, (group,), log_id(body), quality=face.quality if face else None)

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
        return Result(log_id(body), tuple(groups or ()))

    @override
    async def get_user(self, uid: str, group: str | None) -> User:
        """Read the user's groups and user_info from either documented shape of the answer."""
        form = {"uid": uid} | ({"group_id": group} if group else {})
        result = (await self._form("get_user", "faceset/user/get", form)).get("result")
        # Baidu documents an object {uid, user_info, groups[]} and a list with one
        # {uid, user_info, group_id} per group; some answers are a list of the object.
        memberships: dict[str, str] = {}
        for entry in records([result] if isinstance(result, dict) else result):
            groups = texts(entry.get("groups")) or ([text(entry["group_id"])] if "group_id" in entry else [])
            for g in groups:
                memberships.setdefault(g, text(entry.get("user_info", "")))
        return User(uid, tuple(Membership(g, info) for g, info in memberships.items()))

    @override
    async def list_groups(self, start: int, length: int) -> list[str]:
        body = await self._form("list_groups", "faceset/group/getlist", {"start": start, "num": length})
        return texts(body.get("result"))

    @override
    async def list_group_users(self, group: str, start: int, length: int) -> list[GroupUser]:
        form = {"group_id": group, "start": start, "num": length}
        body = await self._form("list_group_users", "faceset/group/getusers", form)
        return [GroupUser(text(u["uid"]), text(u.get("user_info", ""))) for u in records(body.get("result"))]

    @override
    async def add_user_to_group(self, uid: str, source: str, targets: list[str]) -> Result:
        form = {"uid": uid, "src_group_id": source, "group_id": ",".join(targets)}
        body = await self._form("add_user_to_group", "faceset/group/adduser", form)
        return Result(log_id(body), tuple(targets))

    @override
    async def remove_user_from_group(self, uid: str, group: str) -> Result:
        body = await self._form("remove_user_from_group", "faceset/group/deleteuser", {"uid": uid, "group_id": group})
        return Result(log_id(body), (group,))

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


def _no_liveness(operation: str, controls: Controls) -> None:
    if controls.liveness is not ControlLevel.NONE:
        raise _unsupported(f"Judging liveness on {operation}", field="liveness", value=controls.liveness.value)


def _ext(ext_info: Any, key: str) -> list[Any]:
    """Return every value of `key` in V2's `ext_info`, documented as an array of objects and seen as one object."""
    return [entry[key] for entry in records([ext_info] if isinstance(ext_info, dict) else ext_info) if key in entry]


def _ext_liveness(ext_info: Any, level: ControlLevel, images: int) -> list[float | None]:
    """Read each image's `faceliveness` score, in order (None: not asked, or not given).

    Scores come as text, in scientific notation too ("1.9e-10"); for match,
    one per image joined by commas (UNCONFIRMED: Baidu documents no
    delimiter; a list of values or of objects is read the same way).
    """
    if level is ControlLevel.NONE:
        return [None] * images
    scores: list[float | None] = []
    for value in _ext(ext_info, FACELIVENESS):
        parts = value.split(",") if isinstance(value, str) else value if isinstance(value, list) else [value]
        scores += [number(part) if part != "" else None for part in parts]
    return (scores + [None] * images)[:images]


def _ext_qualities(ext_info: Any, level: ControlLevel, images: int) -> list[Quality | None]:
    """Read each image's `qualities` from match's `ext_info`, in order (None: not asked, or not given).

    UNCONFIRMED: Baidu documents `qualities` there only as "quality information";
    read as detect's `qualities` object (also as text holding it), one per image,
    listed or in one entry each, with the face's yaw, pitch and roll where given.
    """
    if level is ControlLevel.NONE:
        return [None] * images
    found: list[Quality | None] = []
    for value in _ext(ext_info, QUALITIES):
        for item in value if isinstance(value, list) else [value]:
            angles = tuple(item[a] for a in ANGLES) if isinstance(item, dict) and set(ANGLES) <= item.keys() else None
            found.append(quality_of(item, angles))
    return (found + [None] * images)[:images]


def _measured(identified: list[IdentifiedFace], faces: Faces[Face]) -> Faces[IdentifiedFace]:
    """Keep the faces multi-identify found where a measured face that passed is, with its quality.

    The others are the faces refused for quality (counted already), or faces
    detect did not find and so never judged: refused too, never passed unjudged.
    """
    kept_faces = []
    for found in identified:
        measured = next((f for f in faces if found.box is not None and _inside(found.box, f.box)), None)
        if measured is not None:
            kept_faces.append(replace(found, quality=measured.quality))
    return Faces(kept_faces, max(faces.refused, len(identified) - len(kept_faces)))


def _inside(box: FaceBox, around: FaceBox) -> bool:
    """Whether `box`'s centre lies in `around`: the same face, found by two calls."""
    x, y = box.left + box.width / 2, box.top + box.height / 2
    return around.left <= x <= around.left + around.width and around.top <= y <= around.top + around.height


def _box(image: PreparedImage, location: dict[str, Any], rotation: int) -> FaceBox:
    return image.box(
        number(location["left"]), number(location["top"]), number(location["width"]), number(location["height"]),
        rotation,
    )  # fmt: skip


def _candidate(entry: dict[str, Any]) -> Candidate:
    scores = [number(s) for s in entry.get("scores") or []]
    return Candidate(
        text(entry["uid"]), text(entry["group_id"]), text(entry.get("user_info", "")), max(scores, default=0.0)
    )


def _face(image: PreparedImage, face: dict[str, Any]) -> Face:
    return face_from(
        image,
        face,
        _box(image, record(face["location"]), whole(face.get("rotation_angle", 0))),
        (face.get("yaw", 0), face.get("pitch", 0), face.get("roll", 0)),
        QUALITIES,
        gender=optional(face.get("gender"), text),
        race=optional(face.get("race"), text),
        face_shape=labelled((face.get("faceshape") or [{}])[0], ()),
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
