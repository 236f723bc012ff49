"""Shapes shared by the camera entities, their events and the actions' responses."""

from __future__ import annotations

from .api import FaceBox


def box_attributes(box: FaceBox | None) -> dict[str, float] | None:
    """Return a face's box as plain numbers (pixels of the image given), or None when the API gave none."""
    if box is None:
        return None
    return {"left": box.left, "top": box.top, "width": box.width, "height": box.height}
