"""Build the font of the *Last scan* labels: Noto Sans CJK SC cut down to the characters names use.

Baidu's users name people in Chinese, and Pillow's own font draws Latin letters only. The whole
of Noto Sans CJK SC is 15 MiB (a PyPI wheel of Noto Sans CJK is 26 MiB), which every Raspberry
Pi that installs the integration would download; the characters names use are a small part of it
(3.5 MiB, 2.9 MiB zipped):

- GB 2312 whole (its 6,763 hanzi of levels 1 and 2, with its kana, Greek, Cyrillic and symbols),
- the 2,350 Hangul syllables of KS X 1001 and the 2,965 level-1 kanji of JIS X 0208,
- Latin (ASCII, Latin-1, Latin Extended-A), general and CJK punctuation, full-width forms.

A name with a character outside these is drawn as its uid (image.py). The licence (SIL OFL 1.1,
no reserved name used) is fonts/OFL.txt beside the font.

Usage (the font comes from Debian's fonts-noto-cjk, subsetting from fonttools, which
requirements-test.txt installs):

    apt-get install fonts-noto-cjk
    python -m scripts.make_label_font            # writes the font, prints the sizes compared
    python -m scripts.make_label_font --compare  # only prints the sizes of each choice
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_INDEX = 2  # the collection's fonts: JP, KR, SC, TC, HK, then the Mono ones
FONTS = Path(__file__).resolve().parents[1] / "custom_components" / "baidu_face" / "fonts"
TARGET = FONTS / "NotoSansCJKsc-Regular-Labels.otf"

LATIN = [(0x20, 0x7E), (0xA0, 0x17F)]
PUNCTUATION = [(0x2000, 0x206F), (0x3000, 0x303F), (0xFF00, 0xFFEF)]


def _ranges(ranges: Iterable[tuple[int, int]]) -> set[str]:
    return {chr(code) for first, last in ranges for code in range(first, last + 1)}


def _double_byte(codec: str, rows: range, cells: range = range(0xA1, 0xFF)) -> set[str]:
    """Return the characters a double-byte codec has in `rows` (every code it cannot decode is skipped)."""
    found = set()
    for row in rows:
        for cell in cells:
            try:
                found.add(bytes((row, cell)).decode(codec))
            except UnicodeDecodeError:
                continue
    return found


def gb2312() -> set[str]:
    """Return GB 2312 whole: symbols, kana, Greek, Cyrillic (rows 1-9) and the hanzi of levels 1 and 2."""
    return _double_byte("gb2312", range(0xA1, 0xF8))


def hangul() -> set[str]:
    """Return the 2,350 Hangul syllables of KS X 1001."""
    return _double_byte("euc_kr", range(0xB0, 0xC9))


def jis_level_1() -> set[str]:
    """Return the 2,965 level-1 kanji of JIS X 0208."""
    return _double_byte("euc_jp", range(0xB0, 0xD0))


def label_characters() -> set[str]:
    """Return every character the labels' font keeps."""
    return _ranges(LATIN) | _ranges(PUNCTUATION) | gb2312() | hangul() | jis_level_1()


def subset(source: Path, characters: set[str] | None, target: Path) -> None:
    """Write `source`'s SC font cut down to `characters` (those it has; None: all) to `target`."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8") as text:
        text.write("".join(sorted(characters or ())))
        text.flush()
        subprocess.run(  # noqa: S603 - our own interpreter and fontTools
            [
                sys.executable,
                "-m",
                "fontTools.subset",
                str(source),
                f"--font-number={SC_INDEX}",
                f"--text-file={text.name}" if characters is not None else "--unicodes=*",
                f"--output-file={target}",
                "--notdef-outline",  # a character the font lacks draws as a box, which image.py detects
                # A sixth of the size; labels of 14 px and more look the same without the hints.
                "--no-hinting",
                "--layout-features=kern,liga,locl",
                "--name-IDs=*",
            ],
            check=True,
        )


def zipped(path: Path) -> int:
    """Return `path`'s size in a zip archive (roughly what a download of it costs)."""
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writing:
            writing.write(path, path.name)
        return archive.tell()


def main() -> None:
    """Write the labels' font (or only compare the choices) and print the sizes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help="Noto Sans CJK Regular (.ttc)")
    parser.add_argument("--compare", action="store_true", help="only print the size of each choice")
    options = parser.parse_args()
    base = _ranges(LATIN) | _ranges(PUNCTUATION) | gb2312()
    choices = {
        "GB 2312 + Latin": base,
        "+ Hangul (KS X 1001)": base | hangul(),
        "+ Hangul + JIS level-1 kanji (the font)": label_characters(),
        "whole SC font": None,
    }
    with tempfile.TemporaryDirectory() as directory:
        for name, characters in choices.items():
            out = Path(directory) / "font.otf"
            subset(options.source, characters, out)
            count = "all" if characters is None else f"{len(characters):,}"
            size, packed = out.stat().st_size / 2**20, zipped(out) / 2**20
            print(f"{name:42} {count:>7} characters  {size:5.2f} MiB, zipped {packed:5.2f} MiB")
        if not options.compare:
            FONTS.mkdir(exist_ok=True)
            subset(options.source, label_characters(), Path(directory) / "labels.otf")
            shutil.copy(Path(directory) / "labels.otf", TARGET)
            print(f"wrote {TARGET}")


if __name__ == "__main__":
    main()
