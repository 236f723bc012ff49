"""The *Last scan* labels draw names in their own script: Chinese, Japanese, Korean, accented Latin."""

from __future__ import annotations

from PIL import Image, ImageChops, ImageDraw

from custom_components.baidu_face.image import LABEL_FONT, _drawable, label_font
from scripts.make_label_font import gb2312, hangul, jis_level_1

SIZE = 38  # what a 1080p frame's labels get
MISSING = "\U0010fffd"  # a private-use character no font has: its mask is the .notdef box


def glyph(char: str) -> bytes:
    return bytes(label_font(SIZE).getmask(char))


def test_zhang_wei_is_drawn_with_real_glyphs() -> None:
    font = label_font(SIZE)
    assert _drawable(font, "张伟") == "张伟"
    zhang, wei, box = glyph("张"), glyph("伟"), glyph(MISSING)
    assert len({zhang, wei, box}) == 3  # two glyphs of their own, neither the missing-glyph box
    assert glyph("龘") == box  # a character the font lacks (not in GB 2312) is that box

    # Drawn as a label is: the pixels of each character differ from the box's, and from each other.
    width, height = SIZE * 2 + 8, SIZE + 16

    def drawn(text: str) -> Image.Image:
        picture = Image.new("L", (width, height))
        ImageDraw.Draw(picture).text((4, 4), text, fill=255, font=font)
        return picture

    label, boxes = drawn("张伟"), drawn(MISSING * 2)
    halves = [(0, 0, width // 2, height), (width // 2, 0, width, height)]
    first, second = (label.crop(half) for half in halves)
    assert ImageChops.difference(first, second).getbbox() is not None
    for half in halves:
        assert ImageChops.difference(label.crop(half), boxes.crop(half)).getbbox() is not None
    assert sum(label.histogram()[128:]) > SIZE * 4  # ink, not a blank


def test_covers_gb2312_hangul_and_common_kanji() -> None:
    font = label_font(14)  # the smallest label
    hanzi = "".join(sorted(char for char in gb2312() if "\u4e00" <= char <= "\u9fff"))
    assert len(hanzi) == 6763  # GB 2312 levels 1 and 2
    for name in (hanzi, "".join(sorted(hangul())), "".join(sorted(jis_level_1()))):
        assert _drawable(font, name) == name


def test_names_in_other_scripts_and_the_uid_fallback() -> None:
    font = label_font(SIZE)
    for name in ("山田太郎", "さくら", "サクラ", "김민준", "Zoë Ångström", "François", "Мария"):
        assert _drawable(font, name) == name, name
    assert _drawable(font, "Zoe\u0308") == "Zoë"  # a decomposed accent is drawn composed
    # Latin letters Noto CJK lacks (half of Latin Extended-A, as Pillow's own font did): without their accent.
    assert _drawable(font, "Čapek") == "Capek"
    assert _drawable(font, "Đặng") == "Đang"
    assert _drawable(font, "\u01f8ico") == "Nico"
    assert _drawable(font, "Łukasz") is None  # no accent-free form: the uid
    assert _drawable(font, "王龘") is None  # one character it truly lacks: the caller draws the uid
    assert _drawable(font, "😀") is None


def test_the_font_ships_with_its_licence() -> None:
    assert LABEL_FONT.stat().st_size < 4 * 2**20  # what a Raspberry Pi downloads with the integration
    assert "SIL OPEN FONT LICENSE Version 1.1" in (LABEL_FONT.parent / "OFL.txt").read_text()
