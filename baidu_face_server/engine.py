"""Offline face recognition with dlib: detection, landmarks, pose and embeddings.

The models come from the `face-recognition-models` package; its own loader
imports the removed `pkg_resources`, so the files are located directly.
"""

from __future__ import annotations

import hashlib
import math
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from importlib.util import find_spec
from pathlib import Path
from queue import Empty, SimpleQueue
from typing import Any

import dlib
import numpy as np
from numpy.typing import NDArray
from PIL import Image

# dlib's HOG detector slides an 80 px window over a pyramid of the image (each
# level 5/6 the size of the one above) and finds faces whose box is about 60 px
# wide or more in the image it scans. Frames larger than QUICK_SCAN_SIDE are
# scanned shrunk by a whole-number step to at most that size (cheap, and it
# finds the faces a camera sees up close); the faces between SMALLEST_FACE and
# what that finds are searched for in the top levels of the full-resolution
# pyramid only (see `locate` for when), on several threads.
SMALLEST_FACE = 60
QUICK_SCAN_SIDE = 1024
# Small frames are upsampled once so that faces of ~30 px are still found.
UPSAMPLE_BELOW = 800
_PYRAMID_STEP = 6 / 5  # dlib's frontal face detector scans with pyramid_down<6>
_LEVEL_0_BOX = 73  # the width of the boxes it finds in the top level
# Two detections are one face when they overlap as dlib's frontal face detector
# decides it (its test_box_overlap: 0.33 of their union, or 0.79 of either box).
_SAME_FACE_UNION = 0.33
_SAME_FACE_COVERED = 0.79
# A face has edges (eyes, brows, mouth, hairline) that a plain wall, a night sky
# or a dark room lacks. The full-resolution levels are scanned only around the
# blocks of _FLAT_BLOCK px whose grey levels, averaged over squares of
# _FLAT_AVERAGE px to wash out sensor noise, vary by more than _FLAT_SPREAD (a
# standard deviation; 60 px sample faces whose contrast is cut to a tenth, the
# least dlib still finds, vary by 7 or more; noise of a sigma of 6 by 1.5).
_FLAT_AVERAGE = 4
_FLAT_BLOCK = 32
_FLAT_SPREAD = 3.0
_WINDOW = 80  # the detector's window, in the top level's pixels
_CELL_GRID = 48
# Scans run side by side on this many threads: dlib releases the GIL while it scans.
DETECT_THREADS = min(4, os.cpu_count() or 1)

# Scores keep Baidu's meaning ("80 = same person"): a logistic curve of the
# dlib embedding distance that crosses 80 at SAME_PERSON_DISTANCE. On the
# shared photos same-person distances are <= 0.47 and others >= 0.69.
SAME_PERSON_DISTANCE = 0.55
SCORE_STEEPNESS = 12.0
_SCORE_MIDPOINT = SAME_PERSON_DISTANCE + math.log(4) / SCORE_STEEPNESS
# Where the nose tip sits between the eye line and the mouth centre in a level,
# frontal face (measured on the shared frontal enrolment photos).
FRONTAL_NOSE_RATIO = 0.52


def _model_dir() -> Path:
    spec = find_spec("face_recognition_models")
    if spec is None or spec.origin is None:
        raise RuntimeError("the face-recognition-models package is not installed")
    return Path(spec.origin).parent / "models"


@dataclass(frozen=True, slots=True)
class Point:
    """A point in the original image's pixels."""

    x: float
    y: float


@dataclass(frozen=True, slots=True)
class DetectedFace:
    """One face, with every coordinate in the original image's pixels."""

    face_token: str
    left: float
    top: float
    width: float
    height: float
    rotation: int
    probability: float
    yaw: float
    pitch: float
    roll: float
    landmarks: tuple[Point, Point, Point, Point]  # eye centres, nose tip, mouth centre
    embedding: NDArray[np.float64]


def similarity(a: NDArray[np.float64], b: NDArray[np.float64]) -> float:
    """Baidu-style score 0-100 for two embeddings."""
    distance = float(np.linalg.norm(a - b))
    return round(100.0 / (1.0 + math.exp(SCORE_STEEPNESS * (distance - _SCORE_MIDPOINT))), 2)


def _centre(points: NDArray[np.float64]) -> Point:
    x, y = points.mean(axis=0)
    return Point(round(float(x), 2), round(float(y), 2))


def _pose(marks: NDArray[np.float64]) -> tuple[float, float, float]:
    """Estimate yaw, pitch and roll in degrees from 68 landmarks (no 3-D model)."""
    left_eye, right_eye = marks[36:42].mean(axis=0), marks[42:48].mean(axis=0)
    nose, mouth = marks[30], marks[48:68].mean(axis=0)
    dx, dy = right_eye - left_eye
    roll = math.degrees(math.atan2(dy, dx))
    # Undo the roll so the horizontal and vertical offsets are in face axes.
    cos, sin = math.cos(-math.radians(roll)), math.sin(-math.radians(roll))
    eyes = (left_eye + right_eye) / 2

    def upright(p: NDArray[np.float64]) -> tuple[float, float]:
        vx, vy = p - eyes
        return vx * cos - vy * sin, vx * sin + vy * cos

    eye_distance = max(math.hypot(dx, dy), 1.0)
    nose_x, nose_y = upright(nose)
    _, mouth_y = upright(mouth)
    yaw = math.degrees(math.asin(max(-1.0, min(1.0, 2 * nose_x / eye_distance))))
    ratio = nose_y / mouth_y if mouth_y > 0 else FRONTAL_NOSE_RATIO
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, (ratio - FRONTAL_NOSE_RATIO) * 2.5))))
    return round(yaw, 2), round(pitch, 2), round(roll, 2)


def face_token_for(image: bytes, index: int) -> str:
    """Name a face by its image and position: the same image always gets the same token, as on Baidu."""
    suffix = b"" if index == 0 else f"#{index}".encode()
    return hashlib.md5(image + suffix, usedforsecurity=False).hexdigest()


type Found = list[tuple[Any, float]]  # dlib rectangles and detector scores
_PYRAMID = dlib.pyramid_down(6)  # the frontal face detector's own pyramid


def _dlib_int(saved: bytes, at: int) -> tuple[int, int]:
    """Read the integer dlib serialised at `at` (length and sign in one byte, then the bytes); return it and its end."""
    size = saved[at] & 0x0F
    value = int.from_bytes(saved[at + 1 : at + 1 + size], "little")
    return -value if saved[at] & 0x80 else value, at + 1 + size


def _saved_frontal_detector() -> tuple[bytes, int, int]:
    """Save dlib's frontal face detector; return its bytes and where its `max_pyramid_levels` field starts and ends.

    dlib's Python API cannot cap the levels a detector scans, but its saved form holds the
    cap: the 9th integer, after the detector's and scanner's versions, the empty feature
    pyramid (two integers), the cell size (8), the padding and the window (80x80).
    """
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "frontal.svm"
        dlib.get_frontal_face_detector().save(str(path))
        saved = path.read_bytes()
    fields: list[int] = []
    at = start = 0
    for _ in range(9):
        start = at
        value, at = _dlib_int(saved, at)
        fields.append(value)
    if fields[1] != 1 or fields[4] != 8 or fields[6:] != [80, 80, 1000]:
        raise RuntimeError(f"dlib saves its face detector in a form this engine does not know: {fields}")
    return saved, start, at


def _load_detector(saved: tuple[bytes, int, int], levels: int | None) -> Any:
    """Load a face detector that scans the first `levels` levels of its pyramid (None: every level)."""
    if levels is None:
        return dlib.get_frontal_face_detector()
    data, start, end = saved
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "capped.svm"
        path.write_bytes(data[:start] + bytes((1, levels)) + data[end:])
        return dlib.fhog_object_detector(str(path))


def _textured(grey: NDArray[np.uint8], margin: int) -> tuple[slice, slice] | None:
    """Return the part of `grey` holding every block that is not flat, grown by `margin` px (None: all flat)."""
    cells = _FLAT_BLOCK // _FLAT_AVERAGE
    averaged = np.asarray(Image.fromarray(grey).reduce(_FLAT_AVERAGE), dtype=np.float32)
    rows, columns = averaged.shape[0] // cells, averaged.shape[1] // cells
    blocks = averaged[: rows * cells, : columns * cells].reshape(rows, cells, columns, cells)
    busy_rows, busy_columns = np.nonzero(blocks.std(axis=(1, 3)) > _FLAT_SPREAD)
    if not len(busy_rows):
        return None
    top, left = int(busy_rows.min()) * _FLAT_BLOCK - margin, int(busy_columns.min()) * _FLAT_BLOCK - margin
    # The last blocks take in the pixels beyond the last whole block.
    bottom = grey.shape[0] if busy_rows.max() == rows - 1 else (int(busy_rows.max()) + 1) * _FLAT_BLOCK + margin
    right = grey.shape[1] if busy_columns.max() == columns - 1 else (int(busy_columns.max()) + 1) * _FLAT_BLOCK + margin
    # Starting on the whole frame's grid of HOG cells (8 px at level 0, 48 px = 40 at
    # level 1) gives the part the features the whole frame has there.
    return slice(max(0, top) // _CELL_GRID * _CELL_GRID, bottom), slice(max(0, left) // _CELL_GRID * _CELL_GRID, right)


def _fine_levels(step: int) -> int:
    """How many top levels of the full-resolution pyramid reach the faces a scan shrunk by `step` finds.

    Level k finds faces of about 60 * 1.2**k px and up to one level larger; the shrunk scan
    finds them from about 55 * step px. (1080p: 3 levels and the shrunk scan find all the
    sample faces of 90-140 px; 4K: 7 levels, all of 190-260 px.)
    """
    return math.ceil(math.log(step) / math.log(_PYRAMID_STEP)) - 1


def _fine_jobs(grey: NDArray[np.uint8], step: int) -> list[Job]:
    """Plan the scans of the top levels of the pyramid of `grey` that find the faces a scan shrunk by `step` misses."""
    levels = _fine_levels(step)
    part = _textured(grey, round(_WINDOW * _PYRAMID_STEP ** (levels - 1)))
    return [] if part is None else [partial(_scan_levels, grey, part, *job) for job in _level_jobs(levels)]


def _level_jobs(levels: int) -> list[tuple[int, int]]:
    """Split the top `levels` pyramid levels into (first level, count) jobs of similar cost, for the threads.

    Level 0 costs about as much as all the levels below it, level 1 two thirds of that.
    """
    return [(first, count) for first, count in ((0, 1), (2, levels - 2), (1, 1)) if count > 0]


def _overlap(a: Any, b: Any) -> bool:
    inner: int = a.intersect(b).area()
    if inner == 0:
        return False
    smaller: int = min(a.area(), b.area())
    return inner / (a.area() + b.area() - inner) > _SAME_FACE_UNION or inner / smaller > _SAME_FACE_COVERED


def _one_per_face(found: Found) -> Found:
    """Keep the best-scoring of detections that are the same face."""
    kept: Found = []
    for rect, score in sorted(found, key=lambda face: -face[1]):
        if not any(_overlap(rect, other) for other, _ in kept):
            kept.append((rect, score))
    return kept


def _scan(grey: NDArray[np.uint8], upsample: int, levels: int | None, detectors: _Detectors) -> Found:
    rects, scores, _ = detectors(levels).run(grey, upsample, 0.0)
    return list(zip(rects, scores, strict=True))


def _scan_levels(
    grey: NDArray[np.uint8], part: tuple[slice, slice], first: int, count: int, detectors: _Detectors
) -> Found:
    """Scan `count` levels of the pyramid of the `part` of `grey`, from level `first`."""
    image = np.ascontiguousarray(grey[part])
    for _ in range(first):
        image = _PYRAMID(image)
    origin = dlib.point(part[1].start, part[0].start)
    return [
        (dlib.translate_rect(_PYRAMID.rect_up(rect, first), origin), score)
        for rect, score in _scan(image, 0, count, detectors)
    ]


def _refined(grey: NDArray[np.uint8], rect: Any, score: float, detectors: _Detectors) -> tuple[Any, float]:
    """Find again, in the full-resolution pyramid around it, a face a shrunk scan found at `rect`.

    The shrunk pyramid's boxes are up to a level (1.2x) off; this gives the box a scan of the
    whole frame would, for the cost of a few small levels. The face keeps `rect` if not found.
    """
    level = max(0, _level(rect) - 1)
    margin = rect.width() // 2
    left, top = max(0, rect.left() - margin), max(0, rect.top() - margin)
    image = np.ascontiguousarray(grey[top : rect.bottom() + margin + 1, left : rect.right() + margin + 1])
    for _ in range(level):
        image = _PYRAMID(image)
    found = [
        (dlib.translate_rect(_PYRAMID.rect_up(again, level), dlib.point(left, top)), again_score)
        for again, again_score in _scan(image, 0, 3, detectors)
    ]
    same = [face for face in found if _overlap(face[0], rect)]
    return max(same, key=lambda face: face[1]) if same else (rect, score)


def _scaled(rect: Any, step: int) -> Any:
    return dlib.rectangle(rect.left() * step, rect.top() * step, rect.right() * step, rect.bottom() * step)


def _level(rect: Any) -> int:
    """Return the pyramid level whose boxes are the size of `rect` (dlib's box sizes are no finer)."""
    return round(math.log(max(rect.width(), 1) / _LEVEL_0_BOX) / math.log(_PYRAMID_STEP))


def _largest_first(found: Found) -> Found:
    """Sort faces largest first; faces of one size (boxes of one pyramid level) go by score."""
    return sorted(found, key=lambda face: (-_level(face[0]), -face[1]))


class _Detectors:
    """One thread's face detectors: a dlib detector keeps the image it scans, so threads never share one."""

    def __init__(self, saved: tuple[bytes, int, int]) -> None:
        """Load detectors from `saved` (see `_saved_frontal_detector`) as they are first asked for."""
        self._saved = saved
        self._by_levels: dict[int | None, Any] = {}

    def __call__(self, levels: int | None) -> Any:
        """Return the detector that scans the first `levels` levels of its pyramid (None: every level)."""
        if levels not in self._by_levels:
            self._by_levels[levels] = _load_detector(self._saved, levels)
        return self._by_levels[levels]


type Job = Callable[[_Detectors], Found]


class FaceEngine:
    """dlib models, loaded once. Not thread-safe: callers serialise use."""

    def __init__(self) -> None:
        """Load the detector, the landmark predictor and the embedding network."""
        models = _model_dir()
        self._saved_detector = _saved_frontal_detector()
        self._idle_detectors: SimpleQueue[_Detectors] = SimpleQueue()
        self._shapes: Any = dlib.shape_predictor(str(models / "shape_predictor_68_face_landmarks.dat"))
        self._encoder: Any = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))

    def analyze(self, pixels: NDArray[np.uint8], source: bytes, max_faces: int) -> list[DetectedFace]:
        """Find up to `max_faces` faces, largest first, in an RGB array."""
        found = self.locate(pixels, max_faces)
        return [self.describe(pixels, source, index, rect, score) for index, (rect, score) in enumerate(found)]

    def locate(self, pixels: NDArray[np.uint8], max_faces: int) -> Found:
        """Up to `max_faces` faces' dlib rectangles (in the image's pixels) and detector scores, largest first."""
        # HOG over one grey channel takes a quarter less time than over three
        # colour channels (177 vs 234 ms for a whole 1080p frame, measured once
        # side by side), and from 60 px it finds the same sample faces.
        grey = np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).convert("L"))
        step = math.ceil(max(grey.shape) / QUICK_SCAN_SIDE)
        if step == 1:
            upsample = 1 if max(grey.shape) < UPSAMPLE_BELOW else 0
            (found,) = self._side_by_side([partial(_scan, grey, upsample, None)], threading.Event())
            return _largest_first(found)[:max_faces]
        shrunk = np.asarray(Image.fromarray(grey).reduce(step))
        enough = threading.Event()

        def quick(detectors: _Detectors) -> Found:
            found = [
                _refined(grey, _scaled(rect, step), score, detectors)
                for rect, score in _scan(shrunk, 0, None, detectors)
            ]
            if len(found) >= max_faces:
                enough.set()
            return found

        if step == 2:
            # The shrunk scan and level 0 cost about the same: they start together,
            # and when the shrunk scan finds enough faces, the rest is skipped.
            quick_found, *fine_found = self._side_by_side([quick, *_fine_jobs(grey, step)], enough)
        else:
            # Level 0 costs several shrunk scans: it waits to see if it is needed.
            (quick_found,) = self._side_by_side([quick], enough)
            fine = [] if enough.is_set() else _fine_jobs(grey, step)
            fine_found = self._side_by_side(fine, enough) if fine else []
        if len(quick_found) >= max_faces:
            return _largest_first(quick_found)[:max_faces]
        return _largest_first(_one_per_face(quick_found + [face for found in fine_found for face in found]))[:max_faces]

    def _side_by_side(self, jobs: list[Job], enough: threading.Event) -> list[Found]:
        """Run `jobs` on DETECT_THREADS threads, the first on this one; once `enough` is set, skip those not started."""
        results: list[Found] = [[] for _ in jobs]
        errors: list[BaseException] = []
        pending = iter(enumerate(jobs[1:], start=1))
        taking = threading.Lock()

        def work(first: Job | None = None) -> None:
            detectors = self._borrow_detectors()
            try:
                if first is not None:
                    results[0] = first(detectors)
                while not enough.is_set():
                    with taking:
                        index, job = next(pending, (-1, None))
                    if job is None:
                        return
                    results[index] = job(detectors)
            except BaseException as error:  # re-raised in the caller's thread
                errors.append(error)
            finally:
                self._idle_detectors.put(detectors)

        helpers = [threading.Thread(target=work, name="face-detect") for _ in range(min(DETECT_THREADS, len(jobs)) - 1)]
        for helper in helpers:
            helper.start()
        work(jobs[0])
        for helper in helpers:
            helper.join()
        if errors:
            raise errors[0]
        return results

    def _borrow_detectors(self) -> _Detectors:
        try:
            return self._idle_detectors.get_nowait()
        except Empty:
            return _Detectors(self._saved_detector)

    def describe(self, pixels: NDArray[np.uint8], source: bytes, index: int, rect: Any, score: float) -> DetectedFace:
        """Landmarks, pose and embedding of the face `locate` found at `rect`."""
        shape = self._shapes(pixels, rect)
        marks = np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)
        embedding = np.array(self._encoder.compute_face_descriptor(pixels, shape, 1), dtype=np.float64)
        yaw, pitch, roll = _pose(marks)
        left = max(0, rect.left())
        top = max(0, rect.top())
        return DetectedFace(
            face_token=face_token_for(source, index),
            left=float(left),
            top=float(top),
            width=float(min(rect.right(), pixels.shape[1] - 1) - left + 1),
            height=float(min(rect.bottom(), pixels.shape[0] - 1) - top + 1),
            rotation=round(roll),
            # The HOG margin is unbounded; a logistic squashes it into 0..1.
            probability=round(1 / (1 + math.exp(-3 * (score + 0.5))), 4),
            yaw=yaw,
            pitch=pitch,
            roll=roll,
            landmarks=(
                _centre(marks[36:42]),
                _centre(marks[42:48]),
                Point(float(marks[30][0]), float(marks[30][1])),
                _centre(marks[48:68]),
            ),
            embedding=embedding,
        )
