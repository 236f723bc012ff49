"""How good a face is for recognition, measured from its pixels and dlib's 68 landmarks, and Baidu's levels.

What is measured, and what is only estimated (the server manual says the same):

- **blur** (0 sharp to 1 blurred), measured: the share of the face's grey-level variance that
  is in its finest detail (the variance of the Laplacian over the variance of the pixels) of
  the inner face (brows to mouth) scaled to _BLUR_SIDE px. It does not depend on the face's
  size or contrast. A ratio of _SHARP or more reads 0, and every tenfold step below it adds 1.
- **illumination** (0 to 255), measured: the mean luminance (ITU-R 601) inside the face's outline.
- **completeness** (0/1), measured: 1 when the face's box and all 68 landmarks are inside the frame.
- **occlusion** per region (0 to 1), an **estimate**: the share of the region (a polygon of the
  landmarks) whose pixels are flat (little local texture) *and* unlike the face's own skin
  (taken from the nose bridge and just above the brows): another colour, or much darker or
  brighter. It sees dark glasses, masks, scarves and flat patches; it does not see a hand or
  anything else skin-coloured and textured, and a hard shadow reads as covered. Without
  colour (an infrared night picture) only the darkness and brightness tests apply.
- yaw, pitch and roll are the engine's, estimated from the landmarks (engine._pose).

The levels (LOW / NORMAL / HIGH) are the project's contract: Baidu publishes no table for
`quality_control` (UNCONFIRMED; see LEVELS).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from .problems import Problem, ProblemError

# Calibrated on sample_faces/ (scripts/benchmark_quality.py prints the figures): every sharp
# photo's ratio is 0.063 or more (blur <= 0.2), every face blurred by a Gaussian of a 30th of
# its width is under 0.016 (blur >= 0.8).
_BLUR_SIDE = 64
_SHARP = 0.1
_BLURRED = 0.01
# The occlusion estimate works on the face (brows to chin) scaled to this square.
_FACE_SIDE = 96
_TEXTURE_WINDOW = 5  # px of the scaled face: about a fifth of an eye
_FLAT = 0.06  # local standard deviation under this share of the skin's luminance is flat
_MIN_SKIN_LUMINANCE = 20.0
_OTHER_COLOUR = 14.0  # chroma distance (Cb, Cr) from the skin
_DARKER = 0.5
_BRIGHTER = 1.6
_BRIGHTER_OFFSET = 10.0
# Eyes are their six landmarks' outline, enlarged about its centre to take in the lids:
# what dark glasses cover.
_EYE_ENLARGED = 2.0

# dlib's 68 points: 0-16 jaw, 17-26 brows, 27-35 nose, 36-47 eyes, 48-67 mouth. "Left" is
# the left of the picture, as in the V3 landmarks (the first eye is points 36-41).
_OUTLINE = (*range(17), *range(26, 16, -1))
_INNER = range(17, 68)
_EYES = {"left_eye": range(36, 42), "right_eye": range(42, 48)}
_REGIONS = {
    "nose": (27, 31, 32, 33, 34, 35),
    "mouth": tuple(range(48, 60)),
    "left_cheek": (1, 2, 3, 4, 48, 31, 40, 41, 36),
    "right_cheek": (15, 14, 13, 12, 54, 35, 47, 46, 45),
    "chin_contour": (4, 5, 6, 7, 8, 9, 10, 11, 12, 54, 55, 56, 57, 58, 59, 48),
}
# Above the brows by this share of the nose bridge (27 to the tip, 30): skin on most foreheads.
_BROW_BAND = 0.3


@dataclass(frozen=True, slots=True)
class Occlusion:
    """How much of each region is covered, 0 (not at all) to 1 (all); an estimate."""

    left_eye: float
    right_eye: float
    nose: float
    mouth: float
    left_cheek: float
    right_cheek: float
    chin_contour: float

    def regions(self) -> dict[str, float]:
        """Each region's share covered, by V3's name."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


@dataclass(frozen=True, slots=True)
class FaceQuality:
    """A face's quality as Baidu reports it (see the module's docstring for how each is found)."""

    blur: float
    illumination: int
    completeness: int
    occlusion: Occlusion


@dataclass(frozen=True, slots=True)
class QualityLevel:
    """What a face must reach to pass a `quality_control` level: every check holds."""

    max_blur: float
    min_illumination: float
    complete: bool
    max_angle: float
    max_occlusion: Occlusion


def _occlusion_limits(eyes: float, nose_mouth: float, cheeks: float, chin: float) -> Occlusion:
    return Occlusion(eyes, eyes, nose_mouth, nose_mouth, cheeks, cheeks, chin)


# The contract's table (docs: baidu-quality-liveness.md §1.3, §2.1). Baidu publishes none for
# V3 (UNCONFIRMED): LOW is its capture SDK's lenient preset, NORMAL its V2 recommended limits,
# HIGH the capture SDK's strict preset with occlusion limits of the project's choosing. The
# angles are looser than those sources (45 / 30 / 20): Baidu's V3 has no refusal code for a
# turned face, its own V3 sample checks 30 degrees before a search, and at 20 a door camera
# refused a third of the sample faces (people rarely face a doorway square on). The client
# keeps the same table (tests/server/test_quality.py holds the two equal).
LEVELS: dict[str, QualityLevel] = {
    "LOW": QualityLevel(0.8, 30, complete=False, max_angle=45, max_occlusion=_occlusion_limits(0.8, 0.8, 0.8, 0.8)),
    "NORMAL": QualityLevel(0.7, 40, complete=True, max_angle=30, max_occlusion=_occlusion_limits(0.6, 0.7, 0.8, 0.6)),
    "HIGH": QualityLevel(0.4, 60, complete=True, max_angle=20, max_occlusion=_occlusion_limits(0.4, 0.5, 0.6, 0.4)),
}


def refusal(quality: FaceQuality, angles: tuple[float, float, float], level: QualityLevel) -> ProblemError | None:
    """Why a face fails a level, or None; the checks run in the contract's order, the first failing one names it."""
    if level.complete and not quality.completeness:
        return ProblemError(Problem.INCOMPLETE_FACE, "image")
    if any(abs(angle) > level.max_angle for angle in angles):
        return ProblemError(Problem.FACE_ANGLE, "image")
    if quality.blur > level.max_blur:
        return ProblemError(Problem.BLURRED_FACE, "image")
    if quality.illumination < level.min_illumination:
        return ProblemError(Problem.DARK_FACE, "image")
    limits = level.max_occlusion.regions()
    covered = [name for name, share in quality.occlusion.regions().items() if share > limits[name]]
    if covered:
        # One region names itself (223121-223127); several are the generic 223113.
        return ProblemError(Problem.OCCLUDED_FACE, covered[0] if len(covered) == 1 else "")
    return None


def measure(pixels: NDArray[np.uint8], box: tuple[int, int, int, int], marks: NDArray[np.float64]) -> FaceQuality:
    """Measure the face whose dlib box is `box` (left, top, right, bottom, inclusive) and landmarks `marks`."""
    height, width = pixels.shape[:2]
    left, top, right, bottom = box
    inside = left >= 0 and top >= 0 and right < width and bottom < height
    inside = inside and bool((marks >= 0).all() and (marks[:, 0] < width).all() and (marks[:, 1] < height).all())
    bridge = marks[27] - marks[30]
    above_brows = marks[17:27] + bridge * _BROW_BAND
    face_box = _bounds(np.vstack([marks, above_brows]))
    face, visible = _scaled(pixels, face_box, _FACE_SIDE)
    points = (marks - face_box[:2]) * (_FACE_SIDE / (face_box[2:] - face_box[:2]))
    band = (above_brows - face_box[:2]) * (_FACE_SIDE / (face_box[2:] - face_box[:2]))
    ycc = np.asarray(face.convert("YCbCr"), dtype=np.float64)
    outline = _polygon([points[i] for i in _OUTLINE]) & visible
    return FaceQuality(
        blur=_blur(pixels, marks),
        illumination=round(float(ycc[..., 0][outline].mean())) if outline.any() else 0,
        completeness=int(inside),
        occlusion=_occlusion(ycc, visible, points, band),
    )


def _bounds(points: NDArray[np.float64]) -> NDArray[np.float64]:
    low, high = points.min(axis=0), points.max(axis=0)
    return np.concatenate([low, np.maximum(high, low + 1)])


def _scaled(
    pixels: NDArray[np.uint8], bounds: NDArray[np.float64], side: int, mode: str = "RGB"
) -> tuple[Image.Image, NDArray[np.bool_]]:
    """Scale the part of the frame within `bounds` (x0, y0, x1, y1) to a square; beyond the frame, its edge repeats.

    Also return which pixels of the square show the frame.
    """
    height, width = pixels.shape[:2]
    x0, y0 = (math.floor(v) for v in bounds[:2])
    x1, y1 = (math.ceil(v) for v in bounds[2:])
    inner = pixels[max(y0, 0) : max(min(y1, height), max(y0, 0) + 1), max(x0, 0) : max(min(x1, width), max(x0, 0) + 1)]
    pad = ((max(0, -y0), max(0, y1 - height)), (max(0, -x0), max(0, x1 - width)), (0, 0))
    canvas = np.pad(inner, pad, mode="edge") if any(any(p) for p in pad[:2]) else inner
    shown = np.zeros(canvas.shape[:2], dtype=np.uint8)
    shown[pad[0][0] : canvas.shape[0] - pad[0][1], pad[1][0] : canvas.shape[1] - pad[1][1]] = 255
    area = (bounds[0] - x0, bounds[1] - y0, bounds[2] - x0, bounds[3] - y0)
    image = Image.fromarray(np.ascontiguousarray(canvas)).convert(mode)
    resized = image.resize((side, side), Image.Resampling.BILINEAR, box=area)
    visible = Image.fromarray(shown).resize((side, side), Image.Resampling.NEAREST, box=area)
    return resized, np.asarray(visible) > 0


def _blur(pixels: NDArray[np.uint8], marks: NDArray[np.float64]) -> float:
    grey, _ = _scaled(pixels, _bounds(marks[_INNER.start : _INNER.stop]), _BLUR_SIDE, "L")
    a = np.asarray(grey, dtype=np.float64)
    laplacian = a[:-2, 1:-1] + a[2:, 1:-1] + a[1:-1, :-2] + a[1:-1, 2:] - 4 * a[1:-1, 1:-1]
    variance = float(a.var())
    if variance < 1e-6:
        return 1.0  # a flat patch has no detail at all
    detail = float(laplacian.var()) / variance
    steps = math.log10(_SHARP / detail) / math.log10(_SHARP / _BLURRED) if detail > 0 else 1.0
    return round(min(1.0, max(0.0, steps)), 4)


def _polygon(points: list[NDArray[np.float64]]) -> NDArray[np.bool_]:
    mask = Image.new("1", (_FACE_SIDE, _FACE_SIDE))
    ImageDraw.Draw(mask).polygon([(float(x), float(y)) for x, y in points], fill=1)
    return np.asarray(mask, dtype=bool)


def _local_deviation(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Give the standard deviation of each pixel's _TEXTURE_WINDOW-square neighbourhood (edges repeated)."""
    half = _TEXTURE_WINDOW // 2
    padded = np.pad(values, half, mode="edge")

    def window_mean(a: NDArray[np.float64]) -> NDArray[np.float64]:
        summed = np.pad(a, ((1, 0), (1, 0))).cumsum(axis=0).cumsum(axis=1)
        n = _TEXTURE_WINDOW
        total = summed[n:, n:] - summed[:-n, n:] - summed[n:, :-n] + summed[:-n, :-n]
        result: NDArray[np.float64] = total / (n * n)
        return result

    mean = window_mean(padded)
    deviation: NDArray[np.float64] = np.sqrt(np.maximum(window_mean(padded * padded) - mean * mean, 0.0))
    return deviation


def _occlusion(
    ycc: NDArray[np.float64], visible: NDArray[np.bool_], points: NDArray[np.float64], band: NDArray[np.float64]
) -> Occlusion:
    if not visible.any():
        return Occlusion(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)  # nothing of it in the frame
    luma, cb, cr = ycc[..., 0], ycc[..., 1], ycc[..., 2]
    half_width = np.linalg.norm(points[42] - points[39]) * 0.25
    skin = _polygon([*points[17:27], *band[::-1]]) | _polygon(
        [points[27] - (half_width, 0), points[27] + (half_width, 0), points[30] + (half_width, 0),
         points[30] - (half_width, 0)]
    )  # fmt: skip
    skin &= visible
    if not skin.any():
        skin = visible
    skin_luma = max(float(np.median(luma[skin])), _MIN_SKIN_LUMINANCE)
    chroma = np.hypot(cb - np.median(cb[skin]), cr - np.median(cr[skin]))
    unlike = (chroma > _OTHER_COLOUR) | (luma < _DARKER * skin_luma) | (luma > _BRIGHTER * skin_luma + _BRIGHTER_OFFSET)
    # Out of the frame counts as covered: nothing of it can be seen.
    covered = (unlike & (_local_deviation(luma) < _FLAT * skin_luma)) | ~visible

    def share(polygon: list[NDArray[np.float64]]) -> float:
        region = _polygon(polygon)
        return round(float(covered[region].mean()), 3) if region.any() else 1.0

    eyes = {}
    for name, indices in _EYES.items():
        eye = points[indices.start : indices.stop]
        centre = eye.mean(axis=0)
        eyes[name] = share(list(centre + (eye - centre) * _EYE_ENLARGED))
    regions = {name: share([points[i] for i in indices]) for name, indices in _REGIONS.items()}
    return Occlusion(**eyes, **regions)
