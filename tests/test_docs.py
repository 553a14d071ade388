"""The documentation's links hold: every link and image to this repository finds its file and
heading, the README renders in HACS (absolute addresses, under 15 KB), and every page is
reachable from the README.

Links to this repository are relative (`docs/x.md#a-heading`) or absolute on GitHub
(`https://github.com/ha-dvrip/ha-dvrip/blob/main/...`, `https://raw.githubusercontent.com/
ha-dvrip/ha-dvrip/main/...`, and the blueprint address inside a My Home Assistant import link).
Anchors are checked against the target's headings as GitHub names them.
"""

from __future__ import annotations

from dataclasses import dataclass
import json
from pathlib import Path
import re
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
README_LIMIT = 15_000
PAGES = sorted([README, ROOT / "CONTRIBUTING.md", *(ROOT / "docs").glob("*.md")])

_REPOSITORY = json.loads((ROOT / "custom_components" / "dvrip" / "manifest.json").read_text())[
    "documentation"
].removeprefix("https://github.com/")
_ABSOLUTE_PREFIXES = (
    f"https://github.com/{_REPOSITORY}/blob/main/",
    f"https://github.com/{_REPOSITORY}/tree/main/",
    f"https://raw.githubusercontent.com/{_REPOSITORY}/main/",
)
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"`[^`]*`")
# A link or image: [text](target) or ![alt](target), with an optional "title".
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HTML_TARGET = re.compile(r"<(?:a|img)\s[^>]*?(?:href|src)=\"([^\"]+)\"", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_HTML_ANCHOR = re.compile(r"<a\s[^>]*?(?:name|id)=\"([^\"]+)\"", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Link:
    """A link or image target found in a page, and the line it is on."""

    page: Path
    line: int
    target: str


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """The page's lines outside fenced code blocks, with their numbers (from 1)."""
    lines = []
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def _links(page: Path) -> list[Link]:
    found = []
    for number, line in _prose_lines(page.read_text(encoding="utf-8")):
        prose = _INLINE_CODE.sub("", line)
        for pattern in (_LINK, _HTML_TARGET):
            found.extend(Link(page, number, match.group(1)) for match in pattern.finditer(prose))
    return found


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text lower-cased, punctuation dropped (but `-`
    and `_`), spaces made hyphens.
    """
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # links and images: their text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML
    text = text.replace("`", "").replace("*", "")
    text = text.strip().lower()
    text = "".join(char for char in text if char.isalnum() or char in " -_")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every anchor of a Markdown page: its headings' slugs (repeats numbered as GitHub does)
    and explicit HTML anchors.
    """
    seen: dict[str, int] = {}
    result = set()
    for _number, line in _prose_lines(page.read_text(encoding="utf-8")):
        result.update(_HTML_ANCHOR.findall(line))
        heading = _HEADING.match(line)
        if heading is None:
            continue
        slug = github_slug(heading.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result


def _repository_target(link: Link) -> tuple[Path, str] | None:
    """The repository file and anchor a link points at; None for a link elsewhere."""
    target = link.target
    for prefix in _ABSOLUTE_PREFIXES:
        if target.startswith(prefix):
            parts = urlsplit(target.removeprefix(prefix))
            return ROOT / unquote(parts.path), parts.fragment
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("mailto:"):
        return None
    if not parts.path:
        return link.page, parts.fragment
    return (link.page.parent / unquote(parts.path)).resolve(), parts.fragment


def _embedded_targets(link: Link) -> list[Link]:
    """The repository address inside a My Home Assistant link (a blueprint to import)."""
    parts = urlsplit(link.target)
    if parts.netloc != "my.home-assistant.io":
        return []
    return [
        Link(link.page, link.line, url)
        for values in parse_qs(parts.query).values()
        for url in values
        if url.startswith(("https://github.com/", "https://raw.githubusercontent.com/"))
    ]


def _all_links() -> list[Link]:
    links = []
    for page in PAGES:
        for link in _links(page):
            links.append(link)
            links.extend(_embedded_targets(link))
    return links


def _where(link: Link) -> str:
    return f"{link.page.relative_to(ROOT)}:{link.line}: {link.target}"


def test_the_pages_have_links() -> None:
    """The checks below see the README's links, its images and its blueprint badge."""
    readme = [link.target for link in _links(README)]
    assert any(target.endswith(".png") for target in readme)
    assert any("blueprint_import" in target for target in readme)
    assert len(readme) > 20


def test_every_link_to_this_repository_resolves() -> None:
    broken = []
    for link in _all_links():
        resolved = _repository_target(link)
        if resolved is None:
            continue
        path, anchor = resolved
        if not path.is_relative_to(ROOT) or not path.exists():
            broken.append(f"{_where(link)} (no such file)")
        elif anchor and path.suffix == ".md" and anchor not in anchors(path):
            broken.append(f"{_where(link)} (no heading #{anchor})")
        elif anchor and path.suffix != ".md":
            broken.append(f"{_where(link)} (an anchor into a file that has no headings)")
    assert not broken, "\n".join(broken)


def test_absolute_links_to_this_repository_are_checked() -> None:
    """An absolute link to this repository's files goes through `main` in one of the forms
    checked above (not another branch, nor a form the checks would pass over).
    """
    stray = [
        _where(link)
        for link in _all_links()
        if _REPOSITORY in link.target
        and _repository_target(link) is None
        and not link.target.rstrip("/").endswith(_REPOSITORY)
        and "/issues" not in link.target
    ]
    assert not stray, "\n".join(stray)


def test_the_readme_renders_in_hacs() -> None:
    """HACS shows the README without resolving relative addresses: every link and image to
    this repository's files is absolute, and the page stays under 15 KB.
    """
    relative = [
        _where(link)
        for link in _links(README)
        if not urlsplit(link.target).scheme and not link.target.startswith("#")
    ]
    assert not relative, "\n".join(relative)
    assert README.stat().st_size < README_LIMIT


def test_every_page_is_reachable_from_the_readme() -> None:
    reached = {README}
    frontier = [README]
    while frontier:
        page = frontier.pop()
        for link in _links(page):
            resolved = _repository_target(link)
            if resolved is None or resolved[0].suffix != ".md" or not resolved[0].exists():
                continue
            if resolved[0] not in reached:
                reached.add(resolved[0])
                frontier.append(resolved[0])
    assert {page.relative_to(ROOT) for page in PAGES} - {
        page.relative_to(ROOT) for page in reached
    } == set()


@pytest.mark.parametrize(
    ("heading", "slug"),
    [
        ("The camera's clock", "the-cameras-clock"),
        ("`dvrip.export_last_alarms`", "dvripexport_last_alarms"),
        ("Ret 205: locked or unknown user?", "ret-205-locked-or-unknown-user"),
        ("Alarm event entity (one per channel)", "alarm-event-entity-one-per-channel"),
        ("Guarantees, and where they end", "guarantees-and-where-they-end"),
        ("White light and night mode", "white-light-and-night-mode"),
        ("Notify with the alarm's **picture**", "notify-with-the-alarms-picture"),
    ],
)
def test_headings_are_named_as_github_names_them(heading: str, slug: str) -> None:
    assert github_slug(heading) == slug


def test_a_missing_heading_is_found(tmp_path: Path) -> None:
    """The anchor check fails for a heading that is not there, and counts repeated ones."""
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n## Part\n\n## Part\n\n```\n## Not a heading\n```\n")
    assert anchors(page) == {"title", "part", "part-1"}
