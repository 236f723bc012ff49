"""The documentation: README is a short front door, every page has its Chinese twin, and no link is broken.

GitHub shows a broken link or a missing anchor only when someone clicks it; a page changed in one language
only drifts silently. These tests catch both before a push.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
CHINESE = ".zh-Hans.md"
README = ROOT / "README.md"
README_LINES = 250
LINE_LENGTH = 200
# Links written as GitHub addresses of this repository's own files: the blueprints' import buttons, and README's
# picture (HACS shows README inside Home Assistant, where a relative picture does not load).
OWN_FILES = re.compile(
    r"https://(?:github\.com/baidu-face-home-assistant/baidu-face-home-assistant/(?:blob|tree)"
    r"|raw\.githubusercontent\.com/baidu-face-home-assistant/baidu-face-home-assistant)/main/([^\s)\"'<>?]+)"
)


def chinese_twin(english: Path) -> Path:
    return english.with_name(english.name.removesuffix(".md") + CHINESE)


ENGLISH_PAGES = sorted(path for path in DOCS.rglob("*.md") if not path.name.endswith(CHINESE))
TWINS = [(README, chinese_twin(README)), *((page, chinese_twin(page)) for page in ENGLISH_PAGES)]
# Where a relative link is read: the pages, and the blueprints (their descriptions are Markdown).
LINKING = list(
    dict.fromkeys(
        [
            *(page for pair in TWINS for page in pair),
            *sorted(DOCS.rglob(f"*{CHINESE}")),  # a Chinese page without its English one too
            *sorted((ROOT / "blueprints").rglob("*.yaml")),
            ROOT / "DOCS.md",
            ROOT / "CHANGELOG.md",
        ]
    )
)
# Where a GitHub address of this repository's files may be written as well.
ADDRESSING = [
    *LINKING,
    *sorted((ROOT / "custom_components" / "baidu_face" / "translations").glob("*.json")),
    ROOT / "custom_components" / "baidu_face" / "services.yaml",
    ROOT / "custom_components" / "baidu_face" / "manifest.json",
    *sorted((ROOT / "translations").glob("*.yaml")),
]


def ids(path: Path) -> str:
    return str(path.relative_to(ROOT))


# --- reading Markdown -------------------------------------------------------------------------


@dataclass
class Markdown:
    """What the tests compare in a page: its headings, its code blocks, and its prose (code blocks left out)."""

    headings: list[tuple[int, str]] = field(default_factory=list)
    code: list[tuple[str, list[str]]] = field(default_factory=list)
    prose: list[str] = field(default_factory=list)


def read(text: str) -> Markdown:
    page = Markdown()
    block: tuple[str, list[str]] | None = None
    for line in text.splitlines():
        fence = re.match(r"\s*```\s*(\S*)", line)
        if fence and block is None:
            block = (fence[1], [])
        elif fence and block is not None:
            page.code.append(block)
            block = None
        elif block is not None:
            block[1].append(line)
        else:
            page.prose.append(line)
            if heading := re.match(r"(#{1,6})\s+(.*?)\s*#*\s*$", line):
                page.headings.append((len(heading[1]), heading[2]))
    assert block is None, "a code block is not closed"
    return page


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens (CJK characters stay)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for _, heading in read(page.read_text(encoding="utf-8")).headings:
        anchor, n = slug(heading), 0
        while (anchor if n == 0 else f"{anchor}-{n}") in found:
            n += 1
        found.add(anchor if n == 0 else f"{anchor}-{n}")
    return found


def without_code_spans(line: str) -> str:
    return re.sub(r"`[^`]*`", "", re.sub(r"``.*?``", "", line))


def relative_links(path: Path) -> list[str]:
    """Every link target in a file's prose that is not an address with a scheme (https:, mailto:)."""
    text = path.read_text(encoding="utf-8")
    lines = read(text).prose if path.suffix == ".md" else text.splitlines()
    targets: list[str] = []
    for line in map(without_code_spans, lines):
        targets += re.findall(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)", line)
        targets += re.findall(r"^\s*\[[^\]]+\]:\s*(\S+)", line)
    return [target for target in targets if not re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE)]


def broken(base: Path, target: str) -> str | None:
    """Why a link from a file in `base` to `target` (a path, `#anchor` or both) is broken, or None."""
    path, _, anchor = unquote(target).partition("#")
    linked = (base / path).resolve() if path else None
    if linked is not None and not linked.exists():
        return f"{target}: no such file"
    if anchor and linked is not None and linked.suffix != ".md":
        return f"{target}: an anchor into a file that is not Markdown"
    return None if not anchor or linked is None or anchor in anchors(linked) else f"{target}: no such heading"


def broken_links(path: Path) -> list[str]:
    problems: list[str] = []
    for target in relative_links(path):
        if target.startswith("#"):  # into the same page
            problems += [] if target[1:] in anchors(path) else [f"{target}: no such heading"]
        elif problem := broken(path.parent, target):
            problems.append(problem)
    return problems


# --- comparing the twins' code ----------------------------------------------------------------

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
KEY = re.compile(r"\s*(?:- )?[\w.]+:")
TEMPLATE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")


def code_lines(language: str, lines: list[str]) -> list[str]:
    """Return a block's lines without comments: the one thing each language writes in its own words."""
    kept = []
    for line in lines:
        if line.lstrip().startswith("#"):
            continue
        kept.append((re.sub(r"\s+#.*$", "", line) if language in {"bash", "sh", "shell"} else line).rstrip())
    return kept


def same_line(english: str, chinese: str) -> bool:
    """Say whether two lines are the same, or the same YAML key with its value in Chinese and the same templates."""
    if english == chinese:
        return True
    key = KEY.match(chinese)
    return bool(
        CJK.search(chinese)
        and key
        and english.startswith(key[0])
        and TEMPLATE.findall(english) == TEMPLATE.findall(chinese)
    )


def code_differences(english: Markdown, chinese: Markdown) -> list[str]:
    if [language for language, _ in english.code] != [language for language, _ in chinese.code]:
        return [f"code blocks: {[lang for lang, _ in english.code]} against {[lang for lang, _ in chinese.code]}"]
    differences = []
    for number, ((language, en), (_, zh)) in enumerate(zip(english.code, chinese.code, strict=True), 1):
        en_lines, zh_lines = code_lines(language, en), code_lines(language, zh)
        if len(en_lines) != len(zh_lines):
            differences.append(f"block {number} ({language}): {len(en_lines)} lines against {len(zh_lines)}")
            continue
        differences += [
            f"block {number} ({language}): {en_line!r} against {zh_line!r}"
            for en_line, zh_line in zip(en_lines, zh_lines, strict=True)
            if not same_line(en_line, zh_line)
        ]
    return differences


# --- the pages --------------------------------------------------------------------------------


@pytest.mark.parametrize("readme", [README, chinese_twin(README)], ids=ids)
def test_readme_is_a_short_front_door(readme: Path) -> None:
    lines = readme.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_LINES, f"{len(lines)} lines: move a topic to docs/"
    assert [number for number, line in enumerate(lines, 1) if len(line) > LINE_LENGTH] == []


def test_every_page_has_its_twin_in_the_other_language() -> None:
    assert ENGLISH_PAGES, "docs/ holds no page"
    assert [ids(chinese) for _, chinese in TWINS if not chinese.exists()] == []
    english = {chinese_twin(page) for page in ENGLISH_PAGES}
    assert [ids(path) for path in DOCS.rglob(f"*{CHINESE}") if path not in english] == []


def test_readme_links_every_page_in_its_own_language() -> None:
    for readme, pages in ((README, ENGLISH_PAGES), (chinese_twin(README), list(map(chinese_twin, ENGLISH_PAGES)))):
        linked = {(readme.parent / unquote(target).partition("#")[0]).resolve() for target in relative_links(readme)}
        assert [ids(page) for page in pages if page.resolve() not in linked] == [], ids(readme)


@pytest.mark.parametrize(("english", "chinese"), TWINS, ids=ids)
def test_twins_have_the_same_headings_and_code(english: Path, chinese: Path) -> None:
    en, zh = read(english.read_text(encoding="utf-8")), read(chinese.read_text(encoding="utf-8"))
    assert [level for level, _ in en.headings] == [level for level, _ in zh.headings], "headings' levels differ"
    assert code_differences(en, zh) == []


@pytest.mark.parametrize("path", LINKING, ids=ids)
def test_every_relative_link_resolves(path: Path) -> None:
    assert broken_links(path) == []


@pytest.mark.parametrize("path", ADDRESSING, ids=ids)
def test_every_github_address_of_our_own_files_resolves(path: Path) -> None:
    addresses = OWN_FILES.findall(unquote(path.read_text(encoding="utf-8")))
    assert [address for address in addresses if broken(ROOT, address)] == []


# --- the checks themselves --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("Triggers: scan only when someone is there", "triggers-scan-only-when-someone-is-there"),
        ("Identify at 300,000 faces", "identify-at-300000-faces"),
        ("The recognition entity, usage and a *Scan now* button", "the-recognition-entity-usage-and-a-scan-now-button"),
        ("What the server keeps, and for how long", "what-the-server-keeps-and-for-how-long"),
        ("`baidu_face.enroll_face`", "baidu_faceenroll_face"),
        ("触发器\uff1a只在有人时扫描", "触发器只在有人时扫描"),  # a full-width colon
        ("作为 Home Assistant 加载项或容器运行", "作为-home-assistant-加载项或容器运行"),
    ],
)
def test_anchors_follow_githubs_rules(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_missing_file_or_heading_is_found(tmp_path: Path) -> None:
    (tmp_path / "other.md").write_text("# Other\n\n## A section\n\n## A section\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[ok](other.md) [ok](other.md#a-section) [ok](other.md#a-section-1) [ok](#page)\n"
        "[gone](missing.md) [gone](other.md#no-such) [gone](#nowhere) `[code](not-a-link.md)`\n"
        "```yaml\n[not](checked.md)\n```\n[ref]: missing-too.md\n[web](https://example.com/x.md)\n"
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#no-such: no such heading",
        "#nowhere: no such heading",
        "missing-too.md: no such file",
    ]


def test_twins_that_drifted_are_found() -> None:
    english = read('# A\n\n## B\n\n```yaml\n# Say hello\nmessage: "Hi {{ name }}"\nentity_id: sensor.a\n```\n')
    same = read('# 甲\n\n## 乙\n\n```yaml\n# 打招呼\nmessage: "你好 {{ name }}"\nentity_id: sensor.a\n```\n')
    assert code_differences(english, same) == []
    drifted = read('# 甲\n\n```yaml\nmessage: "你好 {{ nom }}"\nentity_id: sensor.b\n```\n')
    assert [level for level, _ in drifted.headings] != [level for level, _ in english.headings]
    assert len(code_differences(english, drifted)) == 2
