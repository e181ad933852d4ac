"""Corpus → a new build, incrementally and atomically.

1. Take the rebuild lock (a second rebuild waits ``lock_timeout`` seconds, then refuses).
2. Load and chunk the corpus; nothing on disk changes if that fails.
3. Reuse the vector of every chunk and sentence whose text is unchanged (keyed by a hash
   of model + text); embed only the rest.
4. Write everything into ``tmp-<id>/``, fsync, rename it into ``builds/<id>/``, then
   replace ``CURRENT`` atomically. A rebuild killed at any moment leaves the previous
   build serving; its leftovers are removed by the next rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from .chunking import Chunk, chunk_document
from .config import Settings
from .documents import Document, load_corpus
from .embeddings import Embedder, ProgressCallback
from .errors import AssistantError, IndexUnavailableError, RebuildBusyError
from .lexical import LexicalIndex
from .store import (
    BM25_DIR,
    BUILDS,
    CURRENT,
    DATABASE,
    FAISS_INDEX,
    FORMAT_VERSION,
    SCHEMA,
    SENTENCE_VECTORS,
    VECTORS,
    IndexStore,
    Manifest,
    current_build,
    open_current,
    write_checksums,
)
from .taxonomy import CareerPath, Taxonomy
from .vector_index import build_index, choose_kind, save_index

LOCK_FILE = "rebuild.lock"
TMP_PREFIX = "tmp-"
KEEP_BUILDS = 2  # after a rebuild: the new build and the one it replaced


@dataclass
class RebuildReport:
    """What a rebuild did; ``to_json`` is the CLI's ``--json`` output."""

    files_added: list[str] = field(default_factory=list)
    files_changed: list[str] = field(default_factory=list)
    files_removed: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    chunks_total: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    build_id: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.files_added or self.files_changed or self.files_removed)

    def to_json(self) -> dict[str, Any]:
        return {
            "files_added": len(self.files_added),
            "files_changed": len(self.files_changed),
            "files_removed": len(self.files_removed),
            "files_unchanged": len(self.files_unchanged),
            "chunks_total": self.chunks_total,
            "chunks_embedded": self.chunks_embedded,
            "chunks_reused": self.chunks_reused,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class _Unit:
    """One text to embed (a chunk or a sentence) and the key its vector is cached under."""

    text: str
    key: str


def embed_key(model: str, text: str) -> str:
    return hashlib.sha256(f"{model}\0{text}".encode()).hexdigest()[:32]


def rebuild(
    settings: Settings,
    embedder: Callable[[], Embedder],
    model: str,
    progress: ProgressCallback | None = None,
    full: bool = False,
    warn: Callable[[str], None] | None = None,
) -> RebuildReport:
    """Bring the index in ``settings.index_dir`` up to date with ``settings.corpus_dir``.

    ``embedder`` is a factory so that a rebuild with nothing new to embed never loads
    the model. Raises :class:`RebuildBusyError` if another rebuild holds the lock.
    """
    started = time.perf_counter()
    report = RebuildReport()

    def note(message: str) -> None:
        report.warnings.append(message)
        if warn:
            warn(message)

    index_dir = settings.index_dir
    try:
        (index_dir / BUILDS).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise AssistantError(
            f"cannot create the index directory {index_dir}: {error.strerror}",
            "choose a writable --index-dir",
        ) from None
    lock = FileLock(str(index_dir / LOCK_FILE), timeout=settings.lock_timeout)
    try:
        lock.acquire()
    except Timeout:
        raise RebuildBusyError(
            f"another rebuild of {index_dir} is running",
            "wait for it to finish (its result will be served), then retry",
        ) from None
    except OSError as error:
        raise AssistantError(
            f"cannot lock {index_dir} for a rebuild: {error.strerror or error}",
            "make the index directory writable or choose another --index-dir; "
            "the previous index is still served",
        ) from None
    try:
        _remove_leftovers(index_dir)
        documents = load_corpus(settings.corpus_dir, settings.max_file_bytes, note)
        previous = _open_previous(index_dir, model)
        # Compare what was loaded: a file skipped as unreadable is not "added" forever.
        _compare_files(report, {d.source: d.sha256 for d in documents}, previous)
        if full and previous is not None:
            previous.close()
            previous = None
        if previous is not None and not report.changed and _same_settings(previous, settings):
            report.chunks_total = report.chunks_reused = previous.manifest.chunks
            report.build_id = previous.manifest.build_id
            previous.close()
            return _finish(report, started)
        replaced = _current_name(index_dir)
        try:
            _write_build(settings, documents, previous, embedder, model, progress, report)
        finally:
            if previous is not None:
                previous.close()
        _prune_builds(index_dir, keep={report.build_id, replaced})
    except (OSError, sqlite3.Error) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise AssistantError(
            f"rebuild failed writing {index_dir}: {reason}",
            "free disk space or fix permissions; the previous index is still served",
        ) from None
    finally:
        lock.release()
    return _finish(report, started)


def _finish(report: RebuildReport, started: float) -> RebuildReport:
    report.seconds = time.perf_counter() - started
    return report


def _open_previous(index_dir: Path, model: str) -> IndexStore | None:
    """The current build if it is usable for reuse; a broken one is simply not reused."""
    try:  # verified: a damaged vector must not be copied into the next build
        store = open_current(index_dir, verify=True)
    except IndexUnavailableError:
        return None
    if store.manifest.model != model:
        store.close()
        return None
    return store


def _same_settings(previous: IndexStore, settings: Settings) -> bool:
    m = previous.manifest
    return (m.chunk_size, m.chunk_overlap) == (settings.chunk_size, settings.chunk_overlap) and (
        m.index_kind == choose_kind(settings.index_kind, m.chunks, settings.ivf_threshold)
    )


@dataclass(frozen=True)
class CorpusDiff:
    """How the corpus's files differ from what a build indexed (by content hash)."""

    added: list[str]
    changed: list[str]
    removed: list[str]
    unchanged: list[str]


def diff_sources(before: dict[str, str], after: dict[str, str]) -> CorpusDiff:
    """Compare two ``source → sha256`` maps; used by rebuilds and the staleness check."""
    return CorpusDiff(
        added=sorted(set(after) - set(before)),
        changed=sorted(s for s in after if s in before and after[s] != before[s]),
        removed=sorted(set(before) - set(after)),
        unchanged=sorted(s for s in after if before.get(s) == after[s]),
    )


def _compare_files(
    report: RebuildReport, hashes: dict[str, str], previous: IndexStore | None
) -> None:
    before = {s: d.sha256 for s, d in previous.documents.items()} if previous else {}
    diff = diff_sources(before, hashes)
    report.files_added, report.files_changed = diff.added, diff.changed
    report.files_removed, report.files_unchanged = diff.removed, diff.unchanged


def _write_build(
    settings: Settings,
    documents: list[Document],
    previous: IndexStore | None,
    embedder: Callable[[], Embedder],
    model: str,
    progress: ProgressCallback | None,
    report: RebuildReport,
) -> None:
    # Vectors are reused only from the same model *and* runtime: int8 ONNX and torch agree
    # to ~0.99, close enough to serve each other's index, not to mix in one.
    vector_space = f"{model}/{settings.embed_backend}"
    tagger = Taxonomy(CareerPath.of(doc) for doc in documents if doc.path).tag_section
    chunks_by_doc = [
        (doc, chunk_document(doc, settings.chunk_size, settings.chunk_overlap, tagger))
        for doc in documents
    ]
    chunk_units: list[_Unit] = []
    sentence_units: list[_Unit] = []
    sentence_rows: list[tuple[str, int, int]] = []
    chunk_records: list[tuple[Chunk, int, int]] = []
    for doc, chunks in chunks_by_doc:
        first_row: dict[tuple[int, int], int] = {}
        for chunk in chunks:
            for span in chunk.sentences:
                if span not in first_row:
                    first_row[span] = len(sentence_rows)
                    sentence_rows.append((doc.source, *span))
                    text = doc.text[span[0] : span[1]]
                    sentence_units.append(_Unit(text, embed_key(vector_space, text)))
            chunk_records.append((chunk, first_row[chunk.sentences[0]], len(chunk.sentences)))
            text = chunk.embedding_text(doc.aliases)
            chunk_units.append(_Unit(text, embed_key(vector_space, text)))

    old_chunks = previous.embed_keys("chunks") if previous else {}
    old_sentences = previous.embed_keys("sentences") if previous else {}
    missing = [u for u in chunk_units if u.key not in old_chunks]
    missing += [u for u in sentence_units if u.key not in old_sentences]
    fresh: dict[str, np.ndarray] = {}
    dimension = previous.manifest.dimension if previous else 0
    if missing:
        model_impl = embedder()
        if previous is not None and model_impl.dimension != previous.manifest.dimension:
            # Same model name, other vectors (a replaced model folder): reuse nothing.
            previous, old_chunks, old_sentences = None, {}, {}
            missing = chunk_units + sentence_units
        dimension = model_impl.dimension
        unique = list({u.key: u.text for u in missing}.items())
        vectors = model_impl.embed([text for _, text in unique], settings.batch_size, progress)
        fresh = {key: vectors[i] for i, (key, _) in enumerate(unique)}
    elif progress:
        progress(0, 0)

    def gather(units: list[_Unit], old: dict[str, int], source: np.ndarray | None) -> np.ndarray:
        out = np.zeros((len(units), dimension), dtype=np.float32)
        for i, unit in enumerate(units):
            if unit.key in fresh:
                out[i] = fresh[unit.key]
            elif source is not None:
                out[i] = source[old[unit.key]]
        return out

    chunk_vectors = gather(chunk_units, old_chunks, previous.vectors if previous else None)
    sentence_vectors = gather(
        sentence_units, old_sentences, previous.sentence_vectors if previous else None
    )
    report.chunks_total = len(chunk_units)
    report.chunks_embedded = sum(u.key not in old_chunks for u in chunk_units)
    report.chunks_reused = report.chunks_total - report.chunks_embedded

    build_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    kind = choose_kind(settings.index_kind, len(chunk_units), settings.ivf_threshold)
    manifest = Manifest(
        format_version=FORMAT_VERSION,
        build_id=build_id,
        model=model,
        dimension=dimension,
        chunk_size=settings.chunk_size,
        chunk_overlap=settings.chunk_overlap,
        index_kind=kind,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        files=len(documents),
        chunks=len(chunk_units),
        sentences=len(sentence_units),
    )
    tmp = settings.index_dir / f"{TMP_PREFIX}{build_id}"
    tmp.mkdir()
    _write_database(
        tmp / DATABASE,
        manifest,
        documents,
        chunk_records,
        chunk_units,
        sentence_rows,
        sentence_units,
    )
    _save_array(tmp / VECTORS, chunk_vectors)
    _save_array(tmp / SENTENCE_VECTORS, sentence_vectors)
    save_index(build_index(chunk_vectors, kind, settings.ivf_nprobe), tmp / FAISS_INDEX)
    lexical_texts = [_lexical_text(c, doc) for doc, chunks in chunks_by_doc for c in chunks]
    LexicalIndex.build(lexical_texts).save(tmp / BM25_DIR)
    write_checksums(
        tmp,
        {"chunks": manifest.chunks, "sentences": manifest.sentences, "files": manifest.files},
    )
    _fsync_tree(tmp)
    final = settings.index_dir / BUILDS / build_id
    os.rename(tmp, final)
    _fsync(final.parent)  # the rename must be durable before CURRENT names it
    _point_current(settings.index_dir, build_id)
    report.build_id = build_id


def _lexical_text(chunk: Chunk, doc: Document) -> str:
    """What BM25 sees: the chunk, its headings, its title, and the path's aliases."""
    return " ".join([chunk.title, *doc.aliases, chunk.section, chunk.text])


def _write_database(
    path: Path,
    manifest: Manifest,
    documents: list[Document],
    chunk_records: list[tuple[Chunk, int, int]],
    chunk_units: list[_Unit],
    sentence_rows: list[tuple[str, int, int]],
    sentence_units: list[_Unit],
) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO manifest VALUES (?, ?)", manifest.to_rows())
        db.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    d.source,
                    d.sha256,
                    d.title,
                    d.kind,
                    d.family,
                    d.path,
                    json.dumps(d.aliases),
                    json.dumps(d.next_steps),
                    json.dumps(d.related),
                    d.text,
                )
                for d in documents
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    row,
                    c.id,
                    c.source,
                    c.title,
                    c.section,
                    c.family,
                    c.path,
                    c.start,
                    c.end,
                    c.text,
                    first,
                    count,
                    unit.key,
                )
                for row, ((c, first, count), unit) in enumerate(
                    zip(chunk_records, chunk_units, strict=True)
                )
            ],
        )
        db.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
            [
                (row, source, start, end, unit.key)
                for row, ((source, start, end), unit) in enumerate(
                    zip(sentence_rows, sentence_units, strict=True)
                )
            ],
        )
        db.commit()
    finally:
        db.close()


def _save_array(path: Path, array: np.ndarray) -> None:
    with path.open("wb") as handle:
        np.save(handle, np.ascontiguousarray(array, dtype=np.float32), allow_pickle=False)


def _fsync_tree(directory: Path) -> None:
    for path in [*directory.rglob("*"), directory]:
        _fsync(path)


def _point_current(index_dir: Path, build_id: str) -> None:
    """Atomically switch ``CURRENT`` to ``build_id`` (write a temp file, fsync, rename)."""
    tmp = index_dir / f".{CURRENT}.{uuid.uuid4().hex[:8]}"
    with tmp.open("w") as handle:
        handle.write(build_id + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / CURRENT)
    _fsync(index_dir)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_leftovers(index_dir: Path) -> None:
    """Delete temp builds and pointer files left by a rebuild that died (we hold the lock)."""
    for path in index_dir.iterdir():
        if path.name.startswith(TMP_PREFIX) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif path.name.startswith(f".{CURRENT}."):
            path.unlink(missing_ok=True)


def _current_name(index_dir: Path) -> str:
    """The build being served before this rebuild ("" if none or unreadable)."""
    try:
        build = current_build(index_dir)
    except IndexUnavailableError:
        return ""
    return build.name if build else ""


def _prune_builds(index_dir: Path, keep: set[str]) -> None:
    """Delete every build but ``keep``: the new one and the one it replaced (other
    processes may still be answering from it). Orphans of crashed rebuilds go too."""
    for build in (index_dir / BUILDS).iterdir():
        if build.name not in keep:
            shutil.rmtree(build, ignore_errors=True)
