"""Offline face recognition with dlib: detection, landmarks, pose and embeddings.

The models come from the `face-recognition-models` package; its own loader
imports the removed `pkg_resources`, so the files are located directly.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import dlib
import numpy as np
from numpy.typing import NDArray
from PIL import Image

# dlib's HOG detector finds faces whose box is about 60 px wide or more in the
# image it scans. Frames larger than QUICK_SCAN_SIDE are first scanned shrunk
# by a whole-number step to at most that size (cheap, and it finds the faces a
# camera sees up close); only when that finds fewer faces than asked for is
# the full-resolution frame scanned, which finds faces down to SMALLEST_FACE.
SMALLEST_FACE = 60
QUICK_SCAN_SIDE = 1024
# Small frames are upsampled once so that faces of ~30 px are still found.
UPSAMPLE_BELOW = 800

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


class FaceEngine:
    """dlib models, loaded once. Not thread-safe: callers serialise use."""

    def __init__(self) -> None:
        """Load the detector, the landmark predictor and the embedding network."""
        models = _model_dir()
        self._detector: Any = dlib.get_frontal_face_detector()
        self._shapes: Any = dlib.shape_predictor(str(models / "shape_predictor_68_face_landmarks.dat"))
        self._encoder: Any = dlib.face_recognition_model_v1(str(models / "dlib_face_recognition_resnet_model_v1.dat"))

    def analyze(self, pixels: NDArray[np.uint8], source: bytes, max_faces: int) -> list[DetectedFace]:
        """Find up to `max_faces` faces, largest first, in an RGB array."""
        found = self.locate(pixels, max_faces)
        return [self.describe(pixels, source, index, rect, score) for index, (rect, score) in enumerate(found)]

    def locate(self, pixels: NDArray[np.uint8], max_faces: int) -> list[tuple[Any, float]]:
        """Up to `max_faces` faces' dlib rectangles (in the image's pixels) and detector scores, largest first."""
        step = math.ceil(max(pixels.shape[:2]) / QUICK_SCAN_SIDE)
        if step > 1:
            quick = self._scan(pixels[::step, ::step], step)
            if len(quick) >= max_faces:
                return quick[:max_faces]
        return self._scan(pixels, 1)[:max_faces]

    def _scan(self, pixels: NDArray[np.uint8], step: int) -> list[tuple[Any, float]]:
        # HOG over one grey channel takes a quarter less time than over three
        # colour channels (177 vs 234 ms for a whole 1080p frame, measured once
        # side by side), and from 60 px it finds the same sample faces.
        grey = np.asarray(Image.fromarray(np.ascontiguousarray(pixels)).convert("L"))
        # A shrunk copy is never upsampled: that is what the full-resolution scan is for.
        upsample = 1 if step == 1 and max(grey.shape) < UPSAMPLE_BELOW else 0
        rects, scores, _ = self._detector.run(grey, upsample, 0.0)
        boxes = [dlib.rectangle(r.left() * step, r.top() * step, r.right() * step, r.bottom() * step) for r in rects]
        return sorted(zip(boxes, scores, strict=True), key=lambda found: -found[0].area())

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
