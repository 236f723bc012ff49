"""The change gate: a frame that looks like the last one sent is not sent (the same scene costs no call).

The last frame sent stays the reference for the camera's cool-down only as far as new visits
go: a visit started by a trigger, by Frigate or by `image_processing.scan` after that sends its
first frame even when it looks exactly like the last visit's (the same person at the same spot
is announced again, as the cool-down allows). The interval's scans keep comparing however long
ago the reference was sent: an unchanged scene costs them nothing, as before.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from PIL import Image, ImageChops

# The change gate compares grey thumbnails this small: a 4K frame decodes at 1/8 scale
# (JPEG draft mode) and is averaged down, which also averages sensor noise away.
THUMBNAIL_SIZE = (64, 48)
# A thumbnail pixel that moved by fewer grey levels than this is noise, not change.
_NOISE_LEVELS = 24
_CHANGED = [0] * (_NOISE_LEVELS + 1) + [255] * (255 - _NOISE_LEVELS)


def thumbnail(image: bytes) -> Image.Image | None:
    """Return a frame as a small grey thumbnail (None when it is not an image PIL reads)."""
    try:
        with Image.open(io.BytesIO(image)) as frame:
            # JPEG only: decode at the smallest DCT scale still at least twice the thumbnail.
            frame.draft("L", (THUMBNAIL_SIZE[0] * 2, THUMBNAIL_SIZE[1] * 2))
            return frame.convert("L").resize(THUMBNAIL_SIZE, Image.Resampling.BOX)
    except OSError, ValueError, Image.DecompressionBombError:
        return None


def changed_percent(before: Image.Image, after: Image.Image) -> float:
    """Return the percentage of two thumbnails' pixels that changed by more than noise does."""
    moved = ImageChops.difference(before, after).point(_CHANGED)
    return moved.histogram()[255] * 100 / (THUMBNAIL_SIZE[0] * THUMBNAIL_SIZE[1])


class ChangeGate:
    """One camera's gate: it compares each frame with the last one sent."""

    def __init__(self, threshold: float, lifetime: float) -> None:
        """Let through frames of which at least `threshold` percent changed (0: every frame).

        A new visit `lifetime` seconds (the cool-down) after the last frame sent starts afresh (`expire`).
        """
        self.threshold = threshold
        self.lifetime = timedelta(seconds=lifetime)
        self._reference: Image.Image | None = None
        self._sent_at: datetime | None = None

    def check(self, image: bytes) -> tuple[Image.Image | None, bool]:
        """Return the frame's thumbnail and whether it changed enough to be sent (runs in the executor)."""
        thumb = thumbnail(image)
        if thumb is None or self._reference is None or self.threshold <= 0:
            return thumb, True
        return thumb, changed_percent(self._reference, thumb) >= self.threshold

    def sent(self, thumb: Image.Image | None, when: datetime) -> None:
        """Compare the next frames with this one: it was sent at `when`."""
        self._reference = thumb
        self._sent_at = when

    def expire(self, now: datetime) -> None:
        """Forget a reference sent `lifetime` or longer ago (a new visit begins): its first frame is sent."""
        if self._sent_at is not None and now - self._sent_at >= self.lifetime:
            self.reset()

    def reset(self) -> None:
        """Let the next frame through even if it did not change (a scan failed: the entities forgot the faces)."""
        self._reference = None
