"""One contract, two backends: every test runs against the local index and a Milvus server.

The backends must be interchangeable: same passages and answers, same filters, same
incremental rebuilds, the same behaviour when a rebuild dies or runs beside readers.
Corpora are tiny and vectors are memoised (the real model's, computed once), so the
suite costs seconds, not minutes.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from assistant import Assistant, Settings
from assistant.embeddings import Embedder, ProgressCallback
from assistant.errors import RebuildBusyError
from assistant.evaluation import evaluate, read_questions
from assistant.indexer import embed_key
from assistant.records import Filter

from ..conftest import ARTICLE, TPM_PATH, write_corpus
from ..reliability.conftest import MemoEmbedder, assert_well_formed
from .conftest import MilvusServer, backend_settings, child_env

CHILD = Path(__file__).with_name("child.py")
OWN_QUESTIONS = Path(__file__).resolve().parents[2] / "eval" / "own.jsonl"

SRE_PATH = """\
---
title: Site Reliability Engineer
kind: path
family: individual-contributor
aliases: [SRE]
---
# Site Reliability Engineer

## What the role is

An SRE keeps production healthy: on-call rotations, error budgets and automation that
removes toil. Reliability work is engineering work.
"""

ARCHITECT_PATH = """\
---
title: Architect
kind: path
family: individual-contributor
aliases: [solutions architect]
---
# Architect

## What the role is

An architect shapes how systems fit together across teams and writes down decisions so
that others can build on them.
"""

SMALL = {
    "paths/technical-program-manager.md": TPM_PATH,
    "paths/site-reliability-engineer.md": SRE_PATH,
    "articles/growing.md": ARTICLE,
}
PROBES = ("what does a TPM do?", "is SRE on call?", "is management a promotion?")


class StoredVectors:
    """The real model's vectors for the real corpus, read back from the local build
    (the key a build stores them under is a hash of model, runtime and text)."""

    def __init__(self, real: Assistant) -> None:
        self.store = real.store()
        self.real = real.embedder
        self.name, self.dimension = self.real.name, self.real.dimension
        self.space = f"{self.name}/{real.settings.embed_backend}"

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        keys = [embed_key(self.space, text) for text in texts]
        found = self.store.stored_vectors("chunks", keys)
        found |= self.store.stored_vectors("sentences", [k for k in keys if k not in found])
        return np.stack([found[key] for key in keys])

    def embed_query(self, text: str) -> np.ndarray:
        return self.real.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.real.embed_queries(texts)


@pytest.fixture(scope="module")
def memo(embedder: Embedder) -> MemoEmbedder:
    return MemoEmbedder(embedder)


@pytest.fixture(scope="module")
def real_pair(
    real_assistant: Assistant, milvus_server: MilvusServer
) -> tuple[Assistant, Assistant]:
    """The real corpus on both backends (Milvus built from the local build's vectors)."""
    settings = backend_settings(
        "milvus",
        real_assistant.settings.corpus_dir,
        real_assistant.settings.index_dir,
        milvus_server,
    )
    milvus = Assistant(settings, embedder=StoredVectors(real_assistant))  # type: ignore[arg-type]
    milvus.rebuild()
    return real_assistant, milvus


def _answer(assistant: Assistant, question: str, **options: Any) -> dict[str, Any]:
    result = assistant.ask(question, **options).to_json()
    result.pop("timings_ms")
    return result


def test_both_backends_give_the_same_answers_and_figures(
    real_pair: tuple[Assistant, Assistant],
) -> None:
    local, milvus = real_pair
    questions = read_questions(OWN_QUESTIONS)
    extra = ["PM vs TPM?", "engineering manager vs staff engineer?"]
    for question in [q.question for q in questions] + extra:
        assert _answer(milvus, question) == _answer(local, question), question
    assert _answer(milvus, "how do I lead?", family="management") == _answer(
        local, "how do I lead?", family="management"
    )
    figures = [evaluate(questions, a.ask).to_json() for a in (local, milvus)]
    for name in ("hit@1", "hit@3", "hit@5", "mrr@10"):
        assert abs(figures[0][name] - figures[1][name]) <= 0.02, name
    assert figures[0]["false_abstentions"] == figures[1]["false_abstentions"]


@pytest.mark.parametrize(
    "where",
    [
        Filter(family="management"),
        Filter(family=""),
        Filter(kind="path"),
        Filter(source="paths/site-reliability-engineer.md"),
        Filter(path="startup-cto"),
        Filter(family="individual-contributor", kind="path"),
        Filter(organisation="Paths"),  # the top folder: corpus/paths/
        Filter(organisation="Articles", family=""),
    ],
    ids=str,
)
def test_filters_select_the_same_chunks_on_both_backends(
    real_pair: tuple[Assistant, Assistant], where: Filter
) -> None:
    local, milvus = real_pair
    query = local.embedder.embed_query("how do I grow into a leadership role?")
    text = "leadership role reliability"
    results = []
    for assistant in (local, milvus):
        store = assistant.store()
        dense = store.dense_search(query, 20, where)
        lexical = store.lexical_search(text, 20, where)
        chunks = store.chunks([hit.chunk_id for hit in dense + lexical])
        documents = store.documents
        for chunk in chunks:
            kind = documents[chunk.source].kind
            facts = {
                "family": chunk.family,
                "path": chunk.path,
                "source": chunk.source,
                "organisation": chunk.organisation,
            }
            assert chunk.organisation == documents[chunk.source].organisation
            assert all(facts.get(k, kind) == v for k, v in where.fields().items())
        results.append((dense, lexical))
    (local_dense, local_lexical), (milvus_dense, milvus_lexical) = results
    assert local_dense, "the filter matches chunks of the real corpus"
    assert [h.chunk_id for h in milvus_dense] == [h.chunk_id for h in local_dense]
    assert np.allclose([h.score for h in milvus_dense], [h.score for h in local_dense], atol=1e-4)
    assert [h.chunk_id for h in milvus_lexical] == [h.chunk_id for h in local_lexical]
    assert np.allclose(
        [h.score for h in milvus_lexical], [h.score for h in local_lexical], rtol=1e-4
    )


def test_sentence_vectors_agree_with_the_sentences(real_pair: tuple[Assistant, Assistant]) -> None:
    """The vectors-only read (ranking's hot path) gives each sentence's own vector, in the
    order asked, repeats included, on both backends."""
    ids = [5, 0, 17, 5, 3]
    read = []
    for assistant in real_pair:
        store = assistant.store()
        vectors = store.sentence_vectors_of(ids)
        assert vectors.dtype == np.float32 and vectors.shape == (len(ids), store.manifest.dimension)
        assert np.array_equal(vectors, np.stack([s.vector for s in store.sentences(ids)]))
        read.append(vectors)
        assert store.sentence_vectors_of([]).shape == (0, store.manifest.dimension)
    assert np.allclose(read[0], read[1], atol=1e-6)


def test_known_words_agree(real_pair: tuple[Assistant, Assistant]) -> None:
    local, milvus = real_pair
    text = "should a staff engineer negotiate a sourdough salary at the startup?"
    assert milvus.store().known_words(text) == local.store().known_words(text)


def test_incremental_rebuilds_count_what_changed(
    configure: Callable[..., Settings], tmp_path: Path, memo: MemoEmbedder
) -> None:
    corpus = write_corpus(tmp_path / "corpus", SMALL)
    assistant = Assistant(configure(corpus), embedder=memo)
    first = assistant.rebuild()
    assert first.chunks_embedded == first.chunks_total > 0
    before = first.chunks_total

    write_corpus(corpus, {"paths/architect.md": ARCHITECT_PATH})
    added = assistant.rebuild()
    assert added.files_added == ["paths/architect.md"]
    assert added.chunks_reused == before  # copied from the previous build, not embedded
    assert 0 < added.chunks_embedded == added.chunks_total - before
    assert "architect" in {p.path for p in assistant.ask("what does an architect do?").passages}

    write_corpus(corpus, {"paths/site-reliability-engineer.md": SRE_PATH + "\nSRE is fun.\n"})
    changed = assistant.rebuild()
    assert changed.files_changed == ["paths/site-reliability-engineer.md"]
    assert 1 <= changed.chunks_embedded < changed.chunks_total

    (corpus / "paths/architect.md").unlink()
    removed = assistant.rebuild()
    assert removed.files_removed == ["paths/architect.md"]
    assert removed.chunks_embedded == 0 and removed.chunks_total == before
    assert "paths/architect.md" not in assistant.store().documents

    same = assistant.rebuild()
    assert not same.changed and same.build_id == removed.build_id


def test_a_second_rebuild_is_refused_while_one_holds_the_lock(
    configure: Callable[..., Settings], tmp_path: Path, memo: MemoEmbedder
) -> None:
    corpus = write_corpus(tmp_path / "corpus", SMALL)
    holder = Assistant(configure(corpus), embedder=memo)
    with holder.backend.rebuild_lock(0):
        other = Assistant(holder.settings, embedder=memo)
        with pytest.raises(RebuildBusyError, match=r"another rebuild of .* is running"):
            other.rebuild()
    holder.rebuild()  # released: the next one runs


def test_a_rebuild_killed_before_the_switch_leaves_the_old_build_serving(
    configure: Callable[..., Settings], tmp_path: Path, memo: MemoEmbedder
) -> None:
    corpus = write_corpus(tmp_path / "corpus", SMALL)
    assistant = Assistant(configure(corpus), embedder=memo)
    old = assistant.rebuild().build_id
    old_answers = {q: _answer(assistant, q) for q in PROBES}
    write_corpus(corpus, {"paths/architect.md": ARCHITECT_PATH})

    child = subprocess.run(
        [sys.executable, str(CHILD), "kill-before-switch"],
        env=child_env(assistant.settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr  # SIGKILL, right before the switch
    fresh = Assistant(assistant.settings, embedder=memo)
    assert fresh.backend.current() == old
    assert {q: _answer(fresh, q) for q in PROBES} == old_answers
    assert len(_builds(fresh)) == 2  # the dead rebuild's complete, unnamed build

    report = fresh.rebuild()  # takes the dead rebuild's lock, drops its leftovers
    assert report.files_added == ["paths/architect.md"]
    assert fresh.backend.current() == report.build_id != old
    assert set(_builds(fresh)) == {old, report.build_id}


def _builds(assistant: Assistant) -> list[str]:
    """The ids of every build the backend holds, served or not."""
    backend: Any = assistant.backend
    if assistant.settings.backend == "milvus":
        return sorted(backend._builds())
    return sorted(p.name for p in (assistant.settings.index_dir / "builds").iterdir())


class SlowEmbedder:
    """The memoised real model, slowed down so a rebuild lasts long enough to overlap."""

    def __init__(self, memo: MemoEmbedder, seconds: float) -> None:
        self.memo, self.seconds = memo, seconds
        self.name, self.dimension = memo.name, memo.dimension

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        time.sleep(self.seconds)
        return self.memo.embed(texts, batch_size, progress)

    def embed_query(self, text: str) -> np.ndarray:
        return self.memo.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.memo.embed_queries(texts)


def test_readers_keep_answering_during_a_rebuild(
    configure: Callable[..., Settings], tmp_path: Path, memo: MemoEmbedder
) -> None:
    corpus = write_corpus(tmp_path / "corpus", SMALL)
    reader = Assistant(configure(corpus), embedder=memo)
    old = reader.rebuild().build_id
    write_corpus(corpus, {"paths/architect.md": ARCHITECT_PATH})
    writer = Assistant(reader.settings, embedder=SlowEmbedder(memo, 1.0))  # type: ignore[arg-type]
    done = threading.Event()
    seen: list[str] = []
    errors: list[BaseException] = []

    def read() -> None:
        while not done.is_set():
            try:
                for question in PROBES:
                    assert_well_formed(reader.ask(question, k=3), reader.store(), 3)
                seen.append(reader.store().manifest.build_id)
            except BaseException as error:  # reported below, in the test's thread
                errors.append(error)
                return

    thread = threading.Thread(target=read)
    thread.start()
    try:
        new = writer.rebuild().build_id
    finally:
        done.set()
        thread.join()
    assert not errors, errors
    assert seen and seen[0] == old
    assert reader.store().manifest.build_id == new != old
    assert "architect" in {p.path for p in reader.ask("what does an architect do?").passages}


class Replica:
    """A child process holding one engine, as one page replica does."""

    def __init__(self, settings: Settings) -> None:
        self.process = subprocess.Popen(
            [sys.executable, str(CHILD), "replica"],
            env=child_env(settings),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, command: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()

    def reply(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, "the replica died"
        result: dict[str, Any] = json.loads(line)
        return result

    def ask(self, question: str) -> dict[str, Any]:
        self.send(f"ask {question}")
        return self.reply()

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def replicas(
    configure: Callable[..., Settings], tmp_path: Path, memo: MemoEmbedder
) -> Iterator[tuple[Replica, Replica]]:
    corpus = write_corpus(tmp_path / "corpus", SMALL)
    settings = configure(corpus)
    Assistant(settings, embedder=memo).rebuild()
    pair = (Replica(settings), Replica(settings))
    try:
        yield pair
    finally:
        for replica in pair:
            replica.close()


def test_two_replicas_one_rebuilds_the_other_follows(
    replicas: tuple[Replica, Replica], tmp_path: Path
) -> None:
    first, second = replicas
    old = first.ask(PROBES[0])["build"]
    assert second.ask(PROBES[0])["build"] == old
    write_corpus(tmp_path / "corpus", {"paths/architect.md": ARCHITECT_PATH})
    first.send("rebuild")
    during = [second.ask(q) for q in PROBES]  # answered while the rebuild runs
    new = first.reply()["build"]
    assert new != old
    assert all(reply["passages"] and reply["build"] in (old, new) for reply in during)
    assert second.ask("what does an architect do?")["build"] == new
