"""Reading Baidu's answers: typed values out of JSON, and one rule for answers of the wrong shape.

The adapters read answers with these readers and index them freely; whatever
does not fit (a key missing, a list where an object belongs, "soon" where a
number belongs) raises KeyError, TypeError or ValueError, which `reading`
turns, in one place, into BaiduFaceBadAnswerError: the caller sees one of the
client's errors, never a raw exception.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import fields
from typing import Any

from .exceptions import BaiduFaceBadAnswerError
from .models import Occlusion, Quality

# What a wrong shape raises while it is read (int(inf) is an OverflowError).
_WRONG_SHAPE = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError)
# Another spelling of an occlusion region, as one of Baidu's documents writes it.
_REGION_ALIASES = {"chin_contour": "chin"}


@contextmanager
def reading(what: str) -> Iterator[None]:
    """Read an answer of `what`; a wrong shape becomes BaiduFaceBadAnswerError naming its kind."""
    try:
        yield
    except _WRONG_SHAPE as err:
        # The answer's values stay out of the message: it may hold a token or a person's data.
        raise BaiduFaceBadAnswerError(f"{what}: the answer is not in Baidu's shape ({type(err).__name__})") from err


def text(value: Any) -> str:
    """Return a string of the answer (an id, a token, a label)."""
    if not isinstance(value, str):
        raise TypeError("expected text")
    return value


def number(value: Any) -> float:
    """Return a finite number, also from text ("0.49999", "1.9e-10": V2 sends liveness scores so)."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError("expected a number")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError("expected a finite number")
    return result


def whole(value: Any) -> int:
    """Return a whole number (a rotation, an index); 3.0 is 3, 2.5 is not one."""
    result = number(value)
    if not result.is_integer():
        raise ValueError("expected a whole number")
    return int(result)


def record(value: Any) -> dict[str, Any]:
    """Return a JSON object of the answer."""
    if not isinstance(value, dict):
        raise TypeError("expected an object")
    return value


def records(value: Any) -> list[dict[str, Any]]:
    """Return a list of JSON objects; absent (None) is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return [record(item) for item in value]


def texts(value: Any) -> list[str]:
    """Return a list of strings; absent (None) is an empty list."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return [text(item) for item in value]


def log_id(body: dict[str, Any]) -> int | None:
    """Return Baidu's log id, for support requests; None when there is none or it is not a number."""
    value = body.get("log_id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def optional[T](value: Any, read: Callable[[Any], T]) -> T | None:
    """Return `read(value)`, or None for an absent value."""
    return None if value is None else read(value)


def quality_of(raw: Any, angles: tuple[Any, Any, Any] | None) -> Quality:
    """Read V3's `quality` or V2's `qualities` object; `angles` (yaw, pitch, roll) where the answer has them.

    V2 documents the result also as text holding the object: it is decoded.
    """
    if isinstance(raw, str):
        raw = json.loads(raw)
    found = record(raw)
    occlusion = record(found["occlusion"])
    regions = {}
    for region in (f.name for f in fields(Occlusion)):
        alias = _REGION_ALIASES.get(region, region)
        regions[region] = number(occlusion[region] if region in occlusion else occlusion[alias])
    yaw = pitch = roll = None
    if angles is not None:
        yaw, pitch, roll = (number(a) for a in angles)
    return Quality(
        blur=number(found["blur"]),
        illumination=number(found["illumination"]),
        completeness=number(found["completeness"]),
        occlusion=Occlusion(**regions),
        yaw=yaw,
        pitch=pitch,
        roll=roll,
    )
