"""Dense vector search with FAISS: exact inner product, or IVF past a size threshold.

Vectors are unit length, so inner product is cosine similarity. Exact (flat) search is
the default because it is exact and, for up to a few hundred thousand chunks, fast
enough; IVF (a coarse k-means partition, searched ``nprobe`` cells at a time) keeps
single-query latency low at a million chunks while recall@10 stays above 0.95.
"""

from __future__ import annotations

import errno
import math
import os
from pathlib import Path

import faiss
import numpy as np

from .config import INDEX_KINDS

# Single queries on this hardware are faster single-threaded (no OpenMP fan-out cost).
faiss.omp_set_num_threads(1)


def choose_kind(kind: str, size: int, ivf_threshold: int) -> str:
    """Resolve "auto" to a concrete index kind for ``size`` vectors."""
    if kind not in INDEX_KINDS:
        raise ValueError(f"unknown index kind {kind!r}; use one of {', '.join(INDEX_KINDS)}")
    if kind == "auto":
        return "ivf" if size >= ivf_threshold else "flat"
    return kind


def build_index(vectors: np.ndarray, kind: str, nprobe: int = 32, seed: int = 0) -> faiss.Index:
    """Build a FAISS index over ``vectors`` (rows are chunk rows)."""
    dimension = vectors.shape[1]
    index: faiss.Index
    if kind == "flat" or len(vectors) < 1_000:
        index = faiss.IndexFlatIP(dimension)
    else:
        # sqrt(n) cells: at 1M chunks, 1,000 cells searched 32 at a time give recall@10
        # 0.99 at ~4 ms, and train in seconds (benchmarks/bench_scale.py).
        nlist = int(min(max(16, math.sqrt(len(vectors))), len(vectors) // 39))
        quantizer = faiss.IndexFlatIP(dimension)
        ivf = faiss.IndexIVFFlat(quantizer, dimension, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(seed)
        sample_size = min(len(vectors), max(64 * nlist, 50_000))
        sample = vectors[np.sort(rng.choice(len(vectors), sample_size, replace=False))]
        faiss.omp_set_num_threads(os.cpu_count() or 1)  # training is a batch job
        try:
            ivf.train(np.ascontiguousarray(sample))
        finally:
            faiss.omp_set_num_threads(1)
        ivf.nprobe = nprobe
        index = ivf
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def search(index: faiss.Index, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` (scores, rows) for one query vector; rows of -1 (IVF misses) are removed."""
    k = min(k, index.ntotal)
    if k <= 0:
        return np.empty(0, dtype=np.float32), np.empty(0, dtype=np.int64)
    scores, rows = index.search(query.reshape(1, -1).astype(np.float32), k)
    keep = rows[0] >= 0
    return scores[0][keep], rows[0][keep]


def save_index(index: faiss.Index, path: Path) -> None:
    """Write the index; FAISS reports I/O failures as RuntimeError, turned into OSError."""
    try:
        faiss.write_index(index, str(path))
    except RuntimeError as error:
        reason = str(error).rsplit(": ", 1)[-1].strip()
        raise OSError(errno.EIO, f"cannot write {path.name}: {reason}") from None


def load_index(path: Path, nprobe: int | None = None) -> faiss.Index:
    """Read an index; ``nprobe`` overrides the one it was saved with (IVF only)."""
    index = faiss.read_index(str(path))
    if nprobe is not None and hasattr(index, "nprobe"):
        index.nprobe = nprobe
    return index
