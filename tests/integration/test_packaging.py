"""What ships: translations in both languages, action descriptions, manifest, hacs.json, a client without HA."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from homeassistant.core import HomeAssistant
from homeassistant.helpers.service import async_get_all_descriptions
from PIL import Image, ImageChops, ImageStat
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.baidu_face.const import DOMAIN
from custom_components.baidu_face.errors import PROBLEM_REASONS
from scripts.make_brand import NAME, icon, logo

Setup = Callable[..., Awaitable[MockConfigEntry]]
INTEGRATION = Path(__file__).resolve().parents[2] / "custom_components" / DOMAIN
# How high a device's page shows the logo (the frontend's `.header-right img {height: 30px}`).
DEVICE_PAGE_LOGO = 30


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    found = set()
    for key, value in tree.items():
        found.add(prefix + key)
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found


async def test_every_action_is_described(hass: HomeAssistant, setup_entry: Setup) -> None:
    await setup_entry()
    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    expected = {
        "detect", "match", "identify", "verify", "get_user", "list_groups", "list_group_users",
        "register_user", "update_user", "delete_user", "add_user_to_group", "remove_user_from_group",
        "refresh_people", "enroll_face", "forget_face", "list_faces", "ignore_visitor", "unignore_visitor",
        "not_this_person",
    }  # fmt: skip
    assert set(descriptions) == expected
    assert {"uid", "user_info", "groups", "replace", "camera_entity_id", "image_path"} <= set(
        descriptions["register_user"]["fields"]
    )
    translations = json.loads((INTEGRATION / "translations" / "en.json").read_text())["services"]
    for name, description in descriptions.items():
        assert set(description["fields"]) == set(translations[name]["fields"]), name


def test_translations_are_complete_in_both_languages() -> None:
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    chinese = json.loads((INTEGRATION / "translations" / "zh-Hans.json").read_text(encoding="utf-8"))
    assert keys(english) == keys(chinese)
    # Every translation key the code raises exists.
    source = "\n".join(p.read_text() for p in INTEGRATION.glob("*.py"))
    used = set(re.findall(r'translation_key="(\w+)"', source)) | set(re.findall(r'_invalid\("(\w+)"', source))
    used |= set(re.findall(r'Error, "(\w+)", (?:True|False)\),', source))  # the error table in errors.py
    used |= set(re.findall(r'^    "\w+": "(\w+)",$', source, re.MULTILINE))  # refused fields, by name
    used |= set(re.findall(r'^\s+key = "(\w+)"', source, re.MULTILINE))
    assert {"invalid_uid", "user_not_found", "user_not_found_anywhere", "rate_limited"} <= used
    assert used, "no keys found"
    # Entities' translation keys are found by the same search.
    known = set(english["exceptions"]) | {key for platform in english["entity"].values() for key in platform}
    assert used <= known, used - known


def test_every_scan_problem_reason_is_translated() -> None:
    """The problem sensor's reasons are the error table's keys: each has a translated state, and no state is dead."""
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    states = english["entity"]["binary_sensor"]["scan_problem"]["state_attributes"]["reason"]["state"]
    assert set(states) == PROBLEM_REASONS


def test_manifest_and_hacs() -> None:
    manifest = json.loads((INTEGRATION / "manifest.json").read_text())
    assert list(manifest)[:2] == ["domain", "name"]
    assert list(manifest)[2:] == sorted(list(manifest)[2:])
    assert manifest["version"]
    hacs = json.loads((INTEGRATION.parents[1] / "hacs.json").read_text())
    assert set(hacs) <= {
        "name",
        "homeassistant",
        "render_readme",
        "content_in_root",
        "zip_release",
        "filename",
        "hide_default_branch",
        "country",
        "persistent_directory",
        "hacs",
    }
    assert hacs["name"]
    assert [p.name for p in (INTEGRATION.parents[0]).iterdir() if p.is_dir() and not p.name.startswith("_")] == [DOMAIN]


def test_the_client_has_no_home_assistant_imports() -> None:
    for path in (INTEGRATION / "api").glob("*.py"):
        assert "homeassistant" not in path.read_text(), path.name


def test_both_languages_use_the_same_placeholders() -> None:
    english, chinese = (
        json.loads((INTEGRATION / "translations" / f"{language}.json").read_text(encoding="utf-8"))
        for language in ("en", "zh-Hans")
    )

    def placeholders(tree: dict[str, Any], prefix: str = "") -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for key, value in tree.items():
            if isinstance(value, dict):
                found |= placeholders(value, f"{prefix}{key}.")
            else:
                found[prefix + key] = set(re.findall(r"\{(\w+)\}", str(value)))
        return found

    assert placeholders(english) == placeholders(chinese)


@pytest.mark.parametrize("prefix", ["", "dark_"])
def test_the_brand_is_what_make_brand_draws_in_home_assistants_sizes(prefix: str) -> None:
    dark = prefix == "dark_"
    drawn = {
        "icon.png": icon(256, dark=dark),
        "icon@2x.png": icon(512, dark=dark),
        "logo.png": logo(128, dark=dark),
        "logo@2x.png": logo(256, dark=dark),
    }
    for name, picture in drawn.items():
        with Image.open(INTEGRATION / "brand" / f"{prefix}{name}") as shipped:
            assert shipped.mode == "RGBA", name
            assert shipped.size == picture.size, name
            # The same drawing (another FreeType may move an edge's shade a little).
            assert max(ImageStat.Stat(ImageChops.difference(shipped, picture)).mean) < 1, name
    assert drawn["icon.png"].size == (256, 256)
    assert drawn["logo.png"].height == 128
    assert drawn["logo@2x.png"].height == 256


def most_ink(alpha: Image.Image) -> int:
    """Return the highest opacity in an alpha channel."""
    return max(value for value, count in enumerate(alpha.histogram()) if count)


def test_the_logo_reads_baidu_face_at_device_page_size() -> None:
    """Issue 23: on a device's page the logo read "Face", thin, and looked cut off."""
    assert NAME == "Baidu Face"
    with Image.open(INTEGRATION / "brand" / "logo.png") as shipped:
        width = round(shipped.width * DEVICE_PAGE_LOGO / shipped.height)
        small = shipped.resize((width, DEVICE_PAGE_LOGO), Image.Resampling.LANCZOS)
    alpha = small.getchannel("A")
    # The letters: everything right of the square icon.
    letters = alpha.crop((DEVICE_PAGE_LOGO, 0, width, DEVICE_PAGE_LOGO)).point(lambda a: 255 if a > 160 else 0)
    box = letters.getbbox()
    assert box is not None
    left, top, right, bottom = box
    assert bottom - top >= 12  # capitals of 12 px or more (the thin "Face" had 10)
    assert right - left >= 2 * DEVICE_PAGE_LOGO  # two words ("Face" alone was about 1.1 times the height)
    # Nothing touches the right edge (at most a resampling shade): the name ends, it is not cut.
    assert most_ink(alpha.crop((width - 2, 0, width, DEVICE_PAGE_LOGO))) <= 16
    # Solid strokes: some pixels of the letters are fully inked at this size, not only grey edges.
    assert most_ink(alpha.crop((DEVICE_PAGE_LOGO, 0, width, DEVICE_PAGE_LOGO))) == 255


# British spellings Home Assistant's style guide replaces ("Enroll", "recognized").
BRITISH = re.compile(r"\b(?:enrol|enrols|enrolment|recognis(?:e|ed|es|ing|ation))\b", re.IGNORECASE)


def strings(tree: Any) -> list[str]:
    """Return every string value of a translation tree (its keys are code, not UI)."""
    if isinstance(tree, dict):
        return [text for value in tree.values() for text in strings(value)]
    return [tree] if isinstance(tree, str) else []


def test_the_ui_and_the_docs_speak_american_english() -> None:
    """Issue 23: "Enroll a kept face" stood next to "Enrol as Visitor"."""
    root = INTEGRATION.parents[1]
    english = json.loads((INTEGRATION / "translations" / "en.json").read_text())
    texts = {"en.json": "\n".join(strings(english))}
    for path in [
        INTEGRATION / "services.yaml",
        *sorted((root / "blueprints").rglob("*.yaml")),
        root / "README.md",
        root / "DOCS.md",
        root / "CHANGELOG.md",
        *sorted(path for path in (root / "docs").glob("*.md") if not path.name.endswith(".zh-Hans.md")),
    ]:
        # Code spans name entity ids, which keep their first spelling (`…_recognised_person`).
        texts[path.name] = re.sub(r"`[^`\n]*`", "", path.read_text(encoding="utf-8"))
    found = {name: BRITISH.findall(text) for name, text in texts.items()}
    assert {name: words for name, words in found.items() if words} == {}
