"""``python -m benchmarks [--quick] [NAME ...]``: run the benchmarks, print and save tables.

Each benchmark prints a Markdown table and writes it to ``benchmarks/results/<name>.md``.
A full run of all of them also refreshes the tables in ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

from .common import BENCH_DIR, RESULTS_DIR, Report
from .workspace import Workspace

#: Run order: cheap and shared-resource benchmarks first, the 1M-vector one last.
BENCHMARKS = (
    "latency",
    "embed",
    "cpu",
    "rebuild",
    "baseline",
    "dropin",
    "coldstart",
    "memory",
    "milvus",
    "scale",
)
DOCS = BENCH_DIR.parent / "docs" / "performance.md"
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"run only these: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a few minutes")
    parser.add_argument(
        "--docs", action="store_true", help="only rewrite docs/performance.md from saved results"
    )
    args = parser.parse_args(argv)
    if args.docs:
        _refresh_docs()
        return 0
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}")
    names = args.names or list(BENCHMARKS)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="career-bench-") as scratch:
        workspace = Workspace(Path(scratch), quick=args.quick)
        for name in names:
            _run_one(name, workspace)
    if not args.names:
        _run_page(args.quick)
    print(f"\nall done in {time.perf_counter() - started:.0f} s; tables in {RESULTS_DIR}")
    if not args.names and not args.quick:
        _refresh_docs()
    return 0


def _run_one(name: str, workspace: Workspace) -> Report:
    module = importlib.import_module(f".bench_{name}", __package__)
    runner: Callable[[Workspace], Report] = module.run
    print(f"\n== {name} ==", flush=True)
    started = time.perf_counter()
    report = runner(workspace)
    report.seconds = time.perf_counter() - started
    text = report.markdown()
    print(text, flush=True)
    (RESULTS_DIR / f"{name}.md").write_text(text)
    return report


def _run_page(quick: bool) -> None:
    """The page benchmark (someone else's module) runs in its own process, if it exists.

    Its contract: ``python -m benchmarks.bench_page [--quick]`` writes results/page.md.
    """
    if not (BENCH_DIR / "bench_page.py").exists():
        return
    print("\n== page ==", flush=True)
    command = [sys.executable, "-m", "benchmarks.bench_page", *(["--quick"] if quick else [])]
    done = subprocess.run(command, cwd=BENCH_DIR.parent, check=False)
    if done.returncode != 0:
        print(f"page benchmark failed (exit {done.returncode})", file=sys.stderr)


def _refresh_docs() -> None:
    """Replace the generated part of docs/performance.md with the saved result tables."""
    if not DOCS.exists():
        return
    text = DOCS.read_text()
    if BEGIN not in text or END not in text:
        return
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    saved = [RESULTS_DIR / f"{name}.md" for name in (*BENCHMARKS, "page")]
    body = "\n".join(path.read_text() for path in saved if path.exists())
    DOCS.write_text(f"{head}{BEGIN}\n\n{body}\n{END}{tail}")
    print(f"refreshed {DOCS}")


if __name__ == "__main__":
    sys.exit(main())
