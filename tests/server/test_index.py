"""Search in memory gives exactly what scoring every registered face one by one gives.

The reference below is the server's former search, written out: every face of the
groups read from SQLite, each user scored by its closest face, closest users first
(equal distances by group, then uid).
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import numpy as np
import pytest

from baidu_face_server.engine import DetectedFace, Point, similarity
from baidu_face_server.problems import ProblemError
from baidu_face_server.server import shared_engine
from baidu_face_server.service import FaceService, Match
from baidu_face_server.store import FaceStore

from .conftest import unmeasured_quality

APP = "app"
GROUPS = ["family", "friends", "staff"]


def synthetic_face(rng: np.random.Generator, centre: np.ndarray, token: str) -> DetectedFace:
    """Make a face whose embedding lies near `centre`, as one person's photos do."""
    embedding = centre + rng.normal(0, 0.03, 128)
    point = Point(1.0, 1.0)
    return DetectedFace(token, 0, 0, 10, 10, 0, 0.9, 0, 0, 0, (point,) * 4, embedding, unmeasured_quality())


def reference(db: Path, face: DetectedFace, groups: list[str], top: int) -> list[Match]:
    with closing(sqlite3.connect(db)) as connection:
        rows = connection.execute(
            "SELECT f.group_id, f.uid, u.user_info, f.embedding FROM faces f JOIN users u USING (app, group_id, uid)"
            f" WHERE f.app = ? AND f.group_id IN ({','.join('?' * len(groups))})",
            [APP, *groups],
        ).fetchall()
    best: dict[tuple[str, str], tuple[float, Match]] = {}
    for group_id, uid, info, blob in rows:
        embedding = np.frombuffer(blob, dtype=np.float64)
        distance = float(np.linalg.norm(embedding - face.embedding))
        if (group_id, uid) not in best or distance < best[group_id, uid][0]:
            best[group_id, uid] = (distance, Match(group_id, uid, info, similarity(embedding, face.embedding)))
    ranked = sorted(best.values(), key=lambda pair: (pair[0], pair[1].group_id, pair[1].uid))
    return [match for _, match in ranked[:top]]


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, np.random.Generator, np.ndarray]:
    """Build a database of 80 people in three groups, one to six faces each."""
    rng = np.random.default_rng(7)
    centres = rng.normal(0, 0.09, (80, 128))
    store = FaceStore(tmp_path / "faces.sqlite3")
    for person, centre in enumerate(centres):
        for n in range(int(rng.integers(1, 7))):
            groups = [g for g in GROUPS if rng.random() < 0.6] or ["family"]
            store.save_user(APP, groups, f"p{person}", f"Person {person}", synthetic_face(rng, centre, f"{person}-{n}"),
                            replace_faces=False)  # fmt: skip
    store.close()
    return tmp_path / "faces.sqlite3", rng, centres


def probes(rng: np.random.Generator, centres: np.ndarray) -> list[DetectedFace]:
    known = [synthetic_face(rng, centres[i], f"probe{i}") for i in rng.choice(len(centres), 12)]
    strangers = [synthetic_face(rng, rng.normal(0, 0.09, 128), f"stranger{i}") for i in range(4)]
    return known + strangers


def assert_same_as_reference(service: FaceService, db: Path, faces: list[DetectedFace]) -> None:
    for face in faces:
        for groups in (["family"], GROUPS, ["staff", "friends"], ["nobody"]):
            for top in (1, 3, 50):
                assert service.identify(APP, face, groups, top) == reference(db, face, groups, top)


def test_search_in_memory_equals_scoring_every_face(world: tuple[Path, np.random.Generator, np.ndarray]) -> None:
    """Given a face set loaded at start-up, identify returns the reference's users and scores."""
    db, rng, centres = world
    service = FaceService(FaceStore(db), shared_engine())
    try:
        assert_same_as_reference(service, db, probes(rng, centres))
    finally:
        service.close()


def test_every_write_keeps_the_matrix_in_step(world: tuple[Path, np.random.Generator, np.ndarray]) -> None:
    """Register, update, copy, delete, face delete and group delete: results stay the reference's."""
    db, rng, centres = world
    service = FaceService(FaceStore(db), shared_engine())
    try:
        service.register_user(APP, ["family"], "p1", None, synthetic_face(rng, centres[2], "swap"), replace=True)
        service.update_user(APP, ["friends"], "p90", "new", synthetic_face(rng, centres[3], "new"), create=True)
        service.add_user_to_group(APP, "p90", "friends", ["staff", "fresh"], create_groups=True)
        service.delete_user(APP, "p4")
        for stored in (
            service.list_faces(APP, "family", "p5") if "family" in service.store.user_groups(APP, "p5") else []
        ):
            service.delete_face(APP, "family", "p5", stored.face_token)
        service.delete_group(APP, "friends")
        assert_same_as_reference(service, db, probes(rng, centres))
    finally:
        service.close()


def test_a_rolled_back_write_leaves_the_matrix_unchanged(
    world: tuple[Path, np.random.Generator, np.ndarray],
) -> None:
    """A register that fails in its second group changes neither database nor search."""
    db, rng, centres = world
    service = FaceService(FaceStore(db), shared_engine())
    try:
        face = synthetic_face(rng, centres[9], "dup")
        service.register_user(APP, ["staff"], "p9", None, face, replace=False)
        probe = probes(rng, centres)
        before = {(f.face_token, g): service.identify(APP, f, [g], 5) for f in probe for g in GROUPS}
        with pytest.raises(ProblemError):
            # The same face again in `staff` fails after `family` was written.
            service.register_user(APP, ["family", "staff"], "p9", None, face, replace=False)
        with pytest.raises(ProblemError):
            service.add_user_to_group(APP, "p9", "staff", ["newgroup", "staff"], create_groups=True)
        assert {(f.face_token, g): service.identify(APP, f, [g], 5) for f in probe for g in GROUPS} == before
        assert_same_as_reference(service, db, probe)
    finally:
        service.close()
