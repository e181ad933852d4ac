"""Cold start: a fresh process to its first answer, over an existing index.

The headline is the real command, ``career-assistant ask`` in a subprocess. The phase
breakdown comes from a probe process that does the same steps with timers, once with
the torch backend and once with ONNX float32; ``-X importtime`` names
the imports that dominate.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from .common import BENCH_DIR, Report, Table, p50, ratio
from .workspace import ONNX_CACHE, REAL_CORPUS, Workspace

NAME = "coldstart"
QUESTION = "How do I become a staff engineer?"
VENV_BIN = Path(sys.executable).parent


def _wall(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=BENCH_DIR.parent)
    return time.perf_counter() - started


def probe(task: str, *args: str) -> dict[str, Any]:
    """Run ``benchmarks.probes TASK args`` in a fresh interpreter; its JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.probes", task, *args],
        check=True,
        capture_output=True,
        text=True,
        cwd=BENCH_DIR.parent,
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def top_imports(modules: str, count: int = 8) -> list[tuple[str, float]]:
    """The slowest top-level imports (cumulative ms) from ``python -X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {modules}"],
        check=True,
        capture_output=True,
        text=True,
        cwd=BENCH_DIR.parent,
    )
    found = []
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if match and len(match.group(2)) <= 3:  # top level and one below
            found.append((match.group(3), int(match.group(1)) / 1000))
    return sorted(found, key=lambda item: -item[1])[:count]


def run(workspace: Workspace) -> Report:
    _ = workspace.real_index_seconds
    _ = workspace.onnx_embedder  # the export exists before anything is timed
    settings = workspace.real_settings
    cli = [
        str(VENV_BIN / "career-assistant"),
        "ask",
        QUESTION,
        "--json",
        "--corpus",
        str(settings.corpus_dir),
        "--index-dir",
        str(settings.index_dir),
    ]
    repeats = 1 if workspace.quick else 2  # a torch cold start takes 10-20 s here
    bare = [_wall([sys.executable, "-c", "pass"]) for _ in range(3)]
    command = [_wall(cli) for _ in range(repeats)]
    _ = workspace.real_assistant(workspace.torch_embedder)  # the torch index

    def args(backend: str) -> list[str]:
        index_dir = workspace.settings_for(backend).index_dir
        return [str(REAL_CORPUS), str(index_dir), str(ONNX_CACHE), QUESTION]

    runs = {
        "torch": [probe("cold", "torch", *args("torch")) for _ in range(repeats)],
        "onnx": [probe("cold", "onnx", *args("onnx")) for _ in range(repeats + 1)],
    }
    return Report(
        NAME,
        "Cold start to the first answer",
        [_headline(bare, command, runs), _phases(runs), _imports()],
    )


def _headline(
    bare: list[float], command: list[float], runs: dict[str, list[dict[str, Any]]]
) -> Table:
    table = Table(
        "Fresh process → first answer (existing index, real corpus)",
        ["what", "wall s (median)", "vs the CLI"],
    )
    cli = p50(command)
    table.add("`python -c pass` (interpreter only)", f"{p50(bare):.2f}", ratio(p50(bare), cli))
    table.add("`career-assistant ask … --json` (ONNX float32, the default)", f"{cli:.2f}", "1.00×")
    for backend, label in (("torch", "probe, torch"), ("onnx", "probe, ONNX float32")):
        total = p50([r["total_ms"] for r in runs[backend]]) / 1000 + p50(bare)
        table.add(f"{label} (+ interpreter start)", f"{total:.2f}", ratio(total, cli))
    loaded = {b: any(r["torch"] for r in runs[b]) for b in runs}
    table.notes.append(f"torch imported by the ONNX path: {'yes' if loaded['onnx'] else 'no'}")
    return table


def _phases(runs: dict[str, list[dict[str, Any]]]) -> Table:
    table = Table(
        "Where the cold start goes (ms, median of runs)", ["phase", "torch", "ONNX float32"]
    )
    names: dict[str, None] = {}
    for backend in ("torch", "onnx"):
        for name in runs[backend][0]["phases"]:
            names.setdefault(name, None)
    for name in names:
        cells = []
        for backend in ("torch", "onnx"):
            values = [r["phases"][name] for r in runs[backend] if name in r["phases"]]
            cells.append(f"{p50(values):.0f}" if values else "–")
        table.add(name, *cells)
    table.add(
        "**total in-process**",
        *[f"{p50([r['total_ms'] for r in runs[b]]):.0f}" for b in ("torch", "onnx")],
    )
    return table


def _imports() -> Table:
    table = Table(
        "Slowest imports (`python -X importtime`, cumulative ms, one run)", ["module", "ms"]
    )
    for module, milliseconds in top_imports("assistant.cli, sentence_transformers", 10):
        table.add(f"`{module}`", f"{milliseconds:.0f}")
    return table
