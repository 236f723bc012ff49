"""Faces cameras see: a door camera's 1080p or 4K frame with a face 60 px wide still has that face found."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from baidu_face_server.engine import SMALLEST_FACE
from sample_faces.frames import BACKGROUND, FULL_HD, UHD_4K, frame_with
from tests.faces import FACES, b64, enrolment_photos, photo

from .conftest import Wire

NO_FACE = 222202  # Baidu's "pic not has face"
SINGLES = [name for names in enrolment_photos().values() for name in names]


async def detect(wire: Wire, image: bytes, max_faces: int = 10) -> list[dict[str, Any]]:
    body = {"image": b64(image), "image_type": "BASE64", "max_face_num": max_faces}
    response = await wire.v3("detect", body)
    if response["error_code"] == NO_FACE:
        return []
    assert response["error_code"] == 0, response
    faces: list[dict[str, Any]] = response["result"]["face_list"]
    return faces


def centre(location: dict[str, float]) -> tuple[float, float]:
    return location["left"] + location["width"] / 2, location["top"] + location["height"] / 2


def inside(point: tuple[float, float], location: dict[str, float]) -> bool:
    x, y = point
    return (
        location["left"] <= x <= location["left"] + location["width"]
        and location["top"] <= y <= location["top"] + location["height"]
    )


def dimmed(frame: bytes, contrast: float) -> bytes:
    """Cut the frame's contrast around the wall's grey, as a dim room does."""
    with Image.open(io.BytesIO(frame)) as image:
        dim = image.point(lambda value: round(BACKGROUND[0] + (value - BACKGROUND[0]) * contrast))
    out = io.BytesIO()
    dim.save(out, "JPEG", quality=90)
    return out.getvalue()


async def assert_found_when_shrunk(
    wire: Wire, name: str, face_px: int, frame_size: tuple[int, int], contrast: float = 1.0
) -> None:
    """Shrink the photo so its smallest face is `face_px` wide; every face must be found where it landed."""
    originals = [face["location"] for face in await detect(wire, photo(name))]
    scale = face_px / min(location["width"] for location in originals)
    frame, (placement,) = frame_with([(FACES / name, scale)], frame_size)
    if contrast != 1.0:
        frame = dimmed(frame, contrast)
    found = [face["location"] for face in await detect(wire, frame)]
    for location in originals:
        landed = placement.point(*centre(location))
        assert any(inside(landed, box) for box in found), (name, landed, found)
    assert len(found) == len(originals), (name, found)


@pytest.mark.parametrize("name", SINGLES)
async def test_a_60_px_face_is_found_in_a_1080p_frame(wire: Wire, name: str) -> None:
    await assert_found_when_shrunk(wire, name, SMALLEST_FACE, FULL_HD)


@pytest.mark.parametrize("name", SINGLES[::4])
async def test_a_60_px_face_is_found_in_a_4k_frame(wire: Wire, name: str) -> None:
    await assert_found_when_shrunk(wire, name, SMALLEST_FACE, UHD_4K)


@pytest.mark.parametrize("name", SINGLES[::4])
async def test_a_dim_60_px_face_on_a_plain_wall_is_found(wire: Wire, name: str) -> None:
    """A face at an eighth of its contrast, as in a dim room, is still proposed and found."""
    await assert_found_when_shrunk(wire, name, SMALLEST_FACE, FULL_HD, contrast=0.12)


@pytest.mark.parametrize("name", SINGLES)
async def test_every_dim_70_px_face_is_found(wire: Wire, name: str) -> None:
    """Where the proposal network would miss a dim face (2 of 9 here), its contrast is raised first."""
    await assert_found_when_shrunk(wire, name, 70, FULL_HD, contrast=0.12)


async def test_two_people_in_a_wide_shot_are_both_found_at_60_px(wire: Wire) -> None:
    await assert_found_when_shrunk(wire, "probe/kit_harington+rose_leslie.jpg", SMALLEST_FACE, FULL_HD)


async def test_a_face_smaller_than_the_smallest_size_is_not_claimed(wire: Wire) -> None:
    """The documented limit is honest: at two thirds of it, nothing is found in a 1080p frame."""
    name = SINGLES[0]
    (location,) = [face["location"] for face in await detect(wire, photo(name))]
    frame, _ = frame_with([(FACES / name, SMALLEST_FACE * 2 / 3 / location["width"])], FULL_HD)
    assert await detect(wire, frame) == []
