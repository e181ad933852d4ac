"""Hybrid ranking: the backend's dense and lexical (BM25) top-k lists, fused by reciprocal rank.

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
from .records import Filter, StoredChunk

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
    where: Filter | None = None,
    timings: dict[str, float] | None = None,
    retriever: str = "hybrid",
) -> Ranking:
    """The best ``k`` diverse chunks for a question, among those ``where`` allows.

    ``timings`` (if given) receives the milliseconds spent in "search" and "fuse".
    """
    started = time.perf_counter()
    total = store.manifest.chunks
    depth = min(total, max(MIN_DEPTH, 10 * k))
    dense_hits = [(h.chunk_id, h.score) for h in store.dense_search(query_vector, depth, where)]
    lexical_hits = [(h.chunk_id, h.score) for h in store.lexical_search(query_text, depth, where)]
    searched = time.perf_counter()

    found = {chunk_id for chunk_id, _ in dense_hits} | {chunk_id for chunk_id, _ in lexical_hits}
    # In reading order, so that equal sentence cosines (overlapping chunks share
    # sentences) rank the same way on every backend.
    pool = sorted(store.chunks(sorted(found)), key=lambda c: (c.source, c.start))
    by_id = {chunk.chunk_id: chunk for chunk in pool}
    sentence_best = _best_sentence(store, pool, query_vector)
    sentence_hits = sorted(
        zip([c.chunk_id for c in pool], sentence_best.tolist(), strict=True),
        key=lambda pair: -pair[1],
    )
    fused: dict[str, float] = {}
    lists = (dense_hits, lexical_hits, sentence_hits)
    for hits, weight in zip(lists, FUSION_WEIGHTS[retriever], strict=True):
        for position, (chunk_id, _) in enumerate(hits if weight else ()):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (RRF_K + position)
    dense_by_id = dict(dense_hits)
    lexical_by_id = dict(lexical_hits)

    order = sorted(fused, key=lambda chunk_id: -fused[chunk_id])[: 4 * k + 4]
    for chunk_id in order:  # found by BM25 only: still report its cosine honestly
        if chunk_id not in dense_by_id:
            dense_by_id[chunk_id] = float(by_id[chunk_id].vector @ query_vector)
    unscored = [chunk_id for chunk_id in order if chunk_id not in lexical_by_id]
    if unscored:  # found by dense search only: its BM25 score, usually 0
        scores = store.lexical_scores(query_text, unscored)
        lexical_by_id.update(zip(unscored, scores.tolist(), strict=True))
    candidates = [
        Candidate(
            by_id[chunk_id],
            fused[chunk_id],
            float(dense_by_id[chunk_id]),
            float(lexical_by_id[chunk_id]),
        )
        for chunk_id in order
    ]
    chosen = _diverse(candidates, k)
    if timings is not None:
        timings["search"] = (searched - started) * 1000
        timings["fuse"] = (time.perf_counter() - searched) * 1000
    dense_top = [chunk_id for chunk_id, _ in dense_hits][:EVIDENCE_DEPTH]
    lexical_top = [chunk_id for chunk_id, _ in lexical_hits][:EVIDENCE_DEPTH]
    best_sentence_by_id = dict(sentence_hits)
    return Ranking(
        chosen,
        agree=bool(set(dense_top) & set(lexical_top)),
        best_sentence=max((best_sentence_by_id[c] for c in dense_top), default=0.0),
        best_lexical=max((score for _, score in lexical_hits), default=0.0),
    )


def _best_sentence(
    store: SearchBackend, chunks: list[StoredChunk], query_vector: np.ndarray
) -> np.ndarray:
    """For each chunk, the cosine of its sentence closest to the question."""
    if not chunks:
        return np.empty(0, dtype=np.float32)
    ids = [i for chunk in chunks for i in chunk.sentence_ids]
    vectors = np.vstack([s.vector for s in store.sentences(ids)])
    cosines = vectors @ query_vector
    counts = np.array([chunk.sentence_count for chunk in chunks])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.maximum.reduceat(cosines, starts)


def _diverse(candidates: list[Candidate], k: int) -> list[Candidate]:
    """Drop near-duplicates, and filler that only fusion rank kept (cosine near zero)."""
    chosen: list[Candidate] = []
    for candidate in candidates:
        if chosen and candidate.dense < MIN_PASSAGE_COSINE:
            continue
        if not any(_duplicates(candidate.chunk, kept.chunk) for kept in chosen):
            chosen.append(candidate)
        if len(chosen) == k:
            break
    return chosen


def _duplicates(a: StoredChunk, b: StoredChunk) -> bool:
    if a.source == b.source:
        overlap = min(a.end, b.end) - max(a.start, b.start)
        if overlap > DUPLICATE_OVERLAP * min(a.end - a.start, b.end - b.start):
            return True
    return float(a.vector @ b.vector) >= DUPLICATE_COSINE
