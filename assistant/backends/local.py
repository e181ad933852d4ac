"""The local backend: builds as directories of files under ``index_dir``.

Publishing writes everything into ``tmp-<id>/``, fsyncs it, renames it into
``builds/<id>/``, then replaces ``CURRENT`` atomically (temp file, fsync, rename): a
rebuild killed at any moment leaves the previous build serving, and its leftovers are
removed by the next rebuild. A file lock refuses a second concurrent rebuild. The
on-disk layout and its checks are :mod:`assistant.store`'s.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from ..config import Settings
from ..errors import AssistantError, RebuildBusyError
from ..lexical import LexicalIndex
from ..records import NewBuild
from ..store import (
    BM25_DIR,
    BUILDS,
    CURRENT,
    DATABASE,
    FAISS_INDEX,
    SCHEMA,
    SENTENCE_VECTORS,
    VECTORS,
    IndexStore,
    current_build,
    open_current,
    write_checksums,
)
from ..vector_index import build_index, choose_kind, save_index

LOCK_FILE = "rebuild.lock"
TMP_PREFIX = "tmp-"


class LocalBackend:
    """FAISS + bm25s + SQLite builds in ``settings.index_dir``."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.index_dir = settings.index_dir

    def describe(self) -> str:
        return str(self.index_dir)

    def current(self) -> str | None:
        build = current_build(self.index_dir)
        return build.name if build else None

    def open(self, verify: bool = False) -> IndexStore:
        return open_current(self.index_dir, verify=verify, nprobe=self.settings.ivf_nprobe)

    def index_kind(self, chunks: int) -> str:
        return choose_kind(self.settings.index_kind, chunks, self.settings.ivf_threshold)

    @contextmanager
    def rebuild_lock(self, timeout: float) -> Iterator[None]:
        try:
            (self.index_dir / BUILDS).mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise AssistantError(
                f"cannot create the index directory {self.index_dir}: {error.strerror}",
                "choose a writable --index-dir",
            ) from None
        lock = FileLock(str(self.index_dir / LOCK_FILE), timeout=timeout)
        try:
            lock.acquire()
        except Timeout:
            raise RebuildBusyError(
                f"another rebuild of {self.index_dir} is running",
                "wait for it to finish (its result will be served), then retry",
            ) from None
        except OSError as error:
            raise AssistantError(
                f"cannot lock {self.index_dir} for a rebuild: {error.strerror or error}",
                "make the index directory writable or choose another --index-dir; "
                "the previous index is still served",
            ) from None
        try:
            yield
        except (OSError, sqlite3.Error) as error:
            reason = getattr(error, "strerror", None) or str(error)
            raise AssistantError(
                f"rebuild failed writing {self.index_dir}: {reason}",
                "free disk space or fix permissions; the previous index is still served",
            ) from None
        finally:
            lock.release()

    def remove_leftovers(self) -> None:
        """Delete temp builds and pointer files left by a rebuild that died."""
        for path in self.index_dir.iterdir():
            if path.name.startswith(TMP_PREFIX) and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(f".{CURRENT}."):
                path.unlink(missing_ok=True)

    def publish(self, build: NewBuild) -> None:
        """Write the build's files into a temp directory, then rename and point at it."""
        build_id = build.manifest.build_id
        tmp = self.index_dir / f"{TMP_PREFIX}{build_id}"
        tmp.mkdir()
        _write_files(tmp, build, self.settings.ivf_nprobe)
        _fsync_tree(tmp)
        final = self.index_dir / BUILDS / build_id
        os.rename(tmp, final)
        _fsync(final.parent)  # the rename must be durable before CURRENT names it
        _point_current(self.index_dir, build_id)

    def prune(self, keep: set[str]) -> None:
        """Delete every build but ``keep``: other processes may still be answering from
        the one replaced. Orphans of crashed rebuilds go too."""
        for build in (self.index_dir / BUILDS).iterdir():
            if build.name not in keep:
                shutil.rmtree(build, ignore_errors=True)


def _write_files(directory: Path, build: NewBuild, nprobe: int) -> None:
    m = build.manifest
    _write_database(directory / DATABASE, build)
    _save_array(directory / VECTORS, build.chunk_vectors)
    _save_array(directory / SENTENCE_VECTORS, build.sentence_vectors)
    save_index(build_index(build.chunk_vectors, m.index_kind, nprobe), directory / FAISS_INDEX)
    LexicalIndex.build([c.lexical_text for c in build.chunks]).save(directory / BM25_DIR)
    write_checksums(directory, {"chunks": m.chunks, "sentences": m.sentences, "files": m.files})


def _write_database(path: Path, build: NewBuild) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(SCHEMA)
        db.executemany("INSERT INTO manifest VALUES (?, ?)", build.manifest.to_rows())
        db.executemany(
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    *(d.source, d.sha256, d.title, d.kind, d.family, d.path),
                    *(json.dumps(d.aliases), json.dumps(d.next_steps), json.dumps(d.related)),
                    d.text,
                )
                for d in build.documents
            ],
        )
        db.executemany(
            "INSERT INTO chunks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    *(row, c.chunk_id, c.source, c.title, c.section, c.family, c.path),
                    *(c.start, c.end, c.text, c.sentence_first, c.sentence_count, c.embed_key),
                )
                for row, c in enumerate(build.chunks)
            ],
        )
        db.executemany(
            "INSERT INTO sentences VALUES (?, ?, ?, ?, ?)",
            [(row, s.source, s.start, s.end, s.embed_key) for row, s in enumerate(build.sentences)],
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
