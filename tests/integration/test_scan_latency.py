"""Prints the time from image_processing.scan to baidu_face_recognized (median of 20), in both API versions.

With frames to confirm 1 (one frame) and 2 (a second frame CONFIRM_DELAY after the first).

A figure for the notes, not a timed assertion: machines are shared and noisy.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import pytest
from homeassistant.core import Event, HomeAssistant, callback
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.baidu_face.const import EVENT_RECOGNIZED
from sample_faces.frames import with_noise
from tests.faces import photo

from .conftest import camera_subentry

SCANS = 20


@pytest.mark.parametrize("frames_to_confirm", [1, 2])
async def test_scan_to_event_latency(
    hass: HomeAssistant,
    setup_entry: Callable[..., Awaitable[MockConfigEntry]],
    door_camera: Callable[[str], Awaitable[None]],
    show: Callable[[bytes], Awaitable[None]],
    api_version: str,
    frames_to_confirm: int,
) -> None:
    # No cool-down, and a frame that changes every scan: each scan is sent and announced.
    # No change gate either with two frames: the live camera's pictures differ only by noise.
    change = 1.0 if frames_to_confirm == 1 else 0.0
    camera = camera_subentry("camera.door", cooldown=0, frames_to_confirm=frames_to_confirm, change_threshold=change)
    await setup_entry(api_version, subentries=[camera], qps=50)
    arrived: asyncio.Queue[float] = asyncio.Queue()

    @callback
    def recognised(event: Event) -> None:
        arrived.put_nowait(time.perf_counter())

    hass.bus.async_listen(EVENT_RECOGNIZED, recognised)
    photos = ("probe/obama.jpg", "probe/obama_1080p.jpg")
    # A live camera: a new picture (its sensor noise) every 0.1 s, for the frame that confirms.
    noisy = [with_noise(photo(photos[0]), 2 + shown / 10) for shown in range(20)]

    async def live() -> None:
        for shown in range(10_000):
            await show(noisy[shown % len(noisy)])
            await asyncio.sleep(0.1)

    changer = hass.async_create_background_task(live(), "a live camera") if frames_to_confirm > 1 else None
    latencies = []
    for scan in range(SCANS):
        if changer is None:
            await door_camera(photos[scan % 2])
        start = time.perf_counter()
        await hass.services.async_call(
            "image_processing", "scan", {"entity_id": "image_processing.door_recognised_person"}, blocking=False
        )
        latencies.append(await asyncio.wait_for(arrived.get(), 30) - start)
    if changer is not None:
        changer.cancel()
    await hass.async_block_till_done()
    p90 = statistics.quantiles(latencies, n=10)[-1]
    print(
        f"\n{api_version}, {frames_to_confirm} frame(s) to confirm: scan -> {EVENT_RECOGNIZED}: "
        f"median {statistics.median(latencies) * 1000:.0f} ms, p90 {p90 * 1000:.0f} ms, "
        f"min {min(latencies) * 1000:.0f} ms, max {max(latencies) * 1000:.0f} ms over {SCANS} scans"
    )
    assert len(latencies) == SCANS
