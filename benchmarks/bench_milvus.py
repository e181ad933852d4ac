"""The Milvus backend's client path next to the local backend, in the same run.

A ``milvus-lite server`` is started on a free port; the real corpus is built on both
backends from the same vectors. Three tables: retrieval quality with our fusion on both
backends and with Milvus' server-side RRF hybrid search instead; warm question latency
and throughput; and publishing time (vectors reused, so embedding is not measured).

milvus-lite is a pure-Python server on this machine: its latency says nothing about a
Milvus cluster. What these figures show is the cost of the client path (request
building, gRPC, decoding) and that results are the same.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import numpy as np

from assistant.config import PROJECT_ROOT
from assistant.embeddings import Embedder, ProgressCallback
from assistant.engine import Assistant, expand_aliases
from assistant.evaluation import EvalReport, evaluate, read_questions
from assistant.lexical import tokenize
from assistant.results import Answer, Passage

from .common import Report, Table, ms, p50, p95, ratio
from .workspace import Workspace

NAME = "milvus"
QUESTION_FILES = (
    PROJECT_ROOT / "eval" / "own.jsonl",
    PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl",
)
RRF_K = 60
DEPTH = 50
THREADS = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def milvus_lite_server(data_dir: Path) -> Iterator[str]:
    """A ``milvus-lite server`` on 127.0.0.1 for the duration; yields its URI."""
    from pymilvus import MilvusClient

    port = _free_port()
    uri = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(data_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        # SIGINT is the server's graceful stop; a background job would have it ignored
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                MilvusClient(uri=uri, timeout=2).list_collections()
                break
            except Exception:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("milvus-lite server did not start") from None
                time.sleep(0.2)
        yield uri
    finally:
        os.kill(process.pid, signal.SIGINT)
        process.wait(timeout=30)


def server_rrf(assistant: Assistant, k: int = 5) -> Callable[[str], Answer]:
    """Answers ranked by Milvus alone: one hybrid search, dense + BM25 fused by the
    server's RRF (k=60), no sentence signal, no de-duplication, never abstaining."""
    from pymilvus import AnnSearchRequest, RRFRanker

    store = assistant.store()
    client = assistant.backend._connection.client()  # type: ignore[attr-defined]
    collection = store.collection  # type: ignore[attr-defined]

    def ask(question: str) -> Answer:
        expanded = expand_aliases(question, store.taxonomy.mentions(question))
        vector = assistant.embedder.embed_query(expanded).tolist()
        terms = " ".join(tokenize([expanded])[0]) or "_"
        requests = [
            AnnSearchRequest([vector], "dense", {"metric_type": "IP"}, DEPTH),
            AnnSearchRequest([terms], "lexical", {"metric_type": "BM25"}, DEPTH),
        ]
        hits = client.hybrid_search(
            collection, requests, RRFRanker(RRF_K), limit=k, output_fields=["chunk_id"]
        )[0]
        chunks = store.chunks([str(hit["chunk_id"]) for hit in hits])
        passages = tuple(
            Passage(
                *(rank, c.chunk_id, c.text, c.source, c.title, c.section, c.family, c.path),
                *(0.0, (), c.start, c.end),
            )
            for rank, c in enumerate(chunks, start=1)
        )
        return Answer(question, not passages, "", (), passages, {})

    return ask


class CachedEmbedder:
    """The real embedder with passage vectors kept by text, so that a second full
    rebuild measures publishing, not the model."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dimension = inner.name, inner.dimension
        self.vectors: dict[str, np.ndarray] = {}

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        if missing:
            self.vectors |= zip(missing, self.inner.embed(missing, batch_size), strict=True)
        return np.stack([self.vectors[t] for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.inner.embed_queries(texts)


def _quality(table: Table, label: str, report: EvalReport) -> None:
    figures = report.to_json()
    table.add(
        label,
        *(f"{figures[name]:.3f}" for name in ("hit@1", "hit@3", "hit@5", "mrr@10")),
        f"{report.abstained_out_of_scope}/{report.out_of_scope}",
        report.false_abstentions,
    )


def _latency(assistant: Assistant, questions: list[str], rounds: int) -> list[float]:
    for question in questions:  # warm: model, caches, connections
        assistant.ask(question)
    times = []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            assistant.ask(question)
            times.append((time.perf_counter() - started) * 1000)
    return times


def _throughput(assistant: Assistant, questions: list[str], rounds: int) -> float:
    work = questions * rounds
    started = time.perf_counter()
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(assistant.ask, work))
    return len(work) / (time.perf_counter() - started)


def run(workspace: Workspace) -> Report:
    report = Report(NAME, "Milvus backend: the client path next to the local one")
    local = workspace.real_assistant(workspace.onnx_embedder)
    root = workspace.root / "milvus"
    corpus = root / "corpus"
    shutil.copytree(workspace.real_settings.corpus_dir, corpus)
    cached = CachedEmbedder(local.embedder)
    local = Assistant(replace(local.settings, corpus_dir=corpus), embedder=cached)
    local.rebuild(full=True)
    with milvus_lite_server(root / "data") as uri:
        settings = replace(
            local.settings,
            backend="milvus",
            milvus_uri=uri,
            milvus_collection="bench_" + uuid.uuid4().hex[:8],
        )
        milvus = Assistant(settings, embedder=cached)
        publish = Table(
            "Publishing the real corpus (vectors cached: the model is not measured)",
            ["backend", "full rebuild ms", "one file changed ms", "full vs local"],
        )
        full_local = local.rebuild(full=True).seconds
        full_milvus = milvus.rebuild(full=True).seconds
        edited = corpus / "paths" / "architect.md"
        edited.write_text(edited.read_text() + "\nArchitects also mentor.\n")
        one_local = local.rebuild().seconds
        one_milvus = milvus.rebuild().seconds
        publish.add(
            "local (FAISS + bm25s + SQLite)", ms(full_local * 1000), ms(one_local * 1000), "1"
        )
        publish.add(
            "Milvus (milvus-lite server)",
            ms(full_milvus * 1000),
            ms(one_milvus * 1000),
            ratio(full_milvus, full_local),
        )
        publish.notes.append(
            "full: every collection or file written anew; one file changed: the vectors "
            "of unchanged text are read back from the previous build (on Milvus, from "
            "its previous collection) and only the edited file's new text is embedded"
        )

        quality = Table(
            "Retrieval quality, same vectors",
            [
                "ranking",
                "hit@1",
                "hit@3",
                "hit@5",
                "MRR@10",
                "out of scope abstained",
                "false abstentions",
            ],
        )
        for path in (p for p in QUESTION_FILES if p.exists()):
            questions = read_questions(path)
            name = path.name
            _quality(quality, f"{name}: local, our fusion", evaluate(questions, local.ask))
            _quality(quality, f"{name}: Milvus, our fusion", evaluate(questions, milvus.ask))
            _quality(
                quality,
                f"{name}: Milvus server-side RRF",
                evaluate(questions, server_rrf(milvus)),
            )
        quality.notes.append(
            "our fusion: dense and BM25 top-50 fetched as two searches, fused with the "
            "best-sentence list, near-duplicates dropped, abstention judged; server-side "
            "RRF: one hybrid_search (dense + BM25, RRF k=60), which returns fused scores "
            "only, so no sentence signal, de-duplication or abstention evidence"
        )

        asked = [q.question for q in read_questions(QUESTION_FILES[0])]
        rounds = 2 if workspace.quick else 10
        speed = Table(
            f"Warm questions ({len(asked)} questions x {rounds} rounds)",
            ["backend", "p50 ms", "p95 ms", f"questions/s, {THREADS} threads", "p50 vs local"],
        )
        local_times = _latency(local, asked, rounds)
        milvus_times = _latency(milvus, asked, rounds)
        speed.add(
            "local",
            ms(p50(local_times)),
            ms(p95(local_times)),
            f"{_throughput(local, asked, rounds):.0f}",
            "1",
        )
        speed.add(
            "Milvus (milvus-lite server)",
            ms(p50(milvus_times)),
            ms(p95(milvus_times)),
            f"{_throughput(milvus, asked, rounds):.0f}",
            ratio(p50(milvus_times), p50(local_times)),
        )
        speed.notes.append(
            "a question costs the Milvus backend about 8 requests on the dev set (alias "
            "check, dense and BM25 top-k, chunks and sentences by id, BM25 of dense-only "
            "candidates, known words); "
            "milvus-lite answers each in Python, so these milliseconds are the client "
            "path plus a toy server, not a cluster's latency"
        )
    report.tables += [quality, speed, publish]
    return report
