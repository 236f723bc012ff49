"""Releases: the changelog's newest version is the manifest's, and hacs.json's minimum is what the tests run."""

from __future__ import annotations

import json
import re
from pathlib import Path

from scripts.release_notes import CHANGELOG, main, manifest_version, notes, releases

ROOT = Path(__file__).resolve().parents[2]


def test_the_newest_released_version_is_the_manifests() -> None:
    changelog = CHANGELOG.read_text()
    (newest, _), *_ = releases(changelog)
    assert newest == manifest_version()
    assert notes(changelog, newest)


def test_the_changelog_keeps_unreleased_on_top_and_releases_newest_first() -> None:
    changelog = CHANGELOG.read_text()
    headings = re.findall(r"^## (.*)$", changelog, re.MULTILINE)
    assert headings[0] == "[Unreleased]"
    versions = [tuple(int(part) for part in version.split(".")) for version, _ in releases(changelog)]
    assert versions == sorted(versions, reverse=True)
    assert len(headings) == len(versions) + 1  # every other heading is a dated release
    dates = [date for _, date in releases(changelog)]
    assert dates == sorted(dates, reverse=True)


def test_release_notes_refuse_a_tag_that_is_not_the_manifests_version() -> None:
    assert main([f"v{manifest_version()}"]) == 0
    assert main(["v99.0.0"]) == 1


def test_hacs_json_states_the_home_assistant_version_the_tests_run() -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text())
    pinned = re.search(r"^homeassistant==(\S+)$", (ROOT / "requirements-demo.txt").read_text(), re.MULTILINE)
    assert pinned
    assert hacs["homeassistant"] == pinned[1]
