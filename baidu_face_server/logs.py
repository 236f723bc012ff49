"""What the server writes to its log about a request: never a secret key, an access token or a face.

aiohttp logs a request it cannot parse at ERROR with a traceback whose message quotes the
request: the first 100 bytes of an over-long request line or header, or the whole of a bad
one. A token request over 8 KB would so put `client_secret=...` in the log. The server's own
loggers and the HTTP server's (HTTP_LOG, given to aiohttp in place of `aiohttp.server`) carry
REDACT, which turns such a record into one line naming only the kind of error, and strips
anything shaped like a credential from every other record and its traceback.
"""

from __future__ import annotations

import logging
import re

from aiohttp.http_exceptions import HttpProcessingError

# key=value and "key": "value" forms of every credential the API carries, and the tokens themselves.
_CREDENTIAL = re.compile(
    r"""(?P<key>client_secret|client_id|access_token|refresh_token|session_key|session_secret)"""
    r"""(?P<sep>['"]?\s*[=:]\s*['"]?)[^&\s'"]*""",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"\b2[45]\.[0-9a-f]{32}\.\S*")
_FORMATTER = logging.Formatter()


def redact(text: str) -> str:
    """Replace every credential in a text by a mark."""
    return _TOKEN.sub("<token>", _CREDENTIAL.sub(r"\g<key>\g<sep><redacted>", text))


class _Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            # The client's mistake, not the server's: a warning, and none of its bytes.
            record.msg, record.args = "refused a request that is not valid HTTP (%s)", (type(error).__name__,)
            record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        else:
            try:
                text = record.getMessage()
            except TypeError, ValueError:  # arguments that do not fit the message: shown apart
                text = f"{record.msg} {record.args}"
            if record.exc_info:
                text = f"{text}\n{_FORMATTER.formatException(record.exc_info)}"
            record.msg, record.args = redact(text), ()
        record.exc_info, record.exc_text = None, None
        return True


REDACT = _Redact()
HTTP_LOG = logging.getLogger("baidu_face_server.http")
HTTP_LOG.addFilter(REDACT)


def redacted_logger(name: str) -> logging.Logger:
    """Return a module's logger, with REDACT on it."""
    logger = logging.getLogger(name)
    if REDACT not in logger.filters:
        logger.addFilter(REDACT)
    return logger
