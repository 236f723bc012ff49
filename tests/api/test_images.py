"""Frames sent within Baidu's limits: draft-decoded when too large, untouched when they fit."""

from __future__ import annotations

import base64
import io

from PIL import Image

from custom_components.baidu_face.api import BaiduFaceClient, prepare_image
from custom_components.baidu_face.api.images import EXIF_ORIENTATION, MAX_SIZE
from sample_faces import FOLDER as FACES
from scripts.benchmark_client import noisy_frame_4k


def photo(name: str) -> bytes:
    return (FACES / name).read_bytes()


def jpeg(picture: Image.Image, **options: object) -> bytes:
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=95, **options)
    return out.getvalue()


def sent_size(data: str) -> tuple[int, int]:
    with Image.open(io.BytesIO(base64.b64decode(data))) as sent:
        return sent.size


def test_a_frame_that_fits_is_sent_as_it_is() -> None:
    data = photo("probe/obama_1080p.jpg")
    prepared = prepare_image(data)
    assert prepared.base64 == base64.b64encode(data).decode()
    assert prepared.scale == 1.0


def test_a_portrait_frame_fits_the_other_way_round() -> None:
    with Image.open(io.BytesIO(photo("probe/obama_1080p.jpg"))) as picture:
        data = jpeg(picture.rotate(90, expand=True))
    assert prepare_image(data).base64 == base64.b64encode(data).decode()


async def test_a_noisy_4k_frame_is_sent_at_1080p_and_faces_map_back(client: BaiduFaceClient) -> None:
    data = noisy_frame_4k()
    prepared = prepare_image(data)
    assert sent_size(prepared.base64) == MAX_SIZE
    assert (prepared.width, prepared.height, prepared.scale) == (3840, 2160, 2.0)
    (at_4k,) = await client.detect(data)
    (at_1080p,) = await client.detect(photo("probe/obama_1080p.jpg"))
    # The same face, in the 4K frame's pixels: twice the 1080p box, give or take a few pixels.
    assert abs(at_4k.box.left - 2 * at_1080p.box.left) < 12
    assert abs(at_4k.box.width - 2 * at_1080p.box.width) < 12


async def test_a_sideways_4k_phone_photo_is_turned_upright_and_downscaled(client: BaiduFaceClient) -> None:
    with Image.open(io.BytesIO(photo("probe/obama_1080p.jpg"))) as picture:
        upright = picture.convert("RGB").resize((3840, 2160))
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6  # rotate 90° clockwise to display
    data = jpeg(upright.rotate(90, expand=True), exif=exif)
    prepared = prepare_image(data)
    assert sent_size(prepared.base64) == MAX_SIZE
    assert (prepared.width, prepared.height) == (3840, 2160)
    (face,) = await client.detect(data)
    (at_1080p,) = await client.detect(photo("probe/obama_1080p.jpg"))
    assert abs(face.box.left - 2 * at_1080p.box.left) < 12
    assert abs(face.box.top - 2 * at_1080p.box.top) < 12
