"""The V3 dialect: JSON bodies, `result` envelopes, one group per face-set call."""

from __future__ import annotations

from itertools import combinations
from typing import Any, override

from .answers import log_id, number, optional, record, records, text, texts, whole
from .controls import kept, quality_refusal
from .dialect import Call, Dialect, face_from, labelled
from .exceptions import (
    BaiduFaceError,
    BaiduFaceGroupNotFoundError,
    BaiduFaceInvalidInputError,
    BaiduFaceNoFaceError,
    BaiduFaceNotSupportedError,
)
from .images import FaceToken, Sendable
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
    RegisterResult,
    Result,
    StoredFace,
    User,
    VerifyResult,
)

# "match user is not found": nobody scored at least match_threshold.
NO_MATCH = 222207
# Search and multi-search drop candidates below match_threshold (Baidu's
# default: 80). The client asks for every score, so the caller can tell a
# stranger by score and decide "same person" itself (limits.is_same_person).
EVERY_SCORE = 0
# The client's attribute names are V3's own; V3 dropped race.
ATTRIBUTES = frozenset({"age", "beauty", "expression", "gender", "glasses", "emotion", "face_shape", "landmark"})
MAX_TOP = 50  # multi-search's max_user_num
CAPABILITIES = Capabilities(
    ApiVersion.V3,
    ATTRIBUTES,
    MAX_TOP,
    list_faces=True,
    delete_face=True,
    create_group=True,
    delete_group=True,
    face_tokens=True,
    liveness=frozenset({"detect", "identify", "verify", "match", "register_user", "update_user"}),
)


def _image(image: Sendable) -> dict[str, str]:
    if isinstance(image, FaceToken):
        return {"image": str(image), "image_type": "FACE_TOKEN"}
    return {"image": image.base64, "image_type": "BASE64"}


def _controls(controls: Controls, *, quality: bool = True) -> dict[str, str]:
    """Spell the levels as V3 takes them; NONE (Baidu's default) is left out, as the official SDKs leave it.

    `quality` is False for detect, which takes no quality_control: the client
    asks for `quality` there and judges it itself.
    """
    sent = {"liveness_control": controls.liveness}
    if quality:
        sent["quality_control"] = controls.quality
    return {name: level.value.upper() for name, level in sent.items() if level is not ControlLevel.NONE}


def _result(body: dict[str, Any]) -> dict[str, Any]:
    return record(body.get("result") or {})


class V3(Dialect):
    """Speaks V3 (`/rest/2.0/face/v3/...`) in the client's vocabulary."""

    version = ApiVersion.V3
    capabilities = CAPABILITIES

    def __init__(self, call: Call) -> None:
        """Send through `call` (the transport)."""
        self._call = call

    @override
    async def probe(self) -> None:
        await self._call("probe", "v3/faceset/group/getlist", {"start": 0, "length": 1})

    @override
    async def detect(
        self, image: Sendable, max_faces: int, attributes: frozenset[str], controls: Controls
    ) -> Faces[Face]:
        """Faces with the attributes asked for; a quality level asks for `quality` and is judged by the client."""
        if unsupported := attributes - ATTRIBUTES:
            raise BaiduFaceNotSupportedError(f"API v3 does not return {', '.join(sorted(unsupported))}")
        fields = attributes | ({"quality"} if controls.quality is not ControlLevel.NONE else set())
        payload: dict[str, Any] = _image(image) | {"max_face_num": max_faces} | _controls(controls, quality=False)
        if fields:
            payload["face_field"] = ",".join(sorted(fields))
        try:
            body = await self._call("detect", "v3/detect", payload)
        except BaiduFaceNoFaceError:
            return Faces()
        faces = [_face(image, f) for f in records(_result(body).get("face_list"))]
        return kept(quality_refusal(f.quality, controls.quality) or f for f in faces)

    @override
    async def match(self, images: list[Sendable], controls: Controls) -> list[MatchScore]:
        """Each pair scored; a pair with an image without a face scores 0, face_found False."""
        # V3 compares exactly two images, each with its own levels: more are compared pairwise.
        scores = []
        for first, second in combinations(range(len(images)), 2):
            pair = [_image(images[first]) | _controls(controls), _image(images[second]) | _controls(controls)]
            try:
                body = await self._call("match", "v3/match", pair)
            except BaiduFaceNoFaceError:
                scores.append(MatchScore(first, second, 0.0, face_found=False))
                continue
            scores.append(MatchScore(first, second, number(_result(body)["score"])))
        return scores

    @override
    async def identify(
        self, image: Sendable, groups: list[str], max_faces: int, top: int, controls: Controls
    ) -> Faces[IdentifiedFace]:
        """Each face's best candidates (multi-search gives each face's box)."""
        payload = (
            _image(image)
            | {"group_id_list": ",".join(groups), "max_face_num": max_faces, "max_user_num": top}
            | {"match_threshold": EVERY_SCORE}
            | _controls(controls)
        )
        try:
            body = await self._call("identify", "v3/multi-search", payload)
        except BaiduFaceNoFaceError:
            return Faces()
        except BaiduFaceError as err:
            if err.error_code != NO_MATCH:
                raise
            # Nobody in the groups resembles the face: a stranger, not an error.
            # Baidu says so without the faces, so one unknown face stands for them.
            return Faces([IdentifiedFace(())])
        result = _result(body)
        faces = [
            IdentifiedFace(
                tuple(_candidate(u) for u in records(face.get("user_list"))),
                _box(image, record(face["location"])) if "location" in face else None,
                optional(face.get("face_token"), text),
            )
            for face in records(result.get("face_list"))
        ]
        # Under a level, faces that fail it are left out and face_num still counts
        # them (Baidu's doc for quality_control; UNCONFIRMED for its cloud's
        # liveness_control, which may refuse the call instead).
        refused = whole(result.get("face_num", len(faces))) - len(faces) if _controls(controls) else 0
        return Faces(faces, max(refused, 0))

    @override
    async def verify(self, image: Sendable, uid: str, groups: list[str], controls: Controls) -> VerifyResult:
        """How much the face looks like `uid`; a stranger scores low, or 0 when Baidu finds no match."""
        payload = (
            _image(image)
            | {"group_id_list": ",".join(groups), "user_id": uid, "match_threshold": EVERY_SCORE}
            | _controls(controls)
        )
        try:
            body = await self._call("verify", "v3/search", payload)
        except BaiduFaceNoFaceError:
            return VerifyResult(uid, 0.0, face_found=False)
        except BaiduFaceError as err:
            if err.error_code != NO_MATCH:
                raise
            return VerifyResult(uid, 0.0)
        users = records(_result(body).get("user_list"))
        if not users:
            return VerifyResult(uid, 0.0)
        return VerifyResult(uid, number(users[0]["score"]), optional(users[0].get("group_id"), text))

    @override
    async def register_user(
        self, uid: str, image: Sendable, groups: list[str], user_info: str, replace: bool, controls: Controls
    ) -> RegisterResult:
        # One group per call: the first takes the image (and the levels, which judge
        # the face once), the rest reuse its face_token.
        action = "REPLACE" if replace else "APPEND"
        image_fields: dict[str, str] = _image(image) | _controls(controls)
        first: dict[str, Any] = {}
        last_log_id = None
        for done, group in enumerate(groups):
            payload = image_fields | {"group_id": group, "user_id": uid, "user_info": user_info, "action_type": action}
            body = await self._step("register_user", "v3/faceset/user/add", payload, groups[:done])
            last_log_id = log_id(body)
            if not first:
                first = _result(body)
                image_fields = {"image": text(first["face_token"]), "image_type": "FACE_TOKEN"}
        return RegisterResult(
            uid, tuple(groups), last_log_id, text(first["face_token"]), _box(image, record(first["location"]))
        )

    @override
    async def update_user(
        self, uid: str, image: Sendable, group: str, user_info: str | None, create: bool, controls: Controls
    ) -> RegisterResult:
        payload: dict[str, Any] = (
            _image(image)
            | {"group_id": group, "user_id": uid, "action_type": "REPLACE" if create else "UPDATE"}
            | _controls(controls)
        )
        if user_info is not None:
            payload["user_info"] = user_info
        body = await self._call("update_user", "v3/faceset/user/update", payload)
        result = _result(body)
        return RegisterResult(
            uid,
            (group,),
            log_id(body),
            optional(result.get("face_token"), text),
            _box(image, record(result["location"])),
        )

    @override
    async def delete_user(self, uid: str, groups: list[str] | None) -> Result:
        # V3 deletes from one group a call; "every group" is looked up first.
        targets = groups or [m.group_id for m in (await self.get_user(uid, None)).memberships]
        last_log_id = None
        for done, group in enumerate(targets):
            body = await self._step(
                "delete_user", "v3/faceset/user/delete", {"group_id": group, "user_id": uid}, targets[:done]
            )
            last_log_id = log_id(body)
        return Result(last_log_id, tuple(targets))

    @override
    async def get_user(self, uid: str, group: str | None) -> User:
        body = await self._call("get_user", "v3/faceset/user/get", {"user_id": uid, "group_id": group or "@ALL"})
        users = records(_result(body).get("user_list"))
        return User(uid, tuple(Membership(text(u["group_id"]), text(u.get("user_info", ""))) for u in users))

    @override
    async def list_groups(self, start: int, length: int) -> list[str]:
        body = await self._call("list_groups", "v3/faceset/group/getlist", {"start": start, "length": length})
        return texts(_result(body).get("group_id_list"))

    @override
    async def list_group_users(self, group: str, start: int, length: int) -> list[GroupUser]:
        payload = {"group_id": group, "start": start, "length": length}
        body = await self._call("list_group_users", "v3/faceset/group/getusers", payload)
        return [GroupUser(uid) for uid in texts(_result(body).get("user_id_list"))]

    @override
    async def add_user_to_group(self, uid: str, source: str, targets: list[str]) -> Result:
        last_log_id = None
        for done, target in enumerate(targets):
            payload = {"user_id": uid, "src_group_id": source, "dst_group_id": target}
            try:
                body = await self._step("add_user_to_group", "v3/faceset/user/copy", payload, targets[:done])
            except BaiduFaceGroupNotFoundError as err:
                if err.error_code != 223111:  # the target, not the source, is missing
                    raise
                # V2 creates target groups on the fly; V3 needs them made first.
                await self._step("add_user_to_group", "v3/faceset/group/add", {"group_id": target}, targets[:done])
                body = await self._step("add_user_to_group", "v3/faceset/user/copy", payload, targets[:done])
            last_log_id = log_id(body)
        return Result(last_log_id, tuple(targets))

    @override
    async def remove_user_from_group(self, uid: str, group: str) -> Result:
        # Both dialects keep a user in one group at least, as V2 does.
        user = await self.get_user(uid, None)
        if user.groups == (group,):
            raise BaiduFaceInvalidInputError(f"{uid} is only in {group}; delete the user instead", error_code=216619)
        body = await self._call("remove_user_from_group", "v3/faceset/user/delete", {"group_id": group, "user_id": uid})
        return Result(log_id(body), (group,))

    @override
    async def create_group(self, group: str) -> Result:
        body = await self._call("create_group", "v3/faceset/group/add", {"group_id": group})
        return Result(log_id(body), (group,))

    @override
    async def delete_group(self, group: str) -> Result:
        body = await self._call("delete_group", "v3/faceset/group/delete", {"group_id": group})
        return Result(log_id(body), (group,))

    @override
    async def list_faces(self, uid: str, group: str) -> list[StoredFace]:
        body = await self._call("list_faces", "v3/faceset/face/getlist", {"user_id": uid, "group_id": group})
        return [
            StoredFace(text(f["face_token"]), str(f.get("ctime", ""))) for f in records(_result(body).get("face_list"))
        ]

    @override
    async def delete_face(self, uid: str, group: str, face_token: str) -> Result:
        payload = {"user_id": uid, "group_id": group, "face_token": face_token}
        body = await self._call("delete_face", "v3/faceset/face/delete", payload)
        return Result(log_id(body), (group,))

    async def _step(self, operation: str, path: str, payload: Any, completed: list[str]) -> dict[str, Any]:
        """One call of several; a failure says which parts already succeeded."""
        try:
            return await self._call(operation, path, payload)
        except BaiduFaceError as err:
            err.completed = tuple(completed)
            raise


def _box(image: Sendable, location: dict[str, Any]) -> FaceBox:
    return image.box(
        number(location["left"]),
        number(location["top"]),
        number(location["width"]),
        number(location["height"]),
        whole(location.get("rotation", 0)),
    )


def _candidate(user: dict[str, Any]) -> Candidate:
    return Candidate(
        text(user["user_id"]), text(user["group_id"]), text(user.get("user_info", "")), number(user["score"])
    )


def _face(image: Sendable, face: dict[str, Any]) -> Face:
    angle = record(face.get("angle", {}))
    return face_from(
        image,
        face,
        _box(image, record(face["location"])),
        (angle.get("yaw", 0), angle.get("pitch", 0), angle.get("roll", 0)),
        "quality",
        face_token=optional(face.get("face_token"), text),
        gender=labelled(face.get("gender"), ()),
        emotion=labelled(face.get("emotion"), ()),
        race=labelled(face.get("race"), ()),
        face_shape=labelled(face.get("face_shape"), ()),
        # Under liveness_control, the faceverify-style {"livemapscore": 0.98} where
        # the answer has it (UNCONFIRMED for detect: Baidu judges the level either way).
        liveness=optional(face.get("liveness"), lambda live: number(record(live)["livemapscore"])),
    )
