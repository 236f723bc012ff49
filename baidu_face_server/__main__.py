"""`python -m baidu_face_server`: run the local Baidu Face API server."""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import logging
import sys
from pathlib import Path

from aiohttp import web

from .enroll import enroll, report
from .gateway import TOKEN_LIFETIME, App
from .server import SERVING, FaceServer

# glibc's mallopt() parameter, and the size from which it serves a block with mmap (its default).
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024

DIALECTS = {"v2": frozenset({"v2"}), "v3": frozenset({"v3"}), "both": frozenset({"v2", "v3"})}


def parse_app(spec: str) -> App:
    """`KEY:SECRET[:v2|v3|both]` → an App."""
    parts = spec.split(":")
    if len(parts) not in (2, 3) or not all(parts[:2]):
        raise argparse.ArgumentTypeError("expected KEY:SECRET or KEY:SECRET:v2|v3|both")
    dialects = DIALECTS.get(parts[2] if len(parts) == 3 else "both")
    if dialects is None:
        raise argparse.ArgumentTypeError("the dialect must be v2, v3 or both")
    return App(parts[0], parts[1], dialects)


def positive(text: str) -> int:
    """Parse a whole number of 1 or more (argparse type)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def build(argv: list[str] | None = None) -> tuple[FaceServer, argparse.Namespace]:
    """Parse the command line into a server and the options it runs with."""
    parser = argparse.ArgumentParser(prog="python -m baidu_face_server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8300)
    parser.add_argument("--db", default="faces.sqlite3", help="SQLite file holding the face sets")
    parser.add_argument(
        "--app", type=parse_app, action="append", required=True, metavar="KEY:SECRET[:v2|v3|both]",
        help="an app's API key and secret key, and the dialects it may call (repeatable)",
    )  # fmt: skip
    parser.add_argument("--qps", type=positive, help="per-app QPS limit (error 18 beyond it)")
    parser.add_argument("--daily-quota", type=positive, help="per-app calls a day (error 17 beyond it)")
    parser.add_argument("--token-lifetime", type=positive, default=TOKEN_LIFETIME, help="seconds")
    parser.add_argument(
        "--allow-url-images", action="store_true",
        help="accept image_type=URL: the server then fetches public http(s) addresses for its clients (default: off)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    for app in args.app:
        app.qps, app.daily_quota = args.qps, args.daily_quota
    return FaceServer(args.db, args.app, args.token_lifetime, allow_url_images=args.allow_url_images), args


def enroll_command(argv: list[str]) -> int:
    """`enroll DIR --group G`: register a folder of photos; 0 when at least one is in the group afterwards."""
    parser = argparse.ArgumentParser(
        prog="python -m baidu_face_server enroll",
        description="Register every photo in DIR as user <person> of a group, through the server's own V3 API. "
        "Stop a server using the same database first: it would not see the new faces until restarted.",
    )
    parser.add_argument(
        "folder", type=Path, metavar="DIR", help="photos named <person>_<n>.jpg, or a folder with enroll/"
    )
    parser.add_argument("--group", required=True, help="the group to register everyone in")
    parser.add_argument("--db", type=Path, default=Path("faces.sqlite3"), help="the server's SQLite file")
    parser.add_argument(
        "--app", type=parse_app, required=True, metavar="KEY:SECRET",
        help="the app whose face set gets the photos (as given to the server)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        parser.error(f"{args.folder} is not a folder")
    summary = asyncio.run(enroll(args.folder, args.group, args.db, args.app))
    print(report(summary, args.group))
    return 0 if summary.enrolled or summary.already else 1


def keep_big_blocks_apart() -> bool:
    """Pin glibc's mmap threshold, so that the memory of every big block (a body, an image) goes back when freed.

    glibc serves blocks of MMAP_THRESHOLD or more with mmap, which returns them to the system
    when freed; but each such block freed raises the threshold to its size (up to 32 MB), and
    later bodies and images that size then come from the heap, which keeps what it grew to.
    Pinned, 1,000 bad bodies left the server 40 MB bigger instead of 66 MB
    (scripts/benchmark_server_memory.py). It changes the whole process, so only the server's own
    command does it. False where the C library is not glibc.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    return bool(libc.mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))


def main(argv: list[str] | None = None) -> None:
    """Run the server until interrupted, or the `enroll` command."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["enroll"]:
        sys.exit(enroll_command(argv[1:]))
    keep_big_blocks_apart()
    server, args = build(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    web.run_app(server.application(), host=args.host, port=args.port, **SERVING)


if __name__ == "__main__":
    main()
