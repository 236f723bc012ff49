"""Wrong types, empty values, huge strings, unicode and path tricks: only the client's own errors come out."""

from __future__ import annotations

from typing import Any

import pytest

from custom_components.baidu_face.api import BaiduFaceClient, BaiduFaceError, BaiduFaceInvalidInputError

BAD: list[Any] = [
    None, 5, 2.5, True, "", " ", "x" * 5000, "../../etc/passwd", "名字", "a,b", "a\nb", "a\x00b",
    [], [5], [["g"]], [None], {}, {"g": 1}, b"bytes", -1, 10**12,
]  # fmt: skip
IMAGE = b""  # refused locally, after every other check
# Each operation with valid arguments; every one of them is replaced by each bad value in turn.
OPERATIONS: dict[str, dict[str, Any]] = {
    "detect": {"image": IMAGE, "max_faces": 1, "attributes": ()},
    "match": {"images": [IMAGE, IMAGE]},
    "identify": {"image": IMAGE, "groups": ["family"], "max_faces": 1, "top": 1},
    "verify": {"image": IMAGE, "uid": "obama", "groups": ["family"]},
    "register_user": {"uid": "obama", "image": IMAGE, "groups": ["family"], "user_info": ""},
    "update_user": {"uid": "obama", "image": IMAGE, "group": "family", "user_info": None},
    "delete_user": {"uid": "nobody", "groups": ["family"]},
    "get_user": {"uid": "nobody", "group": None},
    "list_groups": {"start": 0, "length": 10},
    "list_group_users": {"group": "family", "start": 0, "length": 10},
    "add_user_to_group": {"uid": "nobody", "source_group": "family", "groups": ["vip"]},
    "remove_user_from_group": {"uid": "nobody", "group": "family"},
    "list_faces": {"uid": "nobody", "group": "family"},
    "delete_face": {"uid": "nobody", "group": "family", "face_token": "0" * 32},
}


@pytest.mark.parametrize("operation", sorted(OPERATIONS))
async def test_bad_arguments_raise_only_client_errors(client: BaiduFaceClient, operation: str) -> None:
    method = getattr(client, operation)
    unnamed = []
    for name in OPERATIONS[operation]:
        for bad in BAD:
            arguments = OPERATIONS[operation] | {name: bad}
            try:
                await method(**arguments)
            except BaiduFaceInvalidInputError as err:
                if err.field is None:  # a refusal must name an input
                    unnamed.append((name, bad, str(err)))
            except BaiduFaceError:
                pass  # e.g. not found, not supported: the client's own kinds
    assert unnamed == []
