"""Print the local server's quality figures on the sample photos, and what `quality_control` NORMAL answers.

Usage: .venv/bin/python scripts/benchmark_quality.py

For every face of sample_faces/ (enrolment and probe photos), the largest face of: the photo
as it is; blurred by a Gaussian of a 60th ("blurred") and a 30th ("heavily blurred") of the
face's width; darkened so that the face's mean luminance is about 30; cut at the face's middle
so that its left or right half is out of the frame; and with flat occluders drawn over it
(dark glasses, a mask, a patch over the left eye, a patch over the mouth). Each line gives
blur, illumination, completeness, the most covered region and the V3 answer under NORMAL;
the summary gives each measure's distribution (min / median / max) per variant.
"""

from __future__ import annotations

import statistics
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from baidu_face_server.engine import DetectedFace
from baidu_face_server.problems import Problem, ProblemError
from baidu_face_server.quality import LEVELS, refusal
from baidu_face_server.server import shared_engine
from baidu_face_server.v3 import V3
from sample_faces import FOLDER

type Variant = Callable[[Image.Image, DetectedFace], Image.Image]
DARK_TARGET = 30  # the darkened face's mean luminance
BLURRED = 60  # Gaussian radius: the face's width over this
HEAVILY_BLURRED = 30


def blurred(divisor: int) -> Variant:
    """Blur a photo by a Gaussian of the face's width over `divisor`."""
    return lambda photo, face: photo.filter(ImageFilter.GaussianBlur(face.width / divisor))


def darkened(photo: Image.Image, face: DetectedFace) -> Image.Image:
    """Scale every pixel so that the face's mean luminance is DARK_TARGET."""
    gain = DARK_TARGET / max(face.quality.illumination, 1)
    return Image.eval(photo, lambda v: round(v * gain))


def half_out(side: str) -> Variant:
    """Cut the photo at the face's middle: its `side` half is then out of the frame."""

    def cut(photo: Image.Image, face: DetectedFace) -> Image.Image:
        middle = round(face.left + face.width / 2)
        return photo.crop((middle, 0, photo.width, photo.height) if side == "left" else (0, 0, middle, photo.height))

    return cut


def occluded(kind: str) -> Variant:
    """Draw a flat occluder over the face, placed by its four landmarks."""

    def draw(photo: Image.Image, face: DetectedFace) -> Image.Image:
        out = photo.copy()
        pen = ImageDraw.Draw(out)
        left_eye, right_eye, nose, mouth = face.landmarks
        eyes = right_eye.x - left_eye.x
        if kind in {"dark glasses", "left eye"}:
            for eye in (left_eye, right_eye) if kind == "dark glasses" else (left_eye,):
                pen.ellipse([eye.x - eyes * 0.3, eye.y - eyes * 0.2, eye.x + eyes * 0.3, eye.y + eyes * 0.2], (25,) * 3)
        elif kind == "mask":
            top = nose.y - (nose.y - left_eye.y) * 0.4
            pen.rectangle([face.left, top, face.left + face.width, face.top + face.height], (170, 200, 225))
        else:
            pen.rectangle(
                [mouth.x - eyes * 0.55, mouth.y - eyes * 0.3, mouth.x + eyes * 0.55, mouth.y + eyes * 0.3],
                (240,) * 3,
            )
        return out

    return draw


VARIANTS: dict[str, Variant | None] = {
    "sharp": None,
    f"blurred (w/{BLURRED})": blurred(BLURRED),
    f"heavily blurred (w/{HEAVILY_BLURRED})": blurred(HEAVILY_BLURRED),
    f"darkened (to {DARK_TARGET})": darkened,
    "left half out": half_out("left"),
    "right half out": half_out("right"),
    "dark glasses": occluded("dark glasses"),
    "mask": occluded("mask"),
    "left eye covered": occluded("left eye"),
    "mouth covered": occluded("mouth"),
}


def answer(photo: Image.Image) -> tuple[DetectedFace | None, str]:
    """Find the largest face of a photo, and V3's answer to it under quality_control NORMAL."""
    engine = shared_engine()
    pixels = np.asarray(photo.convert("RGB"))
    faces = engine.analyze(pixels, b"", 1)
    if not faces:
        problem = Problem.INCOMPLETE_FACE if engine.cut_off_face(pixels) else Problem.NO_FACE
        return None, "{} {}".format(*V3().problem(ProblemError(problem, "image")))
    refused = refusal(faces[0].quality, faces[0].angles, LEVELS["NORMAL"])
    return faces[0], "passes" if refused is None else "{} {}".format(*V3().problem(refused))


def main() -> None:
    """Print one line per face and variant, then the distributions."""
    figures: dict[str, dict[str, list[float]]] = {name: {} for name in VARIANTS}
    answers: dict[str, dict[str, int]] = {name: {} for name in VARIANTS}
    print(f"{'photo':<28}{'variant':<30}{'blur':>6}{'illum':>6}{'compl':>6}  {'most covered':<22}NORMAL")
    for path in sorted((FOLDER / "enroll").glob("*.jpg")) + sorted((FOLDER / "probe").iterdir()):
        with Image.open(path) as opened:
            photo = opened.convert("RGB")
        original, _ = answer(photo)
        if original is None:
            continue
        for name, variant in VARIANTS.items():
            face, verdict = answer(photo) if variant is None else answer(variant(photo, original))
            answers[name][verdict] = answers[name].get(verdict, 0) + 1
            if face is None:
                print(f"{path.name[:27]:<28}{name:<30}{'':>18}  {'(no face found)':<22}{verdict}")
                continue
            quality = face.quality
            region, share = max(quality.occlusion.regions().items(), key=lambda item: item[1])
            for measure, value in (
                ("blur", quality.blur), ("illumination", quality.illumination), ("most covered", share),
                ("|yaw|", abs(face.yaw)), ("|pitch|", abs(face.pitch)), ("|roll|", abs(face.roll)),
            ):  # fmt: skip
                figures[name].setdefault(measure, []).append(value)
            print(
                f"{path.name[:27]:<28}{name:<30}{quality.blur:>6.2f}{quality.illumination:>6}{quality.completeness:>6}"
                f"  {f'{region} {share:.2f}':<22}{verdict}"
            )
    print("\nDistributions (min / median / max over the faces found) and NORMAL's answers:")
    for name, measures in figures.items():
        shown = "  ".join(
            f"{measure} {min(v):.2f}/{statistics.median(v):.2f}/{max(v):.2f}" for measure, v in measures.items()
        )
        print(f"{name:<30}{shown}")
        print(f"{'':<30}" + ", ".join(f"{verdict}: {n}" for verdict, n in sorted(answers[name].items())))


if __name__ == "__main__":
    main()
