"""Front matter as the document: a YAML tree of text laid out as headings, paragraphs
and list items.

Some collections keep a whole document in front matter and leave the body empty: a
progression framework as ``topics: [{name, title, content: [{level, criteria: [...]}]}]``.
Such a file had "no text left" and was skipped (or kept only the boilerplate body every
file of its folder shares). When the body is tiny, or the front matter holds more text
than the body, the tree is read after the body, generically, not by a schema:

- a mapping's ``title`` or ``name`` (else its key in the parent mapping) is a heading,
  one level deeper than its parent's;
- a ``level``-like entry (``level: 2``, ``stage``, ``grade``, ``tier``…) heads its
  mapping as "Level 2";
- a string of a few words is a paragraph; a list of strings, list items (a list of
  single words, such as tags, is not text);
- short strings elsewhere (paths, slugs, flags, numbers) and the keys the project reads
  as metadata are not text.

The tree was bounded when it was read (:mod:`.frontmatter`: aliases cannot expand it
past a small multiple of its text) and every block is charged to the file's budget.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ..documents import Block
from .budget import take
from .layout import cap_label, clean_inline

#: A body with less text than this (outside headings) is "empty or tiny".
TINY_BODY_CHARS = 200
#: A string of at least this many words is text; shorter ones are names, slugs, flags.
MIN_TEXT_WORDS = 3
#: Keys whose value names the mapping they are in.
_NAME_KEYS = ("title", "name", "label", "heading")
#: Keys whose value ranks the mapping they are in ("Level 2").
_RANK_KEYS = frozenset({"level", "stage", "grade", "tier", "step", "rank", "band"})
MAX_DEPTH = 6


def tree_blocks(meta: dict[str, Any], body: list[Block], skipped: tuple[str, ...]) -> list[Block]:
    """The text of a front-matter tree as blocks, when it is the document (the ``body``
    is tiny, or holds less text than the tree); ``skipped`` keys are metadata."""
    tree = list(_walk({key: v for key, v in meta.items() if key not in skipped}, 2, 0))
    own, held = _chars(body), _chars(tree)
    if not held or (own >= TINY_BODY_CHARS and own >= held):
        return []
    return [block for block in tree if take(block.text)]


def _chars(blocks: list[Block]) -> int:
    return sum(len(block.text) for block in blocks if block.kind != "heading")


def _walk(value: Any, level: int, depth: int) -> Iterator[Block]:
    if depth > MAX_DEPTH * 2:
        return
    if isinstance(value, dict):
        yield from _mapping(value, level, depth)
    elif isinstance(value, list):
        yield from _sequence(value, level, depth)
    elif _is_text(value):
        yield Block("paragraph", clean_inline(value))


def _mapping(mapping: dict[Any, Any], level: int, depth: int) -> Iterator[Block]:
    for key, value in mapping.items():
        if key in _NAME_KEYS or key in _RANK_KEYS:
            continue  # already the heading of this mapping
        if isinstance(value, dict):
            heading = _heading(value) or _words(str(key))
            yield from _headed(heading, value, level, depth)
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            yield from _sequence(value, level, depth)  # each item has its own heading
        else:
            yield from _walk(value, level, depth + 1)


def _sequence(items: list[Any], level: int, depth: int) -> Iterator[Block]:
    strings = [item for item in items if isinstance(item, str)]
    if strings and any(_is_text(item) for item in strings):
        for item in strings:
            text = clean_inline(item)
            if text:
                yield Block("list_item", text, max(0, depth // 2 - 1))
    for item in items:
        if isinstance(item, dict):
            yield from _headed(_heading(item), item, level, depth)
        elif isinstance(item, list):
            yield from _sequence(item, level, depth + 1)


def _headed(heading: str, mapping: dict[Any, Any], level: int, depth: int) -> Iterator[Block]:
    if heading:
        yield Block("heading", heading, min(level, 6))
        level += 1
    yield from _mapping(mapping, level, depth + 1)


def _heading(mapping: dict[Any, Any]) -> str:
    """A mapping's own name ("Communication"), else its rank ("Level 2"), else ""."""
    for key in _NAME_KEYS:
        value = mapping.get(key)
        if isinstance(value, str) and value.strip():
            return cap_label(_words(value) if _is_slug(value) else value)
    for key in mapping:
        value = mapping[key]
        if isinstance(key, str) and key.lower() in _RANK_KEYS and _scalar(value):
            text = str(value).strip()
            named = text.lower().startswith(key.lower())
            return cap_label(text if named else f"{key.capitalize()} {text}")
    return ""


def _is_text(value: Any) -> bool:
    return isinstance(value, str) and len(value.split()) >= MIN_TEXT_WORDS


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _is_slug(value: str) -> bool:
    """ "technical-skills", "communication": an identifier, not a written name."""
    return " " not in value.strip() and value == value.lower()


def _words(key: str) -> str:
    """ "exampleCriteria" → "Example criteria"; "technical_skills" → "Technical skills"."""
    spaced = "".join(f" {ch.lower()}" if ch.isupper() else ch for ch in key)
    text = " ".join(spaced.replace("-", " ").replace("_", " ").split())
    return cap_label(text[:1].upper() + text[1:])
