"""Damaged, foreign and locked indexes, through the CLI.

Every damage is detected when the index loads: the CLI exits 3 with one line naming the
fix (`career-assistant index --full`), never a traceback and never a wrong answer, and
the fix it names works. ``index --verify`` finds what a size check cannot.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, IndexUnavailableError, Settings
from assistant.embeddings import ProgressCallback
from assistant.store import (
    BM25_DIR,
    CHECKSUMS,
    CURRENT,
    DATABASE,
    FAISS_INDEX,
    FORMAT_VERSION,
    SENTENCE_VECTORS,
    VECTORS,
    open_current,
)

from ..conftest import write_corpus
from .conftest import (
    DATA_ENGINEER,
    PROBES,
    Copy,
    MemoEmbedder,
    Prebuilt,
    assert_one_line_error,
    fresh_answers,
    snapshot,
    verified,
)

Run = Callable[..., tuple[int, str, str]]
FIX = "career-assistant index --full"


def same_size(path: Path, data: bytes) -> None:
    """Overwrite ``path`` keeping its size, so only the content check can notice."""
    size = path.stat().st_size
    path.write_bytes((data * (size // len(data) + 1))[:size])


def replace_with(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def edit_db(build: Path, *statements: str) -> None:
    """Run SQL on the build's database and restore its recorded size (pages are kept)."""
    path = build / DATABASE
    size = path.stat().st_size
    with sqlite3.connect(path) as db:
        for statement in statements:
            db.execute(statement)
    db.close()
    assert path.stat().st_size == size


def manifest(key: str, value: object) -> Callable[[Path], None]:
    return lambda b: edit_db(
        b, f"UPDATE manifest SET value = '{json.dumps(value)}' WHERE key = '{key}'"
    )


def sql(statement: str) -> Callable[[Path], None]:
    return lambda b: edit_db(b, statement)


def pointer(text: str) -> Callable[[Path], None]:
    def write(build: Path) -> None:
        (build.parent.parent / CURRENT).write_text(text)

    return write


def garbage(name: str, pattern: bytes) -> Callable[[Path], None]:
    return lambda b: same_size(b / name, pattern)


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated-faiss": (lambda b: truncate(b / FAISS_INDEX), "truncated"),
    "garbage-faiss-same-size": (garbage(FAISS_INDEX, b"\x13\x37"), "corrupt"),
    "garbage-sqlite": (lambda b: replace_with(b / DATABASE, b"SQLite format 3\x00junk"), "bytes"),
    "garbage-sqlite-same-size": (garbage(DATABASE, b"\xde\xad\xbe\xef"), "unreadable"),
    "zeroed-sqlite-same-size": (garbage(DATABASE, b"\x00"), "unreadable"),
    "garbage-vectors-same-size": (garbage(VECTORS, b"\x93NUMPY junk"), "corrupt"),
    "garbage-bm25-json": (garbage(f"{BM25_DIR}/vocab.index.json", b"{["), "corrupt"),
    "garbage-bm25-npy": (garbage(f"{BM25_DIR}/data.csc.index.npy", b"\x00"), "corrupt"),
    "missing-sentences": (lambda b: (b / SENTENCE_VECTORS).unlink(), "missing"),
    "missing-checksums": (lambda b: (b / CHECKSUMS).unlink(), "incomplete"),
    "chunk-row-deleted": (sql("DELETE FROM chunks WHERE row = 0"), "inconsistent"),
    "sentence-rows-deleted": (sql("DELETE FROM sentences WHERE row < 3"), "inconsistent"),
    "manifest-row-deleted": (sql("DELETE FROM manifest WHERE key = 'dimension'"), "corrupt"),
    "other-model": (manifest("model", "bge-large-en"), "bge-large-en"),
    "other-dimension": (manifest("dimension", 768), "dimensions"),
    "future-format": (manifest("format_version", FORMAT_VERSION + 1), "newer"),
    "format-not-a-number": (manifest("format_version", "one"), "corrupt"),
    "current-names-nothing": (pointer("gone\n"), "missing"),
    "current-escapes": (pointer("../../../etc\n"), "corrupt"),
    "current-empty": (pointer(""), "corrupt"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_exits_3_with_the_fix_and_the_fix_works(
    copy_old: Copy, cli: Run, memo: MemoEmbedder, prebuilt: Prebuilt, damage: str
) -> None:
    make, problem = DAMAGE[damage]
    make(copy_old.build())
    before = snapshot(copy_old.index)
    for command in (["ask", "what does a TPM do?"], ["status"], ["index", "--verify"]):
        code, out, err = cli(*command, *copy_old.argv)
        assert code == 3, (command, err)
        assert out == ""
        # --verify may report a content change as a checksum failure: both name the fix
        assert_one_line_error(err, FIX, *([] if command[0] == "index" else [problem]))
    assert snapshot(copy_old.index) == before  # reading never "repairs" in place
    code, _, err = cli("index", "--full", *copy_old.argv)
    assert code == 0, err
    verified(copy_old.index).close()
    assert fresh_answers(copy_old, memo) == {q: prebuilt.old_answers[q] for q in PROBES}


def test_no_index_at_all(copy_old: Copy, cli: Run, prebuilt: Prebuilt) -> None:
    """status/verify name `career-assistant index`; ask builds the index first (README)."""
    index = copy_old.index
    shutil.rmtree(index)
    for command in (["status"], ["index", "--verify"]):
        code, _, err = cli(*command, *copy_old.argv)
        assert code == 3
        assert_one_line_error(err, "there is no index", "career-assistant index")
    assert not index.exists()
    code, out, err = cli("ask", "what does a TPM do?", "--json", "--k", "3", *copy_old.argv)
    assert code == 0 and "building it" in err
    ids = tuple(p["chunk_id"] for p in json.loads(out)["passages"])
    assert ids == prebuilt.old_answers["what does a TPM do?"]


FLIPPABLE = [
    DATABASE,
    VECTORS,
    SENTENCE_VECTORS,
    FAISS_INDEX,
    f"{BM25_DIR}/data.csc.index.npy",
    f"{BM25_DIR}/vocab.index.json",
]


@pytest.mark.parametrize("name", FLIPPABLE)
def test_verify_detects_a_same_size_byte_flip(copy_old: Copy, cli: Run, name: str) -> None:
    path = copy_old.build() / name
    data = bytearray(path.read_bytes())
    data[-len(data) // 3] ^= 0x01  # one bit, past any header, same size
    path.write_bytes(bytes(data))
    code, out, err = cli("index", "--verify", *copy_old.argv)
    assert code == 3 and out == ""
    assert_one_line_error(err, name.rsplit("/", 1)[-1], "fails its checksum", FIX)


def test_verify_passes_on_a_good_index(copy_old: Copy, cli: Run) -> None:
    code, out, err = cli("index", "--verify", *copy_old.argv)
    assert code == 0 and "verified" in out and err == ""


def test_a_rebuild_does_not_launder_a_corrupt_previous_build(
    copy_old: Copy, cli: Run, prebuilt: Prebuilt
) -> None:
    vectors = copy_old.build() / VECTORS
    clean = np.load(vectors, allow_pickle=False).copy()
    data = bytearray(vectors.read_bytes())
    row = clean.shape[1] * 4
    data[len(data) - 2 * row + 3] ^= 0x40  # the exponent of one float: same size, loads fine
    vectors.write_bytes(bytes(data))
    assert cli("index", "--verify", *copy_old.argv)[0] == 3
    write_corpus(copy_old.corpus, {"paths/data-engineer.md": DATA_ENGINEER})
    code, _, err = cli("index", *copy_old.argv)  # a routine incremental rebuild
    # either it refuses to build on a corrupt base, or it re-embeds what it cannot trust
    if code == 0:
        store = verified(copy_old.index)
        old = open_current(prebuilt.old_index)
        ids = {chunk_id: row for row, chunk_id in enumerate(old.chunk_ids)}
        for row, chunk_id in enumerate(store.chunk_ids):
            if chunk_id in ids:
                assert np.array_equal(store.vectors[row], clean[ids[chunk_id]])
    else:
        assert_one_line_error(err, "checksum", FIX)


@pytest.fixture
def exclusive_lock(copy_old: Copy) -> Iterator[subprocess.Popen[str]]:
    """Another process holds ``BEGIN EXCLUSIVE`` on the served build's database."""
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sqlite3, sys\n"
            "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
            "db.execute('BEGIN EXCLUSIVE')\n"
            "print('locked', flush=True)\n"
            "sys.stdin.read()\n",
            str(copy_old.build() / DATABASE),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    probe = sqlite3.connect(copy_old.build() / DATABASE, timeout=0)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        probe.execute("SELECT count(*) FROM chunks").fetchone()  # the lock is real
    probe.close()
    yield holder
    holder.communicate("", timeout=30)


def test_an_exclusively_locked_database_still_answers_correctly(
    copy_old: Copy,
    cli: Run,
    memo: MemoEmbedder,
    prebuilt: Prebuilt,
    exclusive_lock: subprocess.Popen[str],
) -> None:
    """Builds are immutable and opened with ``immutable=1``: another connection's lock
    cannot block or change what is served (answers equal the unlocked baseline)."""
    question = "what does a TPM do?"
    code, out, err = cli("ask", question, "--json", "--k", "3", *copy_old.argv)
    assert code == 0, err
    ids = tuple(p["chunk_id"] for p in json.loads(out)["passages"])
    assert ids == prebuilt.old_answers[question]
    assert cli("status", *copy_old.argv)[0] == 0
    assert cli("index", "--verify", *copy_old.argv)[0] == 0
    assert fresh_answers(copy_old, memo) == {q: prebuilt.old_answers[q] for q in PROBES}
    write_corpus(copy_old.corpus, {"paths/data-engineer.md": DATA_ENGINEER})
    code, _, err = cli("index", *copy_old.argv)  # reads the locked build to reuse vectors
    assert code == 0, err
    assert fresh_answers(copy_old, memo) == {q: prebuilt.new_answers[q] for q in PROBES}


class _TinyEmbedder:
    """A different 8-d model that happens to carry the same name (e.g. a folder 'model')."""

    name = "all-MiniLM-L6-v2"
    dimension = 8

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        return np.stack([self.embed_query(t) for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        raw = np.frombuffer(hashlib.sha256(text.encode()).digest()[:8], dtype=np.uint8)
        vector = raw.astype(np.float32) + 1.0
        return vector / np.linalg.norm(vector)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.embed_query(t) for t in texts])


@pytest.fixture
def foreign_dimension(prebuilt: Prebuilt, tmp_path: Path) -> Copy:
    """A consistent index (every file agrees: 8-d) built by another model of the same name."""
    corpus = tmp_path / "corpus"
    shutil.copytree(prebuilt.old_corpus, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index")
    Assistant(settings, embedder=_TinyEmbedder()).rebuild()
    return Copy(corpus, tmp_path / "index")


def test_foreign_dimension_index_is_refused_by_the_library(
    foreign_dimension: Copy, memo: MemoEmbedder
) -> None:
    with pytest.raises(IndexUnavailableError, match="8-d") as caught:
        Assistant(foreign_dimension.settings, embedder=memo).ask("what does a TPM do?")
    assert FIX in str(caught.value)


def test_foreign_dimension_index_exits_3_from_the_cli(foreign_dimension: Copy, cli: Run) -> None:
    code, _, err = cli("ask", "what does a TPM do?", *foreign_dimension.argv)
    assert code == 3
    assert_one_line_error(err, "8-d", FIX)


def test_incremental_rebuild_over_a_foreign_dimension_index(
    foreign_dimension: Copy, cli: Run, memo: MemoEmbedder
) -> None:
    write_corpus(foreign_dimension.corpus, {"paths/data-engineer.md": DATA_ENGINEER})
    code, _, err = cli("index", *foreign_dimension.argv)
    if code != 0:
        assert_one_line_error(err, FIX)
    else:
        assert Assistant(foreign_dimension.settings, embedder=memo).ask("what is a TPM?")
