"""Real face photos for the tests, the benchmarks and the demo (one home for their path).

They come from the MIT-licensed `face_recognition` project's examples (Adam Geitgey;
licence text in LICENSE-face_recognition-examples beside this file). Layout:
`enroll/<person>_<n>.jpg` (one face each, to register `<person>`), `probe/<person>.jpg`
(another photo of the same person), `probe/<a>+<b>.jpg` (two known people in one frame)
and `probe/stranger_*.png` (nobody enrolled).
"""

from __future__ import annotations

from pathlib import Path

FOLDER = Path(__file__).resolve().parent
PEOPLE = ("obama", "biden", "kit_harington", "rose_leslie", "alex_lacamoire")
STRANGER = "probe/stranger_lin_manuel_miranda.png"


def enrolment_photos(folder: Path = FOLDER) -> dict[str, list[Path]]:
    """Each person's enrolment photos (`enroll/<person>_<n>.jpg`), by person."""
    photos: dict[str, list[Path]] = {}
    for path in sorted((folder / "enroll").glob("*.jpg")):
        photos.setdefault(path.stem.rsplit("_", 1)[0], []).append(path)
    return photos
