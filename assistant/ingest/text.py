"""Plain text → blocks: paragraphs at blank lines, bullet lines as list items.

Hard-wrapped lines of one paragraph are joined. A short first line standing alone (no
closing punctuation, a blank line after it) is the title, as in most notes and READMEs.
"""

from __future__ import annotations

import re

from ..documents import Block
from .budget import exhausted, take
from .layout import Parsed, cap_label, clean_inline

_BULLET = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
MAX_TITLE_LINE = 80


def load_text(text: str) -> Parsed:
    paragraphs = [part for part in re.split(r"\n[ \t]*\n", text) if part.strip()]
    title = ""
    if len(paragraphs) > 1:
        first = paragraphs[0].strip()
        if (
            "\n" not in first
            and len(first) <= MAX_TITLE_LINE
            and not first.endswith((".", "!", "?", ":", ";", ","))
        ):
            title = cap_label(first)
            paragraphs = paragraphs[1:]
    blocks: list[Block] = [Block("heading", title, 1)] if title else []
    for paragraph in paragraphs:
        if exhausted():
            break
        blocks.extend(block for block in _paragraph_blocks(paragraph) if take(block.text))
    return Parsed(blocks=blocks, title=title)


def _paragraph_blocks(paragraph: str) -> list[Block]:
    """One paragraph, or one list item per bullet line (continuation lines joined)."""
    lines = paragraph.split("\n")
    if not any(_BULLET.match(line) for line in lines):
        return [Block("paragraph", clean_inline(paragraph))]
    blocks: list[Block] = []
    current: list[str] = []
    current_kind: str = "paragraph"
    for line in lines:
        bullet = _BULLET.match(line)
        if bullet:
            if current:
                blocks.append(_block(current_kind, current))
            current, current_kind = [line[bullet.end() :]], "list_item"
        else:
            current.append(line)
    if current:
        blocks.append(_block(current_kind, current))
    return [block for block in blocks if block.text]


def _block(kind: str, lines: list[str]) -> Block:
    return Block("list_item" if kind == "list_item" else "paragraph", clean_inline(" ".join(lines)))
