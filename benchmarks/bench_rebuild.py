"""Rebuild cost on a synthetic corpus: full, nothing changed, and one file changed.

The baseline of each rebuild is the full build of the same corpus in the same run. The
embedder is wrapped to count its calls, which proves that a rebuild with nothing new
never runs the model and that an edit re-embeds exactly the edited file's new chunks.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.embeddings import Embedder, ProgressCallback
from assistant.engine import Assistant
from assistant.indexer import RebuildReport
from assistant.ingest import load_corpus

from .common import Report, Table, ratio, verdict
from .workload import append_paragraph, chunk_texts, write_synthetic_corpus
from .workspace import Workspace

NAME = "rebuild"
TARGET_INCREMENTAL = 0.02
TARGET_NOOP_SECONDS = 1.0


class CountingEmbedder:
    """An Embedder that counts model calls and texts, delegating the work."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.calls = 0
        self.texts = 0

    def embed(
        self, texts: Sequence[str], batch_size: int = 32, progress: ProgressCallback | None = None
    ) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed(texts, batch_size, progress)

    def embed_query(self, text: str) -> np.ndarray:
        self.calls += 1
        self.texts += 1
        return self.inner.embed_query(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        self.texts += len(texts)
        return self.inner.embed_queries(texts)

    def reset(self) -> None:
        self.calls = self.texts = 0


def changed_chunks(before: Path, after: Path, scratch: Path) -> int:
    """Chunks of the edited file whose embedded text did not exist before the edit."""
    old, new = scratch / "old", scratch / "new"
    for directory, source in ((old, before), (new, after)):
        directory.mkdir(parents=True)
        shutil.copy(source, directory / after.name)
    return len(set(chunk_texts(new)) - set(chunk_texts(old)))


def run(workspace: Workspace) -> Report:
    files = 200 if workspace.quick else 1000
    corpus = workspace.root / "synthetic-corpus"
    paths = write_synthetic_corpus(corpus, files, seed=11)
    settings = Settings.from_env(corpus_dir=corpus, index_dir=workspace.root / "synthetic-index")
    counter = CountingEmbedder(workspace.onnx_embedder)
    assistant = Assistant(settings, embedder=counter)

    full, full_wall = _rebuild(assistant, counter, full=True)
    full_texts = counter.texts
    noop, noop_wall = _rebuild(assistant, counter)
    noop_calls = counter.calls
    assert noop.chunks_embedded == 0 and noop_calls == 0, "a no-op rebuild ran the model"

    edited = paths[files // 2]
    saved = workspace.root / "before.md"
    shutil.copy(edited, saved)
    append_paragraph(edited, seed=99)
    expected = changed_chunks(saved, edited, workspace.root / "chunk-diff")
    incremental, incremental_wall = _rebuild(assistant, counter)
    assert incremental.chunks_embedded == expected, (incremental.chunks_embedded, expected)
    parse_seconds = _parse_seconds(corpus)

    table = Table(
        f"{files} synthetic Markdown files (seeded), ONNX float32 embedder, index kind "
        f"{assistant.store().manifest.index_kind}",
        [
            "rebuild",
            "seconds",
            "wall incl. reload",
            "vs full",
            "chunks embedded / total",
            "texts embedded (chunks + sentences)",
            "model calls",
        ],
    )
    table.add(
        "full",
        f"{full.seconds:.2f}",
        f"{full_wall:.2f}",
        "1.00×",
        f"{full.chunks_embedded} / {full.chunks_total}",
        full_texts,
        1,
    )
    table.add(
        "nothing changed",
        f"{noop.seconds:.3f}",
        f"{noop_wall:.3f}",
        ratio(noop.seconds, full.seconds),
        f"{noop.chunks_embedded} / {noop.chunks_total}",
        0,
        noop_calls,
    )
    table.add(
        "one file changed",
        f"{incremental.seconds:.3f}",
        f"{incremental_wall:.3f}",
        ratio(incremental.seconds, full.seconds),
        f"{incremental.chunks_embedded} / {incremental.chunks_total}",
        counter.texts,
        counter.calls,
    )
    share = incremental.seconds / full.seconds
    table.notes += [
        f"full build: {full.chunks_total / full.seconds:.1f} chunks/s "
        f"({full_texts / full.seconds:.1f} texts/s counting sentence vectors)",
        f"edited {edited.name}: {expected} changed chunk(s) expected, "
        f"{incremental.chunks_embedded} embedded — asserted equal",
        f"incremental/full {share:.3f} (target ≤ {TARGET_INCREMENTAL}) "
        f"{verdict(share <= TARGET_INCREMENTAL)}; nothing changed {noop.seconds:.3f} s "
        f"(target < {TARGET_NOOP_SECONDS:g} s, no model call) "
        f"{verdict(noop.seconds < TARGET_NOOP_SECONDS and noop_calls == 0)}",
        f"parsing the corpus alone (load_corpus, which every rebuild does first) takes "
        f"{parse_seconds:.3f} s",
    ]
    return Report(NAME, "Rebuild cost", [table])


def _rebuild(
    assistant: Assistant, counter: CountingEmbedder, full: bool = False
) -> tuple[RebuildReport, float]:
    counter.reset()
    started = time.perf_counter()
    report = assistant.rebuild(full=full)
    return report, time.perf_counter() - started


def _parse_seconds(corpus: Path) -> float:
    started = time.perf_counter()
    load_corpus(corpus, Settings().max_file_bytes, lambda _: None)
    return time.perf_counter() - started
