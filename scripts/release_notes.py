"""Print a release's notes from CHANGELOG.md: the GitHub release of tag vX.Y.Z shows them.

    python scripts/release_notes.py [X.Y.Z]

Without a version, the manifest's. Refuses (exit 1) a version that is not the manifest's or
has no section in the changelog, so a tag can only release what the repository says it is.
Standard library only: the release workflow runs it on a bare Python.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHANGELOG = ROOT / "CHANGELOG.md"
MANIFEST = ROOT / "custom_components" / "baidu_face" / "manifest.json"
# "## [0.1.0] - 2026-11-26": a released version's heading (Keep a Changelog).
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def manifest_version() -> str:
    """Return the integration's version, as manifest.json states it."""
    return str(json.loads(MANIFEST.read_text())["version"])


def releases(changelog: str) -> list[tuple[str, str]]:
    """Return the released versions and their dates, newest first."""
    return RELEASE.findall(changelog)


def notes(changelog: str, version: str) -> str:
    """Return the text of a version's section, without its heading; empty if it has none."""
    match = re.search(rf"^## \[{re.escape(version)}\] - .*$", changelog, re.MULTILINE)
    if not match:
        return ""
    rest = changelog[match.end() :]
    end = re.search(r"^## |^\[[^\]]+\]: ", rest, re.MULTILINE)
    return rest[: end.start() if end else len(rest)].strip()


def main(argv: list[str]) -> int:
    """Print the notes of the version asked for (or the manifest's); 1 if it cannot be released."""
    version = argv[0].removeprefix("v") if argv else manifest_version()
    if version != manifest_version():
        print(f"{version} is not manifest.json's version ({manifest_version()})", file=sys.stderr)
        return 1
    if not (text := notes(CHANGELOG.read_text(), version)):
        print(f"CHANGELOG.md has no section for {version}", file=sys.stderr)
        return 1
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
