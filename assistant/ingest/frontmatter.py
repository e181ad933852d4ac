"""Front matter: YAML between ``---`` lines (Jekyll, Hugo) or TOML between ``+++`` (Hugo).

Parsed with PyYAML's safe loader and the standard library's ``tomllib``: nothing in a
corpus file can construct objects. Metadata that does not parse is reported and the
body is indexed without it, never with the raw block quoted as a passage.

YAML anchors and aliases are measured before anything is built: ``blob: &a "…1 MB…"``
then ``[*a, *a, …]`` 300 times is 300 MB once expanded (by anything that copies it: the
parse cache's JSON, a string of it), so front matter whose aliases expand it past
``INGESTION.front_matter_expansion`` times its own text is refused with a warning. Of
what is kept, only the keys the project reads (:data:`USED_KEYS`), with their values cut
to what is read, travel on (:func:`used_meta`).
"""

from __future__ import annotations

import tomllib
from typing import Any

import yaml

from ..config import INGESTION
from .files import Warn

_FENCES = {"---": ("---", "..."), "+++": ("+++",)}
#: The front-matter keys anything reads (``corpus.to_document``); the rest is dropped.
USED_KEYS = (
    "title",
    "kind",
    "family",
    "aliases",
    "next_steps",
    "related",
    "organisation",
    "organization",
    "company",
)
#: A value is read as at most this many characters, a list as this many items.
MAX_META_CHARS = 200
MAX_META_ITEMS = 50
#: Expansion allowed to any front matter, however short (a few aliases are normal YAML).
MIN_EXPANDED_CHARS = 20_000


def split_front_matter(text: str, source: str, warn: Warn) -> tuple[dict[str, Any], str]:
    """``(metadata, body)``; a file without front matter has empty metadata."""
    first, _, rest = text.partition("\n")
    opener = first.strip()
    if opener not in _FENCES:
        return {}, text
    end = _closing_line(rest, _FENCES[opener])
    if end is None:
        return {}, text
    raw, body = rest[: end[0]], rest[end[1] :]
    try:
        meta = tomllib.loads(raw) if opener == "+++" else _load_yaml(raw)
    except _Expands as error:
        warn(
            f"{source}: front matter is too large after expanding its YAML aliases "
            f"(over {error.limit:,} characters, {INGESTION.front_matter_expansion:g}× its "
            "text); indexed without it"
        )
        return {}, body
    except (yaml.YAMLError, tomllib.TOMLDecodeError, RecursionError) as error:
        reason = str(error).splitlines()[0] if str(error) else "it does not parse"
        language = "TOML" if opener == "+++" else "YAML"
        warn(f"{source}: front matter is not valid {language} ({reason}); indexed without it")
        return {}, body
    return (dict(meta) if isinstance(meta, dict) else {}), body


def used_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Only the keys the project reads, each value cut to what is read of it: all that
    is kept of front matter (in memory and in the parse cache)."""
    return {key: _cut(meta[key]) for key in USED_KEYS if key in meta}


def _cut(value: Any) -> Any:
    if isinstance(value, str):
        return value[:MAX_META_CHARS]
    if isinstance(value, list | tuple):
        return [_cut(item) for item in value[:MAX_META_ITEMS] if not isinstance(item, list)]
    return value if isinstance(value, int | float | bool) or value is None else None


class _Expands(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(limit)
        self.limit = limit


def _load_yaml(raw: str) -> Any:
    """``yaml.safe_load``, refusing documents whose aliases expand them too far."""
    loader = yaml.CSafeLoader(raw) if yaml.__with_libyaml__ else yaml.SafeLoader(raw)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        limit = max(MIN_EXPANDED_CHARS, int(INGESTION.front_matter_expansion * len(raw)))
        if _expanded_size(node, limit) > limit:
            raise _Expands(limit)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _expanded_size(root: yaml.Node, limit: int) -> int:
    """Characters of the document with every alias copied out, counted without copying
    (each node measured once) and given up past ``limit``; a node that contains itself
    expands without end (more than any limit)."""
    sizes: dict[int, int] = {}
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    open_nodes: set[int] = set()
    while pending:
        node, done = pending.pop()
        key = id(node)
        if key in sizes:
            continue
        if isinstance(node, yaml.ScalarNode):
            sizes[key] = len(str(node.value)) + 1
            continue
        children = _children(node)
        if not done:
            if key in open_nodes:
                return limit + 1  # reached again while measuring itself: recursive
            open_nodes.add(key)
            pending.append((node, True))
            for child in children:
                if id(child) in open_nodes:
                    return limit + 1
                pending.append((child, False))
            continue
        open_nodes.discard(key)
        sizes[key] = 1 + sum(sizes[id(child)] for child in children)
        if sizes[key] > limit:
            return sizes[key]
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _closing_line(rest: str, closers: tuple[str, ...]) -> tuple[int, int] | None:
    """Offsets of the closing fence line in ``rest`` (start of line, start of body)."""
    offset = 0
    for line in rest.splitlines(keepends=True):
        if line.strip() in closers:
            return offset, offset + len(line)
        offset += len(line)
    return None
