"""Where the small faces of a large frame may be: MTCNN's first two networks, in ONNX Runtime.

dlib's HOG detector finds a face only when the face fills its 80 px window, so finding a 60 px
face in a 1080p frame used to mean scanning the frame at full resolution: two to three times
the work of the shrunk scan, for every frame, face or not. MTCNN's proposal network (P-Net)
instead slides a 12 px window over small copies of the frame, and its refine network (R-Net)
drops most of what P-Net wrongly took for a face. The engine then asks dlib about each proposal,
around it only, so every face found, its box and its score are still dlib's.

The networks are `models/mtcnn_pnet.onnx` and `models/mtcnn_rnet.onnx`, written by
`scripts/make_face_proposals.py` from MTCNN's MIT-licensed weights (`models/LICENSE-mtcnn`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime
from numpy.typing import NDArray
from PIL import Image

_MODELS = Path(__file__).parent / "models"
_WINDOW = 12  # P-Net's window, in the pixels of the copy it scans
_STRIDE = 2  # P-Net answers once per 2 px of the copy
# Each copy 0.709 the size of the one before: MTCNN's own step, which halves the area.
_SCALE_STEP = 0.709
# MTCNN's own thresholds are 0.6 (P-Net) and 0.7 (R-Net). R-Net's is lower here because a
# proposal costs only a small dlib scan, and a face R-Net drops is lost.
_PNET_THRESHOLD = 0.6
_RNET_THRESHOLD = 0.5
_RNET_SIDE = 24
# Proposals of one copy are one when they overlap by more than this of their union, as in MTCNN.
_SAME_IN_ONE_COPY = 0.5
_SAME_ACROSS_COPIES = 0.7
# P-Net misses faces in dim light, where dlib, which normalises its features, still finds them
# (sample faces at an eighth of their contrast: 6 of 9 at 60 px without this, 8 with it). So
# where a copy's grey levels vary less than _CONTRAST (a standard deviation over squares of
# _CONTRAST_AREA px, about twice P-Net's window), the variation is raised towards it, by at
# most _MAX_GAIN times.
_CONTRAST = 30.0
_CONTRAST_AREA = 25
_MAX_GAIN = 8.0


@dataclass(frozen=True, slots=True)
class Proposal:
    """A square where P-Net and R-Net both see a face, in the frame's pixels."""

    left: float
    top: float
    side: float


def _session(name: str) -> Any:
    options = onnxruntime.SessionOptions()
    # The engine already runs its scans on several threads: a network call takes one core.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(_MODELS / name), options, providers=["CPUExecutionProvider"])


def _box_mean(values: NDArray[np.float32], side: int) -> NDArray[np.float32]:
    """Average `values` over the `side` x `side` square centred on each pixel (edge pixels repeated beyond)."""
    half = side // 2
    padded = np.pad(values, half, mode="edge")
    total = np.pad(padded.cumsum(0).cumsum(1), ((1, 0), (1, 0)))
    height, width = values.shape
    window = (
        total[side : side + height, side : side + width]
        - total[:height, side : side + width]
        - total[side : side + height, :width]
        + total[:height, :width]
    )
    mean: NDArray[np.float32] = (window / (side * side)).astype(np.float32)
    return mean


def _raised_contrast(pixels: NDArray[np.float32], spread: NDArray[np.float32], mean: NDArray[np.float32]) -> Any:
    gain = np.clip(_CONTRAST / (spread + 1), 1, _MAX_GAIN)
    return np.clip(mean + (pixels - mean) * gain, 0, 255)


def _copy_input(copy: Image.Image) -> NDArray[np.float32]:
    """Turn a copy of the frame into P-Net's input, its dim parts' contrast raised."""
    pixels = np.asarray(copy, dtype=np.float32)
    grey = np.asarray(copy.convert("L"), dtype=np.float32)
    mean = _box_mean(grey, _CONTRAST_AREA)
    spread = np.sqrt(np.maximum(_box_mean(grey * grey, _CONTRAST_AREA) - mean * mean, 0))
    return _network_input(_raised_contrast(pixels, spread[..., None], mean[..., None])[None])


def _crops_input(crops: list[Image.Image]) -> NDArray[np.float32]:
    """Turn crops into R-Net's input, the contrast of each dim one raised."""
    pixels = np.stack([np.asarray(crop, dtype=np.float32) for crop in crops])
    mean = pixels.mean(axis=(1, 2, 3), keepdims=True)
    return _network_input(_raised_contrast(pixels, pixels.std(axis=(1, 2, 3), keepdims=True), mean))


def _network_input(pixels: NDArray[np.float32]) -> NDArray[np.float32]:
    """RGB images (image, y, x, channel) as MTCNN takes them: channels first, x before y, values about -1..1."""
    return np.ascontiguousarray(((pixels - 127.5) * 0.0078125).transpose(0, 3, 2, 1), dtype=np.float32)


def _one_per_face(boxes: NDArray[np.float64], scores: NDArray[np.float64], overlap: float) -> NDArray[np.intp]:
    """Keep the best-scoring box of each group overlapping by more than `overlap` of their union; return indices."""
    order = np.argsort(-scores)
    area = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    kept: list[int] = []
    while len(order):
        best, rest = order[0], order[1:]
        kept.append(int(best))
        width = np.minimum(boxes[best, 2], boxes[rest, 2]) - np.maximum(boxes[best, 0], boxes[rest, 0])
        height = np.minimum(boxes[best, 3], boxes[rest, 3]) - np.maximum(boxes[best, 1], boxes[rest, 1])
        inner = np.clip(width, 0, None) * np.clip(height, 0, None)
        order = rest[inner / (area[best] + area[rest] - inner) <= overlap]
    return np.array(kept, dtype=np.intp)


class FaceProposals:
    """P-Net and R-Net, loaded once. Safe to call from several threads at once."""

    def __init__(self) -> None:
        """Load both networks."""
        self._pnet = _session("mtcnn_pnet.onnx")
        self._rnet = _session("mtcnn_rnet.onnx")

    def __call__(self, frame: Image.Image, smallest: float, largest: float, stop: Callable[[], bool]) -> list[Proposal]:
        """Where faces `smallest` to `largest` px wide may be in an RGB `frame`, most likely first.

        `stop` is asked between copies: once it says yes, nothing more is proposed.
        """
        boxes = self._pnet_boxes(frame, smallest, largest, stop)
        if not len(boxes) or stop():
            return []
        crops = [frame.crop(tuple(box)).resize((_RNET_SIDE, _RNET_SIDE), Image.Resampling.BILINEAR) for box in boxes]
        likely = self._rnet.run(None, {"image": _crops_input(crops)})[0][:, 1]
        return [
            Proposal(float(boxes[i, 0]), float(boxes[i, 1]), float(boxes[i, 2] - boxes[i, 0]))
            for i in np.argsort(-likely)
            if likely[i] >= _RNET_THRESHOLD
        ]

    def _pnet_boxes(
        self, frame: Image.Image, smallest: float, largest: float, stop: Callable[[], bool]
    ) -> NDArray[np.float64]:
        """P-Net's squares (left, top, right, bottom), one per face, over copies of `frame` from 12/`smallest`."""
        found: list[tuple[NDArray[np.float64], NDArray[np.float64]]] = []
        scale, copy = _WINDOW / smallest, frame
        while _WINDOW / scale <= largest and not stop():
            size = (max(_WINDOW, round(frame.width * scale)), max(_WINDOW, round(frame.height * scale)))
            # Each copy is made from the one before: a fraction of the work of shrinking the frame.
            copy = copy.resize(size, Image.Resampling.BOX)
            likely = self._pnet.run(None, {"image": _copy_input(copy)})[0][0, 1].astype(np.float64)
            x, y = np.nonzero(likely >= _PNET_THRESHOLD)
            scores = likely[x, y]
            corners = np.stack([x * _STRIDE * frame.width / size[0], y * _STRIDE * frame.height / size[1]], axis=1)
            boxes = np.concatenate([corners, corners + _WINDOW / scale], axis=1)
            keep = _one_per_face(boxes, scores, _SAME_IN_ONE_COPY)
            found.append((boxes[keep], scores[keep]))
            scale *= _SCALE_STEP
        if not found:
            return np.empty((0, 4))
        boxes, scores = np.concatenate([b for b, _ in found]), np.concatenate([s for _, s in found])
        return boxes[_one_per_face(boxes, scores, _SAME_ACROSS_COPIES)]
