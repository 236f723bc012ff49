"""Print which face sizes the local server finds, and how long detection takes, before and after side by side.

Usage: .venv/bin/python scripts/benchmark_detection.py [rounds] [--timings]

"before" is detection as it was up to commit 9f03b0d (a frame over 1024 px shrunk by a
whole-number step, frames under 800 px upsampled once, HOG over RGB); "after" is the
engine's `locate` today. Both run the same dlib detector in the same process, one after the
other, on the same frames: real sample photos shrunk so their face is N px wide and pasted
into 1080p and 4K frames, and two real group photos ("wide shots") shrunk the same way.
The times also cover frames with no face: a flat wall, the demo's doorway and a busy scene
(texture everywhere, where skipping plain parts saves nothing). "after" scans on several
threads, so its CPU time is printed too: on a machine busy with other work, it is what counts.
"""

from __future__ import annotations

import io
import math
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import dlib
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from baidu_face_server.engine import SMALLEST_FACE, FaceEngine, similarity
from baidu_face_server.images import decode_image_bytes
from baidu_face_server.server import shared_engine
from sample_faces import FOLDER, PEOPLE, enrolment_photos
from sample_faces.frames import FULL_HD, UHD_4K, Placement, frame_with
from scripts.photo_player import doorway_frame

type Locate = Callable[[NDArray[np.uint8], int], list[tuple[Any, float]]]

SIZES = (40, 60, 80, 100, 120)
EVERY_FACE = 100
WIDE_SHOTS = ("probe/obama+biden.jpg", "probe/kit_harington+rose_leslie.jpg")
BUSY_SCENE = "probe/obama+biden.jpg"
_BEFORE = dlib.get_frontal_face_detector()


def _before_detector(pixels: NDArray[np.uint8], upsample: int) -> list[Any]:
    rects, _, _ = _BEFORE.run(pixels, upsample, -0.5)
    return list(rects)


def locate_before(pixels: NDArray[np.uint8], max_faces: int = EVERY_FACE) -> list[tuple[Any, float]]:
    """Detect faces the way the engine did up to 9f03b0d."""
    height, width = pixels.shape[:2]
    small, step = pixels, 1
    if max(height, width) > 1024:
        step = math.ceil(max(height, width) / 1024)
        small = np.ascontiguousarray(pixels[::step, ::step])
    upsample = 1 if max(small.shape[:2]) < 800 else 0
    rects, scores, _ = _BEFORE.run(small, upsample, 0.0)
    boxes = [
        dlib.rectangle(r.left() * step, r.top() * step, r.right() * step, r.bottom() * step) for r in rects
    ]  # fmt: skip
    return sorted(zip(boxes, scores, strict=True), key=lambda rs: -rs[0].area())[:max_faces]


def faces_in(engine: FaceEngine, path: Path) -> list[Any]:
    """Find the face boxes in a sample photo at its full size."""
    return [rect for rect, _ in engine.locate(decode_image_bytes(path.read_bytes()).pixels, EVERY_FACE)]


def found(locate: Locate, frame: bytes, expected: list[tuple[float, float]]) -> int:
    """How many expected face centres fall inside a detected box (asking for as many faces as expected)."""
    boxes = [rect for rect, _ in locate(decode_image_bytes(frame).pixels, len(expected))]
    return sum(any(b.left() <= x <= b.right() and b.top() <= y <= b.bottom() for b in boxes) for x, y in expected)


def centres(rects: list[Any], placement: Placement) -> list[tuple[float, float]]:
    """Where the centres of a photo's faces land in the frame."""
    return [placement.point((r.left() + r.right()) / 2, (r.top() + r.bottom()) / 2) for r in rects]


def detection_rates(engine: FaceEngine) -> None:
    """Faces found by size, single photos and wide shots, in 1080p and 4K frames."""
    singles = [path for paths in enrolment_photos().values() for path in paths]
    wide = [FOLDER / name for name in WIDE_SHOTS]
    boxes = {path: faces_in(engine, path) for path in singles + wide}
    print("Faces found (before -> after), each sample photo shrunk so its smallest face is N px wide")
    print(f"{'face px':>8}{'1080p photos':>16}{'1080p wide':>14}{'4K photos':>14}{'4K wide':>12}")
    for size in SIZES:
        cells = []
        for frame_size in (FULL_HD, UHD_4K):
            for group in (singles, wide):
                expected_total, counts = 0, {"before": 0, "after": 0}
                for path in group:
                    scale = size / min(r.width() for r in boxes[path])
                    if scale > 1:
                        continue  # a face photographed smaller than N px says nothing about N px
                    try:
                        frame, (placement,) = frame_with([(path, scale)], frame_size)
                    except ValueError:
                        continue  # the photo, shrunk that little, is larger than the frame
                    expected = centres(boxes[path], placement)
                    expected_total += len(expected)
                    counts["before"] += found(locate_before, frame, expected)
                    counts["after"] += found(engine.locate, frame, expected)
                cells.append(f"{counts['before']:>2}->{counts['after']:>2}/{expected_total:<2}")
        print(f"{size:>8}{cells[0]:>16}{cells[1]:>14}{cells[2]:>14}{cells[3]:>12}")


def recognition_rates(engine: FaceEngine) -> None:
    """After only: each probe photo's face at N px in a 1080p frame, scored against everyone enrolled."""
    enrolled: dict[str, list[NDArray[np.float64]]] = {}
    for person, paths in enrolment_photos().items():
        for path in paths:
            image = decode_image_bytes(path.read_bytes())
            enrolled.setdefault(person, []).append(engine.analyze(image.pixels, image.data, 1)[0].embedding)
    print("\nRecognized after (best score >= 80 is the right person, every other person < 80), 1080p frames")
    for size in SIZES:
        right, total = 0, 0
        for person in PEOPLE:
            path = FOLDER / f"probe/{person}.jpg"
            if not path.exists():
                continue
            frame, _ = frame_with([(path, size / faces_in(engine, path)[0].width())])
            image = decode_image_bytes(frame)
            faces = engine.analyze(image.pixels, image.data, 1)
            total += 1
            if faces:
                scores = {p: max(similarity(e, faces[0].embedding) for e in es) for p, es in enrolled.items()}
                others = [s for p, s in scores.items() if p != person]
                right += scores[person] >= 80 and max(others) < 80
        print(f"{size:>8} px: {right}/{total}")


def side_by_side(before: Callable[[], object], after: Callable[[], object], rounds: int) -> tuple[float, float, float]:
    """Median wall times in ms (before, after) and after's median CPU time, the two taking turns.

    Taking turns makes a busy machine slow both alike. After's CPU time (all its threads) says
    how much of its speed comes from scanning on several cores at once.
    """
    before()
    after()
    times: tuple[list[float], list[float]] = ([], [])
    cpu: list[float] = []
    for _ in range(rounds):
        for func, spent in zip((before, after), times, strict=True):
            start, start_cpu = time.perf_counter(), time.process_time()
            func()
            spent.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return statistics.median(times[0]) * 1000, statistics.median(times[1]) * 1000, statistics.median(cpu) * 1000


def busy_scene(size: tuple[int, int]) -> bytes:
    """Fill a frame with a real photo (people, flags, streamers), its faces blurred away: busy, and no face."""
    with Image.open(FOLDER / BUSY_SCENE) as original:
        photo = original.convert("RGB")
    crop_height = round(photo.width * size[1] / size[0])
    scene = photo.crop((0, 0, photo.width, crop_height)).resize(size, Image.Resampling.LANCZOS)
    while rects := _before_detector(np.asarray(scene), 1):
        for r in rects:
            box = (
                max(0, r.left() - 20),
                max(0, r.top() - 20),
                min(size[0], r.right() + 20),
                min(size[1], r.bottom() + 20),
            )
            scene.paste(scene.crop(box).filter(ImageFilter.GaussianBlur(12)), box[:2])
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=90)
    return out.getvalue()


def enlarged(path: Path, size: tuple[int, int]) -> bytes:
    """Resize a photo to fill a frame of `size`."""
    with Image.open(path) as original:
        out = io.BytesIO()
        original.convert("RGB").resize(size, Image.Resampling.LANCZOS).save(out, "JPEG", quality=90)
    return out.getvalue()


def timings(engine: FaceEngine, rounds: int) -> None:
    """Time finding one face by frame size, then whole detects (decode, find, describe) of camera frames."""
    photo = FOLDER / "probe/obama_1080p.jpg"
    print(f"\nTime to find one face, median of {rounds} (ms); probe/obama_1080p.jpg (face 259 px) resized")
    print(f"{'long side':>10}{'before':>9}{'after':>9}{'ratio':>8}{'after CPU':>11}")
    for long_side in (640, 799, 800, 1024, 1025, 1280, 1480, 1599, 1600, 1920, 2560, 3840):
        with Image.open(photo) as original:
            size = (long_side, round(original.height * long_side / original.width))
            pixels = np.asarray(original.convert("RGB").resize(size, Image.Resampling.LANCZOS))
        before, after, cpu = side_by_side(partial(locate_before, pixels, 1), partial(engine.locate, pixels, 1), rounds)
        print(f"{long_side:>10}{before:>9.0f}{after:>9.0f}{after / before:>8.2f}{cpu:>11.0f}")
    small_face = FOLDER / "enroll/obama_1.jpg"
    scale = SMALLEST_FACE / faces_in(engine, small_face)[0].width()
    frames = {
        "1080p, a face of 259 px": photo.read_bytes(),
        f"1080p, a face of {SMALLEST_FACE} px": frame_with([(small_face, scale)])[0],
        "1080p, no face: flat wall": frame_with([])[0],
        "1080p, no face: doorway": doorway_frame(None, FULL_HD),
        "1080p, no face: busy": busy_scene(FULL_HD),
        "4K, a face of 518 px": enlarged(photo, UHD_4K),
        f"4K, a face of {SMALLEST_FACE} px": frame_with([(small_face, scale)], UHD_4K)[0],
        "4K, no face: flat wall": frame_with([], UHD_4K)[0],
        "4K, no face: busy": busy_scene(UHD_4K),
    }
    print(f"\nWhole detect, max_face_num 1 (decode + find + landmarks/embedding), median of {rounds} (ms)")
    print(f"{'frame':<28}{'before':>9}{'after':>9}{'ratio':>8}{'after CPU':>11}")
    for name, data in frames.items():

        def detect(locate: Locate, data: bytes = data) -> None:
            image = decode_image_bytes(data)
            for index, (rect, score) in enumerate(locate(image.pixels, 1)):
                engine.describe(image.pixels, image.data, index, rect, score)

        before, after, cpu = side_by_side(partial(detect, locate_before), partial(detect, engine.locate), rounds)
        print(f"{name:<28}{before:>9.0f}{after:>9.0f}{after / before:>8.2f}{cpu:>11.0f}")
    print("(before finds no face in the frames with a 60 px face, so it never describes one there;")
    print(" doorway: the demo's empty doorway with sensor noise; busy: probe/obama+biden.jpg filling")
    print(" the frame, its faces blurred away)")


def main() -> None:
    """Print every table (`--timings` alone: only the times)."""
    args = sys.argv[1:]
    engine = shared_engine()
    if "--timings" not in args:
        detection_rates(engine)
        recognition_rates(engine)
    numbers = [int(arg) for arg in args if arg.isdigit()]
    timings(engine, numbers[0] if numbers else 5)


if __name__ == "__main__":
    main()
