"""The cameras' "Last scan" pictures as a test reads them: fetched like a dashboard does, boxes found by colour."""

from __future__ import annotations

import asyncio
import io

import numpy
from PIL import Image

from custom_components.baidu_face.image import DETECTED_COLOUR, KNOWN_COLOUR, UNKNOWN_COLOUR
from scripts.hass_driver import HassClient

# The raw frame of every probe photo has at most about 750 pixels of the boxes' colours
# (obama+biden.jpg), one box with its label about 4,000.
BOXED_PIXELS = 2000


async def last_scan(hass: HassClient, camera: str) -> Image.Image:
    """Return a camera's Last scan picture, fetched through the image proxy as a dashboard does."""
    async with hass.session.get(
        f"{hass.url}/api/image_proxy/image.{camera}_last_scan", headers={"Authorization": f"Bearer {hass.token}"}
    ) as response:
        assert response.status == 200, await response.text()
        image = Image.open(io.BytesIO(await response.read()))
        image.load()
    return image.convert("RGB")


def has_boxes(image: Image.Image) -> bool:
    """Whether boxes are drawn: many pixels of the boxes' colours, which raw doorway frames have few of."""
    pixels = numpy.asarray(image).astype(int)
    near = sum(
        int((numpy.abs(pixels - numpy.array(colour)).max(axis=2) < 30).sum())
        for colour in (KNOWN_COLOUR, UNKNOWN_COLOUR, DETECTED_COLOUR)
    )
    return near > BOXED_PIXELS


async def wait_for_boxes(hass: HassClient, camera: str, seconds: float) -> None:
    """Wait until a camera's Last scan has boxes (a visit with nobody in frame leaves a picture without)."""
    async with asyncio.timeout(seconds):
        while True:
            if await asyncio.to_thread(has_boxes, await last_scan(hass, camera)):
                return
            await asyncio.sleep(1)
