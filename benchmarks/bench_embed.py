"""Embedding throughput and query latency: torch vs ONNX Runtime (float32 and int8).

Passages are the real corpus's chunk texts exactly as ``rebuild`` embeds them, topped up
with synthetic chunks. The float32 ONNX row checks the export, tokenization and pooling
(it should agree with torch to ~1.0000); the int8 rows show what quantization costs.
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
from assistant.onnx_embedder import (
    OnnxEmbedder,
    cache_path,
    cpu_features,
    export_onnx,
    export_recipe,
)

from .common import CACHE_DIR, Report, Table, describe, p50, ratio, timed, verdict
from .workload import chunk_texts, questions, write_synthetic_corpus
from .workspace import ONNX_CACHE, REAL_CORPUS, Workspace

NAME = "embed"
T = TypeVar("T")
MIN_COSINE = 0.99


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


def float32_embedder() -> OnnxEmbedder:
    """The un-quantized export (cached), to separate export errors from quantization."""
    model = default_model_path()
    target = CACHE_DIR / "onnx-fp32" / "model.onnx"
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        export_onnx(model, target)
    return OnnxEmbedder(target, model, threads=1)


def run(workspace: Workspace) -> Report:
    texts = passages(workspace, 48 if workspace.quick else 128)
    asked = questions(REAL_CORPUS, 30 if workspace.quick else 60, seed=3)
    torch_embedder = workspace.torch_embedder
    default_threads = 2  # torch's own default here; the library pins 1, this shows why
    export_seconds = workspace.onnx_export_seconds
    main = [
        Variant("torch (sentence-transformers), 1 thread", torch_embedder, torch_threads=1),
        Variant("ONNX float32, 1 thread", float32_embedder()),
        Variant("ONNX int8 per-channel, 1 thread", workspace.onnx_embedder),
        Variant("ONNX int8 per-channel, 2 threads", workspace.onnx_with_threads(2)),
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
    sweep = _batch_sweep(main[0], main[2], texts, (4, 32) if workspace.quick else (1, 8, 32))
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
        ["batch size", "torch", "ONNX int8", "ONNX int8 vs torch"],
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
    int8 = variants[2]
    pm, _ = _cosines(int8.passages, reference.passages)
    qm, _ = _cosines(int8.queries, reference.queries)
    faster = p50(int8.rates) > base_rate and p50(int8.query_seconds) < base_query
    table.notes.append(
        f"ONNX int8 as the default: {p50(int8.rates) / base_rate:.1f}× the passages/s and "
        f"{base_query / p50(int8.query_seconds):.1f}× faster queries than torch's best "
        f"setting; mean cosine {pm:.4f} (passages), {qm:.4f} (questions) against ≥ "
        f"{MIN_COSINE} {verdict(faster and min(pm, qm) >= MIN_COSINE)} — the lead's eval "
        "run decides"
    )
    table.notes.append(
        "the cosine of one text differs slightly between a batch and a single call in int8: "
        "dynamic quantization takes its activation scale over the whole (padded) batch"
    )
    return table


def _export_table(export_seconds: float) -> Table:
    features = cpu_features()
    note_path = cache_path(default_model_path(), ONNX_CACHE).with_suffix(".json")
    note = json.loads(note_path.read_text()) if note_path.exists() else {}
    recipe = export_recipe(default_model_path(), features)
    table = Table(
        "The one-time ONNX export",
        ["CPU flags read", "VNNI", "reduce_range (7-bit weights)", "export + quantize", "size"],
    )
    size = cache_path(default_model_path(), ONNX_CACHE).stat().st_size / 2**20
    table.add(
        features.label,
        "yes" if features.vnni else "no",
        str(recipe["reduce_range"]).lower(),
        f"{export_seconds:.1f} s (once; cached next to the index)",
        f"{size:.1f} MiB (float32 weights: 87 MiB)",
    )
    if note.get("cpu") and note["cpu"] != features.label:
        table.notes.append(f"the cached export was made on another CPU ({note['cpu']})")
    return table
