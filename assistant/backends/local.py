"""The local backend: builds as directories of files under ``index_dir``.

Publishing writes everything into ``tmp-<id>/``, fsyncs it, renames it into
``builds/<id>/``, then replaces ``CURRENT`` atomically (temp file, fsync, rename): a
rebuild killed at any moment leaves the previous build serving, and its leftovers are
removed by the next rebuild. A file lock refuses a second concurrent rebuild. The
on-disk layout and its checks are :mod:`assistant.store`'s.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import socket
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from filelock import FileLock, Timeout

from ..config import Settings
from ..errors import AssistantError, IndexUnavailableError, RebuildBusyError
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
#: Who holds the lock (pid, host, start), so a refused rebuild can name it.
OWNER_FILE = "rebuild.owner"
TMP_PREFIX = "tmp-"
#: Less free space than this after a failed write means the disk is full.
FULL_DISK_BYTES = 1 << 20


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
            raise RebuildBusyError(*_busy(self.index_dir)) from None
        except OSError as error:
            raise AssistantError(
                f"cannot lock {self.index_dir} for a rebuild: {error.strerror or error}",
                "make the index directory writable or choose another --index-dir; "
                + _what_serves(self.index_dir),
            ) from None
        owner = self.index_dir / OWNER_FILE
        try:
            _write_owner(owner)
            yield
        except (OSError, sqlite3.Error) as error:
            raise AssistantError(*_write_failure(self.index_dir, error)) from None
        finally:
            with contextlib.suppress(OSError):
                owner.unlink(missing_ok=True)
            lock.release()

    def remove_leftovers(self) -> None:
        """Delete temp builds and pointer files left by a rebuild that died."""
        for path in self.index_dir.iterdir():
            if path.name.startswith(TMP_PREFIX) and path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            elif path.name.startswith(f".{CURRENT}."):
                path.unlink(missing_ok=True)

    def publish(self, build: NewBuild) -> None:
        """Write the build's files into a temp directory, then rename and point at it.

        A write that fails removes the partial build at once (so a full disk is not left
        full); when the disk is full, the error says so even where the writer did not
        (NumPy reports a short write as "N requested and M written", with no errno).
        """
        build_id = build.manifest.build_id
        tmp = self.index_dir / f"{TMP_PREFIX}{build_id}"
        tmp.mkdir()
        try:
            _write_files(tmp, build, self.settings.ivf_nprobe)
            _fsync_tree(tmp)
        except (OSError, sqlite3.Error) as error:
            full = _disk_full(self.index_dir, error)
            shutil.rmtree(tmp, ignore_errors=True)
            if full:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from error
            raise
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


def _write_owner(path: Path) -> None:
    """Best effort: a directory that refuses this file fails the rebuild's own writes."""
    started = datetime.now(UTC).astimezone().isoformat(timespec="seconds")
    owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": started}
    with contextlib.suppress(OSError):
        path.write_text(json.dumps(owner))


def _busy(index_dir: Path) -> tuple[str, str]:
    """Problem and fix for a lock held by another rebuild: who holds it, and the way out."""
    problem = f"another rebuild of {index_dir} is running"
    wait = "wait for it to finish (its result will be served), then retry"
    try:
        owner = json.loads((index_dir / OWNER_FILE).read_text())
        pid, host, started = int(owner["pid"]), str(owner["host"]), str(owner["started"])
    except (OSError, ValueError, KeyError, TypeError):
        return problem, wait  # it is starting or ending, or predates the owner file
    holder = f"pid {pid}" + (f" on {host}" if host != socket.gethostname() else "")
    if host == socket.gethostname() and _stopped(pid):
        return (
            f"another rebuild of {index_dir} is stopped ({holder}, started {started})",
            f"resume it with `kill -CONT {pid}` or end it with `kill {pid}`, then retry",
        )
    return (
        f"{problem} ({holder}, started {started})",
        f"wait for it to finish (its result will be served), or end it with `kill {pid}`; "
        "then retry",
    )


def _stopped(pid: int) -> bool:
    """Whether process ``pid`` is stopped (SIGSTOP, Ctrl-Z, a debugger); Linux only."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return state in ("T", "t")


def _disk_full(directory: Path, error: BaseException) -> bool:
    if getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT):
        return True
    if "disk is full" in str(error) or os.strerror(errno.ENOSPC) in str(error):
        return True  # SQLite's SQLITE_FULL; FAISS's message
    try:
        return shutil.disk_usage(directory).free < FULL_DISK_BYTES
    except OSError:
        return False


def _what_serves(index_dir: Path) -> str:
    """The end of a failed rebuild's fix: whether an earlier index is still answering."""
    try:
        build = current_build(index_dir)
    except IndexUnavailableError:
        build = None
    if build is not None and build.is_dir():
        return "the previous index is still served"
    return "no index was written; run `career-assistant index` again after the fix"


def _write_failure(index_dir: Path, error: OSError | sqlite3.Error) -> tuple[str, str]:
    served = _what_serves(index_dir)
    if _disk_full(index_dir, error):
        free = shutil.disk_usage(index_dir).free if index_dir.exists() else 0
        return (
            f"the disk holding {index_dir} is full: the new build did not fit in the "
            f"{free / 2**20:.1f} MiB left",
            f"free some space or choose another --index-dir; {served}",
        )
    reason = getattr(error, "strerror", None) or str(error)
    return (
        f"rebuild failed writing {index_dir}: {reason}",
        f"free disk space or fix permissions; {served}",
    )


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
            "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    *(d.source, d.sha256, d.title, d.kind, d.family, d.path),
                    *(json.dumps(d.aliases), json.dumps(d.next_steps), json.dumps(d.related)),
                    d.text,
                    d.organisation,
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
