"""The Home Assistant add-on's entry: the options set on its Configuration tab become the server's flags.

`python -m baidu_face_server.addon OPTIONS_JSON [SERVER_FLAGS...]`; the Supervisor writes the
options to `/data/options.json` and `run.sh` passes that path. Extra flags follow the options'
(the last one wins), which is how the tests pick a free port. The flags never leave this process:
the server runs in-process, so no process list shows the secret keys.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .__main__ import DIALECTS
from .__main__ import main as serve

# Inside the add-on's container the server always listens here; the port users choose is the
# host port mapped to it (config.yaml `ports`, the add-on's Network settings).
CONTAINER_PORT = 8300
DEFAULT_DATABASE = "/data/faces.sqlite3"
# Optional whole-number options and the server flag each becomes.
NUMBER_FLAGS = {"qps": "--qps", "daily_quota": "--daily-quota", "token_lifetime": "--token-lifetime"}


class OptionsError(Exception):
    """The add-on's options cannot start a server; the message tells the user what to change."""


def server_flags(options: Mapping[str, Any]) -> list[str]:
    """Turn the add-on's options into `python -m baidu_face_server` flags."""
    if not isinstance(options, Mapping):
        raise OptionsError("the options file does not hold an object")
    apps = options.get("apps") or []
    if not apps:
        raise OptionsError("add an app (an API key and a secret key) on the add-on's Configuration tab")
    flags = ["--host", "0.0.0.0", "--port", str(CONTAINER_PORT), "--db", options.get("database") or DEFAULT_DATABASE]  # noqa: S104
    for number, app in enumerate(apps, start=1):
        flags += ["--app", _app_flag(number, app)]
    for option, flag in NUMBER_FLAGS.items():
        if options.get(option) is not None:
            flags += [flag, str(options[option])]
    if options.get("allow_url_images"):
        flags.append("--allow-url-images")
    return flags


def _app_flag(number: int, app: Mapping[str, Any]) -> str:
    key, secret = str(app.get("api_key") or ""), str(app.get("secret_key") or "")
    dialect = app.get("dialect") or "both"
    if not key or not secret:
        raise OptionsError(f"app {number} needs both an API key and a secret key")
    if ":" in key + secret or any(c.isspace() for c in key + secret):
        # The secret itself is never repeated: add-on logs are easy to share.
        raise OptionsError(f"app {number}: keys may not contain ':' or spaces")
    if dialect not in DIALECTS:
        raise OptionsError(f"app {number}: the dialect must be one of {', '.join(DIALECTS)}")
    return f"{key}:{secret}:{dialect}"


def main(argv: list[str] | None = None) -> None:
    """Read the options file and run the server with the flags it gives."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        sys.exit("usage: python -m baidu_face_server.addon OPTIONS_JSON [SERVER_FLAGS...]")
    try:
        options = json.loads(Path(args[0]).read_text(encoding="utf-8"))
        flags = server_flags(options)
    except (OSError, ValueError) as err:
        sys.exit(f"Cannot read the add-on's options ({args[0]}): {err}")
    except OptionsError as err:
        sys.exit(f"The add-on cannot start: {err}.")
    serve(flags + args[1:])


if __name__ == "__main__":
    main()
