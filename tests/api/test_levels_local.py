"""The levels end to end: the real client against the local server on loopback, both dialects.

The local server judges quality from the face itself and never pretends to judge liveness (the
team's contract): a blurred, a dark and a half-outside photo are refused under quality normal with
the check that failed, the sharp original passes, and every liveness level is refused as
unavailable, so nothing is ever passed unjudged.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import astuple

import pytest

from custom_components.baidu_face.api import (
    ApiVersion,
    BaiduFaceClient,
    BaiduFaceLivenessUnavailableError,
    BaiduFaceNotSupportedError,
    BaiduFaceQualityError,
    is_baidu_cloud,
)
from tests.degraded import SHARP, blurred, dark, half_outside
from tests.faces import photo


@pytest.mark.parametrize(
    ("picture", "check"),
    [(blurred, "blur"), (dark, "illumination"), (half_outside, "completeness")],
    ids=["blurred", "dark", "half_outside"],
)
async def test_a_poor_photo_is_refused_for_registration_and_the_sharp_one_taken(
    client: BaiduFaceClient, picture: Callable[[], bytes], check: str
) -> None:
    with pytest.raises(BaiduFaceQualityError) as refused:
        await client.register_user("obama", picture(), ["family"], quality="normal")
    assert refused.value.check == check
    # Nothing was registered.
    assert await client.list_groups() == []
    registered = await client.register_user("obama", photo(SHARP), ["family"], quality="normal")
    assert registered.groups == ("family",)
    # The same photo is searched under the same level.
    (face,) = await client.identify(photo(SHARP), ["family"], quality="normal")
    assert face.best is not None
    assert face.best.uid == "obama"
    with pytest.raises(BaiduFaceQualityError):
        await client.verify(picture(), "obama", ["family"], quality="normal")


async def test_detect_answers_plausible_quality(client: BaiduFaceClient) -> None:
    (sharp,) = await client.detect(photo(SHARP), quality="low")
    assert sharp.quality is not None
    assert 0 <= sharp.quality.blur <= 0.4
    assert 60 <= sharp.quality.illumination <= 255
    assert sharp.quality.completeness == 1
    assert all(0 <= value <= 1 for value in astuple(sharp.quality.occlusion))
    # Too dark even for low (illumination 30 at least): refused, saying so.
    with pytest.raises(BaiduFaceQualityError) as dim:
        await client.detect(dark(), quality="low")
    assert dim.value.check == "illumination"


LIVENESS_CALLS: list[Callable[[BaiduFaceClient], Awaitable[object]]] = [
    lambda c: c.identify(photo("probe/obama.jpg"), ["family"], liveness="low"),
    lambda c: c.verify(photo("probe/obama.jpg"), "obama", ["family"], liveness="normal"),
    lambda c: c.match([photo(SHARP), photo("probe/obama.jpg")], liveness="high"),
]


@pytest.mark.parametrize("call", LIVENESS_CALLS, ids=["identify", "verify", "match"])
async def test_the_local_server_never_pretends_to_judge_liveness(
    client: BaiduFaceClient, call: Callable[[BaiduFaceClient], Awaitable[object]]
) -> None:
    await client.register_user("obama", photo(SHARP), ["family"])
    assert client.judges_liveness is None
    with pytest.raises(BaiduFaceLivenessUnavailableError) as refused:
        await call(client)
    assert refused.value.error_code == (223119 if client.api_version is ApiVersion.V3 else 216102)
    assert "use Baidu's cloud" in refused.value.error_msg
    assert client.judges_liveness is False
    assert not is_baidu_cloud(client.base_url)


async def test_v2_cannot_ask_for_liveness_when_registering(client: BaiduFaceClient) -> None:
    """V3 sends the level (the local server then refuses it); V2 has no such option and says so unsent."""
    if client.api_version is ApiVersion.V3:
        assert "register_user" in client.capabilities.liveness
        return
    before = dict(client.call_counts)
    with pytest.raises(BaiduFaceNotSupportedError) as refused:
        await client.register_user("obama", photo(SHARP), ["family"], liveness="normal")
    assert refused.value.field == "liveness"
    assert client.call_counts == before
