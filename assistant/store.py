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
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .backend import VECTOR_TABLES, check_compatible
from .errors import IndexUnavailableError
from .lexical import LexicalIndex
from .records import (
    FORMAT_VERSION,
    DocumentInfo,
    Filter,
    Hit,
    Manifest,
    StoredChunk,
    StoredSentence,
)
from .taxonomy import CareerPath, Taxonomy
from .vector_index import load_index, search

CURRENT = "CURRENT"
BUILDS = "builds"
DATABASE = "chunks.sqlite"
VECTORS = "vectors.npy"
SENTENCE_VECTORS = "sentences.npy"
FAISS_INDEX = "vectors.faiss"
BM25_DIR = "bm25"
CHECKSUMS = "checksums.json"
LEXICAL_CACHE = 4  # questions whose BM25 scores of every row are kept
SQL_BATCH = 900  # ids per SELECT, under SQLite's parameter limit

SCHEMA = """
CREATE TABLE manifest (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    source TEXT PRIMARY KEY, sha256 TEXT NOT NULL, title TEXT NOT NULL, kind TEXT NOT NULL,
    family TEXT NOT NULL, path TEXT NOT NULL, aliases TEXT NOT NULL, next_steps TEXT NOT NULL,
    related TEXT NOT NULL, text TEXT NOT NULL, organisation TEXT NOT NULL
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
    """A loaded, validated, read-only build: the local :class:`SearchBackend`.

    Safe to share between threads. Per-row tags (id, family, path, source) stay in memory
    so that filters are a NumPy comparison; text is read from SQLite on demand.
    """

    def __init__(self, build_dir: Path, verify: bool = False, nprobe: int | None = None) -> None:
        self.build_dir = build_dir
        checksums = self._check_files(verify)
        self._db = self._connect()
        self._lock = threading.Lock()
        self._lexical_cache: OrderedDict[str, np.ndarray] = OrderedDict()
        try:
            self.manifest = self._read_manifest()
            self.documents = self._read_documents()
            self.chunk_ids, self._tags = self._read_tags()
            self._row_of = {chunk_id: row for row, chunk_id in enumerate(self.chunk_ids)}
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
            "chunks": (m.chunks, len(self.chunk_ids), self.faiss.ntotal, len(self.vectors)),
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
        check_compatible(self.manifest, model, dimension)

    # -- loading ----------------------------------------------------------------------

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
            raise IndexUnavailableError(
                f"the index format {manifest.format_version} is older than this version's "
                f"({FORMAT_VERSION}: documents now carry their organisation)"
            )
        return manifest

    def _read_documents(self) -> dict[str, DocumentInfo]:
        rows = self._db.execute(
            "SELECT source, sha256, title, kind, family, path, aliases, next_steps, related, "
            "organisation FROM documents ORDER BY source"
        )
        documents = {}
        for row in rows:
            source, sha256, title, kind, family, path = row[:6]
            aliases, next_steps, related = (tuple(json.loads(value)) for value in row[6:9])
            documents[source] = DocumentInfo(
                source, sha256, title, kind, family, path, aliases, next_steps, related, row[9]
            )
        return documents

    def _read_tags(self) -> tuple[list[str], dict[str, np.ndarray]]:
        """Per-row id and filterable tags, kept in memory for the hot path."""
        rows = self._db.execute(
            "SELECT chunk_id, family, path, source FROM chunks ORDER BY row"
        ).fetchall()
        tags = {
            name: np.array([row[i] for row in rows], dtype=object)
            for i, name in enumerate(("family", "path", "source"), start=1)
        }
        for name in ("kind", "organisation"):  # per document: looked up by source
            values = {source: getattr(doc, name) for source, doc in self.documents.items()}
            tags[name] = np.array([values.get(s, "") for s in tags["source"]], dtype=object)
        return [row[0] for row in rows], tags

    @functools.cached_property
    def _sentence_spans(self) -> tuple[list[str], np.ndarray]:
        """Every sentence's source (an index into the list) and its start and end, read
        once, on the first question: each question reads a few hundred sentences, and one
        SQL query for them cost ~1 ms of a 20 ms answer (24 bytes a sentence in memory)."""
        with self._lock:
            rows = self._db.execute("SELECT source, start, end FROM sentences ORDER BY row")
            found = rows.fetchall()
        names = sorted({row[0] for row in found})
        number = {name: n for n, name in enumerate(names)}
        spans = np.array([(number[s], a, b) for s, a, b in found], dtype=np.int64)
        return names, spans.reshape(-1, 3)

    @functools.cached_property
    def taxonomy(self) -> Taxonomy:
        return Taxonomy(CareerPath.of(d) for d in self.documents.values() if d.path)

    def _count(self, table: str) -> int:
        return int(self._db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    # -- searching --------------------------------------------------------------------

    def _mask(self, where: Filter) -> np.ndarray:
        mask = np.ones(len(self.chunk_ids), dtype=bool)
        for name, value in where.fields().items():
            mask &= self._tags[name] == value
        return mask

    def _hits(self, rows: np.ndarray, scores: np.ndarray) -> list[Hit]:
        return [
            Hit(self.chunk_ids[row], score)
            for row, score in zip(rows.tolist(), scores.tolist(), strict=True)
        ]

    def dense_search(self, query: np.ndarray, k: int, where: Filter | None = None) -> list[Hit]:
        """Top-``k`` by cosine from FAISS, or exactly among the chunks ``where`` allows."""
        if where is None or not where.fields():
            scores, rows = search(self.faiss, query, k)
            return self._hits(rows, scores)
        within = np.flatnonzero(self._mask(where))
        cosines = np.asarray(self.vectors[within]) @ query
        top = np.argsort(-cosines, kind="stable")[:k]
        return self._hits(within[top], cosines[top])

    def _lexical_all(self, query: str) -> np.ndarray:
        """BM25 of every row; the last few queries are kept, as one question asks several
        times (its ranking, a comparison's two sides, candidates' scores)."""
        with self._lock:
            scores = self._lexical_cache.get(query)
            if scores is not None:
                self._lexical_cache.move_to_end(query)
                return scores
        scores = self.lexical.scores(query)
        with self._lock:
            self._lexical_cache[query] = scores
            while len(self._lexical_cache) > LEXICAL_CACHE:
                self._lexical_cache.popitem(last=False)
        return scores

    def lexical_search(self, query: str, k: int, where: Filter | None = None) -> list[Hit]:
        scores = self._lexical_all(query)
        if where is not None and where.fields():
            scores = np.where(self._mask(where), scores, 0.0)
        positive = np.flatnonzero(scores > 0)
        if len(positive) > k:
            positive = positive[np.argpartition(-scores[positive], k)[:k]]
        rows = positive[np.argsort(-scores[positive], kind="stable")]
        return self._hits(rows, scores[rows])

    def lexical_scores(self, query: str, chunk_ids: Sequence[str]) -> np.ndarray:
        rows = [self._row_of[chunk_id] for chunk_id in chunk_ids]
        return np.asarray(self._lexical_all(query)[rows], dtype=np.float32)

    def known_words(self, text: str) -> list[str]:
        return self.lexical.known_words(text)

    # -- fetching by id ---------------------------------------------------------------

    def chunks(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        """The chunks with ``chunk_ids``, in the order given."""
        rows = [self._row_of[chunk_id] for chunk_id in chunk_ids]
        found = self._select(
            "SELECT row, chunk_id, source, title, section, family, path, start, end, text, "
            "sentence_first, sentence_count FROM chunks WHERE row IN ({marks})",
            rows,
        )
        by_row = {row[0]: row for row in found}
        vectors = np.asarray(self.vectors[rows])
        owners = {source: doc.organisation for source, doc in self.documents.items()}
        return [_chunk(by_row[row], vectors[n], owners) for n, row in enumerate(rows)]

    def sentences(self, ids: Sequence[int]) -> list[StoredSentence]:
        names, spans = self._sentence_spans
        rows = list(ids)
        found = zip(rows, spans[rows].tolist(), self.sentence_vectors_of(rows), strict=True)
        return [StoredSentence(i, names[s], start, end, v) for i, (s, start, end), v in found]

    def sentence_vectors_of(self, ids: Sequence[int]) -> np.ndarray:
        return np.asarray(self.sentence_vectors[list(ids)], dtype=np.float32)

    def _select(self, sql: str, rows: Sequence[int]) -> list[tuple[Any, ...]]:
        """Run ``sql`` for ``rows`` in batches SQLite's parameter limit allows."""
        found: list[tuple[Any, ...]] = []
        for start in range(0, len(rows), SQL_BATCH):
            batch = [int(row) for row in rows[start : start + SQL_BATCH]]
            with self._lock:
                found += self._db.execute(
                    sql.format(marks=",".join("?" * len(batch))), batch
                ).fetchall()
        return found

    def document_text(self, source: str) -> str:
        with self._lock:
            row = self._db.execute("SELECT text FROM documents WHERE source = ?", (source,))
            found = row.fetchone()
        return str(found[0]) if found else ""

    def stored_vectors(self, table: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors by embed key, for reusing unchanged text in the next build."""
        if table not in VECTOR_TABLES:
            raise ValueError(table)
        with self._lock:
            rows = dict(self._db.execute(f"SELECT embed_key, row FROM {table}").fetchall())
        vectors = self.vectors if table == "chunks" else self.sentence_vectors
        found = [key for key in keys if key in rows]
        # One read of all the rows: a memmap row at a time costs ~10 µs each (0.1 s here).
        block = np.asarray(vectors[[rows[key] for key in found]])
        return dict(zip(found, block, strict=True))

    def close(self) -> None:
        db = getattr(self, "_db", None)
        if db is not None:
            db.close()


def _chunk(row: tuple[Any, ...], vector: np.ndarray, owners: dict[str, str]) -> StoredChunk:
    """A ``chunks`` table row (row, chunk_id, ..., sentence_count), its vector, and its
    document's organisation (from ``owners``, by source)."""
    chunk_id, source, title, section, family, path, start, end, text, first, count = row[1:]
    return StoredChunk(
        chunk_id,
        source,
        title,
        section,
        family,
        path,
        start,
        end,
        text,
        first,
        count,
        vector,
        organisation=owners.get(source, ""),
    )


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
