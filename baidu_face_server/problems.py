"""What can go wrong in a face-set operation, independent of the API dialect.

The operations raise a `Problem`; each dialect (V2, V3) turns it into its own
Baidu error code and message, so one semantic rule lives in one place.
"""

from __future__ import annotations

from enum import Enum, auto


class Problem(Enum):
    """A dialect-neutral failure kind."""

    MISSING_PARAM = auto()
    INVALID_PARAM = auto()
    PARAM_TOO_LONG = auto()
    EMPTY_IMAGE = auto()
    IMAGE_FORMAT = auto()
    IMAGE_SIZE = auto()
    IMAGE_DOWNLOAD = auto()
    IMAGE_COUNT = auto()
    NO_FACE = auto()
    FACE_TOKEN_NOT_FOUND = auto()
    USER_NOT_FOUND = auto()
    NO_USER_TO_UPDATE = auto()
    GROUP_NOT_FOUND = auto()
    DST_GROUP_NOT_FOUND = auto()
    GROUP_EXISTS = auto()
    USER_EXISTS = auto()
    FACE_EXISTS = auto()
    FACE_NOT_FOUND = auto()
    TOO_MANY_FACES = auto()
    LAST_GROUP = auto()
    NO_MATCH = auto()
    GROUP_LIST_TOO_LARGE = auto()
    # A face refused by `quality_control` (field: the one region covered, if one).
    INCOMPLETE_FACE = auto()
    FACE_ANGLE = auto()
    BLURRED_FACE = auto()
    DARK_FACE = auto()
    OCCLUDED_FACE = auto()
    # A request asked for liveness, which this server never judges.
    LIVENESS_NOT_JUDGED = auto()
    INTERNAL = auto()


class ProblemError(Exception):
    """An operation failed; `field` names the request parameter at fault, if any."""

    def __init__(self, problem: Problem, field: str = "") -> None:
        """Name the problem and the parameter at fault."""
        super().__init__(f"{problem.name} {field}".strip())
        self.problem = problem
        self.field = field
