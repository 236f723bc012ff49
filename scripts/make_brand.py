"""Draw the integration's original icon and logo (Home Assistant's brand sizes).

Usage: .venv/bin/python scripts/make_brand.py   (writes custom_components/baidu_face/brand/)
A face inside a camera's scan frame; drawn at 4x and scaled down for smooth edges.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

BRAND = Path(__file__).resolve().parents[1] / "custom_components" / "baidu_face" / "brand"
SCALE = 4
BLUE, TEAL = (33, 118, 255), (0, 190, 200)


def icon(size: int, *, dark: bool) -> Image.Image:
    """Draw the square icon (a face in a frame), `size` pixels wide."""
    s = size * SCALE
    image = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    # Background: a rounded square with a diagonal blue-to-teal blend.
    blend = Image.new("RGBA", (s, s))
    for y in range(s):
        t = y / s
        colour = tuple(round(a + (b - a) * t) for a, b in zip(BLUE, TEAL, strict=True))
        ImageDraw.Draw(blend).line([(0, y), (s, y)], fill=(*colour, 255))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, s - 1, s - 1], radius=s // 5, fill=255)
    image.paste(blend, (0, 0), mask)
    ink = (255, 255, 255, 255) if not dark else (235, 245, 255, 255)
    w = max(2, s // 28)
    # Scan-frame corners.
    m, c = s // 7, s // 5
    for x, y, dx, dy in ((m, m, 1, 1), (s - m, m, -1, 1), (m, s - m, 1, -1), (s - m, s - m, -1, -1)):
        draw.line([(x, y), (x + dx * c, y)], fill=ink, width=w)
        draw.line([(x, y), (x, y + dy * c)], fill=ink, width=w)
    # The face: head, eyes, smile.
    r = s * 0.24
    cx, cy = s / 2, s / 2
    draw.ellipse([cx - r, cy - r * 1.1, cx + r, cy + r * 1.1], outline=ink, width=w)
    eye = s * 0.028
    for ex in (cx - r * 0.4, cx + r * 0.4):
        draw.ellipse([ex - eye, cy - r * 0.3 - eye, ex + eye, cy - r * 0.3 + eye], fill=ink)
    draw.arc([cx - r * 0.5, cy - r * 0.15, cx + r * 0.5, cy + r * 0.55], start=20, end=160, fill=ink, width=w)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def logo(height: int, *, dark: bool) -> Image.Image:
    """Draw the icon beside the name, `height` pixels high."""
    mark = icon(height, dark=dark)
    font = ImageFont.load_default(size=round(height * 0.5))
    text = "Face"
    colour = (30, 40, 60, 255) if not dark else (240, 244, 250, 255)
    probe = ImageDraw.Draw(Image.new("RGBA", (1, 1)))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    width = height + round(height * 0.2) + round(right - left) + round(height * 0.1)
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    image.paste(mark, (0, 0), mark)
    ImageDraw.Draw(image).text(
        (height + round(height * 0.2) - left, (height - (bottom - top)) / 2 - top), text, font=font, fill=colour
    )
    return image


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
