"""Query latency in a warm process over the real corpus, stage by stage.

Every question goes through each variant in turn (round robin), so the shared vCPUs'
noise lands on all of them alike. The baseline is the plainest dense retriever: one
sentence-transformers ``encode`` and a FAISS flat search, no BM25, no answer building.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import faiss
import numpy as np
import torch

from assistant.engine import Assistant
from assistant.results import Answer

from .common import Report, Table, ms, p50, p95, ratio, verdict
from .workload import questions
from .workspace import REAL_CORPUS, Workspace

NAME = "latency"
TARGET_P50_MS = 10.0
STAGES = ("embed", "search", "fuse", "total")


@dataclass
class Variant:
    """One way of answering, and the per-stage timings (ms) it produced."""

    label: str
    run: Callable[[str], dict[str, float]]
    timings: dict[str, list[float]] = field(default_factory=lambda: {s: [] for s in STAGES})

    def record(self, question: str) -> None:
        for stage, value in self.run(question).items():
            self.timings[stage].append(value)


def dense_only(workspace: Workspace) -> Callable[[str], dict[str, float]]:
    """The baseline: encode with sentence-transformers, search FAISS flat; nothing else."""
    from sentence_transformers import SentenceTransformer

    from assistant.embeddings import default_model_path
    from assistant.store import open_current

    model = SentenceTransformer(str(default_model_path()), device="cpu")
    settings = workspace.real_assistant(workspace.torch_embedder).settings
    store = open_current(settings.index_dir)  # the local build's vector file, read directly
    index = faiss.IndexFlatIP(store.vectors.shape[1])
    index.add(np.ascontiguousarray(store.vectors, dtype=np.float32))

    def run(question: str) -> dict[str, float]:
        t0 = time.perf_counter()
        vector = model.encode([question], normalize_embeddings=True, convert_to_numpy=True)
        t1 = time.perf_counter()
        index.search(np.asarray(vector, dtype=np.float32), 5)
        t2 = time.perf_counter()
        return {"embed": (t1 - t0) * 1e3, "search": (t2 - t1) * 1e3, "total": (t2 - t0) * 1e3}

    return run


def with_torch_threads(
    threads: int, run: Callable[[str], dict[str, float]]
) -> Callable[[str], dict[str, float]]:
    """Run ``run`` with torch set to ``threads`` intra-op threads (restored afterwards)."""

    def wrapped(question: str) -> dict[str, float]:
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return run(question)
        finally:
            torch.set_num_threads(before)

    return wrapped


def asking(assistant: Assistant, answers: list[Answer]) -> Callable[[str], dict[str, float]]:
    def run(question: str) -> dict[str, float]:
        answer = assistant.ask(question)
        answers.append(answer)
        return answer.timings_ms

    return run


def agreement(first: list[Answer], second: list[Answer]) -> tuple[float, float, float]:
    """Mean top-5 overlap, share with the same top passage, share with the same abstention."""
    overlap, top1, abstain = [], [], []
    for a, b in zip(first, second, strict=True):
        ids_a = [p.chunk_id for p in a.passages]
        ids_b = [p.chunk_id for p in b.passages]
        abstain.append(a.abstained == b.abstained)
        if ids_a and ids_b:
            overlap.append(len(set(ids_a) & set(ids_b)) / max(len(ids_a), len(ids_b)))
            top1.append(ids_a[0] == ids_b[0])
    return float(np.mean(overlap)), float(np.mean(top1)), float(np.mean(abstain))


def run(workspace: Workspace) -> Report:
    count = 60 if workspace.quick else 200
    asked = questions(REAL_CORPUS, count)
    torch_assistant = workspace.real_assistant(workspace.torch_embedder)
    default_threads = 2  # torch's own default here; the library pins 1, this shows why
    onnx_assistant = workspace.real_assistant(workspace.onnx_embedder)
    torch_answers: list[Answer] = []
    onnx_answers: list[Answer] = []
    baseline = dense_only(workspace)
    single = [
        Variant(
            "baseline: dense only (ST encode + FAISS flat), torch 1 thread",
            with_torch_threads(1, baseline),
        ),
        Variant(
            "ask, torch 1 thread", with_torch_threads(1, asking(torch_assistant, torch_answers))
        ),
        Variant("ask, ONNX float32, 1 thread", asking(onnx_assistant, onnx_answers)),
    ]
    _measure(single, asked)
    # Last, and on fewer questions: once torch has run two threads, its idle OpenMP
    # worker spins on the other vCPU and slows whatever runs next in this process.
    default = [
        Variant(
            f"baseline: dense only, torch {default_threads} threads (torch's default)",
            with_torch_threads(default_threads, baseline),
        ),
        Variant(
            f"ask, torch {default_threads} threads (why the library pins 1)",
            with_torch_threads(default_threads, asking(torch_assistant, [])),
        ),
    ]
    _measure(default, asked[: count // 4])
    alone = _torch_free(workspace, count)
    tables = [
        _table(single, default, alone, len(asked)),
        _agreement_table(torch_answers, onnx_answers),
    ]
    return Report(NAME, "Query latency (warm process, real corpus)", tables)


def _measure(variants: list[Variant], asked: list[str], block: int = 20) -> None:
    """Warm up, then ask every question of every variant, round robin in blocks.

    Blocks of ``block`` questions keep each variant's caches warm (as in a server that
    runs one configuration) while still spreading the machine's noise over all of them.
    """
    for question in asked[:10]:  # caches, lazy imports, the first store load
        for variant in variants:
            variant.run(question)
    for begin in range(0, len(asked), block):
        for variant in variants:
            for question in asked[begin : begin + block]:
                variant.record(question)


def _torch_free(workspace: Workspace, count: int) -> Variant:
    """The ONNX path as it would be served: its own process, torch never imported."""
    from .bench_coldstart import probe
    from .workspace import ONNX_CACHE

    settings = workspace.real_settings
    result = probe(
        "latency", str(REAL_CORPUS), str(settings.index_dir), str(ONNX_CACHE), str(count)
    )
    variant = Variant("ask, ONNX float32, 1 thread, own torch-free process", lambda _: {})
    for stage in STAGES:
        variant.timings[stage] = list(result["stages"].get(stage, []))
    assert not result["torch"], "the ONNX path imported torch"
    return variant


def _table(single: list[Variant], default: list[Variant], alone: Variant, count: int) -> Table:
    table = Table(
        f"Assistant.ask stages, {count} generated questions, k=5 (ms, p50 / p95)",
        ["variant", "embed", "search", "fuse", "total", "total p50 vs baseline"],
    )
    base = p50(single[0].timings["total"])
    for variant in [*single, alone, *default]:
        cells = [
            f"{ms(p50(t))} / {ms(p95(t))}" if (t := variant.timings[s]) else "–" for s in STAGES
        ]
        table.add(variant.label, *cells, ratio(p50(variant.timings["total"]), base))
    onnx_total = p50(single[2].timings["total"])
    served = p50(alone.timings["total"])
    table.notes.append(
        f"target: warm ask total p50 ≤ {TARGET_P50_MS:g} ms — ONNX float32 in its own process "
        f"{ms(served)} ms {verdict(served <= TARGET_P50_MS)}; sharing a process with torch "
        f"{ms(onnx_total)} ms {verdict(onnx_total <= TARGET_P50_MS)}; torch 1 thread "
        f"{ms(p50(single[1].timings['total']))} ms; torch on 2 threads "
        f"{ms(p50(default[1].timings['total']))} ms"
    )
    table.notes.append(
        f"the 1-thread rows ran round robin (blocks of 20) on all {count} questions; the "
        "default-thread rows "
        f"ran afterwards on {len(default[0].timings['total'])} (see the comment in the code)"
    )
    table.notes.append(
        "total includes question cleaning, taxonomy expansion, sentence scoring and answer "
        "extraction, so total > embed + search + fuse"
    )
    return table


def _agreement_table(torch_answers: list[Answer], onnx_answers: list[Answer]) -> Table:
    overlap, top1, abstain = agreement(torch_answers, onnx_answers)
    table = Table(
        "Each runtime's own index: ONNX float32 vs torch answers",
        ["top-5 passage overlap", "same top passage", "same abstain decision"],
    )
    table.add(f"{overlap:.3f}", f"{top1:.1%}", f"{abstain:.1%}")
    return table
