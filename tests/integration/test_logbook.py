"""Logbook lines for recognitions, unknown faces and uncertain visits."""

from __future__ import annotations

from typing import Any

from homeassistant.core import Event, HomeAssistant

from custom_components.baidu_face.logbook import async_describe_events


async def test_logbook_lines_for_recognitions(hass: HomeAssistant) -> None:
    described: dict[str, Any] = {}
    async_describe_events(hass, lambda domain, event_type, describe: described.update({event_type: describe}))
    known = described["baidu_face_recognized"](
        Event(
            "baidu_face_recognized",
            {
                "uid": "obama",
                "user_info": "",
                "camera_entity_id": "camera.door",
                "score": 97.1,
                "entity_id": "image_processing.door_recognised_person",
            },
        )
    )
    assert known == {
        "name": "obama",
        "message": "saw obama (score 97.1)",
        "entity_id": "image_processing.door_recognised_person",
    }
    stranger = described["baidu_face_unknown_face"](
        Event(
            "baidu_face_unknown_face",
            {
                "score": 39.79,
                "camera_entity_id": "camera.door",
                "entity_id": "image_processing.door_recognised_person",
            },
        )
    )
    assert stranger["message"] == "saw an unknown face (best score 39.8)"


async def test_logbook_line_for_an_uncertain_visit(hass: HomeAssistant) -> None:
    described: dict[str, Any] = {}
    async_describe_events(hass, lambda domain, event_type, describe: described.update({event_type: describe}))
    data = {
        "reason": "disagree",
        "candidates": [{"uid": "obama", "user_info": "Obama"}, {"uid": "biden", "user_info": None}],
        "camera_entity_id": "camera.door",
        "score": 91.0,
        "entity_id": "image_processing.door_recognised_person",
    }
    line = described["baidu_face_uncertain"](Event("baidu_face_uncertain", data))
    assert line == {
        "name": "Uncertain face",
        "message": "could not tell who it was (disagree): Obama or biden",
        "entity_id": "image_processing.door_recognised_person",
    }
