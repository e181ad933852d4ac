"""A damaged index is detected on load and reported with the fix, never served."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant import Assistant, IndexUnavailableError
from assistant.store import (
    BUILDS,
    CURRENT,
    DATABASE,
    FAISS_INDEX,
    FORMAT_VERSION,
    VECTORS,
    current_build,
    open_current,
)


@pytest.fixture
def built(small_corpus: Path, make_assistant: Callable[..., Assistant]) -> Path:
    assistant = make_assistant(small_corpus)
    assistant.rebuild()
    build = current_build(assistant.settings.index_dir)
    assert build is not None
    return build


def test_a_good_index_loads_and_verifies(built: Path) -> None:
    store = open_current(built.parent.parent, verify=True)
    assert store.manifest.chunks == store.faiss.ntotal == len(store.vectors)
    assert store.manifest.model.startswith("all-MiniLM-L6-v2@")  # name@weights-hash+runtime


def truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda b: truncate(b / FAISS_INDEX), "truncated"),
        (lambda b: truncate(b / VECTORS), "truncated"),
        (lambda b: (b / DATABASE).write_bytes(b"garbage" * 100), "bytes"),
        (lambda b: (b / FAISS_INDEX).unlink(), "missing"),
        (lambda b: (b / "checksums.json").write_text("{not json"), "corrupt"),
        (lambda b: (b.parent.parent / CURRENT).write_text("../../etc"), "corrupt"),
        (lambda b: (b.parent.parent / CURRENT).write_text("nope"), "missing"),
    ],
)
def test_damage_is_detected_on_load(
    built: Path, damage: Callable[[Path], None], message: str
) -> None:
    damage(built)
    with pytest.raises(IndexUnavailableError, match=message) as error:
        open_current(built.parent.parent)
    assert "career-assistant index --full" in str(error.value)


def test_same_size_corruption_is_caught_by_verify(built: Path) -> None:
    flip_byte(built / VECTORS)
    open_current(built.parent.parent).close()  # sizes match: the cheap check passes
    with pytest.raises(IndexUnavailableError, match="checksum"):
        open_current(built.parent.parent, verify=True)


def _set_manifest(build: Path, key: str, value: str) -> None:
    """Edit the manifest in place, then restore the recorded size so only the content differs."""
    path = build / DATABASE
    size = path.stat().st_size
    with sqlite3.connect(path) as db:
        db.execute("UPDATE manifest SET value = ? WHERE key = ?", (value, key))
    assert path.stat().st_size == size


def test_future_format_is_refused(built: Path) -> None:
    _set_manifest(built, "format_version", str(FORMAT_VERSION + 1))
    with pytest.raises(IndexUnavailableError, match="newer"):
        open_current(built.parent.parent)


def test_an_older_format_says_why_and_the_next_index_rebuilds_it(
    built: Path, small_corpus: Path, make_assistant: Callable[..., Assistant]
) -> None:
    _set_manifest(built, "format_version", str(FORMAT_VERSION - 1))
    with pytest.raises(IndexUnavailableError, match=r"older.*organisation") as raised:
        open_current(built.parent.parent)
    assert "index --full" in str(raised.value)
    assistant = make_assistant(small_corpus, built.parent.parent)
    report = assistant.rebuild()
    assert report.chunks_reused == 0  # built anew, not from the old build's rows
    assert {d.organisation for d in assistant.store().documents.values()} == {"Paths", "Articles"}


def test_index_from_another_model_is_refused(
    built: Path, small_corpus: Path, make_assistant: Callable[..., Assistant]
) -> None:
    _set_manifest(built, "model", '"some-other-model"')
    with pytest.raises(IndexUnavailableError, match="some-other-model"):
        make_assistant(small_corpus, built.parent.parent).ask("what is a TPM")


def test_missing_index_names_the_command(tmp_path: Path) -> None:
    with pytest.raises(IndexUnavailableError, match="career-assistant index"):
        open_current(tmp_path)
    assert not (tmp_path / BUILDS).exists()
