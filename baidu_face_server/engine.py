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

from .proposals import FaceProposals
from .quality import FaceQuality, measure

# dlib's HOG detector slides an 80 px window over a pyramid of the image (each
# level 5/6 the size of the one above) and finds faces whose box is about 60 px
# wide or more in the image it scans. Frames larger than QUICK_SCAN_SIDE are
# scanned shrunk by a whole-number step to at most that size (cheap, and it
# finds the faces a camera sees up close); the faces from SMALLEST_FACE to what
# that finds are looked for where MTCNN's networks propose them (proposals.py),
# on a second thread.
SMALLEST_FACE = 60
QUICK_SCAN_SIDE = 1024
# Small frames are upsampled once so that faces of ~30 px are still found.
UPSAMPLE_BELOW = 800
_PYRAMID_STEP = 6 / 5  # dlib's frontal face detector scans with pyramid_down<6>
_LEVEL_0_BOX = 73  # the width of the boxes it finds in the top level
# A scan shrunk by a step finds faces from about _QUICK_SMALLEST * step px; proposals
# cover the sizes from SMALLEST_FACE to a little over that.
_QUICK_SMALLEST = 55
_PROPOSED_OVERLAP = 1.25
# Two detections are one face when they overlap as dlib's frontal face detector
# decides it (its test_box_overlap: 0.33 of their union, or 0.79 of either box).
_SAME_FACE_UNION = 0.33
_SAME_FACE_COVERED = 0.79
# A face half out of the frame is not found (dlib finds faces up to about a third out). Mirrored
# at the frame's left or right edge, the half that is in makes a whole face again: the sample
# faces cut at their middle are all found so (mirrored at the top or bottom, half of them, for
# a second scan of the whole frame: not done). The mirror reaches this share of the frame's
# shorter side beyond each edge.
EDGE_MIRROR = 0.3
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
    quality: FaceQuality

    @property
    def angles(self) -> tuple[float, float, float]:
        """Yaw, pitch and roll in degrees."""
        return self.yaw, self.pitch, self.roll


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


def _around(grey: NDArray[np.uint8], rect: Any, detectors: _Detectors) -> Found:
    """Scan the full-resolution pyramid around `rect`, from a level under its size to one over; return the faces on it.

    A few small levels: a fraction of the cost of scanning the whole frame, for its boxes.
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
    return [face for face in found if _overlap(face[0], rect)]


def _refined(grey: NDArray[np.uint8], rect: Any, score: float, detectors: _Detectors) -> tuple[Any, float]:
    """Find again, around it, a face a shrunk scan found at `rect`; it keeps `rect` if not found.

    The shrunk pyramid's boxes are up to a level (1.2x) off; this gives the box a scan of the
    whole frame would.
    """
    return max(_around(grey, rect, detectors), key=lambda face: face[1], default=(rect, score))


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
        self._proposals = FaceProposals()
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
        frame = Image.fromarray(np.ascontiguousarray(pixels))
        grey = np.asarray(frame.convert("L"))
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

        def small(detectors: _Detectors) -> Found:
            found: Found = []
            largest = _QUICK_SMALLEST * step * _PROPOSED_OVERLAP
            for proposal in self._proposals(frame, SMALLEST_FACE, largest, enough.is_set):
                if enough.is_set():
                    break
                rect = dlib.rectangle(
                    round(proposal.left),
                    round(proposal.top),
                    round(proposal.left + proposal.side),
                    round(proposal.top + proposal.side),
                )
                found += _around(grey, rect, detectors)
            return found

        # Both start together: a frame with no face (most of a camera's) waits for the
        # longer of the two, not for both one after the other.
        quick_found, small_found = self._side_by_side([quick, small], enough)
        if len(quick_found) >= max_faces:
            return _largest_first(quick_found)[:max_faces]
        return _largest_first(_one_per_face(quick_found + small_found))[:max_faces]

    def cut_off_face(self, pixels: NDArray[np.uint8]) -> bool:
        """Whether a face runs off the frame's side: a scan of the frame mirrored at its sides finds one across them.

        For a frame where `locate` found nothing, to tell "a face, but cut off" (Baidu's 223116)
        from "no face"; what it finds is never described or compared with anyone.
        """
        height, width = pixels.shape[:2]
        pad = round(min(height, width) * EDGE_MIRROR)
        mirrored = np.pad(pixels, ((0, 0), (pad, pad), (0, 0)), mode="symmetric")
        for rect, _ in self.locate(mirrored, 4):
            left, right = rect.left() - pad, rect.right() - pad
            if right >= 0 and left < width and (left < 0 or right >= width):
                return True
        return False

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
            quality=measure(pixels, (rect.left(), rect.top(), rect.right(), rect.bottom()), marks),
        )
