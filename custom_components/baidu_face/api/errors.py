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
    BaiduFaceNoFaceError,
    BaiduFaceNotSupportedError,
    BaiduFacePermissionError,
    BaiduFaceQuotaExhaustedError,
    BaiduFaceRateLimitedError,
    BaiduFaceServerBusyError,
    BaiduFaceUserNotFoundError,
)

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
}
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
    **dict.fromkeys(range(223113, 223128), "image"),  # quality and liveness refusals
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
    message = str(body.get("error_msg", ""))
    log_id = body.get("log_id") if isinstance(body.get("log_id"), int) else None
    if isinstance(code, int) and code in _BY_CODE:
        kind = _BY_CODE[code]
    elif code in _BUSY:
        kind = BaiduFaceServerBusyError
    else:
        # 2161xx/2220xx parameter errors, quality refusals, "already exists"...
        kind = BaiduFaceInvalidInputError
    error = kind(
        f"{operation} failed: {message} (error {code})",
        error_code=code,
        error_msg=message,
        log_id=log_id,
        completed=completed,
    )
    if isinstance(code, int) and code in _FIELD_BY_CODE:
        error.field = _FIELD_BY_CODE[code]
    elif (param := _PARAM.search(message)) is not None:
        error.field = _FIELD_BY_PARAM.get(param[1])
    return error
