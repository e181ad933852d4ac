"""Corpus files → :class:`Document` objects.

One loader per file type. A file that cannot be read (binary, undecodable, too large,
empty, a symlink leaving the corpus) is skipped with a one-line warning naming it, so
one bad file never stops the rest of the corpus from being indexed.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from .errors import CorpusError

SUPPORTED_SUFFIXES = (".md", ".markdown", ".txt", ".html", ".htm")
_SKIPPED_NAMES = {"README.md"}


@dataclass(frozen=True)
class Document:
    """One corpus file's body text and the metadata that travels with its chunks.

    ``text`` is the body a reader sees (front matter removed); chunk offsets index into it.
    """

    source: str  # path relative to the corpus dir, POSIX separators
    title: str
    text: str
    sha256: str  # of the raw file bytes: the staleness and reuse key
    kind: str = "article"
    family: str = ""
    path: str = ""  # the career-path slug, for files under paths/
    aliases: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    related: tuple[str, ...] = ()


@dataclass(frozen=True)
class CorpusFile:
    """A file found in the corpus, hashed but not yet parsed."""

    source: str
    path: Path
    sha256: str
    size: int


def scan_corpus(corpus_dir: Path, max_bytes: int, warn: Callable[[str], None]) -> list[CorpusFile]:
    """List loadable files under ``corpus_dir`` with their content hashes.

    Raises :class:`CorpusError` when the directory is missing. Symlinks are not followed.
    """
    if not corpus_dir.is_dir():
        raise CorpusError(
            f"corpus directory {corpus_dir} does not exist",
            "create it and add .md/.txt/.html files, or pass --corpus DIR",
        )
    files = []
    for path in sorted(_walk(corpus_dir)):
        source = path.relative_to(corpus_dir).as_posix()
        try:
            source.encode("utf-8")
        except UnicodeEncodeError:
            shown = source.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            warn(f"skipped {shown}: its name is not valid UTF-8; rename it")
            continue
        if path.is_symlink():
            warn(f"skipped {source}: symbolic links are not followed")
            continue
        if path.suffix.lower() not in SUPPORTED_SUFFIXES:
            warn(f"skipped {source}: unsupported file type (use .md, .txt or .html)")
            continue
        try:
            size = path.stat().st_size
            if size > max_bytes:
                warn(f"skipped {source}: {size:,} bytes is over the {max_bytes:,}-byte limit")
                continue
            if size == 0:
                warn(f"skipped {source}: the file is empty")
                continue
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as error:  # unreadable or gone mid-scan: one file, not the corpus
            warn(f"skipped {source}: cannot read it ({error.strerror or error})")
            continue
        files.append(CorpusFile(source, path, digest, size))
    return files


def _walk(root: Path) -> Iterator[Path]:
    """Files below ``root``, skipping hidden entries and never descending through symlinks."""
    for entry in root.iterdir():
        if entry.name.startswith(".") or entry.name in _SKIPPED_NAMES:
            continue
        if entry.is_dir() and not entry.is_symlink():
            yield from _walk(entry)
        elif entry.is_file() or entry.is_symlink():
            yield entry


def load_document(file: CorpusFile, warn: Callable[[str], None]) -> Document | None:
    """Parse one corpus file, or warn and return None when it cannot be used."""
    try:
        raw = file.path.read_bytes()
    except OSError as error:
        warn(f"skipped {file.source}: cannot read it ({error.strerror or error})")
        return None
    text = decode(raw, file.source, warn)
    if text is None:
        return None
    suffix = file.path.suffix.lower()
    fallback_title = file.path.stem.replace("-", " ").replace("_", " ").strip().title()
    if suffix in (".html", ".htm"):
        from .html import html_to_markdown

        title, body = html_to_markdown(text)
        meta: dict[str, Any] = {"title": title} if title else {}
    elif suffix in (".md", ".markdown"):
        meta, body = _split_front_matter(text, file.source, warn)
    else:
        meta, body = {}, text
    if not body.strip():
        warn(f"skipped {file.source}: no text after removing front matter and markup")
        return None
    return Document(
        source=file.source,
        title=_scalar(meta.get("title")) or _first_heading(body) or fallback_title,
        text=body,
        sha256=file.sha256,
        kind=_scalar(meta.get("kind")) or ("path" if meta.get("family") else "article"),
        family=_scalar(meta.get("family")),
        path=Path(file.source).stem if meta.get("family") else "",
        aliases=_strings(meta.get("aliases")),
        next_steps=_strings(meta.get("next_steps")),
        related=_strings(meta.get("related")),
    )


def decode(raw: bytes, source: str, warn: Callable[[str], None]) -> str | None:
    """Bytes → text: UTF-8 (with or without BOM), UTF-16 with BOM, else Latin-1 with a warning.

    Binary content (NUL bytes outside UTF-16) is refused: indexing it would only add noise.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError:
            warn(f"skipped {source}: it claims UTF-16 but does not decode; re-save it as UTF-8")
            return None
    if b"\x00" in raw[:8192]:
        warn(f"skipped {source}: it looks binary; only text files can be indexed")
        return None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        warn(f"{source} is not UTF-8; read it as Latin-1 (re-save it as UTF-8 to be sure)")
        return raw.decode("latin-1")


def _split_front_matter(
    text: str, source: str, warn: Callable[[str], None]
) -> tuple[dict[str, Any], str]:
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        first_line = str(error).splitlines()[0] if str(error) else "invalid YAML"
        warn(f"{source}: front matter is not valid YAML ({first_line}); indexed without it")
        return {}, _strip_front_matter_block(text)
    metadata = post.metadata if isinstance(post.metadata, dict) else {}
    return dict(metadata), post.content


def _strip_front_matter_block(text: str) -> str:
    """Drop a leading ``---`` … ``---`` block we could not parse, keeping the body."""
    lines = text.splitlines(keepends=True)
    if lines and lines[0].strip() == "---":
        for index, line in enumerate(lines[1:], start=1):
            if line.strip() == "---":
                return "".join(lines[index + 1 :])
    return text


def _first_heading(body: str) -> str:
    for line in body.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return ""


MAX_META_CHARS = 200
MAX_META_ITEMS = 50


def _scalar(value: Any) -> str:
    """A front-matter value as short text; nested or huge values (YAML alias bombs) are cut."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)[:MAX_META_CHARS].strip()
    return ""


def _strings(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list | tuple) else [value]
    texts = (_scalar(item) for item in items[:MAX_META_ITEMS])
    return tuple(text for text in texts if text)


def load_corpus(corpus_dir: Path, max_bytes: int, warn: Callable[[str], None]) -> list[Document]:
    """Scan and parse the whole corpus; raise :class:`CorpusError` if nothing is usable."""
    files = scan_corpus(corpus_dir, max_bytes, warn)
    documents = [doc for file in files if (doc := load_document(file, warn)) is not None]
    if not documents:
        raise CorpusError(
            f"corpus directory {corpus_dir} holds no readable .md, .txt or .html file",
            "add at least one text file, then run `career-assistant index`",
        )
    return documents
