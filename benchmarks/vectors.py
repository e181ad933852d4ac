"""Synthetic but realistic vectors for the scale benchmark.

Uniform random vectors make every index look good or bad for the wrong reasons, so
chunk vectors are a two-level Gaussian mixture around the real corpus's embeddings
(topic → document → chunk), normalized like real ones, and queries are real question
embeddings, slightly perturbed. The neighbour cosines this produces are reported next
to the real corpus's, so the reader can judge the likeness.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

#: Spread of documents around a real embedding, and of chunks around their document.
DOCUMENT_SIGMA = 0.030
CHUNK_SIGMA = 0.030
CHUNKS_PER_DOCUMENT = 20
QUERY_SIGMA = 0.010
BLOCK = 100_000


def _normalized(rows: np.ndarray) -> np.ndarray:
    rows /= np.linalg.norm(rows, axis=1, keepdims=True)
    return rows


def clustered(centers: np.ndarray, count: int, seed: int) -> np.ndarray:
    """``count`` unit vectors: documents around ``centers``, chunks around documents."""
    rng = np.random.default_rng(seed)
    dimension = centers.shape[1]
    documents = max(1, count // CHUNKS_PER_DOCUMENT)
    doc_vectors = centers[rng.integers(0, len(centers), documents)].astype(np.float32)
    doc_vectors += rng.standard_normal(doc_vectors.shape, dtype=np.float32) * DOCUMENT_SIGMA
    _normalized(doc_vectors)
    out = np.empty((count, dimension), dtype=np.float32)
    for begin in range(0, count, BLOCK):
        rows = min(BLOCK, count - begin)
        block = doc_vectors[rng.integers(0, documents, rows)]
        block += rng.standard_normal((rows, dimension), dtype=np.float32) * CHUNK_SIGMA
        out[begin : begin + rows] = _normalized(block)
    return out


def perturbed(queries: np.ndarray, seed: int) -> np.ndarray:
    """Real question vectors nudged a little, so repeated questions are not identical."""
    rng = np.random.default_rng(seed)
    noisy = queries.astype(np.float32) + rng.standard_normal(queries.shape, dtype=np.float32) * (
        QUERY_SIGMA
    )
    return _normalized(noisy)


def neighbour_cosines(
    search: Callable[[np.ndarray, int], tuple[np.ndarray, np.ndarray]], queries: np.ndarray
) -> tuple[float, float]:
    """Mean cosine of the 1st and the 10th nearest neighbour (from exact search)."""
    firsts, tenths = [], []
    for query in queries:
        scores, _ = search(query, 10)
        firsts.append(float(scores[0]))
        tenths.append(float(scores[-1]))
    return float(np.mean(firsts)), float(np.mean(tenths))
