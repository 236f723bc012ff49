"""Scores keep Baidu's meaning: >= 80 is the same person, on every shared photo."""

from __future__ import annotations

from typing import Any

from tests.faces import FACES, PEOPLE, STRANGER, b64, enrolment_photos, photo

from .conftest import Wire


async def enrol_everyone(wire: Wire) -> None:
    for person, photos in enrolment_photos().items():
        for name in photos:
            body = {"image": b64(photo(name)), "image_type": "BASE64", "group_id": "people", "user_id": person}
            assert (await wire.v3("faceset/user/add", body))["error_code"] == 0


async def scores_by_person(wire: Wire, image: str, max_faces: int) -> list[dict[str, float]]:
    body: dict[str, Any] = {
        "image": b64(photo(image)), "image_type": "BASE64", "group_id_list": "people",
        "max_face_num": max_faces, "max_user_num": len(PEOPLE), "match_threshold": 0,
    }  # fmt: skip
    result = (await wire.v3("multi-search", body))["result"]
    return [{u["user_id"]: u["score"] for u in face["user_list"]} for face in result["face_list"]]


async def test_every_probe_scores_80_against_its_person_only(wire: Wire) -> None:
    await enrol_everyone(wire)
    for path in sorted((FACES / "probe").iterdir()):
        name = path.stem.removesuffix("_1080p").removesuffix("_small")
        if path.name == STRANGER.split("/")[1]:
            (scores,) = await scores_by_person(wire, STRANGER, 1)
            assert max(scores.values()) < 80, scores
            continue
        people = set(name.split("+"))
        faces = await scores_by_person(wire, f"probe/{path.name}", len(people))
        recognised = set()
        for scores in faces:
            best = max(scores, key=lambda person: scores[person])
            assert scores[best] >= 80, (path.name, scores)
            assert all(s < 80 for person, s in scores.items() if person != best), (path.name, scores)
            recognised.add(best)
        assert recognised == people, path.name
