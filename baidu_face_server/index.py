"""Each group's registered embeddings in memory, searched with one matrix product.

Baidu allows 300,000 faces a group; scoring them one by one from SQLite takes
seconds. A float32 matrix per group finds the few faces that can be among the
best in milliseconds; the store then scores those few exactly, from the
embeddings it keeps, so results do not depend on float32 rounding.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

DIMENSIONS = 128
# Squared-distance slack for float32 rounding: rows this close to the cut are
# scored exactly too (rounding errors are about 1e-6).
MARGIN = 1e-3


class GroupIndex:
    """One group's embeddings: a float32 matrix with the uid and face row id of each row."""

    def __init__(self, capacity: int = 0) -> None:
        """Start empty, with room for `capacity` faces."""
        self._matrix = np.empty((capacity, DIMENSIONS), dtype=np.float32)
        self._norms = np.empty(capacity, dtype=np.float32)
        self._face_ids = np.empty(capacity, dtype=np.int64)
        self._uid_codes = np.empty(capacity, dtype=np.int32)
        self._count = 0
        # uids are held once each; rows refer to them by a small integer.
        self._uids: list[str] = []
        self._codes: dict[str, int] = {}

    def __len__(self) -> int:
        """The number of faces."""
        return self._count

    def add(self, uid: str, face_id: int, embedding: NDArray[np.floating]) -> None:
        """Add one face."""
        if self._count == len(self._matrix):
            self._grow()
        row = self._count
        self._matrix[row] = embedding
        self._norms[row] = float(np.dot(self._matrix[row], self._matrix[row]))
        self._face_ids[row] = face_id
        self._uid_codes[row] = self._code(uid)
        self._count += 1

    def replace_user(self, uid: str, faces: Iterable[tuple[int, NDArray[np.floating]]]) -> None:
        """Make a uid's faces exactly `faces` (face row id, embedding); none removes the uid."""
        code = self._codes.get(uid)
        if code is not None:
            # Swap-remove from the end so that earlier rows stay where they are.
            for row in sorted(np.flatnonzero(self._uid_codes[: self._count] == code), reverse=True):
                last = self._count - 1
                for column in (self._matrix, self._norms, self._face_ids, self._uid_codes):
                    column[row] = column[last]
                self._count = last
        for face_id, embedding in faces:
            self.add(uid, face_id, embedding)

    def nearest(self, embedding: NDArray[np.floating], top: int, faces_per_user: int) -> list[int]:
        """The row ids of every face of each user that can be among the `top` closest users."""
        count = self._count
        if count == 0:
            return []
        query = embedding.astype(np.float32)
        distances = self._norms[:count] - 2 * (self._matrix[:count] @ query) + float(np.dot(query, query))
        codes = self._uid_codes[:count]
        # A user has at most `faces_per_user` faces, so the closest top * that
        # many faces hold the `top` closest users.
        reach = min(count, top * faces_per_user)
        closest = np.argpartition(distances, reach - 1)[:reach] if reach < count else np.arange(count)
        closest = closest[np.argsort(distances[closest], kind="stable")]
        users: set[int] = set()
        # Fewer than `top` users among all faces: every face is a candidate.
        cut = float(distances[closest[-1]]) if reach == count else float("inf")
        for row in closest:
            users.add(int(codes[row]))
            if len(users) == top:
                cut = float(distances[row])
                break
        near_users = np.unique(codes[distances <= cut + MARGIN])
        return [int(i) for i in self._face_ids[:count][np.isin(codes, near_users)]]

    def _code(self, uid: str) -> int:
        code = self._codes.get(uid)
        if code is None:
            code = self._codes[uid] = len(self._uids)
            self._uids.append(uid)
        return code

    def _grow(self) -> None:
        # A quarter more: a large group must not double its memory for one more face.
        capacity = max(1024, len(self._matrix) + len(self._matrix) // 4)
        self._matrix = _resized(self._matrix, capacity)
        self._norms = _resized(self._norms, capacity)
        self._face_ids = _resized(self._face_ids, capacity)
        self._uid_codes = _resized(self._uid_codes, capacity)


def _resized[A: np.generic](array: NDArray[A], capacity: int) -> NDArray[A]:
    grown = np.empty((capacity, *array.shape[1:]), dtype=array.dtype)
    grown[: len(array)] = array
    return grown
