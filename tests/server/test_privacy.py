"""The server keeps no more than it must: seen faces are bounded in time and count."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import aiohttp
import numpy as np
import pytest

from baidu_face_server import running_server
from baidu_face_server import server as server_module
from baidu_face_server.engine import DetectedFace, Point
from baidu_face_server.problems import Problem, ProblemError
from baidu_face_server.store import SEEN_FACE_LIFETIME, SEEN_FACE_LIMIT, FaceStore
from tests.conftest import apps
from tests.faces import b64, photo

from .conftest import Wire, unmeasured_quality

# A seen face takes about 1.4 KB (a 128-d embedding and its box); pages and index add a little.
BYTES_PER_SEEN_FACE = 2048


def frame_face(rng: np.random.Generator, n: int) -> DetectedFace:
    """Make the face a camera frame showed: every frame a new token and a new embedding."""
    point = Point(float(n), float(n))
    embedding = rng.normal(0, 0.09, 128)
    quality = unmeasured_quality()
    return DetectedFace(f"{n:032x}", n, n, 80, 80, 0, 0.99, 1.5, -2.0, 0.5, (point,) * 4, embedding, quality)


def size_on_disk(store: FaceStore, db: Path) -> int:
    store.checkpoint()
    return sum(p.stat().st_size for p in db.parent.iterdir() if p.name.startswith(db.name))


def test_endless_scanning_keeps_the_database_flat(tmp_path: Path) -> None:
    """Given a fresh server database, 2,000 scanned frames then 2,000 more leave its size where it settled."""
    db = tmp_path / "faces.sqlite3"
    store = FaceStore(db)
    rng = np.random.default_rng(3)
    try:
        start = size_on_disk(store, db)
        for n in range(2000):
            store.remember_faces([frame_face(rng, n)])
        settled = size_on_disk(store, db)
        for n in range(2000, 4000):
            store.remember_faces([frame_face(rng, n)])
        assert size_on_disk(store, db) == settled
        assert settled - start <= SEEN_FACE_LIMIT * BYTES_PER_SEEN_FACE
        # The latest frames' faces are still there for FACE_TOKEN use; the first are gone.
        assert store.seen_face(f"{3999:032x}").face_token == f"{3999:032x}"
        with pytest.raises(ProblemError) as gone:
            store.seen_face(f"{0:032x}")
        assert gone.value.problem is Problem.FACE_TOKEN_NOT_FOUND
    finally:
        store.close()


def test_a_seen_face_expires(tmp_path: Path) -> None:
    """A face seen longer ago than the lifetime cannot be used as FACE_TOKEN and is deleted."""
    db = tmp_path / "faces.sqlite3"
    store = FaceStore(db)
    rng = np.random.default_rng(4)
    try:
        old, new = frame_face(rng, 1), frame_face(rng, 2)
        store.remember_faces([old])
        with closing(sqlite3.connect(db)) as connection, connection:
            connection.execute("UPDATE seen_faces SET seen = seen - ?", (SEEN_FACE_LIFETIME + 1,))
        with pytest.raises(ProblemError):
            store.seen_face(old.face_token)
        store.remember_faces([new])
        with closing(sqlite3.connect(db)) as connection, connection:
            assert connection.execute("SELECT face_token FROM seen_faces").fetchall() == [(new.face_token,)]
    finally:
        store.close()


async def test_a_seen_face_is_forgotten_even_when_no_call_comes(
    tmp_path: Path, socket_enabled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A face seen an hour ago is gone from the database file and its log, though nothing has called since."""
    monkeypatch.setattr(server_module, "SEEN_FACE_SWEEP", 0.05)
    db = tmp_path / "faces.sqlite3"
    async with running_server(apps(), db) as running, aiohttp.ClientSession() as session:
        wire = Wire(session, running.url)
        seen = await wire.v3("detect", {"image": b64(photo("probe/obama.jpg")), "image_type": "BASE64"})
        assert seen["error_code"] == 0
        with closing(sqlite3.connect(db)) as connection, connection:
            (embedding,) = connection.execute("SELECT embedding FROM seen_faces").fetchone()
            connection.execute("UPDATE seen_faces SET seen = seen - ?", (SEEN_FACE_LIFETIME + 1,))
        assert files_holding(db, embedding[:64])  # there, until the sweep
        for _ in range(100):
            await asyncio.sleep(0.05)
            with closing(sqlite3.connect(db)) as connection:
                if not connection.execute("SELECT count(*) FROM seen_faces").fetchone()[0]:
                    break
        assert files_holding(db, embedding[:64]) == []


def files_holding(db: Path, data: bytes) -> list[str]:
    """Name the database's files (itself, its write-ahead log...) that hold these bytes."""
    return [p.name for p in db.parent.iterdir() if p.name.startswith(db.name) and data in p.read_bytes()]
