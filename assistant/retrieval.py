"""Hybrid ranking: dense (FAISS) and lexical (BM25) lists fused by reciprocal rank.

Reciprocal-rank fusion needs no score calibration between the two retrievers, which
matters because cosine and BM25 scores live on unrelated scales. After fusion,
near-duplicates (overlapping windows of one section, or a path file restating the
article) are dropped so the top ``k`` passages say different things.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from .backend import SearchBackend
from .config import RETRIEVERS
from .store import StoredChunk

RRF_K = 60
#: Fusion weights of the three ranked lists (chunk cosine, BM25, best-sentence cosine),
#: chosen on the dev questions; "dense" and "lexical" are the single-retriever baselines.
FUSION_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "hybrid": (1.0, 0.5, 1.0),
    "dense": (1.0, 0.0, 0.0),
    "lexical": (0.0, 1.0, 0.0),
}
assert tuple(FUSION_WEIGHTS) == RETRIEVERS
MIN_DEPTH = 50
DUPLICATE_COSINE = 0.8
DUPLICATE_OVERLAP = 0.5
EVIDENCE_DEPTH = 5
MIN_PASSAGE_COSINE = 0.15


@dataclass(frozen=True)
class Ranking:
    candidates: list[Candidate]
    #: Relevance evidence, read from the top ``EVIDENCE_DEPTH`` fused chunks whatever
    #: ``k`` is: do dense and lexical search share a chunk in their top ``EVIDENCE_DEPTH``?
    agree: bool
    best_sentence: float  # the best sentence cosine
    best_lexical: float  # the best BM25 score
    lexical_scores: np.ndarray  # BM25 of every row, unfiltered, for a follow-up ranking


@dataclass(frozen=True)
class Candidate:
    chunk: StoredChunk
    fused: float
    dense: float  # cosine between the question and the chunk
    lexical: float  # BM25 score (0 when no query term occurs)


def rank(
    store: SearchBackend,
    query_vector: np.ndarray,
    query_text: str,
    k: int,
    allowed: np.ndarray | None = None,
    timings: dict[str, float] | None = None,
    retriever: str = "hybrid",
    lexical_scores: np.ndarray | None = None,
) -> Ranking:
    """The best ``k`` diverse chunks for a question; ``allowed`` is an optional row mask.

    ``timings`` (if given) receives the milliseconds spent in "search" and "fuse".
    ``lexical_scores`` reuses an earlier ranking's BM25 pass over the same question.
    """
    started = time.perf_counter()
    total = store.manifest.chunks
    depth = min(total, max(MIN_DEPTH, 10 * k))
    if lexical_scores is None:
        lexical_scores = store.lexical_scores(query_text)
    lexical_all = lexical_scores
    within = None
    if allowed is not None:  # exact over the allowed rows only: a filter never starves
        lexical_all = np.where(allowed, lexical_all, 0.0)
        within = np.flatnonzero(allowed)
    dense_scores, dense_rows = store.dense_search(query_vector, depth, within)
    lexical_rows = _top_rows(lexical_all, depth)
    searched = time.perf_counter()

    dense_hits = list(zip(dense_rows.tolist(), dense_scores.tolist(), strict=True))
    lexical_hits = list(zip(lexical_rows.tolist(), lexical_all[lexical_rows].tolist(), strict=True))
    pool = np.array(sorted({row for row, _ in dense_hits} | {row for row, _ in lexical_hits}))
    sentence_best = _best_sentence(store, pool, query_vector)
    sentence_hits = sorted(
        zip(pool.tolist(), sentence_best.tolist(), strict=True), key=lambda pair: -pair[1]
    )
    fused: dict[int, float] = {}
    lists = (dense_hits, lexical_hits, sentence_hits)
    for hits, weight in zip(lists, FUSION_WEIGHTS[retriever], strict=True):
        for position, (row, _) in enumerate(hits if weight else ()):
            fused[row] = fused.get(row, 0.0) + weight / (RRF_K + position)
    dense_by_row = dict(dense_hits)

    order = sorted(fused, key=lambda row: -fused[row])[: 4 * k + 4]
    missing = [row for row in order if row not in dense_by_row]
    if missing:  # found by BM25 only: still report its cosine honestly
        cosines = store.chunk_vectors(missing) @ query_vector
        dense_by_row.update(zip(missing, cosines.tolist(), strict=True))
    chunks = store.chunks(order)
    candidates = [
        Candidate(
            chunk, fused[chunk.row], float(dense_by_row[chunk.row]), float(lexical_all[chunk.row])
        )
        for chunk in chunks
    ]
    chosen = _diverse(store, candidates, k)
    if timings is not None:
        timings["search"] = (searched - started) * 1000
        timings["fuse"] = (time.perf_counter() - searched) * 1000
    dense_top = [row for row, _ in dense_hits][:EVIDENCE_DEPTH]
    lexical_top = [row for row, _ in lexical_hits][:EVIDENCE_DEPTH]
    best_sentence_by_row = dict(zip(pool.tolist(), sentence_best.tolist(), strict=True))
    return Ranking(
        chosen,
        lexical_scores=lexical_scores,
        agree=bool(set(dense_top) & set(lexical_top)),
        best_sentence=max((best_sentence_by_row[row] for row in dense_top), default=0.0),
        best_lexical=max((score for _, score in lexical_hits), default=0.0),
    )


def _best_sentence(store: SearchBackend, rows: np.ndarray, query_vector: np.ndarray) -> np.ndarray:
    """For each chunk row, the cosine of its sentence closest to the question."""
    if len(rows) == 0:
        return np.empty(0, dtype=np.float32)
    firsts, counts = store.sentence_ranges[rows, 0], store.sentence_ranges[rows, 1]
    index = np.concatenate([np.arange(f, f + c) for f, c in zip(firsts, counts, strict=True)])
    cosines = np.asarray(store.sentence_vectors[index]) @ query_vector
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.maximum.reduceat(cosines, starts)


def _top_rows(scores: np.ndarray, depth: int) -> np.ndarray:
    positive = np.flatnonzero(scores > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-scores[positive], depth)[:depth]]
    return positive[np.argsort(-scores[positive], kind="stable")]


def _diverse(store: SearchBackend, candidates: list[Candidate], k: int) -> list[Candidate]:
    """Drop near-duplicates, and filler that only fusion rank kept (cosine near zero)."""
    chosen: list[Candidate] = []
    for candidate in candidates:
        if chosen and candidate.dense < MIN_PASSAGE_COSINE:
            continue
        if not any(_duplicates(store, candidate.chunk, kept.chunk) for kept in chosen):
            chosen.append(candidate)
        if len(chosen) == k:
            break
    return chosen


def _duplicates(store: SearchBackend, a: StoredChunk, b: StoredChunk) -> bool:
    if a.source == b.source:
        overlap = min(a.end, b.end) - max(a.start, b.start)
        if overlap > DUPLICATE_OVERLAP * min(a.end - a.start, b.end - b.start):
            return True
    pair = store.chunk_vectors([a.row, b.row])
    cosine = float(pair[0] @ pair[1])
    return cosine >= DUPLICATE_COSINE
