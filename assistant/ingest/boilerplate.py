"""Corpus-wide boilerplate: text that repeats across many files is not content.

A site's menu, footer or "other pages" list that no element rule recognised repeats,
word for word, on most pages of that site. A block found in at least half the files of
its folder (and in at least :data:`MIN_FILES` of them) is dropped from all of them.
A shared heading ("Core Responsibilities") is structure the citations need and is kept,
unless nothing is left under it (a menu's own heading). Text shared by a few files (one
level's statement on each role's page) stays: it is below the share.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import PurePosixPath

from ..documents import Block
from .layout import Parsed

MIN_FILES = 3
SHARE = 0.5


def drop_repeated_blocks(parsed: dict[str, Parsed]) -> dict[str, int]:
    """Remove boilerplate blocks in place; return how many each source lost."""
    folders: dict[str, list[str]] = defaultdict(list)
    for source in parsed:
        folders[str(PurePosixPath(source).parent)].append(source)
    removed: dict[str, int] = {}
    for sources in folders.values():
        threshold = max(MIN_FILES, SHARE * len(sources))
        if len(sources) < threshold:
            continue
        seen: Counter[str] = Counter()
        for source in sources:
            seen.update({_key(b.text) for b in parsed[source].blocks})
        repeated = {key for key, count in seen.items() if count >= threshold}
        if not repeated:
            continue
        for source in sources:
            doc = parsed[source]
            kept = [b for b in doc.blocks if b.kind == "heading" or _key(b.text) not in repeated]
            kept = _drop_empty_repeated_headings(kept, repeated)
            if len(kept) != len(doc.blocks):
                removed[source] = len(doc.blocks) - len(kept)
                parsed[source] = replace(doc, blocks=kept)
    return removed


def _drop_empty_repeated_headings(blocks: list[Block], repeated: set[str]) -> list[Block]:
    """Repeated headings with no text under them (up to the next heading of their level or
    higher) were a menu's; the others stay. One backward pass: linear in the blocks."""
    empty: set[int] = set()
    content_since: list[bool] = []  # per heading on the stack below: any text under it?
    levels: list[int] = []
    seen_text = False
    for index in range(len(blocks) - 1, -1, -1):
        block = blocks[index]
        if block.kind != "heading":
            seen_text = True
            continue
        # Headings after this one at a deeper level belong to its section.
        while levels and levels[-1] > block.level:
            levels.pop()
            seen_text = content_since.pop() or seen_text
        if not seen_text and _key(block.text) in repeated:
            empty.add(index)
        levels.append(block.level)
        content_since.append(seen_text)
        seen_text = False
    return [block for index, block in enumerate(blocks) if index not in empty]


def _key(text: str) -> str:
    return " ".join(text.casefold().split())
