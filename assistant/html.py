"""HTML → Markdown-ish text, so HTML files chunk by their headings like Markdown does.

BeautifulSoup parses; page chrome (scripts, styles, navigation, headers, footers, forms)
is dropped; headings become ``#`` lines and block elements become paragraphs.
"""

from __future__ import annotations

import re

from bs4 import BeautifulSoup, Tag

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
_BLOCK_TAGS = ("p", "li", "blockquote", "pre", "td", "th", "dd", "dt", "figcaption")
_HEADINGS = {f"h{level}": level for level in range(1, 7)}


def html_to_markdown(html: str) -> tuple[str, str]:
    """Return ``(title, body)``; the body keeps headings as ``#`` lines."""
    soup = BeautifulSoup(html, "html.parser")
    title_tag = soup.find("title")
    title = _clean(title_tag.get_text()) if title_tag else ""
    for tag in soup.find_all(_DROPPED_TAGS):
        tag.decompose()
    root = soup.body or soup
    blocks: list[str] = []
    for element in root.find_all([*_HEADINGS, *_BLOCK_TAGS]):
        if not isinstance(element, Tag) or _has_block_ancestor(element):
            continue
        text = _clean(element.get_text(" "))
        if not text:
            continue
        if element.name in _HEADINGS:
            blocks.append("#" * _HEADINGS[element.name] + " " + text)
        elif element.name == "li":
            blocks.append("- " + text)
        else:
            blocks.append(text)
    if not blocks:  # no block markup at all: plain text in a page
        text = _clean(root.get_text(" "))
        blocks = [text] if text else []
    return title, "\n\n".join(blocks) + "\n"


def _has_block_ancestor(element: Tag) -> bool:
    """True for a block nested in another block (a ``p`` inside ``li``): the outer one holds it."""
    return any(parent.name in _BLOCK_TAGS for parent in element.parents)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()
