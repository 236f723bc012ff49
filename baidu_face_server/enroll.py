"""Registering a folder of photos (`python -m baidu_face_server enroll DIR --group G --db FILE --app KEY:SECRET`).

Photos are named `<person>_<n>.jpg` (or .jpeg, .png, .bmp), either in DIR or in DIR/enroll (the layout
of sample_faces/). Each one is registered as user `<person>` through the server's own public V3 API
(`faceset/user/add`) on a private loopback port, so enrolling obeys exactly the rules every client
meets. The server must not be running on the same database meanwhile: it would not see the new faces
until restarted.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from .gateway import App
from .server import running_server

PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp"})
# Baidu's answers that are about the photo rather than the request.
NO_FACE = 222202
FACE_EXISTS = 223105


@dataclass
class Summary:
    """How each photo went, by outcome."""

    enrolled: list[Path] = field(default_factory=list)
    no_face: list[Path] = field(default_factory=list)
    already: list[Path] = field(default_factory=list)
    failed: list[Path] = field(default_factory=list)
    people: set[str] = field(default_factory=set)


def photos_in(folder: Path) -> list[tuple[str, Path]]:
    """Each photo in the folder (or its `enroll/` subfolder) with the person it shows, by file name."""
    if (folder / "enroll").is_dir():
        folder /= "enroll"
    photos = []
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in PHOTO_SUFFIXES:
            person, _, number = path.stem.rpartition("_")
            photos.append((person if person and number.isdigit() else path.stem, path))
    return photos


def readable(person: str) -> str:
    """`kit_harington` → `Kit Harington`, the user_info shown in Home Assistant."""
    return person.replace("_", " ").title()


async def enroll(folder: Path, group: str, db: Path, app: App) -> Summary:
    """Register every photo in `folder` into `group` of `app`'s face set in `db`, printing each outcome."""
    summary = Summary()
    async with running_server([app], db) as server, aiohttp.ClientSession() as session:
        query = {"grant_type": "client_credentials", "client_id": app.api_key, "client_secret": app.secret_key}
        async with session.get(f"{server.url}/oauth/2.0/token", params=query) as response:
            token = (await response.json())["access_token"]
        url = f"{server.url}/rest/2.0/face/v3/faceset/user/add"
        for person, path in photos_in(folder):
            body = {
                "image": base64.b64encode(path.read_bytes()).decode(), "image_type": "BASE64",
                "group_id": group, "user_id": person, "user_info": readable(person),
            }  # fmt: skip
            async with session.post(url, params={"access_token": token}, json=body) as response:
                answer: dict[str, Any] = await response.json()
            _record(summary, person, path, answer)
    return summary


def _record(summary: Summary, person: str, path: Path, answer: dict[str, Any]) -> None:
    code = answer.get("error_code", 0)
    if code == 0:
        summary.enrolled.append(path)
        summary.people.add(person)
        print(f"{path.name}: ok ({person})")
    elif code == NO_FACE:
        summary.no_face.append(path)
        print(f"{path.name}: no face found")
    elif code == FACE_EXISTS:
        summary.already.append(path)
        summary.people.add(person)
        print(f"{path.name}: already enrolled ({person})")
    else:
        summary.failed.append(path)
        print(f"{path.name}: error {code} {answer.get('error_msg', '')}".rstrip())


def report(summary: Summary, group: str) -> str:
    """Sum up the run in one line: photos by outcome, and people now in the group."""
    return (
        f"{len(summary.enrolled)} enrolled, {len(summary.already)} already enrolled, "
        f"{len(summary.no_face)} without a face, {len(summary.failed)} failed; "
        f"{len(summary.people)} people from this folder are in group '{group}'"
    )
