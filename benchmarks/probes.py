"""Measurements that need a fresh process: ``python -m benchmarks.probes TASK ...``.

Each task prints one JSON object on stdout. Cold start and memory must not inherit the
benchmark runner's already-imported modules, loaded models or million-vector arrays.
"""

from __future__ import annotations

import time

STARTED = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402


def _since(mark: float) -> float:
    return round((time.perf_counter() - mark) * 1000, 1)


def cold(
    backend: str, corpus: str, index_dir: str, onnx_cache: str, question: str
) -> dict[str, Any]:
    """Milliseconds per phase, from this module's first line to the first answer."""
    phases: dict[str, float] = {}
    mark = time.perf_counter()
    from assistant.config import Settings
    from assistant.engine import Assistant

    phases["import assistant"] = _since(mark)
    mark = time.perf_counter()
    if backend == "torch":
        import sentence_transformers  # noqa: F401
        import torch  # noqa: F401

        phases["import torch + sentence-transformers"] = _since(mark)
        mark = time.perf_counter()
        from assistant.engine import shared_embedder

        embedder: Any = shared_embedder("", "torch", Path(onnx_cache))
    else:
        import onnxruntime  # noqa: F401
        import tokenizers  # noqa: F401

        phases["import onnxruntime + tokenizers"] = _since(mark)
        mark = time.perf_counter()
        from assistant.embeddings import default_model_path
        from assistant.onnx_embedder import load_onnx_embedder

        embedder = load_onnx_embedder(default_model_path(), Path(onnx_cache))
    phases["load model"] = _since(mark)
    mark = time.perf_counter()
    settings = Settings.from_env(corpus_dir=Path(corpus), index_dir=Path(index_dir))
    assistant = Assistant(settings, embedder=embedder)
    assistant.store()
    phases["open index"] = _since(mark)
    mark = time.perf_counter()
    assistant.ask(question)
    phases["first ask"] = _since(mark)
    return {"phases": phases, "total_ms": _since(STARTED), "torch": "torch" in sys.modules}


def serve(
    backend: str, corpus: str, index_dir: str, onnx_cache: str, count: str, every: str
) -> dict[str, Any]:
    """Answer ``count`` generated questions; RSS (MiB) after loading and every ``every``."""
    from assistant.config import Settings
    from assistant.engine import Assistant
    from benchmarks.common import peak_rss_mib, rss_mib
    from benchmarks.workload import questions

    settings = Settings.from_env(
        corpus_dir=Path(corpus),
        index_dir=Path(index_dir),
        embed_backend=backend,
        onnx_cache_dir=Path(onnx_cache),
    )
    assistant = Assistant(settings)  # loads the model the way every user's process does
    _ = assistant.embedder
    assistant.store()
    loaded = rss_mib()
    asked = questions(Path(corpus), int(count), seed=13) if Path(corpus).exists() else []
    samples: list[tuple[int, float]] = [(0, loaded)]
    started = time.perf_counter()
    for number, question in enumerate(asked, start=1):
        assistant.ask(question)
        if number % int(every) == 0:
            samples.append((number, rss_mib()))
    return {
        "loaded_mib": loaded,
        "samples": samples,
        "peak_mib": peak_rss_mib(),
        "seconds": time.perf_counter() - started,
    }


def latency(corpus: str, index_dir: str, onnx_cache: str, count: str) -> dict[str, Any]:
    """Per-stage ms of ``count`` generated questions in a torch-free ONNX process."""
    from assistant.config import Settings
    from assistant.embeddings import default_model_path
    from assistant.engine import Assistant
    from assistant.onnx_embedder import load_onnx_embedder
    from benchmarks.workload import questions

    embedder = load_onnx_embedder(default_model_path(), Path(onnx_cache))
    settings = Settings.from_env(corpus_dir=Path(corpus), index_dir=Path(index_dir))
    assistant = Assistant(settings, embedder=embedder)
    asked = questions(Path(corpus), int(count))
    for question in asked[:10]:
        assistant.ask(question)
    stages: dict[str, list[float]] = {}
    for question in asked:
        for stage, value in assistant.ask(question).timings_ms.items():
            stages.setdefault(stage, []).append(value)
    return {"stages": stages, "torch": "torch" in sys.modules}


TASKS = {"cold": cold, "serve": serve, "latency": latency}

if __name__ == "__main__":
    print(json.dumps(TASKS[sys.argv[1]](*sys.argv[2:])))  # type: ignore[operator]
