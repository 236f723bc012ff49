"""Given the client's typed results, a seen face shows as the recognition entity's face attributes, as before."""

from __future__ import annotations

from custom_components.baidu_face.api import Candidate, Face, FaceBox, IdentifiedFace, Point
from custom_components.baidu_face.seen import SeenFace

BOX = FaceBox(120.0, 80.0, 210.0, 240.0, rotation=3)
PLAIN_BOX = {"left": 120.0, "top": 80.0, "width": 210.0, "height": 240.0}


def test_a_recognised_face_names_the_person_and_keeps_its_token() -> None:
    face = SeenFace.identified(IdentifiedFace((Candidate("obama", "family", "Obama", 97.5),), BOX, "token-1"), 80)
    assert face.recognised
    assert face.attributes() == {
        "name": "Obama",
        "confidence": 97.5,
        "uid": "obama",
        "group_id": "family",
        "user_info": "Obama",
        "box": PLAIN_BOX,
        "face_token": "token-1",
    }
    # Without user_info the uid is the name.
    nameless = SeenFace.identified(IdentifiedFace((Candidate("obama", "family", "", 97.5),)), 80)
    assert nameless.attributes() == {
        "name": "obama",
        "confidence": 97.5,
        "uid": "obama",
        "group_id": "family",
        "user_info": "",
        "box": None,
    }


def test_a_face_below_the_threshold_or_without_candidates_is_nobody() -> None:
    stranger = SeenFace.identified(IdentifiedFace((Candidate("biden", "family", "Biden", 41.25),), BOX, "t"), 80)
    assert not stranger.recognised
    assert stranger.attributes() == {"confidence": 41.25, "box": PLAIN_BOX, "face_token": "t"}
    assert SeenFace.identified(IdentifiedFace(()), 80).attributes() == {"confidence": 0.0, "box": None}


def test_a_detected_face_shows_what_detect_found_in_home_assistants_keys() -> None:
    face = Face(
        BOX,
        0.9876,
        yaw=1.0,
        pitch=2.0,
        roll=3.0,
        face_token="not-kept",
        age=30.0,
        beauty=55.5,
        gender="male",
        glasses="none",
        expression="smile",
        emotion="happy",
        race="yellow",
        face_shape="oval",
        landmarks=(Point(1.0, 2.0), Point(3.0, 4.0)),
    )
    assert SeenFace.detected(face).attributes() == {
        "confidence": 98.8,
        "box": PLAIN_BOX,
        "age": 30.0,
        "gender": "male",
        "glasses": "none",
        "motion": "smile",
        "beauty": 55.5,
        "emotion": "happy",
        "face_shape": "oval",
        "landmarks": [{"x": 1.0, "y": 2.0}, {"x": 3.0, "y": 4.0}],
    }
    assert SeenFace.detected(Face(BOX, 0.5, 0.0, 0.0, 0.0)).attributes() == {"confidence": 50.0, "box": PLAIN_BOX}
