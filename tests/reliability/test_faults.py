"""Faults during a rebuild: a full disk, a read-only index, and two rebuilds at once.

Each fault must end in one clear line (an AssistantError), never a traceback, and leave
the previous index serving exactly what it served before; the next rebuild, once the
fault is gone, succeeds and removes the debris.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any

import faiss
import numpy as np
import pytest
from filelock import FileLock

from assistant import Assistant, AssistantError, RebuildReport
from assistant.lexical import LexicalIndex
from assistant.store import BUILDS

from ..conftest import write_corpus
from .conftest import (
    DATA_ENGINEER,
    PROBES,
    Copy,
    MemoEmbedder,
    Prebuilt,
    assert_one_line_error,
    copy_of,
    fresh_answers,
    hold_rebuild,
    snapshot,
    verified,
)

Run = Callable[..., tuple[int, str, str]]


def _enospc(*_: object, **__: object) -> Any:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _FullDisk(sqlite3.Connection):
    """What SQLite raises when a write hits a full disk (SQLITE_FULL)."""

    def executemany(self, *_: Any, **__: Any) -> sqlite3.Cursor:
        raise sqlite3.OperationalError("database or disk is full")


def _fd_path(fd: int) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""


def _inject(monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    if where == "numpy":  # np.save of vectors.npy
        monkeypatch.setattr(np, "save", _enospc)
    elif where == "bm25":
        monkeypatch.setattr(LexicalIndex, "save", _enospc)
    elif where == "fsync":  # delayed allocation: the error surfaces at fsync
        monkeypatch.setattr(os, "fsync", _enospc)
    elif where == "pointer":  # only the new CURRENT pointer fails to reach the disk
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            if ".CURRENT." in _fd_path(fd):
                _enospc()
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
    elif where == "sqlite":
        real_connect = sqlite3.connect

        def connect(path: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
            return real_connect(path, *args, factory=_FullDisk, **kwargs)

        monkeypatch.setattr(sqlite3, "connect", connect)
    elif where == "faiss":  # faiss reports a failed fwrite as RuntimeError (checked for real)
        message = (
            "Error in void faiss::write_index(const Index*, IOWriter*, int) at "
            "/project/faiss/impl/index_write.cpp:499: Error: 'ret == (size * 4)' failed: "
            "write error in vectors.faiss: 8147 != 40000 (No space left on device)"
        )

        def write_index(*_: object) -> None:
            raise RuntimeError(message)

        monkeypatch.setattr(faiss, "write_index", write_index)
    else:
        raise AssertionError(where)


@pytest.fixture
def changed(copy_old: Copy) -> Copy:
    """A copy of the old index whose corpus gained a file: a rebuild must write a build."""
    write_corpus(copy_old.corpus, {"paths/data-engineer.md": DATA_ENGINEER})
    return copy_old


def check_old_index_serves(
    copy: Copy, before: dict[str, tuple[int, int]], prebuilt: Prebuilt, memo: MemoEmbedder
) -> None:
    assert copy.current() == prebuilt.old_build
    old_build = f"{BUILDS}/{prebuilt.old_build}/"
    after = snapshot(copy.index)
    assert {k: v for k, v in after.items() if k.startswith(old_build)} == {
        k: v for k, v in before.items() if k.startswith(old_build)
    }
    assert fresh_answers(copy, memo) == {q: prebuilt.old_answers[q] for q in PROBES}


def check_next_rebuild_recovers(copy: Copy, prebuilt: Prebuilt, memo: MemoEmbedder) -> None:
    report = Assistant(copy.settings, embedder=memo).rebuild()
    assert report.files_added == ["paths/data-engineer.md"]
    debris = [p.name for p in copy.index.iterdir() if p.name.startswith(("tmp-", ".CURRENT."))]
    assert debris == []
    verified(copy.index).close()
    assert fresh_answers(copy, memo) == {q: prebuilt.new_answers[q] for q in PROBES}


@pytest.mark.parametrize(
    "where",
    [
        "numpy",
        "bm25",
        "fsync",
        "pointer",
        "sqlite",
        "faiss",
    ],
)
def test_disk_full_fails_in_one_line_and_the_old_index_serves(
    changed: Copy,
    prebuilt: Prebuilt,
    memo: MemoEmbedder,
    cli: Run,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    before = snapshot(changed.index)
    with monkeypatch.context() as patch:
        _inject(patch, where)
        code, _, err = cli("index", *changed.argv)
    assert code != 0
    assert_one_line_error(err, "previous index is still served")
    check_old_index_serves(changed, before, prebuilt, memo)
    check_next_rebuild_recovers(changed, prebuilt, memo)


# -- a read-only index directory ---------------------------------------------------------


def _writes(flags: int) -> bool:
    return bool(flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND))


def _under(path: Any, root: Path) -> bool:
    if isinstance(path, int) or path is None:
        return False
    resolved = Path(os.fsdecode(path)).absolute()
    return resolved == root or root in resolved.parents


@contextmanager
def refuse_writes(root: Path, code: int, only_entries: bool) -> Iterator[None]:
    """Refuse writes under ``root`` the way the kernel does, for a test run as root.

    ``code=EROFS``: a read-only mount, every write below ``root`` fails.
    ``code=EACCES, only_entries=True``: ``chmod 0o555 root`` for a normal user: entries
    cannot be created, renamed or removed directly in ``root``; existing files stay
    writable. As on Linux, creating something that already exists reports EEXIST first.
    """
    root = root.absolute()

    def blocked(path: Any) -> bool:
        if not _under(path, root):
            return False
        return Path(os.fsdecode(path)).absolute().parent == root if only_entries else True

    def fail(path: Any) -> None:
        raise OSError(code, os.strerror(code), os.fsdecode(path))

    real_open, real_mkdir = os.open, os.mkdir
    real_io_open = io.open

    def fake_open(path: Any, flags: int, mode: int = 0o777, **kw: Any) -> int:
        exists = os.path.lexists(path) if not isinstance(path, int) else True
        if _writes(flags) and blocked(path):
            if flags & os.O_CREAT and flags & os.O_EXCL and exists:
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)
            if code == errno.EROFS or not exists:
                fail(path)
        return real_open(path, flags, mode, **kw)

    def fake_mkdir(path: Any, mode: int = 0o777, **kw: Any) -> None:
        if blocked(path):
            if os.path.lexists(path):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path)
            fail(path)
        real_mkdir(path, mode, **kw)

    def fake_io_open(file: Any, mode: str = "r", *args: Any, **kw: Any) -> Any:
        writes = any(c in mode for c in "wax+")
        if writes and blocked(file) and (code == errno.EROFS or not os.path.lexists(file)):
            fail(file)
        return real_io_open(file, mode, *args, **kw)

    def guard(real: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*paths: Any, **kw: Any) -> Any:
            for path in paths:
                if blocked(path):
                    fail(path)
            return real(*paths, **kw)

        return wrapper

    real_connect = sqlite3.connect

    def fake_connect(database: Any, *args: Any, **kw: Any) -> sqlite3.Connection:
        if not kw.get("uri") and blocked(database):
            raise sqlite3.OperationalError("unable to open database file")
        connection: sqlite3.Connection = real_connect(database, *args, **kw)
        return connection

    patches = {
        (os, "open"): fake_open,
        (os, "mkdir"): fake_mkdir,
        (io, "open"): fake_io_open,
        (builtins, "open"): fake_io_open,
        (os, "rename"): guard(os.rename),
        (os, "replace"): guard(os.replace),
        (os, "unlink"): guard(os.unlink),
        (os, "remove"): guard(os.remove),
        (os, "rmdir"): guard(os.rmdir),
        (sqlite3, "connect"): fake_connect,
    }
    with pytest.MonkeyPatch.context() as patch:
        for (owner, name), value in patches.items():
            patch.setattr(owner, name, value)
        yield


def _really_read_only(directory: Path) -> bool:
    probe = directory / ".write-probe"
    try:
        probe.touch()
    except PermissionError:
        return True
    probe.unlink()
    return False


def test_read_only_index_directory_fails_in_one_line_and_the_old_index_serves(
    changed: Copy, prebuilt: Prebuilt, memo: MemoEmbedder, cli: Run
) -> None:
    """``chmod 0o555`` on the index dir. Run as root, chmod stops nothing: the probe write
    succeeds, so the kernel's EACCES for a normal user is reproduced instead."""
    before = snapshot(changed.index)
    changed.index.chmod(0o555)
    try:
        emulate = not _really_read_only(changed.index)
        with refuse_writes(changed.index, errno.EACCES, True) if emulate else nullcontext():
            code, _, err = cli("index", *changed.argv)
    finally:
        changed.index.chmod(0o755)
    assert code != 0
    assert_one_line_error(err, "Permission denied", "previous index is still served")
    check_old_index_serves(changed, before, prebuilt, memo)
    check_next_rebuild_recovers(changed, prebuilt, memo)


def test_read_only_file_system_fails_in_one_line_and_the_old_index_serves(
    changed: Copy, prebuilt: Prebuilt, memo: MemoEmbedder, cli: Run
) -> None:
    before = snapshot(changed.index)
    with refuse_writes(changed.index, errno.EROFS, False):
        code, _, err = cli("index", *changed.argv)
        check_old_index_serves(changed, before, prebuilt, memo)  # reading still works
    assert code != 0
    assert_one_line_error(err, "Read-only file system")
    check_next_rebuild_recovers(changed, prebuilt, memo)


# -- two rebuilds at once ---------------------------------------------------------------


def test_two_rebuilds_at_once_one_refuses_one_waits_and_the_index_is_consistent(
    prebuilt: Prebuilt,
    tmp_path: Path,
    memo: MemoEmbedder,
    cli: Run,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Process A holds the lock mid-rebuild; B (lock_timeout 0) refuses; C waits for A."""
    copy = copy_of(prebuilt.new_corpus, prebuilt.old_index, tmp_path)
    holder, gate = hold_rebuild(prebuilt, copy, tmp_path)
    waiting = threading.Event()

    class ObservedLock(FileLock):
        def acquire(self, *args: Any, **kwargs: Any) -> Any:
            waiting.set()
            return super().acquire(*args, **kwargs)

    result: dict[str, RebuildReport | BaseException] = {}

    def patient() -> None:
        settings = replace(copy.settings, lock_timeout=120.0)
        try:
            result["c"] = Assistant(settings, embedder=memo).rebuild()
        except BaseException as error:
            result["c"] = error

    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "embedding", holder.stderr
        # B: a second process-level rebuild with the default lock_timeout of 0 refuses
        code, _, err = cli("index", *copy.argv)
        assert code == 2
        assert_one_line_error(err, "another rebuild", "wait for it to finish")
        assert copy.current() == prebuilt.old_build  # B changed nothing
        # C: waits for the lock while A still holds it
        monkeypatch.setattr("assistant.backends.local.FileLock", ObservedLock)
        thread = threading.Thread(target=patient)
        thread.start()
        assert waiting.wait(30)
        assert "c" not in result
        gate.touch()
        out, err = holder.communicate(timeout=60)
        thread.join(60)
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert holder.returncode == 0 and out.strip().endswith("done"), err
    a_build = copy.current()
    assert a_build != prebuilt.old_build
    report = result["c"]
    assert isinstance(report, RebuildReport), report
    # C ran after A: it found A's build up to date and served it, embedding nothing
    assert report.build_id == a_build and report.chunks_embedded == 0 and not report.changed
    assert copy.current() == a_build
    verified(copy.index).close()
    assert fresh_answers(copy, memo) == {q: prebuilt.new_answers[q] for q in PROBES}
    assert [p.name for p in copy.index.iterdir() if p.name.startswith("tmp-")] == []


def test_a_failed_rebuild_is_reported_as_assistant_error(
    changed: Copy, memo: MemoEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The library (not only the CLI) raises AssistantError with a one-line message."""
    monkeypatch.setattr(np, "save", _enospc)
    with pytest.raises(AssistantError) as caught:
        Assistant(changed.settings, embedder=memo).rebuild()
    assert "is full" in str(caught.value) and "still served" in str(caught.value)
    assert "\n" not in str(caught.value)
