"""Print what the change gate costs per frame and what it sees: noise vs a person stepping in, side by side.

Usage: .venv/bin/python scripts/benchmark_change_gate.py [rounds]

For 1080p and 4K frames (an empty wall with sensor noise, and the same wall with a face
photo pasted in), it times the gate's thumbnail (JPEG draft decoding) against a full
decode of the same JPEG to the same thumbnail, and prints the percent of the thumbnail
that changed between two noisy empty frames and between an empty frame and a visitor.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from custom_components.baidu_face.change_gate import THUMBNAIL_SIZE, changed_percent, thumbnail
from custom_components.baidu_face.const import DEFAULT_CHANGE_THRESHOLD
from sample_faces import FOLDER
from sample_faces.frames import FULL_HD, UHD_4K, frame_with, with_noise

NOISE = 12  # grey levels (sigma): a cheap camera at dusk


def full_decode(image: bytes) -> Image.Image:
    """Return the same thumbnail without draft decoding: the whole frame decoded first."""
    with Image.open(io.BytesIO(image)) as frame:
        return frame.convert("L").resize(THUMBNAIL_SIZE, Image.Resampling.BOX)


def median_ms(function: Callable[[bytes], object], image: bytes, rounds: int) -> float:
    """Median time of `function(image)` in milliseconds."""
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function(image)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main(rounds: int) -> None:
    """Print the figures for 1080p and 4K."""
    print(f"change threshold {DEFAULT_CHANGE_THRESHOLD} % of a {THUMBNAIL_SIZE[0]}x{THUMBNAIL_SIZE[1]} thumbnail")
    for name, size in (("1080p", FULL_HD), ("4K", UHD_4K)):
        empty = frame_with([], size)[0]
        visitor = frame_with([(FOLDER / "probe" / "obama.jpg", size[0] / 3840)], size)[0]
        first, second, arrived = (
            with_noise(empty, NOISE),
            with_noise(empty, NOISE, flip=True),
            with_noise(visitor, NOISE, flip=True),
        )
        draft = median_ms(thumbnail, first, rounds)
        full = median_ms(full_decode, first, rounds)
        base = thumbnail(first)
        assert base is not None
        noise = changed_percent(base, thumbnail(second) or base)
        person = changed_percent(base, thumbnail(arrived) or base)
        print(
            f"{name}: thumbnail {draft:.1f} ms with draft decoding vs {full:.1f} ms decoding it all "
            f"({full / draft:.1f}x); changed: noise {noise:.2f} %, a person stepping in {person:.2f} %"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20)
