"""Baidu's error codes (both dialects and the platform) mapped to exception types."""

from __future__ import annotations

import re
from typing import Any

from .exceptions import (
    BaiduFaceAuthenticationError,
    BaiduFaceError,
    BaiduFaceFaceNotFoundError,
    BaiduFaceGroupNotFoundError,
    BaiduFaceInvalidImageError,
    BaiduFaceInvalidInputError,
    BaiduFaceLivenessError,
    BaiduFaceLivenessUnavailableError,
    BaiduFaceNoFaceError,
    BaiduFaceNotSupportedError,
    BaiduFacePermissionError,
    BaiduFaceQualityError,
    BaiduFaceQuotaExhaustedError,
    BaiduFaceRateLimitedError,
    BaiduFaceServerBusyError,
    BaiduFaceUserNotFoundError,
)
from .models import QualityCheck

TOKEN_REJECTED = frozenset({110, 111})
QPS_EXCEEDED = 18
# Baidu's own quota answers, by the period they are about: 17 the day's, 19 the
# total (the month's, for the free tiers).
QUOTA_SPENT = {17: "day", 19: "month"}
# Refusals of Baidu's gateway, before the API runs: they do not spend the quota.
# Every other answer (also "no face", "user not found") counts, as does a
# request whose answer never came back: counting it is the safe side.
NOT_COUNTED = frozenset({4, 6, *QUOTA_SPENT, QPS_EXCEEDED, *TOKEN_REJECTED})

_BY_CODE: dict[int, type[BaiduFaceError]] = {
    3: BaiduFaceNotSupportedError,
    4: BaiduFaceRateLimitedError,
    6: BaiduFacePermissionError,
    14: BaiduFaceAuthenticationError,
    17: BaiduFaceQuotaExhaustedError,
    18: BaiduFaceRateLimitedError,
    19: BaiduFaceQuotaExhaustedError,
    100: BaiduFaceAuthenticationError,
    110: BaiduFaceAuthenticationError,
    111: BaiduFaceAuthenticationError,
    # V2
    216102: BaiduFaceNotSupportedError,
    216200: BaiduFaceInvalidImageError,
    216201: BaiduFaceInvalidImageError,
    216202: BaiduFaceInvalidImageError,
    216402: BaiduFaceNoFaceError,
    216611: BaiduFaceUserNotFoundError,
    216612: BaiduFaceUserNotFoundError,
    216618: BaiduFaceGroupNotFoundError,
    # V3
    222201: BaiduFaceNotSupportedError,
    222202: BaiduFaceNoFaceError,
    222203: BaiduFaceInvalidImageError,
    222204: BaiduFaceInvalidImageError,
    222209: BaiduFaceFaceNotFoundError,
    223100: BaiduFaceGroupNotFoundError,
    223103: BaiduFaceUserNotFoundError,
    223106: BaiduFaceFaceNotFoundError,
    223111: BaiduFaceGroupNotFoundError,
    # A liveness control that cannot be applied ("liveness control item error"):
    # the local server's answer to any liveness level.
    223119: BaiduFaceLivenessUnavailableError,
    223120: BaiduFaceLivenessError,  # "liveness check fail"
}
# Baidu documents no code for a face turned too far: the team's choice is 223118,
# which Baidu documents as "quality control error" (UNCONFIRMED).
ANGLE_REFUSED = 223118
# Quality refusals (baidu-quality-liveness.md §2.3): the check that failed, and the covered region.
QUALITY_REFUSALS: dict[int, tuple[QualityCheck, str | None]] = {
    223113: (QualityCheck.OCCLUSION, None),  # "face is covered", which part unsaid
    223114: (QualityCheck.BLUR, None),
    223115: (QualityCheck.ILLUMINATION, None),
    223116: (QualityCheck.COMPLETENESS, None),
    ANGLE_REFUSED: (QualityCheck.ANGLE, None),
    223121: (QualityCheck.OCCLUSION, "left_eye"),
    223122: (QualityCheck.OCCLUSION, "right_eye"),
    223123: (QualityCheck.OCCLUSION, "left_cheek"),
    223124: (QualityCheck.OCCLUSION, "right_cheek"),
    223125: (QualityCheck.OCCLUSION, "chin_contour"),
    223126: (QualityCheck.OCCLUSION, "nose"),
    223127: (QualityCheck.OCCLUSION, "mouth"),
}
# How a backend that does not judge liveness refuses a request asking for it: V3's
# 223119 (above), or V2's 216102 "service not support" (the local server's).
LIVENESS_REFUSED = frozenset({216102, 223119})
# The input a refusal is about, where Baidu's code says it (the client fills in
# the value it sent).
_FIELD_BY_CODE: dict[int, str] = {
    216111: "uid",
    216616: "image",
    222006: "group_id",
    222013: "image",
    222018: "uid",
    223101: "group_id",
    223102: "uid",
    223104: "groups",
    223105: "image",
    # Quality and liveness refusals; 223119 is about the liveness level asked for.
    **dict.fromkeys(set(range(223113, 223128)) - {223119}, "image"),
}
# V3 names the parameter in its message ("param[user_id] format error"): the
# wire names both dialects use, in the client's vocabulary.
_PARAM = re.compile(r"param\[(\w+)\]")
_FIELD_BY_PARAM = {
    "uid": "uid",
    "user_id": "uid",
    "group_id": "group_id",
    "src_group_id": "group_id",
    "dst_group_id": "groups",
    "group_id_list": "groups",
    "user_info": "user_info",
    "image": "image",
    "images": "images",
    "max_face_num": "max_faces",
    "max_user_num": "top",
    "user_top_num": "top",
    "start": "start",
    "length": "length",
    "num": "length",
    "face_field": "attributes",
    "face_fields": "attributes",
    "face_token": "face_token",
}
_BUSY = frozenset({216300, 216400, 216401, 216500, *range(222901, 222917)})


def error_for(body: dict[str, Any], operation: str, completed: tuple[str, ...] = ()) -> BaiduFaceError:
    """Turn one of Baidu's error bodies into the exception for its meaning."""
    code = body.get("error_code")
    if not isinstance(code, int | str) or isinstance(code, bool):
        code = str(code)
    message = str(body.get("error_msg", ""))
    log_id = body.get("log_id") if isinstance(body.get("log_id"), int) else None
    details: dict[str, Any] = {
        "error_code": code,
        "error_msg": message,
        "log_id": log_id,
        "completed": completed,
    }
    text = f"{operation} failed: {message} (error {code})"
    if isinstance(code, int) and code in QUALITY_REFUSALS:
        check, region = QUALITY_REFUSALS[code]
        return BaiduFaceQualityError(text, check=check, regions=(region,) if region else (), **details)
    if isinstance(code, int) and code in _BY_CODE:
        kind = _BY_CODE[code]
    elif code in _BUSY:
        kind = BaiduFaceServerBusyError
    else:
        # 2161xx/2220xx parameter errors, "already exists"...
        kind = BaiduFaceInvalidInputError
    error = kind(text, **details)
    if isinstance(code, int) and code in _FIELD_BY_CODE:
        error.field = _FIELD_BY_CODE[code]
    elif (param := _PARAM.search(message)) is not None:
        error.field = _FIELD_BY_PARAM.get(param[1])
    return error


def liveness_unavailable(err: BaiduFaceError) -> BaiduFaceError:
    """Return the refusal of a request that asked for liveness, as "liveness unavailable" where it is one."""
    if isinstance(err, BaiduFaceLivenessUnavailableError) or err.error_code not in LIVENESS_REFUSED:
        return err
    return BaiduFaceLivenessUnavailableError(
        f"liveness is not judged by this backend: {err.error_msg} (error {err.error_code})",
        error_code=err.error_code,
        error_msg=err.error_msg,
        log_id=err.log_id,
        completed=err.completed,
    )
