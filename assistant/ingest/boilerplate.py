"""Corpus-wide boilerplate: text that repeats across many files is not content.

A site's menu, footer or "other pages" list that no element rule recognised repeats,
word for word, on most pages of that site. A block found in at least half the files of
its folder (and in at least :data:`MIN_FILES` of them) is dropped from all of them.
Headings are kept: a shared heading ("Core Responsibilities") is structure, and the
citations need it. Text shared by a few files (one level's statement on each role's
page) stays: it is below the share.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import PurePosixPath

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
            seen.update({_key(b.text) for b in parsed[source].blocks if b.kind != "heading"})
        repeated = {key for key, count in seen.items() if count >= threshold}
        if not repeated:
            continue
        for source in sources:
            doc = parsed[source]
            kept = [b for b in doc.blocks if b.kind == "heading" or _key(b.text) not in repeated]
            if len(kept) != len(doc.blocks):
                removed[source] = len(doc.blocks) - len(kept)
                parsed[source] = replace(doc, blocks=kept)
    return removed


def _key(text: str) -> str:
    return " ".join(text.casefold().split())
