"""The face set in SQLite: groups, users (per group, as in V3) and their faces.

Every change is one transaction, so a crash or kill never leaves a user
half-written; each group's embeddings are also held in memory for search
(`index.py`) and change with the transaction that changes the database, only
once it commits. Groups belong to an app, as on Baidu, where each app has its
own face library.

It keeps no more than it must: faces seen by detect or search (for later
FACE_TOKEN use) are kept for SEEN_FACE_LIFETIME and at most SEEN_FACE_LIMIT of
them, pruned on every write and swept every SEEN_FACE_SWEEP seconds whether or not calls
come (`forget_expired_faces`); access tokens are kept as SHA-256 digests.
"""

from __future__ import annotations

import hashlib
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
from .index import GroupIndex
from .problems import Problem, ProblemError
from .quality import FaceQuality, Occlusion

MAX_FACES_PER_USER = 20
# Baidu publishes no lifetime for face tokens. Clients use one right after the
# detect or search that returned it (to register or compare that face), so an
# hour is plenty; the count bounds the database under endless scanning.
SEEN_FACE_LIFETIME = 3600
SEEN_FACE_LIMIT = 1000
# A server that no call reaches still forgets them: the server sweeps this often.
SEEN_FACE_SWEEP = 60
# Expired access tokens are forgotten a day after expiry.
TOKEN_GRACE = 86400
# SQLite's bound on parameters a statement may hold is 32,766; stay well under.
_IDS_PER_QUERY = 900

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
    face_token TEXT PRIMARY KEY, face TEXT NOT NULL, embedding BLOB NOT NULL, seen REAL NOT NULL);
CREATE INDEX IF NOT EXISTS seen_faces_by_time ON seen_faces (seen);
CREATE TABLE IF NOT EXISTS access_tokens (
    token_sha256 TEXT PRIMARY KEY, api_key TEXT NOT NULL, expires REAL NOT NULL);
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
        """Open (or create) the database and load every group's embeddings."""
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA foreign_keys = ON")
        # What is deleted (faces, tokens) is overwritten, not left in free pages.
        self._db.execute("PRAGMA secure_delete = ON")
        self._in_file = str(path) != ":memory:"
        if self._in_file:
            self._db.execute("PRAGMA journal_mode = WAL")
        _migrate(self._db)
        self._db.executescript(_SCHEMA)
        self._groups: dict[tuple[str, str], GroupIndex] = {}
        # What the open transaction changed, applied to the index when it commits.
        self._touched_users: set[tuple[str, str, str]] = set()
        self._dropped_groups: set[tuple[str, str]] = set()
        self._load_index()
        self.forget_expired_faces()

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    def checkpoint(self) -> None:
        """Move the write-ahead log into the database file and empty it."""
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
            fresh = {key: self._user_faces(*key) for key in self._touched_users}
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            self._touched_users.clear()
            self._dropped_groups.clear()
            raise
        self._apply(fresh)

    def _touch(self, app: str, group_id: str, uid: str) -> None:
        self._touched_users.add((app, group_id, uid))

    def _user_faces(self, app: str, group_id: str, uid: str) -> list[tuple[int, NDArray[np.float64]]]:
        rows = self._db.execute(
            "SELECT rowid, embedding FROM faces WHERE app = ? AND group_id = ? AND uid = ? ORDER BY rowid",
            (app, group_id, uid),
        )
        return [(row[0], np.frombuffer(row[1], dtype=np.float64)) for row in rows]

    def _apply(self, fresh: dict[tuple[str, str, str], list[tuple[int, NDArray[np.float64]]]]) -> None:
        for key in self._dropped_groups:
            self._groups.pop(key, None)
        for (app, group_id, uid), faces in fresh.items():
            index = self._groups.setdefault((app, group_id), GroupIndex())
            index.replace_user(uid, faces)
        self._touched_users.clear()
        self._dropped_groups.clear()

    def _load_index(self) -> None:
        counts = self._db.execute("SELECT app, group_id, COUNT(*) FROM faces GROUP BY app, group_id")
        self._groups = {(app, group_id): GroupIndex(count) for app, group_id, count in counts}
        rows = self._db.execute("SELECT app, group_id, uid, rowid, embedding FROM faces ORDER BY rowid")
        for app, group_id, uid, face_id, embedding in rows:
            self._groups[app, group_id].add(uid, face_id, np.frombuffer(embedding, dtype=np.float64))

    # Access tokens survive restarts, as Baidu's do; only their digests are kept.

    def save_token(self, token: str, api_key: str, expires: float) -> None:
        """Remember a token issued to an app, forgetting long-expired ones."""
        with self._transaction() as db:
            db.execute("DELETE FROM access_tokens WHERE expires < ?", (time.time() - TOKEN_GRACE,))
            db.execute("INSERT INTO access_tokens VALUES (?, ?, ?)", (_digest(token), api_key, expires))

    def revoke_tokens(self, api_key: str) -> None:
        """Forget every token of an app."""
        with self._transaction() as db:
            db.execute("DELETE FROM access_tokens WHERE api_key = ?", (api_key,))

    def token_owner(self, token: str) -> tuple[str, float] | None:
        """Return the API key and expiry of a token, if it was issued."""
        row = self._db.execute(
            "SELECT api_key, expires FROM access_tokens WHERE token_sha256 = ?", (_digest(token),)
        ).fetchone()
        return (row[0], row[1]) if row else None

    # Faces seen by any call, so that FACE_TOKEN images can be resolved later.

    def remember_faces(self, faces: Iterable[DetectedFace]) -> None:
        """Keep faces for FACE_TOKEN use, pruning those past their time or beyond the count."""
        now = time.time()
        rows = [(f.face_token, _face_json(f), f.embedding.tobytes(), now) for f in faces]
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO seen_faces VALUES (?, ?, ?, ?)", rows)
            db.execute("DELETE FROM seen_faces WHERE seen < ?", (now - SEEN_FACE_LIFETIME,))
            db.execute(
                "DELETE FROM seen_faces WHERE rowid IN"
                " (SELECT rowid FROM seen_faces ORDER BY seen DESC, rowid DESC LIMIT -1 OFFSET ?)",
                (SEEN_FACE_LIMIT,),
            )

    def forget_expired_faces(self) -> int:
        """Delete the seen faces past their lifetime, from the file and its write-ahead log; return how many."""
        with self._transaction() as db:
            gone = db.execute("DELETE FROM seen_faces WHERE seen < ?", (time.time() - SEEN_FACE_LIFETIME,)).rowcount
        if gone and self._in_file:
            # The log still holds the pages they were on; emptied, no copy is left.
            self.checkpoint()
        return gone

    def seen_face(self, face_token: str) -> DetectedFace:
        """Return a face seen within the lifetime, by its token."""
        row = self._db.execute(
            "SELECT face, embedding FROM seen_faces WHERE face_token = ? AND seen >= ?",
            (face_token, time.time() - SEEN_FACE_LIFETIME),
        ).fetchone()
        if row is None:
            raise ProblemError(Problem.FACE_TOKEN_NOT_FOUND, "image")
        return _face_from_json(face_token, row[0], row[1])

    # Groups.

    def group_exists(self, app: str, group_id: str) -> bool:
        """Whether the app has the group."""
        return (
            self._db.execute("SELECT 1 FROM groups WHERE app = ? AND group_id = ?", (app, group_id)).fetchone()
            is not None
        )

    def create_group(self, app: str, group_id: str) -> None:
        """Create an empty group."""
        with self._transaction() as db:
            if self.group_exists(app, group_id):
                raise ProblemError(Problem.GROUP_EXISTS, "group_id")
            db.execute("INSERT INTO groups VALUES (?, ?, ?)", (app, group_id, time.time()))

    def delete_group(self, app: str, group_id: str) -> None:
        """Delete a group with its users and faces."""
        with self._transaction() as db:
            if not db.execute("DELETE FROM groups WHERE app = ? AND group_id = ?", (app, group_id)).rowcount:
                raise ProblemError(Problem.GROUP_NOT_FOUND, "group_id")
            self._dropped_groups.add((app, group_id))

    def list_groups(self, app: str, start: int, length: int) -> list[str]:
        """List a page of the app's groups, oldest first."""
        rows = self._db.execute(
            "SELECT group_id FROM groups WHERE app = ? ORDER BY created, rowid LIMIT ? OFFSET ?",
            (app, length, start),
        )
        return [row[0] for row in rows]

    # Users.

    def user_groups(self, app: str, uid: str) -> dict[str, str]:
        """Map each group a uid is in to its user_info, oldest first."""
        rows = self._db.execute(
            "SELECT group_id, user_info FROM users WHERE app = ? AND uid = ? ORDER BY created, rowid",
            (app, uid),
        )
        return dict(rows.fetchall())

    def list_group_users(self, app: str, group_id: str, start: int, length: int) -> list[tuple[str, str]]:
        """List a page of a group's (uid, user_info), oldest first."""
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
                self._touch(*key)
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

    def import_faces(self, app: str, group_id: str, faces: Iterable[tuple[str, str, DetectedFace]]) -> None:
        """Register many (uid, user_info, face) in one group in one transaction, for bulk tools."""
        now = time.time()
        ctime = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(now))
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO groups VALUES (?, ?, ?)", (app, group_id, now))
            for uid, user_info, face in faces:
                db.execute("INSERT OR IGNORE INTO users VALUES (?, ?, ?, ?, ?)", (app, group_id, uid, user_info, now))
                db.execute(
                    "INSERT INTO faces VALUES (?, ?, ?, ?, ?, ?)",
                    (app, group_id, uid, face.face_token, face.embedding.tobytes(), ctime),
                )
                self._touch(app, group_id, uid)

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
            for group_id in group_ids:
                self._touch(app, group_id, uid)

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
                self._touch(app, dst, uid)

    # Faces.

    def list_faces(self, app: str, group_id: str, uid: str) -> list[StoredFace]:
        """List a user's faces in a group, oldest first."""
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
            self._touch(*key)
            if not db.execute(
                "DELETE FROM faces WHERE app = ? AND group_id = ? AND uid = ? AND face_token = ?",
                (*key, face_token),
            ).rowcount:
                raise ProblemError(Problem.FACE_NOT_FOUND, "face_token")
            if not db.execute("SELECT 1 FROM faces WHERE app = ? AND group_id = ? AND uid = ?", key).fetchone():
                db.execute("DELETE FROM users WHERE app = ? AND group_id = ? AND uid = ?", key)

    def enrolled_faces(self, app: str, group_ids: list[str], uid: str) -> list[EnrolledFace]:
        """Return a uid's registered faces in some groups."""
        marks = ",".join("?" * len(group_ids))
        # Only "?" placeholders are interpolated into the SQL.
        return self._enrolled(
            f"f.app = ? AND f.group_id IN ({marks}) AND f.uid = ?",
            [app, *group_ids, uid],
        )

    def nearest_faces(
        self, app: str, group_ids: list[str], embedding: NDArray[np.float64], top: int
    ) -> list[EnrolledFace]:
        """Every face of each user that can be among the `top` closest users of each group."""
        face_ids = [
            face_id
            for group_id in dict.fromkeys(group_ids)
            if (index := self._groups.get((app, group_id))) is not None
            for face_id in index.nearest(embedding, top, MAX_FACES_PER_USER)
        ]
        found: list[EnrolledFace] = []
        for start in range(0, len(face_ids), _IDS_PER_QUERY):
            chunk = face_ids[start : start + _IDS_PER_QUERY]
            found += self._enrolled(f"f.rowid IN ({','.join('?' * len(chunk))})", chunk)
        # One order for equal scores, whatever order the index held the faces in.
        return sorted(found, key=lambda face: (face.group_id, face.uid))

    def _enrolled(self, where: str, params: list[str] | list[int]) -> list[EnrolledFace]:
        sql = (
            "SELECT f.group_id, f.uid, u.user_info, f.embedding FROM faces f JOIN users u"  # noqa: S608
            f" USING (app, group_id, uid) WHERE {where} ORDER BY f.group_id, f.uid, f.rowid"
        )
        return [
            EnrolledFace(row[0], row[1], row[2], np.frombuffer(row[3], dtype=np.float64))
            for row in self._db.execute(sql, params)
        ]


def _columns(db: sqlite3.Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _migrate(db: sqlite3.Connection) -> None:
    # Databases written before the server said `uid` everywhere.
    for table in ("users", "faces"):
        if "user_id" in _columns(db, table):
            db.execute(f"ALTER TABLE {table} RENAME COLUMN user_id TO uid")
    # ... before seen faces had a time: a cache, so it starts afresh.
    if _columns(db, "seen_faces") - {"seen"} and "seen" not in _columns(db, "seen_faces"):
        db.execute("DROP TABLE seen_faces")
    # ... and before they had their quality: those are forgotten (a FACE_TOKEN of theirs could
    # not be held to a quality_control).
    if "face" in _columns(db, "seen_faces"):
        db.execute("DELETE FROM seen_faces WHERE json_extract(face, '$.quality') IS NULL")
    # ... and before tokens were kept as digests: digest them in place.
    if "access_token" in _columns(db, "access_tokens"):
        db.create_function("sha256", 1, _digest, deterministic=True)
        db.execute("UPDATE access_tokens SET access_token = sha256(access_token)")
        db.execute("ALTER TABLE access_tokens RENAME COLUMN access_token TO token_sha256")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _face_json(face: DetectedFace) -> str:
    quality = face.quality
    occlusion = quality.occlusion.regions().values()
    return json.dumps(
        {
            "box": [face.left, face.top, face.width, face.height, face.rotation],
            "probability": face.probability,
            "pose": [face.yaw, face.pitch, face.roll],
            "landmarks": [[p.x, p.y] for p in face.landmarks],
            "quality": [quality.blur, quality.illumination, quality.completeness, *occlusion],
        }
    )


def _face_from_json(face_token: str, text: str, embedding: bytes) -> DetectedFace:
    data = json.loads(text)
    left, top, width, height, rotation = data["box"]
    yaw, pitch, roll = data["pose"]
    a, b, c, d = (Point(x, y) for x, y in data["landmarks"])
    blur, illumination, completeness, *occlusion = data["quality"]
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
        quality=FaceQuality(blur, illumination, completeness, Occlusion(*occlusion)),
    )
