"""Errors by meaning, so callers catch "the keys are wrong", not "code 110"."""

from __future__ import annotations

import re
from typing import Any, override

_TOKEN = re.compile(r"(access_token|client_secret|client_id)=[^&\s'\"]+")


def redact(text: str) -> str:
    """Hide credentials that a URL or message might carry."""
    return _TOKEN.sub(r"\1=**REDACTED**", text)


class BaiduFaceError(Exception):
    """Anything that went wrong talking to Baidu Face.

    `completed` names the parts of a multi-step call (e.g. groups) that did
    succeed before this error, so nothing is silently half-done. `field` names
    the input that was refused or not found, in the client's vocabulary ("uid",
    "group_id", "groups", "user_info", "max_faces", "top", "start", "length",
    "images", "attributes", "face_token", "liveness", "quality" or "image"), and `value` the offending
    value (None for images, and wherever it is not known).
    """

    def __init__(
        self,
        message: str,
        *,
        error_code: int | str | None = None,
        error_msg: str = "",
        log_id: int | None = None,
        completed: tuple[str, ...] = (),
        field: str | None = None,
        value: str | None = None,
    ) -> None:
        """Keep Baidu's code, message and log id beside a message free of secrets."""
        super().__init__(redact(message))
        self.error_code = error_code
        self.error_msg = redact(error_msg)
        self.log_id = log_id
        self.completed = completed
        self.field = field
        self.value = value

    def name(self, field: str, value: str | None) -> None:
        """Say which input this is about, unless a more precise part already did."""
        if self.field is None:
            self.field, self.value = field, value


class BaiduFaceConnectionError(BaiduFaceError):
    """The endpoint could not be reached, timed out or answered something that is not Baidu.

    That includes a call that did not finish within the client's `deadline`,
    and an answer larger than the client reads (a few MiB).
    """


class BaiduFaceBadAnswerError(BaiduFaceConnectionError):
    """The endpoint answered, but not in Baidu's shape: a key missing, a wrong type, a number that is none.

    A connection error because it is one more way of "answering something that
    is not Baidu" (as a body that is not JSON is): not the caller's mistake, and
    trying again later, or another endpoint, is all a caller can do.
    """


class BaiduFaceAuthenticationError(BaiduFaceError):
    """The API key / secret key were refused, or a token could not be renewed."""


class BaiduFacePermissionError(BaiduFaceError):
    """The app may not call this API (error 6: e.g. a V3-only app and the V2 API)."""


class BaiduFaceNotSupportedError(BaiduFaceError):
    """The operation or option does not exist in the API version this app uses."""


class BaiduFaceRateLimitedError(BaiduFaceError):
    """Too many calls a second (error 18), still refused after backing off."""


class BaiduFaceQuotaExhaustedError(BaiduFaceError):
    """The daily or total call quota is spent (errors 17 and 19)."""


class BaiduFaceBudgetExhaustedError(BaiduFaceQuotaExhaustedError):
    """The user's own budget for an API is spent; the call was refused before it was sent.

    `api` names the API whose budget is spent (e.g. "detect") and `period`
    says which budget: "day" or "month".
    """

    @override
    def __init__(self, message: str, *, api: str = "", period: str = "", **kwargs: Any) -> None:
        """Keep which API and which period's budget refused the call."""
        super().__init__(message, **kwargs)
        self.api = api
        self.period = period


class BaiduFaceInvalidInputError(BaiduFaceError):
    """A parameter or image was refused; nothing was changed."""


class BaiduFaceInvalidImageError(BaiduFaceInvalidInputError):
    """The bytes are not an image Baidu can take (not an image, too small); `field` is "image"."""

    @override
    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("field", "image")
        super().__init__(message, **kwargs)


class BaiduFaceQualityError(BaiduFaceInvalidInputError):
    """The face failed the quality level asked for (Baidu's 223113-223127, or the client's own check on V2).

    `check` names the check that failed (models.QualityCheck: completeness,
    angle, blur, illumination, occlusion); for occlusion, `regions` names the
    covered parts (Occlusion's field names) where known, empty when Baidu only
    said "covered". `field` is "image".
    """

    @override
    def __init__(self, message: str, *, check: str, regions: tuple[str, ...] = (), **kwargs: Any) -> None:
        kwargs.setdefault("field", "image")
        super().__init__(message, **kwargs)
        self.check = check
        self.regions = regions


class BaiduFaceLivenessError(BaiduFaceInvalidInputError):
    """The face failed the liveness level asked for (Baidu's 223120, or the client's check on V2).

    `score` is the liveness score where the client compared it itself (V2),
    else None. `field` is "image".
    """

    @override
    def __init__(self, message: str, *, score: float | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("field", "image")
        super().__init__(message, **kwargs)
        self.score = score


class BaiduFaceControlUnavailableError(BaiduFaceNotSupportedError):
    """A control level was asked for but cannot be applied: nothing was judged, so nothing passed.

    `control` is "liveness" or "quality".
    """

    control = ""

    @override
    def __init__(self, message: str, **kwargs: Any) -> None:
        kwargs.setdefault("field", self.control)
        super().__init__(message, **kwargs)


class BaiduFaceLivenessUnavailableError(BaiduFaceControlUnavailableError):
    """The backend does not judge liveness (the local server refuses with 223119 or 216102), or gave no score."""

    control = "liveness"


class BaiduFaceQualityUnavailableError(BaiduFaceControlUnavailableError):
    """Quality was asked for and the answer did not carry it, so the client could not judge it."""

    control = "quality"


class BaiduFaceNoFaceError(BaiduFaceError):
    """The image has no face in it."""


class BaiduFaceNotFoundError(BaiduFaceError):
    """A user, group or face does not exist."""


class BaiduFaceUserNotFoundError(BaiduFaceNotFoundError):
    """The uid is not registered (in the groups asked about)."""


class BaiduFaceGroupNotFoundError(BaiduFaceNotFoundError):
    """A group does not exist (or holds nobody)."""


class BaiduFaceFaceNotFoundError(BaiduFaceNotFoundError):
    """No stored face has that face_token."""


class BaiduFaceServerBusyError(BaiduFaceError):
    """Baidu reported an internal or busy state; trying later may work."""
