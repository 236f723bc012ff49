"""Reading request parameters with Baidu's parameter errors."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .problems import Problem, ProblemError


def text(params: Mapping[str, Any], name: str, *, required: bool = True, default: str = "") -> str:
    """Read a string parameter; missing is an error when `required`, another type always."""
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise ProblemError(Problem.MISSING_PARAM, name)
        return default
    if not isinstance(value, str):
        raise ProblemError(Problem.INVALID_PARAM, name)
    return value


def integer(params: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    """Read a whole number from `low` to `high` (a string or a number), or the default when absent."""
    value = params.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except TypeError, ValueError:
        raise ProblemError(Problem.INVALID_PARAM, name) from None
    if isinstance(value, bool) or not low <= number <= high:
        raise ProblemError(Problem.INVALID_PARAM, name)
    return number


def id_list(params: Mapping[str, Any], name: str, limit: int, *, required: bool = True) -> list[str]:
    r"""Read a comma-separated list of ids, without blanks or repeats.

    Parts are not stripped: " family" or "family\n" is not `family`, and the id check refuses it.
    """
    items = [item for item in dict.fromkeys(text(params, name, required=required).split(",")) if item]
    if required and not items:
        raise ProblemError(Problem.MISSING_PARAM, name)
    if len(items) > limit:
        raise ProblemError(Problem.GROUP_LIST_TOO_LARGE, name)
    return items


def choice(params: Mapping[str, Any], name: str, options: frozenset[str], default: str) -> str:
    """Read one of `options`, in any case, or the default when absent."""
    value = text(params, name, required=False, default=default).upper()
    if value not in options:
        raise ProblemError(Problem.INVALID_PARAM, name)
    return value
