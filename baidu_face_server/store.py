"""The face set in SQLite: groups, users (per group, as in V3) and their faces.

Every change is one transaction, so a crash or kill never leaves a user
half-written. Groups belong to an app, as on Baidu, where each app has its own
face library.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from .engine import DetectedFace, Point
from .problems import Problem, ProblemError

MAX_FACES_PER_USER = 20

_SCHEMA = """
CREATE TABLE IF NOT EXISTS groups (
    app TEXT NOT NULL, group_id TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (app, group_id));
CREATE TABLE IF NOT EXISTS users (
    app TEXT NOT NULL, group_id TEXT NOT NULL, uid TEXT NOT NULL,
    user_info TEXT NOT NULL, created REAL NOT NULL,
    PRIMARY KEY (app, group_id, uid),
    FOREIGN KEY (app, group_id) REFERENCES groups ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS faces (
    app TEXT NOT NULL, group_id TEXT NOT NULL, uid TEXT NOT NULL,
    face_token TEXT NOT NULL, embedding BLOB NOT NULL, ctime TEXT NOT NULL,
    PRIMARY KEY (app, group_id, uid, face_token),
    FOREIGN KEY (app, group_id, uid) REFERENCES users ON DELETE CASCADE);
CREATE TABLE IF NOT EXISTS seen_faces (
    face_token TEXT PRIMARY KEY, face TEXT NOT NULL, embedding BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS access_tokens (
    access_token TEXT PRIMARY KEY, api_key TEXT NOT NULL, expires REAL NOT NULL);
"""


@dataclass(frozen=True, slots=True)
class EnrolledFace:
    """A registered face that a probe can be compared with."""

    group_id: str
    uid: str
    user_info: str
    embedding: NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class StoredFace:
    """One of a user's registered faces, as `faceset/face/getlist` lists it."""

    face_token: str
    ctime: str


class FaceStore:
    """The SQLite database of one server: face sets, seen faces and access tokens."""

    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA foreign_keys = ON")
        if str(path) != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        _migrate(self._db)
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # Access tokens survive restarts, as Baidu's do.

    def save_token(self, token: str, api_key: str, expires: float) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM access_tokens WHERE expires < ?", (time.time() - 86400,))
            db.execute("INSERT INTO access_tokens VALUES (?, ?, ?)", (token, api_key, expires))

    def revoke_tokens(self, api_key: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM access_tokens WHERE api_key = ?", (api_key,))

    def token_owner(self, token: str) -> tuple[str, float] | None:
        row = self._db.execute("SELECT api_key, expires FROM access_tokens WHERE access_token = ?", (token,)).fetchone()
        return (row[0], row[1]) if row else None

    # Faces seen by any call, so that FACE_TOKEN images can be resolved later.

    def remember_faces(self, faces: Iterable[DetectedFace]) -> None:
        rows = [(f.face_token, _face_json(f), f.embedding.tobytes()) for f in faces]
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO seen_faces VALUES (?, ?, ?)", rows)

    def seen_face(self, face_token: str) -> DetectedFace:
        row = self._db.execute("SELECT face, embedding FROM seen_faces WHERE face_token = ?", (face_token,)).fetchone()
        if row is None:
            raise ProblemError(Problem.FACE_TOKEN_NOT_FOUND, "image")
        return _face_from_json(face_token, row[0], row[1])

    # Groups.

    def group_exists(self, app: str, group_id: str) -> bool:
        return (
            self._db.execute("SELECT 1 FROM groups WHERE app = ? AND group_id = ?", (app, group_id)).fetchone()
            is not None
        )

    def create_group(self, app: str, group_id: str) -> None:
        with self._transaction() as db:
            if self.group_exists(app, group_id):
                raise ProblemError(Problem.GROUP_EXISTS, "group_id")
            db.execute("INSERT INTO groups VALUES (?, ?, ?)", (app, group_id, time.time()))

    def delete_group(self, app: str, group_id: str) -> None:
        with self._transaction() as db:
            if not db.execute("DELETE FROM groups WHERE app = ? AND group_id = ?", (app, group_id)).rowcount:
                raise ProblemError(Problem.GROUP_NOT_FOUND, "group_id")

    def list_groups(self, app: str, start: int, length: int) -> list[str]:
        rows = self._db.execute(
            "SELECT group_id FROM groups WHERE app = ? ORDER BY created, rowid LIMIT ? OFFSET ?",
            (app, length, start),
        )
        return [row[0] for row in rows]

    # Users.

    def user_groups(self, app: str, uid: str) -> dict[str, str]:
        """The groups a uid is in, each with its user_info, oldest first."""
        rows = self._db.execute(
            "SELECT group_id, user_info FROM users WHERE app = ? AND uid = ? ORDER BY created, rowid",
            (app, uid),
        )
        return dict(rows.fetchall())

    def list_group_users(self, app: str, group_id: str, start: int, length: int) -> list[tuple[str, str]]:
        if not self.group_exists(app, group_id):
            raise ProblemError(Problem.GROUP_NOT_FOUND, "group_id")
        rows = self._db.execute(
            "SELECT uid, user_info FROM users WHERE app = ? AND group_id = ? ORDER BY created, rowid LIMIT ? OFFSET ?",
            (app, group_id, length, start),
        )
        return [(row[0], row[1]) for row in rows]

    def save_user(
        self,
        app: str,
        group_ids: list[str],
        uid: str,
        user_info: str | None,
        face: DetectedFace,
        *,
        replace_faces: bool,
        must_exist: bool = False,
    ) -> None:
        """Add a face to a uid in each group (creating group and user as needed), atomically.

        `replace_faces` drops the uid's earlier faces in those groups first;
        `must_exist` refuses a uid that is not yet in a group. `user_info=None`
        keeps what is stored.
        """
        now = time.time()
        ctime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        with self._transaction() as db:
            for group_id in group_ids:
                row = db.execute(
                    "SELECT user_info FROM users WHERE app = ? AND group_id = ? AND uid = ?",
                    (app, group_id, uid),
                ).fetchone()
                if row is None and must_exist:
                    raise ProblemError(Problem.NO_USER_TO_UPDATE, "uid")
                db.execute("INSERT OR IGNORE INTO groups VALUES (?, ?, ?)", (app, group_id, now))
                info = user_info if user_info is not None else (row[0] if row else "")
                db.execute(
                    "INSERT INTO users VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET user_info = excluded.user_info",
                    (app, group_id, uid, info, now),
                )
                key = (app, group_id, uid)
                if replace_faces:
                    db.execute("DELETE FROM faces WHERE app = ? AND group_id = ? AND uid = ?", key)
                tokens = {
                    r[0]
                    for r in db.execute("SELECT face_token FROM faces WHERE app = ? AND group_id = ? AND uid = ?", key)
                }
                if face.face_token in tokens:
                    raise ProblemError(Problem.FACE_EXISTS, "image")
                if len(tokens) >= MAX_FACES_PER_USER:
                    raise ProblemError(Problem.TOO_MANY_FACES, "image")
                db.execute(
                    "INSERT INTO faces VALUES (?, ?, ?, ?, ?, ?)",
                    (*key, face.face_token, face.embedding.tobytes(), ctime),
                )

    def delete_user(self, app: str, uid: str, group_ids: list[str], *, keep_one: bool = False) -> None:
        """Remove a uid from groups; with `keep_one`, refuse to empty its group list."""
        with self._transaction() as db:
            current = self.user_groups(app, uid)
            missing = [g for g in group_ids if g not in current]
            if missing or not current:
                raise ProblemError(Problem.USER_NOT_FOUND, "uid")
            if keep_one and set(current) <= set(group_ids):
                raise ProblemError(Problem.LAST_GROUP, "group_id")
            db.executemany(
                "DELETE FROM users WHERE app = ? AND group_id = ? AND uid = ?",
                [(app, g, uid) for g in group_ids],
            )

    def copy_user(self, app: str, uid: str, src_group: str, dst_groups: list[str], *, create: bool) -> None:
        """Put a uid (user_info and faces) into more groups; `create` makes missing groups."""
        with self._transaction() as db:
            if src_group not in self.user_groups(app, uid):
                raise ProblemError(Problem.USER_NOT_FOUND, "uid")
            for dst in dst_groups:
                if not self.group_exists(app, dst):
                    if not create:
                        raise ProblemError(Problem.DST_GROUP_NOT_FOUND, "dst_group_id")
                    db.execute("INSERT INTO groups VALUES (?, ?, ?)", (app, dst, time.time()))
                if dst in self.user_groups(app, uid):
                    raise ProblemError(Problem.USER_EXISTS, "uid")
                db.execute(
                    "INSERT INTO users SELECT app, ?, uid, user_info, ? FROM users"
                    " WHERE app = ? AND group_id = ? AND uid = ?",
                    (dst, time.time(), app, src_group, uid),
                )
                db.execute(
                    "INSERT INTO faces SELECT app, ?, uid, face_token, embedding, ctime FROM faces"
                    " WHERE app = ? AND group_id = ? AND uid = ?",
                    (dst, app, src_group, uid),
                )

    # Faces.

    def list_faces(self, app: str, group_id: str, uid: str) -> list[StoredFace]:
        if group_id not in self.user_groups(app, uid):
            raise ProblemError(Problem.USER_NOT_FOUND, "uid")
        rows = self._db.execute(
            "SELECT face_token, ctime FROM faces WHERE app = ? AND group_id = ? AND uid = ? ORDER BY rowid",
            (app, group_id, uid),
        )
        return [StoredFace(row[0], row[1]) for row in rows]

    def delete_face(self, app: str, group_id: str, uid: str, face_token: str) -> None:
        """Delete one face; a user left with no face is deleted too, as on Baidu."""
        key = (app, group_id, uid)
        with self._transaction() as db:
            if group_id not in self.user_groups(app, uid):
                raise ProblemError(Problem.USER_NOT_FOUND, "uid")
            if not db.execute(
                "DELETE FROM faces WHERE app = ? AND group_id = ? AND uid = ? AND face_token = ?",
                (*key, face_token),
            ).rowcount:
                raise ProblemError(Problem.FACE_NOT_FOUND, "face_token")
            if not db.execute("SELECT 1 FROM faces WHERE app = ? AND group_id = ? AND uid = ?", key).fetchone():
                db.execute("DELETE FROM users WHERE app = ? AND group_id = ? AND uid = ?", key)

    def enrolled_faces(self, app: str, group_ids: list[str], uid: str | None = None) -> list[EnrolledFace]:
        """The registered faces of some groups (of one uid, if given)."""
        marks = ",".join("?" * len(group_ids))
        # Only "?" placeholders are interpolated into the SQL.
        sql = (
            "SELECT f.group_id, f.uid, u.user_info, f.embedding FROM faces f JOIN users u"  # noqa: S608
            " USING (app, group_id, uid)"
            f" WHERE f.app = ? AND f.group_id IN ({marks})"
        )
        params: list[str] = [app, *group_ids]
        if uid is not None:
            sql += " AND f.uid = ?"
            params.append(uid)
        return [
            EnrolledFace(row[0], row[1], row[2], np.frombuffer(row[3], dtype=np.float64))
            for row in self._db.execute(sql, params)
        ]


def _migrate(db: sqlite3.Connection) -> None:
    # Databases written before the server said `uid` everywhere.
    for table in ("users", "faces"):
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if "user_id" in columns:
            db.execute(f"ALTER TABLE {table} RENAME COLUMN user_id TO uid")


def _face_json(face: DetectedFace) -> str:
    return json.dumps(
        {
            "box": [face.left, face.top, face.width, face.height, face.rotation],
            "probability": face.probability,
            "pose": [face.yaw, face.pitch, face.roll],
            "landmarks": [[p.x, p.y] for p in face.landmarks],
        }
    )


def _face_from_json(face_token: str, text: str, embedding: bytes) -> DetectedFace:
    data = json.loads(text)
    left, top, width, height, rotation = data["box"]
    yaw, pitch, roll = data["pose"]
    a, b, c, d = (Point(x, y) for x, y in data["landmarks"])
    return DetectedFace(
        face_token=face_token,
        left=left,
        top=top,
        width=width,
        height=height,
        rotation=rotation,
        probability=data["probability"],
        yaw=yaw,
        pitch=pitch,
        roll=roll,
        landmarks=(a, b, c, d),
        embedding=np.frombuffer(embedding, dtype=np.float64),
    )
