"""Corpus folder → documents: scan, parse each file, drop corpus-wide boilerplate, lay out.

One unusable file is skipped with a one-line warning; only a corpus with nothing usable
at all is an error.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path, PurePosixPath
from typing import Any

from ..documents import CorpusFile, Document
from ..errors import CorpusError
from ..taxonomy import UPLOADS
from .boilerplate import drop_repeated_blocks
from .cache import ParseCache
from .files import Warn, printable, printable_warn, scan_corpus
from .frontmatter import MAX_META_CHARS, MAX_META_ITEMS
from .layout import Parsed, cap_label, layout, readable_name
from .loaders import SUPPORTED_SUFFIXES, parse_file


def corpus_files(
    corpus_dir: Path, max_bytes: int, warn: Warn, uploads_dir: Path | None = None
) -> list[CorpusFile]:
    """The corpus's files, and the user's uploads kept outside it (``uploads_dir``) as
    ``uploads/<name>``: one there replaces a file of that name in ``corpus_dir/uploads``."""
    files = scan_corpus(corpus_dir, max_bytes, warn, SUPPORTED_SUFFIXES)
    if uploads_dir is None or not uploads_dir.is_dir():
        return files
    uploads = [
        dataclasses.replace(f, source=UPLOADS + f.source)
        for f in scan_corpus(uploads_dir, max_bytes, warn, SUPPORTED_SUFFIXES)
    ]
    taken = {f.source for f in uploads}
    return sorted([f for f in files if f.source not in taken] + uploads, key=lambda f: f.source)


def load_corpus(
    corpus_dir: Path,
    max_bytes: int,
    warn: Warn,
    cache_dir: Path | None = None,
    uploads_dir: Path | None = None,
) -> list[Document]:
    """Scan and parse the whole corpus; raise :class:`CorpusError` if nothing is usable.

    With ``cache_dir``, a file parsed by an earlier load (same name, bytes and parser)
    is read from :class:`.cache.ParseCache` instead, with the warnings it gave.
    """
    warn = printable_warn(warn)
    files = corpus_files(corpus_dir, max_bytes, warn, uploads_dir)
    cache = ParseCache(cache_dir) if cache_dir is not None else None
    parsed: dict[str, Parsed] = {}
    for file in files:
        result = _parse(file, warn, cache)
        if result is not None:
            parsed[file.source] = result
    if cache is not None:
        cache.prune()
    drop_repeated_blocks(parsed)
    documents = []
    for file in files:
        if file.source in parsed:
            document = to_document(file, parsed[file.source], warn)
            if document is not None:
                documents.append(document)
    if not documents:
        raise CorpusError(
            f"corpus directory {corpus_dir} holds no readable {', '.join(SUPPORTED_SUFFIXES)} file",
            "add at least one document, then run `career-assistant index`",
        )
    return documents


def _parse(file: CorpusFile, warn: Warn, cache: ParseCache | None) -> Parsed | None:
    if cache is None:
        return parse_file(file, warn)
    cached = cache.get(file)
    if cached is None:
        warnings: list[str] = []
        cached = parse_file(file, warnings.append), warnings
        cache.put(file, *cached)
    for message in cached[1]:
        warn(message)
    return cached[0]


def to_document(file: CorpusFile, parsed: Parsed, warn: Warn) -> Document | None:
    """Lay out a parsed file's blocks into a :class:`Document`, or warn if nothing is left."""
    text, blocks = layout(parsed.blocks)
    if not any(block.kind != "heading" for block in blocks):
        reason = parsed.empty_reason or "no text left after removing markup and navigation"
        warn(printable(f"skipped {file.source}: {reason}"))
        return None
    meta: dict[str, Any] = parsed.meta
    family = _scalar(meta.get("family"))
    return Document(
        source=file.source,
        title=cap_label(_scalar(meta.get("title")) or parsed.title)
        or readable_name(PurePosixPath(file.source).stem),
        text=text,
        sha256=file.sha256,
        kind=_scalar(meta.get("kind")) or ("path" if family else "article"),
        family=family,
        path=PurePosixPath(file.source).stem if family else "",
        aliases=_strings(meta.get("aliases")),
        next_steps=_strings(meta.get("next_steps")),
        related=_strings(meta.get("related")),
        organisation=organisation(file.source, meta),
        blocks=blocks,
    )


#: Front-matter keys naming a document's organisation, first found wins; loaders put
#: what the file itself says (HTML site name, PDF metadata) under the first.
ORGANISATION_KEYS = ("organisation", "organization", "company")


def organisation(source: str, meta: dict[str, Any]) -> str:
    """Whose document this is: front matter or the file's own metadata, else the top
    folder it was dropped in under the corpus ("dropbox/ic3.html" → "Dropbox"); "" for
    a file at the corpus's top level with nothing to say. The uploads folder is where
    the page keeps files, not whose they are: its files are read as if at the top."""
    for key in ORGANISATION_KEYS:
        name = cap_label(_scalar(meta.get(key)))
        if name:
            return name
    folders = PurePosixPath(source.removeprefix(UPLOADS)).parts[:-1]
    return _folder_name(folders[0]) if folders else ""


def _folder_name(folder: str) -> str:
    """A folder as a name: "basecamp" → "Basecamp"; a name with capitals keeps them."""
    name = cap_label(folder.replace("-", " ").replace("_", " "))
    return name if any(ch.isupper() for ch in name) else name.title()


def _scalar(value: Any) -> str:
    """A front-matter value as short text; nested or huge values (YAML alias bombs) are cut."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)[:MAX_META_CHARS].strip()
    return ""


def _strings(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    texts = (_scalar(item) for item in items[:MAX_META_ITEMS])
    return tuple(text for text in texts if text)
