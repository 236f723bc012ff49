"""Every operation, in both dialects, in one vocabulary: given a face set, when a photo arrives..."""

from __future__ import annotations

import aiohttp
import pytest

from baidu_face_server.server import RunningServer
from custom_components.baidu_face.api import (
    ATTRIBUTES,
    ApiVersion,
    BaiduFaceClient,
    BaiduFaceGroupNotFoundError,
    BaiduFaceInvalidInputError,
    BaiduFaceNoFaceError,
    BaiduFaceNotSupportedError,
    BaiduFaceUserNotFoundError,
    IdentifiedFace,
    Membership,
    capabilities_for,
    is_same_person,
)
from tests.conftest import V2_ONLY
from tests.faces import STRANGER, blank_image, photo


async def enrol(client: BaiduFaceClient, groups: tuple[str, ...] = ("family",)) -> None:
    await client.register_user("obama", photo("enroll/obama_1.jpg"), groups, user_info="奥巴马")
    await client.register_user("biden", photo("enroll/biden_1.jpg"), groups, user_info="Joe")


async def test_detect_finds_faces_largest_first(client: BaiduFaceClient) -> None:
    faces = await client.detect(photo("probe/obama+biden.jpg"), max_faces=5, attributes={"landmark"})
    assert len(faces) == 3  # Obama, Biden and a child looking down (bottom right)
    assert faces[0].box.width >= faces[1].box.width
    assert all(len(f.landmarks) == 4 and 0.5 < f.probability <= 1 for f in faces)
    # Attributes the local server cannot measure come back as None, not invented.
    assert faces[0].age is None
    assert await client.detect(blank_image()) == []


async def test_match_scores_every_pair(client: BaiduFaceClient) -> None:
    scores = await client.match([photo("enroll/obama_1.jpg"), photo("probe/obama.jpg"), photo("enroll/biden_1.jpg")])
    by_pair = {(s.first, s.second): s.score for s in scores}
    assert by_pair.keys() == {(0, 1), (0, 2), (1, 2)}
    assert by_pair[0, 1] >= 80 > max(by_pair[0, 2], by_pair[1, 2])
    # V3 compares two images a call: three images are three requests.
    assert client.call_counts["match"] == (3 if client.api_version is ApiVersion.V3 else 1)
    # An image without a face is an answer: the pair scores 0 and says so.
    (empty,) = await client.match([photo("enroll/obama_1.jpg"), blank_image()])
    assert (empty.score, empty.face_found) == (0.0, False)


async def test_identify_names_each_face_and_keeps_low_scores_for_strangers(client: BaiduFaceClient) -> None:
    await enrol(client)
    (obama,) = await client.identify(photo("probe/obama.jpg"), ["family"], top=2)
    assert obama.best is not None
    assert (obama.best.uid, obama.best.user_info, obama.best.group_id) == ("obama", "奥巴马", "family")
    assert obama.best.score >= 80 > obama.candidates[1].score

    both = await client.identify(photo("probe/obama+biden.jpg"), ["family"], max_faces=3)
    assert {f.best.uid for f in both if f.best and f.best.score >= 80} == {"obama", "biden"}
    assert all(f.box is not None and f.box.width > 100 for f in both)

    (stranger,) = await client.identify(photo(STRANGER), ["family"])
    assert stranger.best is not None
    assert stranger.best.score < 80
    assert await client.identify(blank_image(), ["family"]) == []
    if client.api_version is ApiVersion.V2:
        with pytest.raises(BaiduFaceGroupNotFoundError):  # 216618 "no user in group"
            await client.identify(photo("probe/obama.jpg"), ["nobody_here"])
    else:
        # 222207 "match user is not found": a stranger, not an error.
        assert await client.identify(photo("probe/obama.jpg"), ["nobody_here"]) == [IdentifiedFace(())]


async def test_v2_identifies_several_faces_in_one_call(client: BaiduFaceClient) -> None:
    await enrol(client)
    before = client.call_counts.get("identify", 0)
    both = await client.identify(photo("probe/obama+biden.jpg"), ["family"], max_faces=3, top=2)
    assert {f.best.uid for f in both if f.best and is_same_person(f.best.score)} == {"obama", "biden"}
    assert all(f.box is not None and len(f.candidates) == 2 for f in both)
    # V2's multi-identify and V3's multi-search: one request for every face.
    assert client.call_counts["identify"] - before == 1
    assert "detect" not in client.call_counts


async def test_verify_scores_one_uid(client: BaiduFaceClient) -> None:
    await enrol(client)
    assert (await client.verify(photo("probe/obama.jpg"), "obama", ["family"])).score >= 80
    assert (await client.verify(photo("probe/obama.jpg"), "biden", ["family"])).score < 80
    with pytest.raises(BaiduFaceUserNotFoundError):
        await client.verify(photo("probe/obama.jpg"), "nobody", ["family"])
    # An empty doorway is an answer, not an error.
    empty = await client.verify(blank_image(), "obama", ["family"])
    assert (empty.score, empty.face_found) == (0.0, False)


async def test_register_into_several_groups_then_manage_membership(client: BaiduFaceClient) -> None:
    registered = await client.register_user("obama", photo("enroll/obama_1.jpg"), ["family", "vip"], user_info="奥巴马")
    assert registered.groups == ("family", "vip")
    if client.api_version is ApiVersion.V3:
        assert registered.face_token is not None
        assert registered.box is not None
    user = await client.get_user("obama")
    assert user.memberships == (Membership("family", "奥巴马"), Membership("vip", "奥巴马"))
    assert (await client.get_user("obama", "vip")).groups == ("vip",)
    assert await client.list_groups() == ["family", "vip"]

    await client.add_user_to_group("obama", "family", ["friends", "work"])
    assert (await client.get_user("obama")).groups == ("family", "vip", "friends", "work")
    users = await client.list_group_users("friends")
    assert [u.uid for u in users] == ["obama"]

    for group in ("vip", "friends", "work"):
        await client.remove_user_from_group("obama", group)
    with pytest.raises(BaiduFaceInvalidInputError) as last:
        await client.remove_user_from_group("obama", "family")
    assert last.value.error_code == 216619
    assert (await client.get_user("obama")).groups == ("family",)

    await client.delete_user("obama")
    with pytest.raises(BaiduFaceUserNotFoundError):
        await client.get_user("obama")


async def test_delete_from_some_groups_only(client: BaiduFaceClient) -> None:
    await client.register_user("obama", photo("enroll/obama_1.jpg"), ["a", "b", "c"])
    deleted = await client.delete_user("obama", ["a", "b"])
    assert deleted.completed == ("a", "b")
    assert (await client.get_user("obama")).groups == ("c",)


async def test_update_replaces_faces_and_can_create(client: BaiduFaceClient) -> None:
    with pytest.raises(BaiduFaceUserNotFoundError):
        await client.update_user("biden", photo("enroll/biden_1.jpg"), "family")
    await client.update_user("biden", photo("enroll/biden_1.jpg"), "family", user_info="Joe", create=True)
    await client.update_user("biden", photo("enroll/biden_2.jpg"), "family", user_info="拜登")
    assert (await client.get_user("biden")).memberships == (Membership("family", "拜登"),)
    # Without user_info the stored one is kept (V2 reads it and sends it, as Baidu's SDK always sends one).
    await client.update_user("biden", photo("enroll/biden_1.jpg"), "family")
    assert (await client.get_user("biden")).memberships == (Membership("family", "拜登"),)
    (face,) = await client.identify(photo("probe/obama+biden.jpg"), ["family"])
    assert face.best is not None


async def test_register_refuses_an_image_without_a_face(client: BaiduFaceClient) -> None:
    with pytest.raises(BaiduFaceNoFaceError):
        await client.register_user("obama", blank_image(), ["family"])
    with pytest.raises(BaiduFaceGroupNotFoundError):
        await client.list_group_users("family")


async def test_group_users_paging(client: BaiduFaceClient) -> None:
    await enrol(client)
    page = await client.list_group_users("family", start=1, length=1)
    assert [u.uid for u in page] == ["biden"]
    # V2 lists user_info with the ids; V3 lists ids only.
    assert page[0].user_info == ("Joe" if client.api_version is ApiVersion.V2 else None)


async def test_v3_only_operations(client: BaiduFaceClient) -> None:
    if client.api_version is ApiVersion.V2:
        for call in (
            client.create_group("g"),
            client.delete_group("g"),
            client.list_faces("obama", "g"),
            client.delete_face("obama", "g", "0" * 32),
        ):
            with pytest.raises(BaiduFaceNotSupportedError, match="not supported by API v2"):
                await call
        with pytest.raises(BaiduFaceNotSupportedError):
            await client.detect(photo("probe/obama.jpg"), attributes={"emotion"})
        with pytest.raises(BaiduFaceNotSupportedError):
            await client.identify(photo("probe/obama.jpg"), ["g"], top=6)
        return
    with pytest.raises(BaiduFaceNotSupportedError):
        await client.detect(photo("probe/obama.jpg"), attributes={"race"})
    await client.create_group("empty")
    assert await client.list_groups() == ["empty"]
    first = await client.register_user("obama", photo("enroll/obama_1.jpg"), ["family"])
    await client.register_user("obama", photo("enroll/obama_2.jpg"), ["family"])
    faces = await client.list_faces("obama", "family")
    assert len(faces) == 2
    assert faces[0].face_token == first.face_token
    await client.delete_face("obama", "family", faces[0].face_token)
    assert [f.face_token for f in await client.list_faces("obama", "family")] == [faces[1].face_token]
    await client.delete_group("empty")
    assert await client.list_groups() == ["family"]


async def test_not_found_errors_name_what_was_missing(client: BaiduFaceClient) -> None:
    await enrol(client)
    with pytest.raises(BaiduFaceUserNotFoundError) as user:
        await client.get_user("nobody")
    assert (user.value.field, user.value.value) == ("uid", "nobody")
    with pytest.raises(BaiduFaceGroupNotFoundError) as group:
        await client.list_group_users("nowhere")
    assert (group.value.field, group.value.value) == ("group_id", "nowhere")
    with pytest.raises(BaiduFaceUserNotFoundError) as verified:
        await client.verify(photo("probe/obama.jpg"), "nobody", ["family"])
    assert (verified.value.field, verified.value.value) == ("uid", "nobody")


def test_capabilities_come_from_the_adapters() -> None:
    v2, v3 = capabilities_for(ApiVersion.V2), capabilities_for(ApiVersion.V3)
    assert capabilities_for(ApiVersion.AUTO) == v3
    assert (v2.max_top, v3.max_top) == (5, 50)
    assert "emotion" in v3.attributes - v2.attributes
    assert "race" in v2.attributes - v3.attributes
    assert v2.attributes | v3.attributes == ATTRIBUTES
    operations = ("list_faces", "delete_face", "create_group", "delete_group", "face_tokens")
    assert [getattr(v2, o) for o in operations] == [False] * 5
    assert [getattr(v3, o) for o in operations] == [True] * 5


async def test_a_client_reports_the_capabilities_of_its_version(
    server: RunningServer, session: aiohttp.ClientSession
) -> None:
    client = BaiduFaceClient(session, *V2_ONLY, base_url=server.url)
    assert client.capabilities == capabilities_for(ApiVersion.V3)  # AUTO, not yet resolved
    await client.resolve_api_version()
    assert client.capabilities == capabilities_for(ApiVersion.V2)
    with pytest.raises(BaiduFaceNotSupportedError):
        await client.identify(photo("probe/obama.jpg"), ["family"], top=client.capabilities.max_top + 1)
