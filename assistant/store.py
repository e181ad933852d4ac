"""One built index on disk: its layout, its manifest, and safe, validated loading.

A build is a directory that never changes once written::

    builds/<build-id>/
        chunks.sqlite      documents, chunks, sentences, manifest (stdlib sqlite3)
        vectors.npy        chunk vectors, float32 (np.save, allow_pickle=False)
        sentences.npy      sentence vectors, for highlights and the extractive answer
        vectors.faiss      FAISS index over vectors.npy
        bm25/              bm25s index (JSON + .npy)
        checksums.json     size and sha256 of every file above, and the row counts

``CURRENT`` (next to ``builds/``) names the build being served; it is replaced atomically.
Loading checks sizes and counts every time (cheap) and checksums on ``verify``, so a
truncated or mismatched file is reported instead of silently shifting citations.
No file here is ever unpickled: at worst, loading an untrusted index fails.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .errors import IndexUnavailableError
from .lexical import LexicalIndex
from .taxonomy import CareerPath, Taxonomy
from .vector_index import load_index, search

FORMAT_VERSION = 1
CURRENT = "CURRENT"
BUILDS = "builds"
DATABASE = "chunks.sqlite"
VECTORS = "vectors.npy"
SENTENCE_VECTORS = "sentences.npy"
FAISS_INDEX = "vectors.faiss"
BM25_DIR = "bm25"
CHECKSUMS = "checksums.json"

SCHEMA = """
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL,
    family TEXT NOT NULL, path TEXT NOT NULL, aliases TEXT NOT NULL, next_steps TEXT NOT NULL,
    related TEXT NOT NULL, text TEXT NOT NULL
);
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, source TEXT NOT NULL,
    title TEXT NOT NULL, section TEXT NOT NULL, family TEXT NOT NULL, path TEXT NOT NULL,
    start INTEGER NOT NULL, end INTEGER NOT NULL, text TEXT NOT NULL,
    sentence_first INTEGER NOT NULL, sentence_count INTEGER NOT NULL, embed_key TEXT NOT NULL
);
CREATE TABLE sentences (
    row INTEGER PRIMARY KEY, source TEXT NOT NULL, start INTEGER NOT NULL,
    end INTEGER NOT NULL, embed_key TEXT NOT NULL
);
"""


@dataclass(frozen=True)
class Manifest:
    """What a build was made from: checked against the running configuration on load."""

    format_version: int
    build_id: str
    model: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    index_kind: str
    built_at: str
    files: int
    chunks: int
    sentences: int

    def to_rows(self) -> list[tuple[str, str]]:
        return [(key, json.dumps(value)) for key, value in self.__dict__.items()]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]]) -> Manifest:
        values = {key: json.loads(value) for key, value in rows}
        return cls(**{name: values[name] for name in cls.__dataclass_fields__})


@dataclass(frozen=True)
class StoredChunk:
    row: int
    chunk_id: str
    source: str
    title: str
    section: str
    family: str
    path: str
    start: int
    end: int
    text: str
    sentence_first: int
    sentence_count: int


@dataclass(frozen=True)
class StoredSentence:
    row: int
    source: str
    start: int
    end: int


@dataclass(frozen=True)
class DocumentInfo:
    """A document's metadata as the index saw it (for staleness, the map and the page)."""

    source: str
    sha256: str
    title: str
    kind: str
    family: str
    path: str
    aliases: tuple[str, ...]
    next_steps: tuple[str, ...]
    related: tuple[str, ...]


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def index_files(build_dir: Path) -> list[Path]:
    """Every data file of a build, in a stable order (checksums.json itself excluded)."""
    bm25 = sorted((build_dir / BM25_DIR).glob("*")) if (build_dir / BM25_DIR).is_dir() else []
    return [build_dir / name for name in (DATABASE, VECTORS, SENTENCE_VECTORS, FAISS_INDEX)] + bm25


def write_checksums(build_dir: Path, counts: dict[str, int]) -> None:
    files = {
        path.relative_to(build_dir).as_posix(): {
            "size": path.stat().st_size,
            "sha256": sha256_file(path),
        }
        for path in index_files(build_dir)
    }
    (build_dir / CHECKSUMS).write_text(json.dumps({"files": files, "counts": counts}, indent=1))


def current_build(index_dir: Path) -> Path | None:
    """The build directory ``CURRENT`` points at, or None when there is no index yet."""
    pointer = index_dir / CURRENT
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise IndexUnavailableError(f"cannot read {pointer}: {error.strerror}") from None
    if not name or "/" in name or name.startswith("."):
        raise IndexUnavailableError(f"{pointer} is corrupt")
    return index_dir / BUILDS / name


class IndexStore:
    """A loaded, validated, read-only build. Safe to share between threads."""

    def __init__(self, build_dir: Path, verify: bool = False, nprobe: int | None = None) -> None:
        self.build_dir = build_dir
        checksums = self._check_files(verify)
        self._db = self._connect()
        self._lock = threading.Lock()
        try:
            self.manifest = self._read_manifest()
            self.documents = self._read_documents()
            self.families, self.paths, self.sentence_ranges = self._read_tags()
            self.vectors = np.load(build_dir / VECTORS, mmap_mode="r", allow_pickle=False)
            self.sentence_vectors = np.load(
                build_dir / SENTENCE_VECTORS, mmap_mode="r", allow_pickle=False
            )
            self.faiss = load_index(build_dir / FAISS_INDEX, nprobe)
            self.lexical = LexicalIndex.load(build_dir / BM25_DIR, self.manifest.chunks)
        except IndexUnavailableError:
            self.close()
            raise
        except (sqlite3.Error, ValueError, KeyError, OSError, RuntimeError, TypeError) as error:
            self.close()
            raise IndexUnavailableError(
                f"the index in {build_dir} is corrupt ({type(error).__name__}: {error})"
            ) from None
        self._check_counts(checksums["counts"])

    # -- validation -------------------------------------------------------------------

    def _check_files(self, verify: bool) -> dict[str, Any]:
        path = self.build_dir / CHECKSUMS
        try:
            checksums: dict[str, Any] = json.loads(path.read_text())
            expected: dict[str, dict[str, Any]] = checksums["files"]
            checksums["counts"]
        except FileNotFoundError:
            raise IndexUnavailableError(f"the index in {self.build_dir} is incomplete") from None
        except (OSError, ValueError, KeyError, TypeError):
            raise IndexUnavailableError(f"{path} is corrupt") from None
        for name, facts in expected.items():
            file = self.build_dir / name
            if not file.is_file():
                raise IndexUnavailableError(f"index file {file} is missing")
            if file.stat().st_size != facts["size"]:
                raise IndexUnavailableError(
                    f"index file {file} has {file.stat().st_size:,} bytes, "
                    f"expected {facts['size']:,} (truncated or overwritten)"
                )
            if verify and sha256_file(file) != facts["sha256"]:
                raise IndexUnavailableError(f"index file {file} fails its checksum")
        return checksums

    def _check_counts(self, counts: dict[str, int]) -> None:
        m = self.manifest
        facts = {
            "chunks": (m.chunks, len(self.families), self.faiss.ntotal, len(self.vectors)),
            "sentences": (m.sentences, len(self.sentence_vectors), self._count("sentences")),
            "files": (m.files, len(self.documents)),
        }
        for name, values in facts.items():
            if len(set(values)) != 1 or counts.get(name) != values[0]:
                self.close()
                raise IndexUnavailableError(
                    f"the index in {self.build_dir} is inconsistent ({name}: {values})"
                )
        dims = {m.dimension, self.vectors.shape[1], self.sentence_vectors.shape[1], self.faiss.d}
        if len(dims) != 1:
            self.close()
            raise IndexUnavailableError(f"the index in {self.build_dir} mixes dimensions {dims}")

    def check_compatible(self, model: str, dimension: int | None = None) -> None:
        """Refuse to serve an index built by another model: its vectors mean nothing here."""
        m = self.manifest
        if m.model != model or (dimension is not None and m.dimension != dimension):
            raise IndexUnavailableError(
                f"the index was built with model {m.model} ({m.dimension}-d) "
                f"but {model} is configured",
                "rebuild it with `career-assistant index --full`",
            )

    # -- reading ----------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        uri = f"file:{self.build_dir / DATABASE}?mode=ro&immutable=1"
        try:
            db = sqlite3.connect(uri, uri=True, check_same_thread=False)
            db.execute("SELECT count(*) FROM chunks").fetchone()
        except sqlite3.Error as error:
            raise IndexUnavailableError(
                f"the index database in {self.build_dir} is unreadable ({error})"
            ) from None
        return db

    def _read_manifest(self) -> Manifest:
        manifest = Manifest.from_rows(self._db.execute("SELECT key, value FROM manifest"))
        if manifest.format_version > FORMAT_VERSION:
            raise IndexUnavailableError(
                f"the index format {manifest.format_version} is newer than this "
                f"version understands ({FORMAT_VERSION})",
                "upgrade career-assistant or rebuild with `career-assistant index --full`",
            )
        if manifest.format_version < FORMAT_VERSION:
            raise IndexUnavailableError(f"the index format {manifest.format_version} is outdated")
        return manifest

    def _read_documents(self) -> dict[str, DocumentInfo]:
        rows = self._db.execute(
            "SELECT source, sha256, title, kind, family, path, aliases, next_steps, related "
            "FROM documents ORDER BY source"
        )
        return {
            row[0]: DocumentInfo(
                *row[:6],
                *(tuple(json.loads(value)) for value in row[6:]),
            )
            for row in rows
        }

    def _read_tags(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per-row family, path slug and sentence range, kept in memory for the hot path."""
        rows = self._db.execute(
            "SELECT family, path, sentence_first, sentence_count FROM chunks ORDER BY row"
        ).fetchall()
        families = np.array([row[0] for row in rows], dtype=object)
        paths = np.array([row[1] for row in rows], dtype=object)
        ranges = np.array([row[2:] for row in rows], dtype=np.int64).reshape(-1, 2)
        return families, paths, ranges

    @functools.cached_property
    def taxonomy(self) -> Taxonomy:
        return Taxonomy(CareerPath.of(d) for d in self.documents.values() if d.path)

    def _count(self, table: str) -> int:
        return int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def dense_search(
        self, query: np.ndarray, k: int, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (cosines, rows) from FAISS, or exactly among the rows ``within``."""
        if within is None:
            return search(self.faiss, query, k)
        scores = np.asarray(self.vectors[within]) @ query
        top = np.argsort(-scores, kind="stable")[:k]
        return scores[top], within[top]

    def chunk_vectors(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        return np.asarray(self.vectors[rows])

    def lexical_scores(self, query: str) -> np.ndarray:
        return self.lexical.scores(query)

    def known_words(self, text: str) -> list[str]:
        return self.lexical.known_words(text)

    def chunks(self, rows: Sequence[int]) -> list[StoredChunk]:
        """The chunks at ``rows``, in the order given."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        with self._lock:
            found = self._db.execute(
                "SELECT row, chunk_id, source, title, section, family, path, start, end, text, "
                f"sentence_first, sentence_count FROM chunks WHERE row IN ({marks})",
                [int(row) for row in rows],
            ).fetchall()
        by_row = {row[0]: StoredChunk(*row) for row in found}
        return [by_row[int(row)] for row in rows]

    def sentences(self, first: int, count: int) -> list[StoredSentence]:
        with self._lock:
            found = self._db.execute(
                "SELECT row, source, start, end FROM sentences WHERE row >= ? AND row < ? "
                "ORDER BY row",
                (first, first + count),
            ).fetchall()
        return [StoredSentence(*row) for row in found]

    def document_text(self, source: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT text FROM documents WHERE source = ?", (source,))
            found = row.fetchone()
        return str(found[0]) if found else ""

    def embed_keys(self, table: str) -> dict[str, int]:
        """embed key → row, for reusing vectors of unchanged text in the next build."""
        if table not in ("chunks", "sentences"):
            raise ValueError(table)
        with self._lock:
            return dict(self._db.execute(f"SELECT embed_key, row FROM {table}").fetchall())

    def close(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()


def open_current(index_dir: Path, verify: bool = False, nprobe: int | None = None) -> IndexStore:
    """Open the build ``CURRENT`` names, or raise :class:`IndexUnavailableError`."""
    build = current_build(index_dir)
    if build is None:
        raise IndexUnavailableError(
            f"there is no index in {index_dir}", "run `career-assistant index`"
        )
    if not build.is_dir():
        raise IndexUnavailableError(f"the index {build} named by {index_dir / CURRENT} is missing")
    return IndexStore(build, verify=verify, nprobe=nprobe)
