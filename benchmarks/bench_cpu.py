"""The same answers on every CPU: each embedder's evaluation at three instruction sets.

Each row is a fresh process that hides CPU extensions through CPUID (``cpu.py``): the
CPU's own (here AVX-512 with VNNI and AMX), as an AVX2 machine without VNNI, and as an
SSE4.2 machine. It builds the real corpus's index from scratch with that embedder and
those kernels, runs the labelled evaluation, and times warm questions. Rows are compared
with the native row of the same embedder, question by question (top-10 passages and the
abstention). The int8 rows use the former recipe: 7-bit weights where there is no VNNI.

The evaluation file is ``shared/eval/dev.jsonl`` next to the checkout (or one level up,
for a worktree) where it exists, the dev set the issue measured; else the project's own
``eval/own.jsonl``. Vectors are compared too: each question's vector against the native
one of the same embedder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import PROJECT_ROOT

from .common import Report, Table, p50, verdict
from .cpu import build_mask, cpu_features, kernels_seen, lower_levels, masked_env
from .workspace import ONNX_CACHE, REAL_CORPUS, Workspace

NAME = "cpu"
QUESTIONS = next(
    (p / "shared" / "eval" / "dev.jsonl" for p in PROJECT_ROOT.parents[:2]
     if (p / "shared" / "eval" / "dev.jsonl").exists()),
    PROJECT_ROOT / "eval" / "own.jsonl",
)  # fmt: skip
TARGET_P50_MS = 10.0
TIMED_QUESTIONS = 100


@dataclass(frozen=True)
class Variant:
    label: str
    embedder: str  # "onnx", "torch" or "int8"
    levels: tuple[str, ...]


def run(workspace: Workspace) -> Report:
    library = build_mask(workspace.root)
    levels = ("native", *lower_levels(cpu_features())) if library else ("native",)
    _ = workspace.onnx_embedder  # the export exists before the children start
    from .int8 import int8_model

    for reduce_range in (True, False):
        int8_model(reduce_range)
    variants = [
        Variant("ONNX float32 (the default)", "onnx", levels),
        Variant("ONNX int8, the former default", "int8", levels),
        Variant("torch (sentence-transformers)", "torch", ("native",)),
    ]
    results = {
        (v.embedder, level): _child(workspace, library, v.embedder, level)
        for v in variants
        for level in v.levels
    }
    return Report(NAME, "The same answers on every CPU", [_table(variants, results)])


def _child(workspace: Workspace, library: Path | None, embedder: str, level: str) -> Any:
    index = workspace.root / f"cpu-{embedder}-{level}"
    command = [sys.executable, "-m", "benchmarks.bench_cpu", embedder, str(index)]
    env = masked_env(library, level, dict(os.environ))
    done = subprocess.run(
        command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{embedder} at {level} failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout)


def _table(variants: list[Variant], results: dict[tuple[str, str], Any]) -> Table:
    table = Table(
        f"Evaluation on `{'/'.join(QUESTIONS.parts[-3:])}` per instruction set "
        f"(fresh index each), warm `ask` p50 over {TIMED_QUESTIONS} generated questions",
        [
            "embedder",
            "kernels (CPUID seen)",
            "hit@1",
            "hit@3",
            "MRR@10",
            "false abstentions",
            "out-of-scope abstained",
            "questions ranked differently from native",
            "question vectors vs native: largest Δ / lowest cosine",
            "query embed p50 ms",
            "ask p50 ms",
        ],
    )
    identical = True
    for variant in variants:
        native = results[(variant.embedder, "native")]
        for level in variant.levels:
            result = results[(variant.embedder, level)]
            differ = _differ(native["answers"], result["answers"])
            delta, cosine = _vector_change(native["vectors"], result["vectors"])
            if variant.embedder == "onnx":
                identical &= differ == 0 and result["eval"] == native["eval"]
            metrics = result["eval"]
            table.add(
                variant.label,
                f"{level} ({result['cpu']})",
                f"{metrics['hit@1']:.3f}",
                f"{metrics['hit@3']:.3f}",
                f"{metrics['mrr@10']:.3f}",
                metrics["false_abstentions"],
                f"{metrics['abstention_rate_out_of_scope']:.2f}",
                f"{differ} of {len(native['answers'])}",
                f"{delta:.1e} / {cosine:.7f}",
                f"{result['embed_p50_ms']:.2f}",
                f"{result['ask_p50_ms']:.2f}",
            )
    default = results[("onnx", "native")]
    table.notes.append(
        "ONNX float32: the same evaluation and the same ranked passages at every "
        f"instruction set {verdict(identical)}; warm ask p50 {default['ask_p50_ms']:.2f} ms "
        f"natively against ≤ {TARGET_P50_MS:g} ms {verdict(default['ask_p50_ms'] <= TARGET_P50_MS)}"
    )
    table.notes.append(
        "the masked rows run natively on this CPU with fewer extensions visible: their "
        "results are what such a CPU computes, their timings only roughly what it would take"
    )
    return table


def _differ(first: dict[str, Any], second: dict[str, Any]) -> int:
    """Questions whose abstention or top-10 passages differ."""
    return sum(
        a["abstained"] != second[q]["abstained"] or a["chunks"] != second[q]["chunks"]
        for q, a in first.items()
    )


def _vector_change(first: str, second: str) -> tuple[float, float]:
    """The largest component change and the lowest cosine between two vector files."""
    a, b = np.load(first, allow_pickle=False), np.load(second, allow_pickle=False)
    return float(np.abs(a - b).max()), float(np.sum(a * b, axis=1).min())


# -- the child process ---------------------------------------------------------------------


def child(embedder_name: str, index: str) -> dict[str, Any]:
    """Build the real corpus's index with ``embedder_name`` and evaluate it (JSON out)."""
    from assistant.config import Settings
    from assistant.embeddings import Embedder
    from assistant.engine import Assistant, shared_embedder
    from assistant.evaluation import evaluate, read_questions

    from .int8 import int8_embedder
    from .workload import questions

    embedder: Embedder
    if embedder_name == "int8":  # the former recipe: 7-bit weights without VNNI
        embedder = int8_embedder(reduce_range=not kernels_seen()["AVX512VNNI"])
    else:
        embedder = shared_embedder("", embedder_name, ONNX_CACHE)
    settings = Settings(corpus_dir=REAL_CORPUS, index_dir=Path(index))
    assistant = Assistant(settings, embedder=embedder)
    assistant.rebuild(full=True)
    answers: dict[str, Any] = {}

    def ask(question: str) -> Any:
        answer = assistant.ask(question, k=10)
        answers[question] = {
            "abstained": answer.abstained,
            "chunks": [p.chunk_id for p in answer.passages],
        }
        return answer

    labelled = read_questions(QUESTIONS)
    report = evaluate(labelled, ask).to_json()
    del report["misses"]
    vectors = Path(index) / "questions.npy"
    np.save(vectors, np.stack([embedder.embed_query(q.question) for q in labelled]))
    timed = questions(REAL_CORPUS, TIMED_QUESTIONS, seed=17)
    for question in timed[:10]:
        assistant.ask(question)
    embed, total = [], []
    for question in timed:
        started = time.perf_counter()
        embedder.embed_query(question)
        embed.append((time.perf_counter() - started) * 1000)
        total.append(assistant.ask(question).timings_ms["total"])
    seen = [name for name, present in kernels_seen().items() if present]
    return {
        "cpu": "+".join(seen) or "SSE4.2",
        "eval": report,
        "answers": answers,
        "vectors": str(vectors),
        "embed_p50_ms": p50(embed),
        "ask_p50_ms": p50(total),
    }


if __name__ == "__main__":
    print(json.dumps(child(*sys.argv[1:])))
