"""Print the client's figures against the local server on loopback.

- requests per operation in each API version (what a call costs of the quota);
- upload bytes of a 4K camera frame before and after preparation;
- preparing a noisy 4K frame, side by side: the former bound (4096 px, whole
  decode) against today's (1920x1080, JPEG draft decoding);
- the request rate the QPS limiter achieves, and how many calls Baidu refused;
- two clients of one app (same API key): one shared limiter against two;
- the memory a 50 MiB answer costs (the client stops reading at 4 MiB).

Usage: .venv/bin/python scripts/benchmark_client.py
"""

from __future__ import annotations

import asyncio
import io
import statistics
import sys
import time
import tracemalloc
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
from aiohttp import web
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from baidu_face_server import App, running_server
from custom_components.baidu_face.api import BaiduFaceClient, BaiduFaceError, prepare_image
from custom_components.baidu_face.api.images import MAX_SIZE
from sample_faces import FOLDER as FACES


def photo(name: str) -> bytes:
    """Read a sample photo."""
    return (FACES / name).read_bytes()


def operations(c: BaiduFaceClient) -> list[tuple[str, Callable[[], Awaitable[object]]]]:
    """Every operation once, in an order that leaves the face set as it found it."""
    obama, biden, two = photo("enroll/obama_1.jpg"), photo("enroll/biden_1.jpg"), photo("probe/obama+biden.jpg")
    return [
        ("register_user (2 groups)", lambda: c.register_user("obama", obama, ["family", "vip"], user_info="Barack")),
        ("register_user (1 group)", lambda: c.register_user("biden", biden, ["family"])),
        ("detect", lambda: c.detect(two, max_faces=2)),
        ("match (2 images)", lambda: c.match([obama, photo("probe/obama.jpg")])),
        ("match (3 images)", lambda: c.match([obama, biden, photo("probe/obama.jpg")])),
        ("identify (1 face)", lambda: c.identify(photo("probe/obama.jpg"), ["family"])),
        ("identify (2 faces)", lambda: c.identify(two, ["family"], max_faces=2)),
        ("verify", lambda: c.verify(photo("probe/obama.jpg"), "obama", ["family"])),
        ("update_user", lambda: c.update_user("biden", photo("enroll/biden_2.jpg"), "family")),
        ("get_user", lambda: c.get_user("obama")),
        ("list_groups", c.list_groups),
        ("list_group_users", lambda: c.list_group_users("family")),
        ("add_user_to_group (2 new groups)", lambda: c.add_user_to_group("biden", "family", ["work", "club"])),
        ("remove_user_from_group", lambda: c.remove_user_from_group("biden", "work")),
        ("delete_user (all groups)", lambda: c.delete_user("obama")),
    ]


async def requests_per_operation(session: aiohttp.ClientSession, url: str) -> None:
    """Print the requests and time each operation costs in V2 and V3."""
    table: dict[str, dict[str, str]] = {}
    for version in ("v2", "v3"):
        client = BaiduFaceClient(session, "k", "s", base_url=url, api_version=version, qps=50)
        await client.authenticate()
        for name, run in operations(client):
            before = sum(client.call_counts.values())
            start = time.perf_counter()
            await run()
            elapsed = (time.perf_counter() - start) * 1000
            table.setdefault(name, {})[version] = f"{sum(client.call_counts.values()) - before} ({elapsed:.0f} ms)"
        await client.delete_user("biden")
    print(f"{'operation':<36}{'V2 requests (time)':<22}V3 requests (time)")
    for name, row in table.items():
        print(f"{name:<36}{row['v2']:<22}{row['v3']}")


def frame_4k() -> bytes:
    """Make a 4K camera frame from a sample photo."""
    with Image.open(io.BytesIO(photo("probe/obama_1080p.jpg"))) as picture:
        out = io.BytesIO()
        picture.resize((3840, 2160), Image.Resampling.LANCZOS).save(out, "JPEG", quality=95)
        return out.getvalue()


def noisy_frame_4k() -> bytes:
    """Make a 4K camera frame with sensor noise, which compresses badly (as real night frames do)."""
    import numpy as np

    with Image.open(io.BytesIO(photo("probe/obama_1080p.jpg"))) as picture:
        big = np.asarray(picture.convert("RGB").resize((3840, 2160), Image.Resampling.LANCZOS), dtype=np.int16)
    noise = np.random.default_rng(7).normal(0, 12, big.shape).astype(np.int16)
    out = io.BytesIO()
    Image.fromarray(np.clip(big + noise, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=95)
    return out.getvalue()


def preparation_side_by_side(rounds: int = 5) -> None:
    """Print the median time and base64 size of preparing a noisy 4K frame, before and after draft decoding."""
    data = noisy_frame_4k()
    ways = {"before: <= 4096 px, whole decode": (4096, 4096), "after:  <= 1920x1080, draft decode": MAX_SIZE}
    times: dict[str, list[float]] = {label: [] for label in ways}
    sizes: dict[str, int] = {}
    for _ in range(rounds):
        # Alternating, so that a busy moment on a shared machine hits both alike.
        for label, bound in ways.items():
            start = time.perf_counter()
            prepared = prepare_image(data, max_size=bound)
            times[label].append((time.perf_counter() - start) * 1000)
            sizes[label] = prepared.sent_bytes
    print(f"noisy 4K frame (3840x2160 JPEG q95, {len(data):,} bytes), median of {rounds}:")
    medians = {label: statistics.median(t) for label, t in times.items()}
    for label in ways:
        print(f"  {label}: {medians[label]:6.0f} ms, {sizes[label]:>9,} base64 characters sent")
    before, after = medians.values()
    sent_before, sent_after = sizes.values()
    print(f"  after/before: {after / before:.2f} of the time, {sent_after / sent_before:.2f} of the characters")


async def rate(session: aiohttp.ClientSession) -> None:
    """Print the rate one client achieves against a QPS limit of 2."""
    app = App("q", "s", qps=2)
    async with running_server([app]) as server:
        client = BaiduFaceClient(session, "q", "s", base_url=server.url, api_version="v3", qps=2)
        await client.authenticate()
        await asyncio.gather(*(client.list_groups() for _ in range(20)))
    accepted = sorted(app.accepted)
    steady = (len(accepted) - 2) / (accepted[-1] - accepted[0])
    busiest = max(sum(1 for t in accepted if s <= t < s + 1.0) for s in accepted)
    print(
        f"QPS limit 2, 20 concurrent calls: {len(accepted)} accepted, "
        f"{client.call_counts['list_groups'] - 20} refused with 18, steady rate {steady:.2f}/s, "
        f"at most {busiest} in any 1 s window"
    )


async def two_clients(session: aiohttp.ClientSession) -> None:
    """40 calls from two clients of one app (qps 2): keyed apart (as before) and sharing one limiter."""
    for label, hosts in (
        ("keyed apart (2 limiters)", ("localhost", "127.0.0.1")),
        ("shared limiter", ("127.0.0.1",) * 2),
    ):
        app = App("q", "s", qps=2)
        async with running_server([app]) as server:
            port = server.url.rsplit(":", 1)[1]
            clients = [
                BaiduFaceClient(session, "q", "s", base_url=f"http://{host}:{port}", api_version="v3", qps=2)
                for host in hosts
            ]
            start = time.perf_counter()
            outcomes = await asyncio.gather(
                *(c.list_groups() for c in clients for _ in range(20)), return_exceptions=True
            )
            elapsed = time.perf_counter() - start
        sent = sum(c.call_counts["list_groups"] for c in clients)
        failed = sum(isinstance(o, BaiduFaceError) for o in outcomes)
        print(
            f"2 clients of one app, 40 calls at qps 2, {label}: {sent} requests reached the server, "
            f"{sent - len(app.accepted)} refused with 18, {failed} calls failed, {elapsed:.1f} s"
        )


async def oversized_answer(session: aiohttp.ClientSession) -> None:
    """Peak memory of a call that gets a 50 MiB answer."""

    async def huge(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "application/json"})
        await response.prepare(request)
        try:
            for _ in range(200):
                await response.write(b" " * (256 * 1024))
        except ConnectionError:
            pass
        return response

    application = web.Application()
    application.router.add_route("*", "/{tail:.*}", huge)
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    url = f"http://127.0.0.1:{runner.addresses[0][1]}"
    tracemalloc.start()
    try:
        await BaiduFaceClient(session, "k", "s", base_url=url).authenticate()
    except BaiduFaceError as err:
        outcome = str(err)
    _, capped = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    # The server runs in this process too: its buffers count in both figures.
    async with session.get(url) as response:
        whole = len(await response.read())
    _, read_whole = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    await runner.cleanup()
    print(
        f"{whole / 2**20:.0f} MiB answer: read whole {read_whole / 2**20:.1f} MiB peak; "
        f"the client {capped / 2**20:.1f} MiB peak and {outcome!r}"
    )


async def main() -> None:
    """Print every figure."""
    async with running_server([App("k", "s")]) as server, aiohttp.ClientSession() as session:
        await requests_per_operation(session, server.url)
        data = frame_4k()
        start = time.perf_counter()
        prepared = prepare_image(data)
        took = (time.perf_counter() - start) * 1000
        print(
            f"4K frame (3840x2160 JPEG q95): {len(data):,} bytes, base64 {len(data) * 4 // 3:,} -> "
            f"{prepared.sent_bytes:,} base64 bytes sent at 1/{prepared.scale:.2f} scale ({took:.0f} ms to prepare)"
        )
        preparation_side_by_side()
        await rate(session)
        await two_clients(session)
        await oversized_answer(session)


if __name__ == "__main__":
    asyncio.run(main())
