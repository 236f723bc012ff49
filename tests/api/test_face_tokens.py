"""A face Baidu already saw, sent by its face_token instead of the picture (V3), or refused (V2)."""

from __future__ import annotations

import pytest

from custom_components.baidu_face.api import (
    BaiduFaceClient,
    BaiduFaceFaceNotFoundError,
    BaiduFaceInvalidInputError,
    BaiduFaceNotSupportedError,
    FaceToken,
    is_same_person,
)
from tests.faces import photo

# A token in Baidu's shape that no call ever returned.
NEVER_SEEN = FaceToken("0123456789abcdef" * 2)


@pytest.mark.parametrize("api_version", ["v3"])
async def test_v3_registers_a_seen_face_by_its_token_without_the_picture(client: BaiduFaceClient) -> None:
    (seen,) = await client.detect(photo("probe/obama.jpg"))
    assert seen.face_token is not None
    registered = await client.register_user("obama", FaceToken(seen.face_token), ["family", "vip"], user_info="Obama")
    assert registered.groups == ("family", "vip")
    assert registered.face_token == seen.face_token
    # Boxes come back in the pixels of the picture the face was seen in.
    assert registered.box == seen.box
    # One faceset/user/add per group, none carrying a picture.
    assert client.call_counts["register_user"] == 2
    for group in ("family", "vip"):
        (face,) = await client.identify(photo("enroll/obama_2.jpg"), [group])
        assert face.best is not None
        assert face.best.uid == "obama"
        assert is_same_person(face.best.score)
    # Other image inputs take a token too.
    assert (await client.verify(FaceToken(seen.face_token), "obama", ["family"])).score >= 80


@pytest.mark.parametrize("api_version", ["v3"])
async def test_v3_says_when_it_no_longer_knows_a_face(client: BaiduFaceClient) -> None:
    with pytest.raises(BaiduFaceFaceNotFoundError) as missing:
        await client.register_user("obama", NEVER_SEEN, ["family"])
    assert missing.value.error_code == 222209
    assert (missing.value.field, missing.value.value) == ("face_token", NEVER_SEEN)


@pytest.mark.parametrize("api_version", ["v2"])
async def test_v2_refuses_a_token_before_sending_anything(client: BaiduFaceClient) -> None:
    assert not client.capabilities.face_tokens
    for call in (
        client.register_user("obama", NEVER_SEEN, ["family"]),
        client.update_user("obama", NEVER_SEEN, "family", create=True),
        client.identify(NEVER_SEEN, ["family"]),
        client.verify(NEVER_SEEN, "obama", ["family"]),
        client.detect(NEVER_SEEN),
        client.match([NEVER_SEEN, NEVER_SEEN]),
    ):
        with pytest.raises(BaiduFaceNotSupportedError, match="face_token"):
            await call
    assert client.call_counts == {}


async def test_a_malformed_token_is_refused_before_any_request(client: BaiduFaceClient) -> None:
    with pytest.raises(BaiduFaceInvalidInputError) as refused:
        await client.register_user("obama", FaceToken("not-a-token"), ["family"])
    assert refused.value.field == "face_token"
    assert client.call_counts == {}
