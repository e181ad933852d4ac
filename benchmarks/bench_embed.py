"""Embedding throughput and query latency: torch vs ONNX Runtime (float32 and int8).

Passages are the real corpus's chunk texts exactly as ``rebuild`` embeds them, topped up
with synthetic chunks. The float32 ONNX rows are the library's default (they should agree
with torch to ~1.0000); the int8 rows show what the former default gained in speed and
lost in agreement (and, per ``python -m benchmarks cpu``, in CPU independence).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

import numpy as np
import torch

from assistant.config import Settings
from assistant.embeddings import Embedder, default_model_path
from assistant.onnx_embedder import EXPORT_RECIPE, cache_path

from .common import Report, Table, describe, p50, ratio, timed, verdict
from .int8 import int8_embedder
from .workload import chunk_texts, questions, write_synthetic_corpus
from .workspace import ONNX_CACHE, REAL_CORPUS, Workspace

NAME = "embed"
T = TypeVar("T")
#: The default must be the same function as torch, not an approximation of it.
MIN_COSINE = 0.9999


@dataclass
class Variant:
    label: str
    embedder: Embedder
    torch_threads: int | None = None  # set torch's thread count around each call
    rates: list[float] = field(default_factory=list)  # passages per second, per round
    query_seconds: list[float] = field(default_factory=list)
    passages: np.ndarray | None = None
    queries: np.ndarray | None = None

    def embed(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        return self.call(lambda: self.embedder.embed(texts, batch_size))

    def query(self, question: str) -> np.ndarray:
        return self.call(lambda: self.embedder.embed_query(question))

    def call(self, action: Callable[[], T]) -> T:
        """Run ``action`` under this variant's torch thread count."""
        before = torch.get_num_threads()
        if self.torch_threads:
            torch.set_num_threads(self.torch_threads)
        try:
            return action()
        finally:
            torch.set_num_threads(before)


def passages(workspace: Workspace, count: int) -> list[str]:
    texts = chunk_texts(REAL_CORPUS)
    if len(texts) < count:
        synthetic = workspace.root / "embed-synthetic"
        write_synthetic_corpus(synthetic, count - len(texts), seed=5)
        texts += chunk_texts(synthetic)
    return texts[:count]


def run(workspace: Workspace) -> Report:
    texts = passages(workspace, 48 if workspace.quick else 128)
    asked = questions(REAL_CORPUS, 30 if workspace.quick else 60, seed=3)
    torch_embedder = workspace.torch_embedder
    default_threads = 2  # torch's own default here; the library pins 1, this shows why
    export_seconds = workspace.onnx_export_seconds
    main = [
        Variant("torch (sentence-transformers), 1 thread", torch_embedder, torch_threads=1),
        Variant("ONNX float32, 1 thread (the default)", workspace.onnx_embedder),
        Variant("ONNX float32, 2 threads", workspace.onnx_with_threads(2)),
        Variant("ONNX int8 per-channel (the former default), 1 thread", int8_embedder(False)),
    ]
    rounds = 1
    _measure(main, texts, asked, rounds)
    # torch with two threads last: its idle OpenMP worker spins and slows what follows.
    default = Variant(
        f"torch, {default_threads} threads (why the library pins 1)",
        torch_embedder,
        torch_threads=default_threads,
    )
    _measure([default], texts, asked, 1)
    tokens = workspace.onnx_embedder.count_tokens(texts)
    sweep = _batch_sweep(main[0], main[1], texts, (4, 32) if workspace.quick else (1, 8, 32))
    return Report(
        NAME,
        "Embedding throughput: torch vs ONNX Runtime",
        [_table([*main, default], texts, tokens), sweep, _export_table(export_seconds)],
    )


def _batch_sweep(
    torch_variant: Variant, onnx_variant: Variant, texts: Sequence[str], sizes: Sequence[int]
) -> Table:
    """Passages/s by batch size: big batches overflow the caches of this small CPU."""
    table = Table(
        "Passages/s by batch size (1 thread each; the library's batch_size is "
        f"{Settings().batch_size})",
        ["batch size", "torch", "ONNX float32", "ONNX float32 vs torch"],
    )
    for size in sizes:
        rates = []
        for variant in (torch_variant, onnx_variant):
            rates.append(len(texts) / timed(partial(variant.embed, texts, size)))
        table.add(size, f"{rates[0]:.1f}", f"{rates[1]:.1f}", ratio(rates[1], rates[0]))
    return table


def _measure(variants: list[Variant], texts: Sequence[str], asked: list[str], rounds: int) -> None:
    """Batch throughput per round and single-question latency, variants interleaved."""
    for variant in variants:  # warm-up, and the vectors compared below
        variant.passages = variant.embed(texts)
        variant.queries = np.stack([variant.query(q) for q in asked])
    for _ in range(rounds):
        for variant in variants:
            started = time.perf_counter()
            variant.embed(texts)
            variant.rates.append(len(texts) / (time.perf_counter() - started))
    for question in asked:
        for variant in variants:
            started = time.perf_counter()
            variant.query(question)
            variant.query_seconds.append(time.perf_counter() - started)


def _cosines(a: np.ndarray | None, b: np.ndarray | None) -> tuple[float, float]:
    assert a is not None and b is not None
    values = np.sum(a * b, axis=1)
    return float(values.mean()), float(values.min())


def _table(variants: list[Variant], texts: Sequence[str], tokens: int) -> Table:
    table = Table(
        f"{len(texts)} passages (mean {tokens / len(texts):.0f} tokens), batch 32; "
        f"single questions for latency",
        [
            "backend",
            "passages/s",
            "tokens/s",
            "vs torch 1 thr",
            "query ms p50 / p95",
            "query vs torch 1 thr",
            "cosine to torch: passages mean / min",
            "questions mean / min",
        ],
    )
    reference = variants[0]
    base_rate = p50(reference.rates)
    base_query = p50(reference.query_seconds)
    for variant in variants:
        rate = p50(variant.rates)
        pm, pmin = _cosines(variant.passages, reference.passages)
        qm, qmin = _cosines(variant.queries, reference.queries)
        table.add(
            variant.label,
            f"{rate:.1f}",
            f"{rate * tokens / len(texts):,.0f}",
            ratio(rate, base_rate),
            describe(variant.query_seconds),
            ratio(p50(variant.query_seconds), base_query),
            f"{pm:.4f} / {pmin:.4f}",
            f"{qm:.4f} / {qmin:.4f}",
        )
    default, int8 = variants[1], variants[3]
    pm, pmin = _cosines(default.passages, reference.passages)
    qm, qmin = _cosines(default.queries, reference.queries)
    table.notes.append(
        f"ONNX float32 as the default: {p50(default.rates) / base_rate:.1f}× the passages/s "
        f"and {base_query / p50(default.query_seconds):.1f}× faster queries than torch; "
        f"lowest cosine to torch {min(pmin, qmin):.6f} against ≥ {MIN_COSINE} "
        f"{verdict(min(pmin, qmin) >= MIN_COSINE)}"
    )
    pm, _ = _cosines(int8.passages, reference.passages)
    qm, _ = _cosines(int8.queries, reference.queries)
    table.notes.append(
        f"int8 would be {p50(default.query_seconds) / p50(int8.query_seconds):.1f}× faster "
        f"per question than float32 but agrees with torch only to {pm:.4f} (passages) and "
        f"{qm:.4f} (questions) on average, and its vectors change with the CPU's "
        "instruction set (see the CPU benchmark)"
    )
    return table


def _export_table(export_seconds: float) -> Table:
    target = cache_path(default_model_path(), ONNX_CACHE)
    note = json.loads(target.with_suffix(".json").read_text())
    table = Table(
        "The one-time ONNX export",
        ["file (weights hash, recipe hash)", "precision", "opset", "export", "size"],
    )
    table.add(
        f"`{target.name}`",
        EXPORT_RECIPE["precision"],
        EXPORT_RECIPE["opset"],
        f"{export_seconds:.1f} s (once; cached under the weights' hash)",
        f"{target.stat().st_size / 2**20:.1f} MiB",
    )
    table.notes.append(f"weights sha256 {note['weights_sha256'][:16]}…, read from the note")
    return table
