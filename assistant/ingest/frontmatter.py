"""Front matter: YAML between ``---`` lines (Jekyll, Hugo) or TOML between ``+++`` (Hugo).

Parsed with ``yaml.safe_load`` and the standard library's ``tomllib``: nothing in a
corpus file can construct objects. Metadata that does not parse is reported and the
body is indexed without it, never with the raw block quoted as a passage.
"""

from __future__ import annotations

import tomllib
from typing import Any

import yaml

from .files import Warn

_FENCES = {"---": ("---", "..."), "+++": ("+++",)}


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
        meta = tomllib.loads(raw) if opener == "+++" else yaml.safe_load(raw)
    except (yaml.YAMLError, tomllib.TOMLDecodeError, RecursionError) as error:
        reason = str(error).splitlines()[0] if str(error) else "it does not parse"
        language = "TOML" if opener == "+++" else "YAML"
        warn(f"{source}: front matter is not valid {language} ({reason}); indexed without it")
        return {}, body
    return (dict(meta) if isinstance(meta, dict) else {}), body


def _closing_line(rest: str, closers: tuple[str, ...]) -> tuple[int, int] | None:
    """Offsets of the closing fence line in ``rest`` (start of line, start of body)."""
    offset = 0
    for line in rest.splitlines(keepends=True):
        if line.strip() in closers:
            return offset, offset + len(line)
        offset += len(line)
    return None
