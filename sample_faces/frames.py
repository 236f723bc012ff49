"""Camera-like frames made from the sample photos: a whole photo shrunk and pasted into a large frame.

The tests and `scripts/benchmark_detection.py` use them to check which face sizes are found
in 1080p and 4K frames, with every face a real photograph in its own surroundings.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageChops

FULL_HD = (1920, 1080)
UHD_4K = (3840, 2160)
# A dim, even wall: nothing in it looks like a face.
BACKGROUND = (96, 96, 96)


def frame_with(photos: list[tuple[Path, float]], size: tuple[int, int] = FULL_HD) -> tuple[bytes, list[Placement]]:
    """Make a JPEG frame of `size` holding each photo shrunk by its factor, side by side; say where each went."""
    frame = Image.new("RGB", size, BACKGROUND)
    placements: list[Placement] = []
    x = size[0] // 7  # off-centre, as a face rarely is in the middle of a camera's view
    for path, scale in photos:
        with Image.open(path) as original:
            shrunk = original.convert("RGB").resize(
                (max(1, round(original.width * scale)), max(1, round(original.height * scale))),
                Image.Resampling.LANCZOS,
            )
        y = (size[1] - shrunk.height) // 3
        if x + shrunk.width > size[0] or y < 0:
            raise ValueError(f"{path.name} shrunk by {scale:.3f} does not fit a {size[0]}x{size[1]} frame")
        frame.paste(shrunk, (x, y))
        placements.append(Placement(x, y, scale))
        x += shrunk.width + 8
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=90)
    return out.getvalue(), placements


@dataclass(frozen=True, slots=True)
class Placement:
    """Where a shrunk photo sits in a frame."""

    left: int
    top: int
    scale: float

    def point(self, x: float, y: float) -> tuple[float, float]:
        """Map the original photo's point (x, y) into the frame."""
        return self.left + x * self.scale, self.top + y * self.scale


def noisy_jpeg(frame: Image.Image, sigma: float, *, flip: bool = False) -> bytes:
    """Return `frame` as a JPEG with Gaussian sensor noise of `sigma` grey levels (`flip`: another pattern of it)."""
    noise = Image.effect_noise(frame.size, sigma).convert("RGB")
    if flip:
        noise = noise.transpose(Image.Transpose.ROTATE_180)
    out = io.BytesIO()
    ImageChops.add(frame.convert("RGB"), noise, offset=-128).save(out, "JPEG", quality=85)
    return out.getvalue()


def with_noise(image: bytes, sigma: float, *, flip: bool = False) -> bytes:
    """Return the picture `image` (any format) as a JPEG with sensor noise added, as `noisy_jpeg` does."""
    with Image.open(io.BytesIO(image)) as original:
        return noisy_jpeg(original, sigma, flip=flip)
