"""Print the local server's figures: time per detect/identify per photo, and calibration scores.

Usage: .venv/bin/python scripts/benchmark_server.py [rounds]
       .venv/bin/python scripts/benchmark_server.py --faces [N ...]   (default: 0 10000 100000 300000)
       .venv/bin/python scripts/benchmark_server.py --quality [rounds]

Everything runs over HTTP on loopback, as a client would see it. `--faces` enrols
N synthetic embeddings (one user each) beside the sample photos, straight through
the store, then measures identify on the same photo and the server's peak RSS, each
size in a fresh process, and prints them side by side with the ratio to 0 faces.
`--quality` times detect with and without `face_field=quality` (taking turns, over HTTP),
what measuring a face's quality costs beside the rest of `analyze` (in this process), and
search with `quality_control` NONE and NORMAL on frames with no face (where NORMAL looks
for a face cut off by the frame's edge).
"""

from __future__ import annotations

import asyncio
import base64
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import dlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from baidu_face_server import App, quality, running_server
from baidu_face_server.engine import DetectedFace, Point, _model_dir
from baidu_face_server.images import decode_image_bytes
from baidu_face_server.quality import FaceQuality, Occlusion
from baidu_face_server.server import shared_engine
from baidu_face_server.store import FaceStore
from sample_faces import FOLDER as FACES
from sample_faces.frames import FULL_HD, frame_with
from scripts.benchmark_detection import busy_scene
from scripts.photo_player import doorway_frame

SCALE_SIZES = (0, 10_000, 100_000, 300_000)
SCALE_GROUP = "people"
SCALE_PROBE = FACES / "probe" / "obama.jpg"
SCALE_ROUNDS = 15


type V3Call = Callable[[str, dict[str, Any]], Awaitable[Any]]


async def v3_caller(session: aiohttp.ClientSession, url: str) -> V3Call:
    """Get app "k" a token from the server at `url`; return a function that posts a V3 call with it."""
    query = {"grant_type": "client_credentials", "client_id": "k", "client_secret": "s"}
    async with session.get(f"{url}/oauth/2.0/token", params=query) as response:
        token = (await response.json())["access_token"]

    async def v3(path: str, body: dict[str, Any]) -> Any:
        async with session.post(f"{url}/rest/2.0/face/v3/{path}", params={"access_token": token}, json=body) as answer:
            return await answer.json()

    return v3


async def main(rounds: int) -> None:
    """Print detect and identify times and scores for every probe photo."""
    async with running_server([App("k", "s")]) as server, aiohttp.ClientSession() as session:
        v3 = await v3_caller(session, server.url)

        def image(path: Path) -> dict[str, str]:
            return {"image": base64.b64encode(path.read_bytes()).decode(), "image_type": "BASE64"}

        enrol = sorted((FACES / "enroll").glob("*.jpg"))
        for path in enrol:
            await v3("faceset/user/add", image(path) | {"group_id": "people", "user_id": path.stem.rsplit("_", 1)[0]})
        print(f"{'probe':<34}{'pixels':>11}{'detect ms':>11}{'identify ms':>13}  scores (best first)")
        for path in sorted((FACES / "probe").iterdir()):
            detect, identify = [], []
            result: Any = None
            for _ in range(rounds):
                start = time.perf_counter()
                found = await v3("detect", image(path) | {"max_face_num": 3})
                detect.append(time.perf_counter() - start)
                start = time.perf_counter()
                body = image(path) | {
                    "group_id_list": "people", "max_face_num": 3, "max_user_num": 5, "match_threshold": 0,
                }  # fmt: skip
                result = (await v3("multi-search", body))["result"]
                identify.append(time.perf_counter() - start)
            width = found["result"]["face_list"][0]["location"]["width"]
            scores = " | ".join(
                ", ".join(f"{u['user_id']} {u['score']:.1f}" for u in face["user_list"][:2])
                for face in result["face_list"]
            )
            print(
                f"{path.name:<34}{'':>1}{width:>10.0f}{statistics.median(detect) * 1000:>11.0f}"
                f"{statistics.median(identify) * 1000:>13.0f}  {scores}"
            )
        print(f"(median of {rounds} rounds; 'pixels' is the largest face's box width)")


def enrol_synthetic(db: Path, start: int, stop: int) -> None:
    """Add synthetic faces number start..stop-1 (one user each) to the scale group."""
    rng = np.random.default_rng(start)
    point = Point(0.0, 0.0)
    # Synthetic faces have no pixels to measure; they are only searched through, never checked.
    quality = FaceQuality(0.0, 128, 1, Occlusion(0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    store = FaceStore(db)
    try:
        for first in range(start, stop, 50_000):
            last = min(stop, first + 50_000)
            embeddings = rng.normal(0, 0.09, (last - first, 128))
            store.import_faces(
                "k",
                SCALE_GROUP,
                (
                    (f"s{i}", "", DetectedFace(f"{i:032x}", 0, 0, 1, 1, 0, 1.0, 0, 0, 0, (point,) * 4, e, quality))
                    for i, e in zip(range(first, last), embeddings, strict=True)
                ),
            )
    finally:
        store.close()


def enrol_photos(db: Path) -> None:
    """Enrol the sample photos, so that the probe has its person to find."""
    store = FaceStore(db)
    try:
        for path in sorted((FACES / "enroll").glob("*.jpg")):
            image = decode_image_bytes(path.read_bytes())
            (face,) = shared_engine().analyze(image.pixels, image.data, 1)
            store.import_faces("k", SCALE_GROUP, [(path.stem.rsplit("_", 1)[0], "", face)])
    finally:
        store.close()


def peak_rss_mib() -> float:
    """Return this process's peak RSS (ru_maxrss would count the parent's peak too: Linux keeps it across exec)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def measure(db: Path) -> dict[str, Any]:
    """In this process: start a server on `db`, identify the probe, report times and peak RSS."""
    started = time.perf_counter()
    async with running_server([App("k", "s")], db) as server, aiohttp.ClientSession() as session:
        startup = time.perf_counter() - started
        v3 = await v3_caller(session, server.url)
        body = {
            "image": base64.b64encode(SCALE_PROBE.read_bytes()).decode(), "image_type": "BASE64",
            "group_id_list": SCALE_GROUP, "max_user_num": 1,
        }  # fmt: skip
        times, best = [], ""
        for _ in range(SCALE_ROUNDS):
            begin = time.perf_counter()
            result = (await v3("multi-search", body))["result"]
            times.append(time.perf_counter() - begin)
            user = result["face_list"][0]["user_list"][0]
            best = f"{user['user_id']} {user['score']}"
    peak_mib = peak_rss_mib()
    return {
        "identify_ms": statistics.median(times) * 1000, "rss_mib": peak_mib,
        "startup_s": startup, "best": best,
    }  # fmt: skip


def scale(sizes: list[int]) -> None:
    """Grow one database through the sizes; measure each in a fresh process."""
    sizes = sorted({0, *sizes})
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "faces.sqlite3"
        enrol_photos(db)
        enrolled, rows = 0, []
        for size in sizes:
            enrol_synthetic(db, enrolled, size)
            enrolled = size
            child = subprocess.run(  # noqa: S603 (this very script)
                [sys.executable, __file__, "--measure", str(db)], check=True, capture_output=True, text=True
            )
            rows.append((size, json.loads(child.stdout.strip().splitlines()[-1])))
    base = rows[0][1]
    print(
        f"{'faces':>9}{'identify ms':>13}{'x at 0':>8}{'peak RSS MiB':>14}{'x at 0':>8}{'start-up s':>12}  best match"
    )
    for size, row in rows:
        print(
            f"{size:>9}{row['identify_ms']:>13.1f}{row['identify_ms'] / base['identify_ms']:>8.2f}"
            f"{row['rss_mib']:>14.0f}{row['rss_mib'] / base['rss_mib']:>8.2f}{row['startup_s']:>12.1f}  {row['best']}"
        )
    print(f"(identify: V3 multi-search of {SCALE_PROBE.name}, median of {SCALE_ROUNDS}; one user per synthetic face)")


async def quality_costs(rounds: int) -> None:
    """Print detect with and without quality, the cost of measuring in this process, and search on faceless frames."""
    async with running_server([App("k", "s")]) as server, aiohttp.ClientSession() as session:
        v3 = await v3_caller(session, server.url)

        async def timed(path: str, body: dict[str, Any]) -> float:
            start = time.perf_counter()
            answer = await v3(path, body)
            assert answer["error_code"] in {0, 222202, 222207}, answer
            return time.perf_counter() - start

        print(f"{'probe':<34}{'detect ms':>10}{'+quality ms':>12}{'ratio':>7}")
        totals = [0.0, 0.0]
        for path in sorted((FACES / "probe").iterdir()):
            body = {"image": base64.b64encode(path.read_bytes()).decode(), "image_type": "BASE64", "max_face_num": 3}
            plain, with_quality = [], []
            for _ in range(rounds):
                plain.append(await timed("detect", body))
                with_quality.append(await timed("detect", body | {"face_field": "quality"}))
            medians = statistics.median(plain) * 1000, statistics.median(with_quality) * 1000
            totals = [totals[0] + medians[0], totals[1] + medians[1]]
            print(f"{path.name:<34}{medians[0]:>10.0f}{medians[1]:>12.0f}{medians[1] / medians[0]:>7.2f}")
        print(f"{'all probes':<34}{totals[0]:>10.0f}{totals[1]:>12.0f}{totals[1] / totals[0]:>7.2f}")

        frames = {
            "1080p doorway": doorway_frame(None, FULL_HD), "1080p flat wall": frame_with([])[0],
            "1080p busy scene": busy_scene(FULL_HD),
        }  # fmt: skip
        print(f"\n{'no face in the frame':<34}{'NONE ms':>10}{'NORMAL ms':>12}{'ratio':>7}   (search)")
        for name, frame in frames.items():
            body = {"image": base64.b64encode(frame).decode(), "image_type": "BASE64", "group_id_list": "people"}
            none, normal = [], []
            for _ in range(rounds):
                none.append(await timed("search", body | {"quality_control": "NONE"}))
                normal.append(await timed("search", body | {"quality_control": "NORMAL"}))
            medians = statistics.median(none) * 1000, statistics.median(normal) * 1000
            print(f"{name:<34}{medians[0]:>10.0f}{medians[1]:>12.0f}{medians[1] / medians[0]:>7.2f}")

    engine = shared_engine()
    shapes = dlib.shape_predictor(str(_model_dir() / "shape_predictor_68_face_landmarks.dat"))
    print(f"\n{'in this process':<34}{'analyze ms':>10}{'measure ms':>12}{'share':>7}   (measure: per face)")
    for path in sorted((FACES / "probe").iterdir()):
        image = decode_image_bytes(path.read_bytes())
        analyze, measured = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            engine.analyze(image.pixels, image.data, 3)
            analyze.append(time.perf_counter() - start)
            for rect, _ in engine.locate(image.pixels, 3):
                marks = np.array([(p.x, p.y) for p in shapes(image.pixels, rect).parts()], dtype=np.float64)
                start = time.perf_counter()
                quality.measure(image.pixels, (rect.left(), rect.top(), rect.right(), rect.bottom()), marks)
                measured.append(time.perf_counter() - start)
        a, m = statistics.median(analyze) * 1000, statistics.median(measured) * 1000
        print(f"{path.name:<34}{a:>10.0f}{m:>12.1f}{m / a:>7.1%}")
    print(f"(median of {rounds} rounds, taking turns)")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--quality"]:
        asyncio.run(quality_costs(int(sys.argv[2]) if len(sys.argv) > 2 else 5))
    elif sys.argv[1:2] == ["--faces"]:
        scale([int(n) for n in sys.argv[2:]] or list(SCALE_SIZES))
    elif sys.argv[1:2] == ["--measure"]:
        print(json.dumps(asyncio.run(measure(Path(sys.argv[2])))))
    else:
        asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
