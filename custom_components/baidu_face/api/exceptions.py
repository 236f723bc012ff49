"""Errors by meaning, so callers catch "the keys are wrong", not "code 110"."""

from __future__ import annotations

import re

_TOKEN = re.compile(r"(access_token|client_secret|client_id)=[^&\s'\"]+")


def redact(text: str) -> str:
    """Hide credentials that a URL or message might carry."""
    return _TOKEN.sub(r"\1=**REDACTED**", text)


class BaiduFaceError(Exception):
    """Anything that went wrong talking to Baidu Face.

    `completed` names the parts of a multi-step call (e.g. groups) that did
    succeed before this error, so nothing is silently half-done.
    """

    def __init__(
        self,
        message: str,
        *,
        error_code: int | str | None = None,
        error_msg: str = "",
        log_id: int | None = None,
        completed: tuple[str, ...] = (),
    ) -> None:
        super().__init__(redact(message))
        self.error_code = error_code
        self.error_msg = redact(error_msg)
        self.log_id = log_id
        self.completed = completed


class BaiduFaceConnectionError(BaiduFaceError):
    """The endpoint could not be reached, timed out or answered something that is not Baidu."""


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


class BaiduFaceInvalidInputError(BaiduFaceError):
    """A parameter or image was refused; nothing was changed."""


class BaiduFaceInvalidImageError(BaiduFaceInvalidInputError):
    """The bytes are not an image Baidu can take (not an image, too small)."""


class BaiduFaceNoFaceError(BaiduFaceError):
    """The image has no face in it."""


class BaiduFaceNotFoundError(BaiduFaceError):
    """A user, group or face does not exist."""


class BaiduFaceUserNotFoundError(BaiduFaceNotFoundError):
    pass


class BaiduFaceGroupNotFoundError(BaiduFaceNotFoundError):
    pass


class BaiduFaceFaceNotFoundError(BaiduFaceNotFoundError):
    pass


class BaiduFaceServerBusyError(BaiduFaceError):
    """Baidu reported an internal or busy state; trying later may work."""
