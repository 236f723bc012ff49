"""Print the local server's figures: time per detect/identify per photo, and calibration scores.

Usage: .venv/bin/python scripts/benchmark_server.py [rounds]
Everything runs over HTTP on loopback, as a client would see it.
"""

from __future__ import annotations

import asyncio
import base64
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from baidu_face_server import App, running_server
from sample_faces import FOLDER as FACES


async def main(rounds: int) -> None:
    async with running_server([App("k", "s")]) as server, aiohttp.ClientSession() as session:
        query = {"grant_type": "client_credentials", "client_id": "k", "client_secret": "s"}
        async with session.get(f"{server.url}/oauth/2.0/token", params=query) as response:
            token = (await response.json())["access_token"]

        async def v3(path: str, body: dict[str, Any]) -> Any:
            url = f"{server.url}/rest/2.0/face/v3/{path}"
            async with session.post(url, params={"access_token": token}, json=body) as response:
                return await response.json()

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


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 5))
