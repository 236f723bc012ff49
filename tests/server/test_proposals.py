"""MTCNN's proposal networks on real frames: where small faces may be, and nothing where there is none."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from baidu_face_server.engine import SMALLEST_FACE
from baidu_face_server.proposals import FaceProposals, Proposal
from baidu_face_server.server import shared_engine
from sample_faces.frames import FULL_HD, frame_with
from tests.faces import FACES, enrolment_photos

LARGEST = 140  # about what the engine asks for in a 1080p frame
NAMES = [name for names in enrolment_photos().values() for name in names][::3]


@pytest.fixture(scope="module")
def proposals() -> FaceProposals:
    return FaceProposals()


def never() -> bool:
    return False


def small_face_frame(name: str) -> tuple[Image.Image, tuple[float, float]]:
    """Shrink the photo `name` into a 1080p frame until its face is 60 px wide; return the frame and the face centre."""
    with Image.open(FACES / name) as photo:
        ((rect, _),) = shared_engine().locate(np.asarray(photo.convert("RGB")), 1)
    frame, (placement,) = frame_with([(FACES / name, SMALLEST_FACE / rect.width())], FULL_HD)
    centre = placement.point((rect.left() + rect.right()) / 2, (rect.top() + rect.bottom()) / 2)
    return Image.open(io.BytesIO(frame)).convert("RGB"), centre


def covers(proposal: Proposal, point: tuple[float, float]) -> bool:
    x, y = point
    return proposal.left <= x <= proposal.left + proposal.side and proposal.top <= y <= proposal.top + proposal.side


@pytest.mark.parametrize("name", NAMES)
def test_a_60_px_face_is_proposed_about_its_size(proposals: FaceProposals, name: str) -> None:
    frame, centre = small_face_frame(name)
    around = [p for p in proposals(frame, SMALLEST_FACE, LARGEST, never) if covers(p, centre)]
    assert around, name
    assert all(SMALLEST_FACE * 0.7 <= p.side <= LARGEST for p in around), around


def test_a_plain_wall_gets_no_proposal(proposals: FaceProposals) -> None:
    frame, _ = frame_with([], FULL_HD)
    assert proposals(Image.open(io.BytesIO(frame)).convert("RGB"), SMALLEST_FACE, LARGEST, never) == []


def test_nothing_is_proposed_once_told_to_stop(proposals: FaceProposals) -> None:
    """The engine stops proposing once its shrunk scan found the faces asked for."""
    frame, _ = small_face_frame(NAMES[0])
    assert proposals(frame, SMALLEST_FACE, LARGEST, lambda: True) == []
