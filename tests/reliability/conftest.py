"""Shared set-up for the reliability suite: one real index, built once, copied per test.

The suite needs many indexes (damaged, half-written, rebuilt under faults), so it builds
one small real index per session (the real model, a few real corpus files) and every
test works on a ``shutil.copytree`` of it. Query and text vectors are memoised by
:class:`MemoEmbedder`: they are the real model's vectors, computed once, so the 1,600
questions of the concurrency test and the repeated rebuilds cost milliseconds.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from assistant import Answer, Assistant, Settings
from assistant import engine as engine_module
from assistant.backend import SearchBackend
from assistant.cli import main
from assistant.config import PROJECT_ROOT
from assistant.embeddings import Embedder, ProgressCallback
from assistant.indexer import PARSE_CACHE
from assistant.store import CURRENT, IndexStore, current_build, open_current

from ..conftest import ARTICLE, TPM_PATH, write_corpus

CHILD = Path(__file__).with_name("rebuild_child.py")
REAL_PATHS = PROJECT_ROOT / "corpus" / "paths"
REAL_FILES = (
    "site-reliability-engineer.md",
    "sales-engineer.md",
    "architect.md",
    "developer-advocate.md",
    "startup-cto.md",
    "engineering-manager.md",
)

#: Added by the "new" build: a topic the old corpus does not cover, so the two differ.
DATA_ENGINEER = """\
---
title: Data Engineer
kind: path
family: individual-contributor
aliases: [data engineering, data pipelines]
---
# Data Engineer

## What the role is

A data engineer builds the pipelines that move data from production systems into the
warehouse. Data engineers own batch jobs, streaming ingestion and the data models that
analysts query every day.

## Risks

Pipelines break at night, so data engineers often carry a pager like an SRE does.
"""

#: A probe question per topic; the old and the new index answer some of them differently.
PROBES = (
    "what does a TPM do?",
    "is SRE a dead end?",
    "who builds data pipelines into the warehouse?",
)

#: Ten distinct questions for the concurrency test (one abstains, one compares two paths).
QUESTIONS = (
    "what does a TPM do?",
    "is SRE a dead end?",
    "how do I become an architect?",
    "what does a sales engineer do?",
    "what does a developer advocate do?",
    "senior engineer straight to CTO at a startup, realistic?",
    "is management a promotion?",
    "what does a staff engineer do?",
    "how do I bake sourdough bread?",
    "engineering manager vs staff engineer?",
)


class MemoEmbedder:
    """The real embedder with its outputs memoised by text (thread-safe).

    Every vector is the real model's; a text is embedded once per session. ``embed``
    sends only unseen texts to the model, so a repeated rebuild is nearly free.
    """

    def __init__(self, real: Embedder) -> None:
        self.real = real
        self.name = real.name
        self.dimension = real.dimension
        self.queries: dict[str, np.ndarray] = {}
        self.texts: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self.texts))
        if missing:
            vectors = self.real.embed(missing, batch_size, progress)
            with self._lock:
                self.texts.update(zip(missing, vectors, strict=True))
        elif progress:
            progress(len(texts), len(texts))
        with self._lock:
            return np.stack([self.texts[t] for t in texts]).astype(np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            vector = self.queries.get(text)
        if vector is None:
            vector = self.real.embed_query(text)
            with self._lock:
                vector = self.queries.setdefault(text, vector)
        return vector

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self.embed_query(text) for text in texts])


@dataclass(frozen=True)
class Prebuilt:
    """The session's real indexes: ``old`` (the base corpus) and ``new`` (plus a path)."""

    old_corpus: Path
    old_index: Path
    new_corpus: Path
    new_index: Path
    replay_texts: Path  # every text embedded for either build (JSON list) ...
    replay_vectors: Path  # ... and its real vector (float32 .npy, same order)
    model: str  # the identity of the model that made them
    old_answers: dict[str, tuple[str, ...]]  # probe question -> chunk ids, per index
    new_answers: dict[str, tuple[str, ...]]
    old_build: str
    new_build: str


@dataclass(frozen=True)
class Copy:
    """A private copy of a prebuilt corpus and index."""

    corpus: Path
    index: Path

    @property
    def settings(self) -> Settings:
        return Settings(corpus_dir=self.corpus, index_dir=self.index)

    @property
    def argv(self) -> list[str]:
        return ["--corpus", str(self.corpus), "--index-dir", str(self.index)]

    def current(self) -> str:
        return (self.index / CURRENT).read_text().strip()

    def build(self) -> Path:
        build = current_build(self.index)
        assert build is not None
        return build


def chunk_ids(answer: Answer) -> tuple[str, ...]:
    return tuple(p.chunk_id for p in answer.passages)


def snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``directory`` with its size and mtime: "changed nothing" checks.

    The parse cache is not part of the index: a skipped file's parse may be remembered.
    """
    return {
        p.relative_to(directory).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(directory.rglob("*"))
        if p.is_file()
        and p.name != "rebuild.lock"
        and p.relative_to(directory).parts[0] != PARSE_CACHE
    }


@pytest.fixture(scope="package", autouse=True)
def _one_torch_thread(embedder: Embedder) -> Iterator[None]:
    """One torch thread while this package runs (restored after).

    On a busy 2-core machine, torch's default of one thread per core made each query
    embedding ~10x slower (spinning OpenMP workers); results are the same either way.
    """
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="package")
def memo(embedder: Embedder) -> MemoEmbedder:
    return MemoEmbedder(embedder)


def _answers(index: Path, corpus: Path, memo: MemoEmbedder) -> dict[str, tuple[str, ...]]:
    assistant = Assistant(Settings(corpus_dir=corpus, index_dir=index), embedder=memo)
    return {q: chunk_ids(assistant.ask(q, k=3)) for q in (*PROBES, *QUESTIONS)}


@pytest.fixture(scope="package")
def prebuilt(tmp_path_factory: pytest.TempPathFactory, memo: MemoEmbedder) -> Prebuilt:
    root = tmp_path_factory.mktemp("reliability")
    old_corpus = write_corpus(
        root / "old" / "corpus",
        {"paths/technical-program-manager.md": TPM_PATH, "articles/growing.md": ARTICLE},
    )
    for name in REAL_FILES:
        shutil.copy(REAL_PATHS / name, old_corpus / "paths" / name)
    old_index = root / "old" / "index"
    Assistant(Settings(corpus_dir=old_corpus, index_dir=old_index), embedder=memo).rebuild()

    new_corpus, new_index = root / "new" / "corpus", root / "new" / "index"
    shutil.copytree(old_corpus, new_corpus)
    shutil.copytree(old_index, new_index)
    write_corpus(new_corpus, {"paths/data-engineer.md": DATA_ENGINEER})
    Assistant(Settings(corpus_dir=new_corpus, index_dir=new_index), embedder=memo).rebuild()

    texts = list(memo.texts)
    replay_texts, replay_vectors = root / "replay-texts.json", root / "replay-vectors.npy"
    replay_texts.write_text(json.dumps(texts))
    np.save(replay_vectors, np.stack([memo.texts[t] for t in texts]), allow_pickle=False)

    old_answers = _answers(old_index, old_corpus, memo)
    new_answers = _answers(new_index, new_corpus, memo)
    assert old_answers != new_answers  # the probes can tell the two builds apart
    return Prebuilt(
        old_corpus,
        old_index,
        new_corpus,
        new_index,
        replay_texts,
        replay_vectors,
        memo.name,
        old_answers,
        new_answers,
        (old_index / CURRENT).read_text().strip(),
        (new_index / CURRENT).read_text().strip(),
    )


@pytest.fixture
def copy_old(prebuilt: Prebuilt, tmp_path: Path) -> Copy:
    """A private copy of the old corpus and its index."""
    return copy_of(prebuilt.old_corpus, prebuilt.old_index, tmp_path / "old")


def copy_of(corpus: Path, index: Path, root: Path) -> Copy:
    shutil.copytree(corpus, root / "corpus", symlinks=True)
    shutil.copytree(index, root / "index", symlinks=True)
    return Copy(root / "corpus", root / "index")


@pytest.fixture
def cli(
    memo: MemoEmbedder, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """Run ``career-assistant`` in-process; the model is the session's (memoised) one."""
    monkeypatch.setattr(engine_module, "shared_embedder", lambda *_: memo)

    def run(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return run


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(("error:", "unexpected error"))]


def assert_one_line_error(err: str, *needles: str) -> str:
    """stderr holds exactly one error line from an AssistantError (not the CLI's
    "unexpected error" fallback), no traceback, and it names each needle."""
    lines = error_lines(err)
    assert len(lines) == 1, err
    assert "Traceback" not in err, err
    assert lines[0].startswith("error: "), lines[0]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def assert_well_formed(answer: Answer, store: SearchBackend, k: int) -> None:
    """The contract of every :class:`Answer`: ranks, offsets, verbatim quotes, abstention."""
    json.dumps(answer.to_json(), ensure_ascii=False)
    if answer.abstained:
        assert answer.passages == () and answer.sentences == () and answer.reason
        assert answer.compare is None
        return
    assert answer.passages and answer.sentences and not answer.reason
    assert 1 <= len(answer.passages) <= k
    assert [p.rank for p in answer.passages] == list(range(1, len(answer.passages) + 1))
    assert len({p.chunk_id for p in answer.passages}) == len(answer.passages)
    for passage in answer.passages:
        assert store.document_text(passage.source)[passage.start : passage.end] == passage.text
        assert np.isfinite(passage.score)
        for highlight in passage.highlights:
            assert 0 <= highlight.start < highlight.end <= len(passage.text)
            assert passage.text[highlight.start : highlight.end] == highlight.text
    for sentence in answer.sentences:
        assert 1 <= sentence.citation <= len(answer.passages)
        assert sentence.text and sentence.text in answer.passages[sentence.citation - 1].text


def fresh_answers(copy: Copy, memo: MemoEmbedder) -> dict[str, tuple[str, ...]]:
    """Probe answers from a new Assistant over ``copy`` (nothing cached from before)."""
    assistant = Assistant(copy.settings, embedder=memo)
    return {q: chunk_ids(assistant.ask(q, k=3)) for q in PROBES}


def verified(index: Path) -> IndexStore:
    """Open the current build with every checksum checked."""
    return open_current(index, verify=True)


def hold_rebuild(
    prebuilt: Prebuilt, copy: Copy, tmp_path: Path
) -> tuple[subprocess.Popen[str], Path]:
    """Start a rebuild in a child process that takes the lock and waits, mid-embedding,
    until the returned gate file exists (``rebuild_child.py``, mode "hold")."""
    gate, config = tmp_path / "gate", tmp_path / "hold.json"
    config.write_text(
        json.dumps(
            {
                "mode": "hold",
                "texts": str(prebuilt.replay_texts),
                "vectors": str(prebuilt.replay_vectors),
                "model": prebuilt.model,
                "gate": str(gate),
                "job": {"corpus": str(copy.corpus), "index": str(copy.index)},
            }
        )
    )
    holder = subprocess.Popen(
        [sys.executable, str(CHILD), str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return holder, gate
