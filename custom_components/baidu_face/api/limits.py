"""Baidu Face's defaults, input rules and limits: their one home.

The client checks every input here before a request is made, and the
integration builds its forms and action schemas from the same constants, so a
rule is written once. What differs between V2 and V3 (attributes, `top`, ...)
is not here: ask the client's `capabilities`, which the dialect adapters own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from yarl import URL

from .exceptions import BaiduFaceInvalidInputError
from .models import ControlLevel

DEFAULT_BASE_URL = "https://aip.baidubce.com"
BAIDU_CLOUD_HOST = URL(DEFAULT_BASE_URL).host
DEFAULT_QPS = 2  # Baidu's free tier
# Baidu's own "same person" line: its documentation recommends 80 for search.
DEFAULT_THRESHOLD = 80.0
# \Z, not $: "$" also matches before a trailing newline.
ID_PATTERN = re.compile(r"^[A-Za-z0-9_]+\Z")
FACE_TOKEN_PATTERN = re.compile(r"^[0-9a-f]{32}\Z")
MAX_UID_BYTES = 128
MAX_GROUP_BYTES = 48
MAX_USER_INFO_BYTES = 256
MAX_GROUPS = 10
MAX_FACES = 10
MAX_TOP = 50  # the larger dialect's; `Capabilities.max_top` is the one in use
MAX_PAGE = 1000
MAX_START = 10**9
MAX_MATCH_IMAGES = 10
MIN_MATCH_IMAGES = 2
# Shown in messages in place of an over-long value.
_SHOWN = 64


def is_same_person(score: float, threshold: float = DEFAULT_THRESHOLD) -> bool:
    """Whether a score (0-100) says "the same person" at this threshold."""
    return score >= threshold


def is_baidu_cloud(base_url: str) -> bool:
    """Whether an endpoint is Baidu's cloud: the only backend known to judge liveness (the local server refuses)."""
    try:
        return URL(base_url.strip()).host == BAIDU_CLOUD_HOST
    except ValueError:
        return False


def invalid(field: str, value: object, message: str) -> BaiduFaceInvalidInputError:
    """Make the error for a refused input, naming the field and its value."""
    shown = None if value is None else str(value)
    return BaiduFaceInvalidInputError(message, field=field, value=shown)


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN else value[:_SHOWN] + "…")


def _identifier(value: object, field: str, max_bytes: int, what: str) -> str:
    if not isinstance(value, str):
        raise invalid(field, value, f"{what} must be text, not {type(value).__name__}")
    if not ID_PATTERN.match(value):
        raise invalid(field, value, f"{what} {_shown(value)} may only hold letters, digits and _")
    if len(value.encode()) > max_bytes:
        raise invalid(field, value, f"{what} is longer than {max_bytes} bytes")
    return value


def check_uid(uid: object, field: str = "uid") -> str:
    """Check a uid as Baidu takes it: letters, digits and _, at most MAX_UID_BYTES."""
    return _identifier(uid, field, MAX_UID_BYTES, "uid")


def check_group(group: object, field: str = "group_id") -> str:
    """Check a group id as Baidu takes it: letters, digits and _, at most MAX_GROUP_BYTES."""
    return _identifier(group, field, MAX_GROUP_BYTES, "group id")


def check_groups(groups: Iterable[str] | None, field: str = "groups") -> list[str]:
    """Check one to MAX_GROUPS group ids; duplicates are dropped, the order kept."""
    if groups is None or isinstance(groups, str | bytes) or not isinstance(groups, Iterable):
        raise invalid(field, groups, "groups must be a list of group ids")
    listed = list(groups)
    if not all(isinstance(g, str) for g in listed):
        raise invalid(field, ",".join(map(str, listed)), "groups must be a list of group ids")
    unique = list(dict.fromkeys(listed))
    if not unique:
        raise invalid(field, "", "at least one group is needed")
    if len(unique) > MAX_GROUPS:
        raise invalid(field, ",".join(map(str, unique)), f"at most {MAX_GROUPS} groups at a time")
    return [check_group(g, field) for g in unique]


def check_user_info(user_info: object) -> str:
    """Check free text about a user: at most MAX_USER_INFO_BYTES of UTF-8."""
    if not isinstance(user_info, str):
        raise invalid("user_info", user_info, f"user_info must be text, not {type(user_info).__name__}")
    if len(user_info.encode()) > MAX_USER_INFO_BYTES:
        raise invalid("user_info", user_info, f"user_info is longer than {MAX_USER_INFO_BYTES} bytes (UTF-8)")
    return user_info


def check_range(field: str, value: object, low: int, high: int) -> int:
    """Check a whole number from low to high (a bool is not a number here)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(field, value, f"{field} must be a whole number from {low} to {high}")
    if not low <= value <= high:
        raise invalid(field, value, f"{field} must be from {low} to {high}")
    return value


def check_images(images: object) -> Sequence[object]:
    """Check that `match` is given a list of MIN_MATCH_IMAGES to MAX_MATCH_IMAGES images."""
    if isinstance(images, str | bytes) or not isinstance(images, Sequence):
        raise invalid("images", None, "images must be a list of images")
    check_image_count(len(images))
    return images


def check_image_count(count: int) -> int:
    """Check how many images `match` compares: MIN_MATCH_IMAGES to MAX_MATCH_IMAGES."""
    if not MIN_MATCH_IMAGES <= count <= MAX_MATCH_IMAGES:
        raise invalid("images", None, f"the number of images must be from {MIN_MATCH_IMAGES} to {MAX_MATCH_IMAGES}")
    return count


def check_face_token(face_token: object) -> str:
    """Check a stored face's token: 32 lowercase hex digits."""
    if not isinstance(face_token, str) or not FACE_TOKEN_PATTERN.match(face_token):
        raise invalid("face_token", face_token, "face_token must be 32 hex digits")
    return face_token


def check_attributes(attributes: Iterable[str], supported: frozenset[str]) -> frozenset[str]:
    """Check detect attributes against the names the client knows (`supported`)."""
    if isinstance(attributes, str | bytes) or not isinstance(attributes, Iterable):
        raise invalid("attributes", attributes, "attributes must be a list of names")
    names = list(attributes)
    if not all(isinstance(a, str) for a in names):
        raise invalid("attributes", names, "attributes must be a list of names")
    wanted = frozenset(names)
    if unknown := wanted - supported:
        listed = ", ".join(sorted(unknown))
        raise invalid("attributes", listed, f"unknown attributes: {listed}")
    return wanted


def check_level(level: object, field: str) -> ControlLevel:
    """Check a liveness or quality level: none, low, normal or high (any case)."""
    if isinstance(level, str):
        try:
            return ControlLevel(level.lower())
        except ValueError:
            pass
    raise invalid(field, level, f"{field} must be one of {', '.join(ControlLevel)}")
