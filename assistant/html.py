"""HTML → Markdown-ish text, so HTML files chunk by their headings like Markdown does.

BeautifulSoup parses; page chrome (scripts, styles, navigation, headers, footers, forms)
is dropped; headings become ``#`` lines and block elements become paragraphs.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag
from bs4.element import NavigableString, PreformattedString

_DROPPED_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
)
_BLOCK_TAGS = (
    "p", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption", "caption",
    "div", "section", "article", "main", "body", "table", "ul", "ol", "dl", "figure",
)  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}


def html_to_markdown(html: str) -> tuple[str, str]:
    """Return ``(title, body)``; the body keeps headings as ``#`` lines.

    Every text node belongs to its nearest block (heading, paragraph, list item, or a
    container such as ``div``): text sitting directly in a ``div`` is kept as its own
    paragraph, not lost because the page also has ``p`` elements.
    """
    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = _clean(title_tag.get_text()) if title_tag else ""
    for tag in soup.find_all([*_DROPPED_TAGS, "head", "title"]):
        tag.decompose()
    groups: list[tuple[Tag | None, list[str]]] = []
    for string in soup.find_all(string=True):
        if isinstance(string, PreformattedString):  # comments, doctypes, CDATA
            continue
        block = _nearest_block(string)
        if groups and groups[-1][0] is block:
            groups[-1][1].append(str(string))
        else:
            groups.append((block, [str(string)]))
    blocks = []
    for block, parts in groups:
        text = _clean(" ".join(parts))
        name = block.name if block is not None else ""
        if not text:
            continue
        if name in _HEADINGS:
            blocks.append("#" * _HEADINGS[name] + " " + text)
        elif name == "li":
            blocks.append("- " + text)
        else:
            blocks.append(text)
    return title, "\n\n".join(blocks) + "\n"


def _nearest_block(string: NavigableString) -> Tag | None:
    for parent in string.parents:
        if parent.name in _HEADINGS or parent.name in _BLOCK_TAGS:
            return parent
    return None


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
