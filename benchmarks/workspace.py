"""Resources several benchmarks need, built once per run in a temporary directory.

The real-corpus index is built the way a user builds it (``Assistant.rebuild`` with the
library's default embedder, ONNX float32); the torch runs get their own index, because an
index is served only by the model and runtime that built it. The ONNX export is cached
across runs in ``benchmarks/.cache`` because a user pays for it once too; its one-time
cost is read from the export's note.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import PROJECT_ROOT, Settings
from assistant.embeddings import Embedder, default_model_path
from assistant.engine import Assistant, shared_embedder
from assistant.onnx_embedder import OnnxEmbedder, cache_path, load_onnx_embedder

from .common import CACHE_DIR

REAL_CORPUS = PROJECT_ROOT / "corpus"
ONNX_CACHE = CACHE_DIR / "onnx"


@dataclass
class Workspace:
    """Per-run scratch space plus lazily built, shared models and indexes."""

    root: Path
    quick: bool = False
    _onnx: dict[int, OnnxEmbedder] = field(default_factory=dict)

    @functools.cached_property
    def real_settings(self) -> Settings:
        """The real corpus and the default embedder's index of it."""
        return self.settings_for("onnx")

    def settings_for(self, backend: str) -> Settings:
        """The real corpus and ``backend``'s index of it (built on first use)."""
        return Settings.from_env(
            corpus_dir=REAL_CORPUS, index_dir=self.root / f"real-index-{backend}"
        )

    @functools.cached_property
    def torch_embedder(self) -> Embedder:
        """The library's torch embedder, exactly as ``Assistant`` would load it."""
        return shared_embedder("", "torch", ONNX_CACHE)

    @functools.cached_property
    def real_index_seconds(self) -> float:
        """Build the real-corpus index with the default embedder; the time it took."""
        assistant = Assistant(self.real_settings, embedder=self.onnx_embedder)
        return assistant.rebuild(full=True).seconds

    def real_assistant(self, embedder: Embedder) -> Assistant:
        """An assistant over the real corpus, answering with ``embedder`` from the index
        that ``embedder``'s runtime built."""
        backend = "torch" if embedder.name.endswith("+torch") else "onnx"
        if backend == "onnx":
            _ = self.real_index_seconds
        assistant = Assistant(self.settings_for(backend), embedder=embedder)
        if not assistant.has_index():
            assistant.rebuild()
        assistant.store()
        return assistant

    @functools.cached_property
    def onnx_export_seconds(self) -> float:
        """The one-time export + quantization (from this run, or from the cached note)."""
        target = cache_path(default_model_path(), ONNX_CACHE)
        started = time.perf_counter()
        _ = self.onnx_embedder
        elapsed = time.perf_counter() - started
        try:
            return float(json.loads(target.with_suffix(".json").read_text())["export_seconds"])
        except (OSError, ValueError, KeyError):
            return elapsed

    @functools.cached_property
    def onnx_embedder(self) -> OnnxEmbedder:
        return self.onnx_with_threads(1)

    def onnx_with_threads(self, threads: int) -> OnnxEmbedder:
        """One ONNX session per thread count, loaded on first use."""
        if threads not in self._onnx:
            self._onnx[threads] = load_onnx_embedder(default_model_path(), ONNX_CACHE, threads)
        return self._onnx[threads]
