"""Blocks → one readable document text, with each block's exact offsets into it.

Every loader ends here, so all formats share one layout: headings as ``#`` lines,
paragraphs and table rows as paragraphs, list items as ``- `` lines (indented by depth),
code fenced with backticks. The layout is plain enough to read as a passage and regular
enough for the chunker and "show context" to find sections again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from ..documents import Block
from .files import printable
from .markup import strip_site_markup

#: Titles, headings and section labels are capped: they are copied into every chunk's
#: row and embedding text, so an uncapped one multiplies a file's cost (a 1 MB heading).
MAX_LABEL_CHARS = 150
_SPACES = re.compile(r"[ \t\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")


@dataclass
class Parsed:
    """What a loader found in one file, before the corpus-wide clean-up lays it out."""

    blocks: list[Block]
    title: str = ""
    meta: dict[str, Any] = field(default_factory=dict)
    #: Why nothing is left to index, when the loader can tell ("only links", "nested
    #: too deeply"); said instead of the generic reason.
    empty_reason: str = ""


def clean_inline(text: str) -> str:
    """Drop static-site markup (:mod:`.markup`) and collapse runs of whitespace (line
    breaks included) into single spaces: every loader's prose passes through here."""
    return _SPACES.sub(" ", strip_site_markup(text).replace("\n", " ")).strip()


def cap_label(text: str) -> str:
    """A title or heading cut to :data:`MAX_LABEL_CHARS`, at a word boundary when possible."""
    text = clean_inline(text)
    if len(text) <= MAX_LABEL_CHARS:
        return text
    cut = text[:MAX_LABEL_CHARS]
    space = cut.rfind(" ")
    return (cut[:space] if space > MAX_LABEL_CHARS // 2 else cut).rstrip() + "…"


def readable_name(stem: str) -> str:
    """``titles-for-programmers`` → ``Titles For Programmers``: a title of last resort."""
    return printable(cap_label(stem.replace("-", " ").replace("_", " ").strip().title()))


def layout(blocks: list[Block]) -> tuple[str, tuple[Block, ...]]:
    """Join blocks into the document text; return it with each block's offsets set.

    A block's ``start``/``end`` cover its own words only (not the ``#`` or ``-`` marker),
    so a sentence or citation never starts with markup.
    """
    parts: list[str] = []
    placed: list[Block] = []
    offset = 0
    for block in blocks:
        if not block.text.strip():
            continue
        prefix, suffix = _markers(block)
        if parts:
            parts.append("\n\n")
            offset += 2
        start = offset + len(prefix)
        parts.append(prefix + block.text + suffix)
        offset += len(prefix) + len(block.text) + len(suffix)
        placed.append(replace(block, start=start, end=start + len(block.text)))
    text = "".join(parts)
    return (text + "\n" if text else ""), tuple(placed)


def _markers(block: Block) -> tuple[str, str]:
    if block.kind == "heading":
        return "#" * max(1, min(block.level, 6)) + " ", ""
    if block.kind == "list_item":
        return "  " * block.level + (f"{block.number}. " if block.number else "- "), ""
    if block.kind == "code":
        return "```\n", "\n```"
    return "", ""
