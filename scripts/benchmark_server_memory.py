"""Print the local server's memory (RSS) before, at its peak during and after a fuzz of bad bodies.

Usage: .venv/bin/python scripts/benchmark_server_memory.py [N] [--concurrency C] [-- server flags]

Starts `python -m baidu_face_server` in a subprocess (as a user runs it), sends N bad
bodies (default 5,000; 4 at a time) over HTTP and prints its resident memory: before, the
peak while the bodies arrive, and after, once they have been answered and 5 s have passed.
The bodies are chosen with a fixed seed from: over-size base64 images, base64 that decodes
to noise, a truncated PNG that claims 4096x4096 pixels, broken and huge JSON, huge forms
(one 8 MB field, or 200,000 small ones), and random bytes, on routes of both dialects.
Every answer must be Baidu-shaped JSON (HTTP 200 with an error code, or 413).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import random
import socket
import struct
import sys
import tempfile
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
SEED = 22
KEY, SECRET = "memory_key", "memory_secret"
MB = 1024 * 1024

type Body = tuple[str, str, bytes]  # path, content type, body


def _png_claiming(width: int, height: int) -> bytes:
    """Return a PNG header for a picture of width x height, with its pixel data cut short."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + header + chunk(b"IDAT", zlib.compress(b"\0" * 100_000)[:5000])


def bodies(rng: random.Random) -> list[Callable[[], Body]]:
    """Makers of each kind of bad body (made when sent, so that N of them are never all in memory)."""

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    return [
        lambda: ("v3/detect", "application/json", b'{"image_type": "BASE64", "image": "' + b"A" * (3 * MB) + b'"}'),
        lambda: (
            "v3/search", "application/json",
            f'{{"image_type": "BASE64", "group_id_list": "g", "image": "{b64(rng.randbytes(MB))}"}}'.encode(),
        ),
        lambda: (
            "v3/multi-search", "application/json",
            f'{{"image_type": "BASE64", "group_id_list": "g", "image": "{b64(_png_claiming(4096, 4096))}"}}'.encode(),
        ),
        lambda: ("v3/faceset/user/add", "application/json", b'{"image": "' + b"A" * MB),
        lambda: ("v3/match", "application/json", b"[" + b'{"image": "x", "image_type": "BASE64"},' * 100_000 + b"1]"),
        lambda: ("v2/identify", "application/x-www-form-urlencoded", b"group_id=g&image=" + b"A" * (8 * MB)),
        lambda: ("v2/detect", "application/x-www-form-urlencoded", b"&".join(b"f%d=1" % i for i in range(200_000))),
        lambda: (rng.choice(["v2/verify", "v3/detect", "v2/match"]), "application/octet-stream", rng.randbytes(65536)),
    ]  # fmt: skip


def rss_mib(pid: int, field: str = "VmRSS") -> float:
    """Return a process's resident memory (or another /proc status field) in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} for process {pid}")


def free_port() -> int:
    """Return a TCP port free on loopback right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def fuzz(url: str, count: int, concurrency: int, pid: int) -> tuple[float, dict[int, int]]:
    """Send `count` bad bodies, `concurrency` at a time; return the peak RSS seen and the answers' codes."""
    rng = random.Random(SEED)  # noqa: S311 (a repeatable fuzz, not a secret)
    makers = bodies(rng)
    codes: dict[int, int] = {}
    peak = rss_mib(pid)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        query = {"grant_type": "client_credentials", "client_id": KEY, "client_secret": SECRET}
        async with session.get(f"{url}/oauth/2.0/token", params=query) as response:
            token = (await response.json())["access_token"]
        queue: asyncio.Queue[int] = asyncio.Queue()
        for n in range(count):
            queue.put_nowait(n)

        async def worker() -> None:
            while not queue.empty():
                queue.get_nowait()
                path, content_type, body = rng.choice(makers)()
                async with session.post(
                    f"{url}/rest/2.0/face/{path}", params={"access_token": token}, data=body,
                    headers={"Content-Type": content_type},
                ) as response:  # fmt: skip
                    answer = await response.json(content_type=None)
                    code = answer.get("error_code", 0) if response.status == 200 else response.status
                    codes[code] = codes.get(code, 0) + 1

        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, rss_mib(pid))
                await asyncio.sleep(0.05)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        sampler.cancel()
    return max(peak, rss_mib(pid, "VmHWM")), codes


async def main(count: int, concurrency: int, flags: list[str]) -> None:
    """Start the server, fuzz it, print the figures."""
    port = free_port()
    with tempfile.TemporaryDirectory() as folder:
        command = [
            sys.executable, "-m", "baidu_face_server", "--port", str(port), "--db", str(Path(folder) / "faces.sqlite3"),
            "--app", f"{KEY}:{SECRET}", *flags,
        ]  # fmt: skip
        server = await asyncio.create_subprocess_exec(
            *command, cwd=ROOT, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
        )
        try:
            url = f"http://127.0.0.1:{port}"
            async with aiohttp.ClientSession() as session:
                for _ in range(600):
                    try:
                        async with session.get(f"{url}/oauth/2.0/token"):
                            break
                    except aiohttp.ClientConnectionError:
                        await asyncio.sleep(0.1)
            before = rss_mib(server.pid)
            started = time.perf_counter()
            peak, codes = await fuzz(url, count, concurrency, server.pid)
            took = time.perf_counter() - started
            await asyncio.sleep(5)
            after = rss_mib(server.pid)
        finally:
            server.terminate()
            await server.wait()
    print(f"{count} bad bodies, {concurrency} at a time, in {took:.0f} s")
    print(f"server RSS MiB: before {before:.0f}, peak {peak:.0f}, after {after:.0f} (+{after - before:.0f})")
    print("answers: " + ", ".join(f"{code}: {n}" for code, n in sorted(codes.items())))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("count", nargs="?", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("flags", nargs="*", help="more server flags (after --)")
    args = parser.parse_args()
    asyncio.run(main(args.count, args.concurrency, args.flags))
