"""How the client's errors reach the user: translated Home Assistant errors, and a camera's problem reasons."""

from __future__ import annotations

from collections.abc import Sequence

from homeassistant.exceptions import HomeAssistantError, ServiceValidationError

from .api import (
    MAX_GROUP_BYTES,
    MAX_GROUPS,
    MAX_MATCH_IMAGES,
    MAX_UID_BYTES,
    MAX_USER_INFO_BYTES,
    MIN_MATCH_IMAGES,
    BaiduFaceAuthenticationError,
    BaiduFaceBadAnswerError,
    BaiduFaceBudgetExhaustedError,
    BaiduFaceConnectionError,
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
    BaiduFaceQualityUnavailableError,
    BaiduFaceQuotaExhaustedError,
    BaiduFaceRateLimitedError,
    BaiduFaceServerBusyError,
    BaiduFaceUserNotFoundError,
)
from .const import DOMAIN
from .usage import resume_text

# Most specific first: the first matching class names the translation. The
# caller's mistakes (refused input, an unknown uid or group, an option this API
# version lacks) are ServiceValidationErrors, HTTP 400 over the REST API.
_TRANSLATIONS: tuple[tuple[type[BaiduFaceError], str, bool], ...] = (
    # The face failed a level; _key names the check (and the covered part).
    (BaiduFaceQualityError, "quality_refused", True),
    (BaiduFaceLivenessError, "liveness_failed", True),
    (BaiduFaceLivenessUnavailableError, "liveness_unavailable", True),
    (BaiduFaceQualityUnavailableError, "quality_unavailable", True),
    (BaiduFaceInvalidImageError, "invalid_image", True),
    (BaiduFaceInvalidInputError, "invalid_input", True),
    (BaiduFaceUserNotFoundError, "user_not_found", True),
    (BaiduFaceGroupNotFoundError, "group_not_found", True),
    (BaiduFaceFaceNotFoundError, "face_not_found", True),
    (BaiduFaceNotSupportedError, "not_supported", True),
    (BaiduFaceNoFaceError, "no_face", False),
    (BaiduFaceAuthenticationError, "auth_failed", False),
    (BaiduFacePermissionError, "no_permission", False),
    (BaiduFaceRateLimitedError, "rate_limited", False),
    # The month's; _key picks the day's (day_budget_spent) by the error's period.
    (BaiduFaceBudgetExhaustedError, "month_budget_spent", False),
    (BaiduFaceQuotaExhaustedError, "quota_exhausted", False),
    (BaiduFaceBadAnswerError, "bad_answer", False),
    (BaiduFaceConnectionError, "cannot_connect", False),
    (BaiduFaceServerBusyError, "server_busy", False),
)
# Input the client refused, by the field it names: each message states the rule.
_INVALID_FIELDS = {
    "uid": "invalid_uid",
    "group_id": "invalid_group_id",
    "groups": "invalid_groups",
    "user_info": "invalid_user_info",
    "max_faces": "invalid_number",
    "top": "invalid_number",
    "start": "invalid_number",
    "length": "invalid_number",
    "images": "invalid_images",
    "attributes": "invalid_attributes",
    "face_token": "invalid_face_token",
    "liveness": "invalid_level",
    "quality": "invalid_level",
}
# A quality refusal, by the one covered part where Baidu or the client named one, else by the check.
_QUALITY_KEYS = {
    "completeness": "quality_incomplete",
    "angle": "quality_angle",
    "blur": "quality_blurred",
    "illumination": "quality_dark",
    "occlusion": "quality_covered",
    "left_eye": "quality_covered_left_eye",
    "right_eye": "quality_covered_right_eye",
    "nose": "quality_covered_nose",
    "mouth": "quality_covered_mouth",
    "left_cheek": "quality_covered_left_cheek",
    "right_cheek": "quality_covered_right_cheek",
    "chin_contour": "quality_covered_chin",
}
_LIMITS = {
    "max_uid_bytes": str(MAX_UID_BYTES),
    "max_group_bytes": str(MAX_GROUP_BYTES),
    "max_groups": str(MAX_GROUPS),
    "max_user_info_bytes": str(MAX_USER_INFO_BYTES),
    "min_images": str(MIN_MATCH_IMAGES),
    "max_images": str(MAX_MATCH_IMAGES),
}
# What a client error no row names (Baidu answered with a code of its own) is called.
_UNNAMED = "baidu_error"
_KEYS = {kind: key for kind, key, _ in _TRANSLATIONS}

# Why a camera's scans fail, as the problem sensor's `reason` (translated there): the camera's
# own failure, or a client error the scan (identify or detect on the camera's frame, in its
# groups) names as the table does; any other is "baidu_error". A spent budget is a spent quota:
# one reason, whichever refused.
REASON_CAMERA = "camera_unavailable"
# Frigate (a camera's source, frigate_source.py): unreachable or failing, or refusing the login or the sub_label.
REASON_FRIGATE = "frigate_unavailable"
REASON_FRIGATE_AUTH = "frigate_auth_failed"
_SCAN_FAILURES: tuple[type[BaiduFaceError], ...] = (
    BaiduFaceConnectionError,
    BaiduFaceServerBusyError,
    BaiduFaceRateLimitedError,
    BaiduFaceQuotaExhaustedError,
    BaiduFaceAuthenticationError,
    BaiduFacePermissionError,
    BaiduFaceInvalidImageError,
    BaiduFaceGroupNotFoundError,
    # The camera asks for liveness and the backend cannot judge it (the local server): never a pass.
    BaiduFaceLivenessUnavailableError,
)
PROBLEM_REASONS = frozenset(
    {REASON_CAMERA, REASON_FRIGATE, REASON_FRIGATE_AUTH, _UNNAMED, *(_KEYS[kind] for kind in _SCAN_FAILURES)}
)

# A refused value may be megabytes long; the message shows its start.
_SHOWN = 64


def _shown(value: str | None) -> str:
    if value is None:
        return ""
    return value if len(value) <= _SHOWN else value[:_SHOWN] + "…"


def _key(err: BaiduFaceError, searched: Sequence[str]) -> tuple[str, bool]:
    """Return the translation key for a client error, and whether it is the caller's mistake."""
    key, callers = next(((k, c) for kind, k, c in _TRANSLATIONS if isinstance(err, kind)), (_UNNAMED, False))
    if err.completed:
        # Half done: the message says what was; whose mistake the rest was stays the cause's.
        return "partial_failure", callers
    if isinstance(err, BaiduFaceQualityError):
        key = _QUALITY_KEYS.get(err.regions[0] if len(err.regions) == 1 else err.check, key)
    elif key == "invalid_input" and err.error_code is None:
        key = _INVALID_FIELDS.get(err.field or "", key)
    elif key == "user_not_found" and not searched:
        key = "user_not_found_anywhere"
    elif isinstance(err, BaiduFaceBudgetExhaustedError):
        key = f"{err.period}_budget_spent"
    return key, callers


def problem_reason(err: BaiduFaceError) -> str:
    """Return the problem sensor's reason for a failed scan."""
    return next((_KEYS[kind] for kind in _SCAN_FAILURES if isinstance(err, kind)), _UNNAMED)


def ha_error(err: BaiduFaceError, action: str, searched: Sequence[str] = ()) -> HomeAssistantError:
    """Return a translated Home Assistant error for a client error, in the terms of `action`.

    `searched` names the groups the action looked in, for "not found" messages
    (none: every group). Secrets never reach the message: the client redacts
    them and gives no value for images.
    """
    key, callers = _key(err, searched)
    placeholders = {
        **_LIMITS,
        "action": action,
        "field": err.field or "",
        "value": _shown(err.value),
        "groups": ", ".join(searched),
        "error": str(err),
        "code": str(err.error_code or ""),
        "completed": ", ".join(err.completed) or "-",
    }
    if isinstance(err, BaiduFaceBudgetExhaustedError):
        placeholders |= {"api": err.api, "resume": resume_text(err.period)}
    kind = ServiceValidationError if callers else HomeAssistantError
    return kind(translation_domain=DOMAIN, translation_key=key, translation_placeholders=placeholders)
