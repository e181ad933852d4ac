"""Dense search at 100k and 1M chunks: exact (flat) vs approximate (IVF) FAISS indexes.

Indexes are built with the library's ``build_index``; the baseline of every row is the
exact index over the same vectors (its latency for the ratio, its top 10 for recall).
Where the nlist proposed here differs from what ``build_index`` picks, the proposal is
built the same way (same training recipe) and shown beside it.
"""

from __future__ import annotations

import gc
import math
import re
import time
from dataclasses import dataclass

import faiss
import numpy as np

from assistant.config import Settings
from assistant.vector_index import build_index, choose_kind, search

from .common import Report, Table, describe, p50, peak_rss_mib, ratio, reset_peak_rss, rss_mib
from .vectors import clustered, neighbour_cosines, perturbed
from .workload import chunk_texts, questions
from .workspace import REAL_CORPUS, Workspace

NAME = "scale"
K = 10
TARGET_RECALL = 0.95
TARGET_P50_MS = 20.0
#: Proposed: nlist ≈ √n (not 4√n) and nprobe 32. See docs/scaling.md.
PROPOSED_NPROBE = 32


def proposed_nlist(size: int) -> int:
    return int(min(max(16, math.sqrt(size)), size // 39))


@dataclass
class Built:
    label: str
    index: faiss.Index
    seconds: float
    memory_mib: float
    peak_mib: float


def build(label: str, make: object) -> Built:
    """Time ``make()`` and measure the memory the index keeps and peaks at."""
    gc.collect()
    before = rss_mib()
    reset_peak_rss()
    started = time.perf_counter()
    index = make()  # type: ignore[operator]
    seconds = time.perf_counter() - started
    return Built(label, index, seconds, rss_mib() - before, peak_rss_mib() - before)


def ivf_with(vectors: np.ndarray, nlist: int, nprobe: int, seed: int = 0) -> faiss.Index:
    """``build_index``'s IVF recipe (64 training points per list) with another nlist."""
    dimension = vectors.shape[1]
    index = faiss.IndexIVFFlat(
        faiss.IndexFlatIP(dimension), dimension, nlist, faiss.METRIC_INNER_PRODUCT
    )
    rng = np.random.default_rng(seed)
    sample_size = min(len(vectors), max(64 * nlist, 50_000))
    sample = vectors[np.sort(rng.choice(len(vectors), sample_size, replace=False))]
    faiss.omp_set_num_threads(2)
    try:
        index.train(np.ascontiguousarray(sample))
    finally:
        faiss.omp_set_num_threads(1)
    index.nprobe = nprobe
    index.add(vectors)
    return index


def real_vectors(workspace: Workspace) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Centers (real chunk and sentence embeddings), question vectors, real neighbour cosines."""
    embedder = workspace.onnx_embedder
    texts = chunk_texts(REAL_CORPUS)
    sentences = [s for t in texts for s in re.split(r"(?<=[.!?])\s+", t) if len(s) > 40]
    chunk_vectors = embedder.embed(texts, 8)
    centers = np.vstack([chunk_vectors, embedder.embed(sentences, 8)])
    asked = questions(REAL_CORPUS, 100 if workspace.quick else 200, seed=5)
    query_vectors = np.stack([embedder.embed_query(q) for q in asked])
    real = faiss.IndexFlatIP(chunk_vectors.shape[1])
    real.add(chunk_vectors)
    first, tenth = neighbour_cosines(lambda q, k: search(real, q, k), query_vectors)
    return centers, query_vectors, first, tenth


def run(workspace: Workspace) -> Report:
    centers, question_vectors, real_first, real_tenth = real_vectors(workspace)
    sizes = (100_000,) if workspace.quick else (100_000, 1_000_000)
    table = Table(
        f"Single-query search, k={K}, 1 search thread (FAISS as the library sets it)",
        [
            "chunks",
            "index",
            "nlist",
            "nprobe",
            "build s",
            "index RSS MiB",
            "peak extra MiB",
            "search ms p50 / p95",
            "p50 vs flat",
            f"recall@{K}",
        ],
    )
    settings = Settings()
    for size in sizes:
        _one_size(table, size, centers, question_vectors, settings, workspace.quick)
    table.notes.append(
        f"neighbour cosines (query → 1st / 10th hit): real corpus {real_first:.2f} / "
        f"{real_tenth:.2f}; synthetic chunks are a two-level Gaussian mixture around "
        f"{len(centers)} real chunk and sentence embeddings"
    )
    return Report(NAME, "Scale: exact vs approximate dense search", [table])


def _one_size(
    table: Table,
    size: int,
    centers: np.ndarray,
    question_vectors: np.ndarray,
    settings: Settings,
    quick: bool,
) -> None:
    vectors = clustered(centers, size, seed=size)
    queries = perturbed(question_vectors, seed=size)
    auto = choose_kind("auto", size, settings.ivf_threshold)
    flat = build("flat (exact)", lambda: build_index(vectors, "flat"))
    scores, truth = flat.index.search(queries, K)
    timed_queries = queries[: 30 if size >= 500_000 else 100]
    flat_times = _latencies(flat.index, timed_queries)
    _row(table, size, flat, "–", "–", flat_times, p50(flat_times), 1.0, auto == "flat")
    first, tenth = float(scores[:, 0].mean()), float(scores[:, -1].mean())
    table.notes.append(
        f"{size:,} synthetic chunks: 1st / 10th neighbour cosine {first:.2f} / {tenth:.2f}"
    )
    del flat
    gc.collect()
    library = build(
        "IVF, build_index", lambda: build_index(vectors, "ivf", nprobe=settings.ivf_nprobe)
    )
    nprobes = (8, 16, 32, 64) if not quick else (16, 32)
    _sweep(
        table,
        size,
        library,
        queries,
        truth,
        nprobes,
        p50(flat_times),
        auto == "ivf",
        settings.ivf_nprobe,
    )
    nlist = proposed_nlist(size)
    if faiss.extract_index_ivf(library.index).nlist != nlist:
        library_nlist = faiss.extract_index_ivf(library.index).nlist
        del library
        gc.collect()
        proposal = build(
            f"IVF, proposed nlist (vs {library_nlist})",
            lambda: ivf_with(vectors, nlist, PROPOSED_NPROBE),
        )
        _sweep(
            table,
            size,
            proposal,
            queries,
            truth,
            (16, PROPOSED_NPROBE, 64),
            p50(flat_times),
            False,
            PROPOSED_NPROBE,
        )


def _sweep(
    table: Table,
    size: int,
    built: Built,
    queries: np.ndarray,
    truth: np.ndarray,
    nprobes: tuple[int, ...],
    flat_p50: float,
    is_auto: bool,
    default_nprobe: int,
) -> None:
    for nprobe in nprobes:
        faiss.extract_index_ivf(built.index).nprobe = nprobe
        times = _latencies(built.index, queries)
        found = [search(built.index, q, K)[1] for q in queries]
        recall = float(
            np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth, strict=True)])
        )
        _row(
            table,
            size,
            built,
            str(faiss.extract_index_ivf(built.index).nlist),
            str(nprobe),
            times,
            flat_p50,
            recall,
            is_auto and nprobe == default_nprobe,
        )


def _latencies(index: faiss.Index, queries: np.ndarray) -> list[float]:
    for query in queries[:3]:
        search(index, query, K)
    times = []
    for query in queries:
        started = time.perf_counter()
        search(index, query, K)
        times.append(time.perf_counter() - started)
    return times


def _row(
    table: Table,
    size: int,
    built: Built,
    nlist: str,
    nprobe: str,
    times: list[float],
    flat_p50: float,
    recall: float,
    is_auto: bool,
) -> None:
    label = built.label + (" ← auto" if is_auto else "")
    latency_ok = p50(times) * 1000 <= TARGET_P50_MS
    if is_auto:
        verdict = "meets" if recall >= TARGET_RECALL and latency_ok else "misses"
        table.notes.append(
            f"{size:,}: the engine's automatic choice {verdict} recall@{K} ≥ "
            f"{TARGET_RECALL} and p50 ≤ {TARGET_P50_MS:g} ms (recall {recall:.3f}, "
            f"p50 {p50(times) * 1000:.2f} ms, build {built.seconds:.0f} s)"
        )
    table.add(
        f"{size:,}",
        label,
        nlist,
        nprobe,
        f"{built.seconds:.1f}",
        f"{built.memory_mib:,.0f}",
        f"{max(0.0, built.peak_mib - built.memory_mib):,.0f}",
        describe(times),
        ratio(p50(times), flat_p50),
        f"{recall:.3f}",
    )
