"""Draw the integration's original icon and logo (Home Assistant's brand sizes).

Usage: .venv/bin/python scripts/make_brand.py   (writes custom_components/baidu_face/brand/)
A face inside a camera's scan frame, and beside it the integration's name; drawn at 4x and
scaled down for smooth edges.

Home Assistant shows them small: the icon at 24-48 px in lists, the logo 30 px high on a
device's page. So the lines are thick, the face fills the frame, and the logo spells the
whole name ("Baidu Face") in heavy letters with a margin, not a thin "Face" ending at the edge.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parents[1] / "custom_components" / "baidu_face" / "brand"
SCALE = 4
BLUE, TEAL = (33, 118, 255), (0, 190, 200)
NAME = "Baidu Face"
# The logo's letters, as parts of its height: their size, their added weight (Pillow's
# bundled font has no bold) and the space before and after them.
TEXT_SIZE, TEXT_WEIGHT, GAP, MARGIN = 0.56, 0.012, 0.16, 0.08


def icon(size: int, *, dark: bool) -> Image.Image:
    """Draw the square icon (a face in a scan frame), `size` pixels wide."""
    s = size * SCALE
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    # Background: a rounded square with a top-to-bottom blue-to-teal blend.
    blend = Image.new("RGBA", (s, s))
    for y in range(s):
        t = y / s
        colour = tuple(round(a + (b - a) * t) for a, b in zip(BLUE, TEAL, strict=True))
        ImageDraw.Draw(blend).line([(0, y), (s, y)], fill=(*colour, 255))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, s - 1, s - 1], radius=s // 5, fill=255)
    image.paste(blend, (0, 0), mask)
    ink = (255, 255, 255, 255) if not dark else (235, 245, 255, 255)
    # About 2 px at 24 px: still a line in an integration list.
    w = max(2, round(s / 13))
    # Scan-frame corners, with round ends.
    m, c = round(s * 0.15), round(s * 0.2)
    for x, y, dx, dy in ((m, m, 1, 1), (s - m, m, -1, 1), (m, s - m, 1, -1), (s - m, s - m, -1, -1)):
        draw.line([(x, y), (x + dx * c, y)], fill=ink, width=w)
        draw.line([(x, y), (x, y + dy * c)], fill=ink, width=w)
        for end in ((x, y), (x + dx * c, y), (x, y + dy * c)):
            draw.ellipse([end[0] - w / 2, end[1] - w / 2, end[0] + w / 2, end[1] + w / 2], fill=ink)
    # The face: head, eyes, smile, in a finer line than the frame so that they stay apart.
    line = round(s / 17)
    r = s * 0.25
    cx, cy = s / 2, s / 2
    draw.ellipse([cx - r, cy - r * 1.12, cx + r, cy + r * 1.12], outline=ink, width=line)
    eye = s * 0.04
    for ex in (cx - r * 0.4, cx + r * 0.4):
        draw.ellipse([ex - eye, cy - r * 0.3 - eye, ex + eye, cy - r * 0.3 + eye], fill=ink)
    draw.arc([cx - r * 0.55, cy - r * 0.3, cx + r * 0.55, cy + r * 0.62], start=30, end=150, fill=ink, width=line)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def logo(height: int, *, dark: bool) -> Image.Image:
    """Draw the icon beside the name, `height` pixels high."""
    s = height * SCALE
    mark = icon(s, dark=dark)
    font = ImageFont.load_default(size=round(s * TEXT_SIZE))
    weight = round(s * TEXT_WEIGHT)
    colour = (30, 40, 60, 255) if not dark else (240, 244, 250, 255)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), NAME, font=font, stroke_width=weight)
    x = s + round(s * GAP)
    width = x + round(right - left) + round(s * MARGIN)
    image = Image.new("RGBA", (width, s), (0, 0, 0, 0))
    image.paste(mark, (0, 0), mark)
    # Centred on the letters' own height (no descender in the name).
    at = (x - left, (s - (bottom - top)) / 2 - top)
    ImageDraw.Draw(image).text(at, NAME, font=font, fill=colour, stroke_width=weight, stroke_fill=colour)
    return image.resize((round(width / SCALE), height), Image.Resampling.LANCZOS)


def main() -> None:
    """Write every brand image Home Assistant looks for."""
    BRAND.mkdir(parents=True, exist_ok=True)
    for dark in (False, True):
        prefix = "dark_" if dark else ""
        icon(256, dark=dark).save(BRAND / f"{prefix}icon.png")
        icon(512, dark=dark).save(BRAND / f"{prefix}icon@2x.png")
        logo(128, dark=dark).save(BRAND / f"{prefix}logo.png")
        logo(256, dark=dark).save(BRAND / f"{prefix}logo@2x.png")


if __name__ == "__main__":
    main()
