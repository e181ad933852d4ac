"""Benchmark the Streamlit page on a warm server: asking versus a rerun that asks nothing.

Runs the real ``ui/app.py`` under Streamlit's AppTest over the real corpus. The model is
loaded and the index opened before timing starts. Two things are measured:

* ask: a question submitted → the script run that renders its passages has finished;
* rerun: a script run that asks nothing (a widget change, a poll), with one answer on
  the page. It must not touch the model: every embedder call is counted and must be 0.

Prints a Markdown table and writes it to ``benchmarks/results/page.md`` (where
``python -m benchmarks`` picks it up). AppTest recompiles the script on every run, which
a real server caches, so the rerun figure is an upper bound. Usage::

    .venv/bin/python benchmarks/bench_page.py [--quick] [--repeat 3] [--index-dir DIR]
"""

from __future__ import annotations

import argparse
import functools
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from streamlit.testing.v1 import AppTest  # noqa: E402

from assistant import Assistant, Settings  # noqa: E402
from assistant.engine import shared_embedder  # noqa: E402

APP = ROOT / "ui" / "app.py"
RESULT = ROOT / "benchmarks" / "results" / "page.md"
QUESTIONS = (
    "What does a technical program manager do?",
    "How is a staff engineer different from an architect?",
    "What skills does an engineering manager need?",
    "Is SRE a good specialization for a senior engineer?",
    "What does a developer advocate do?",
)


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


class CallCounter:
    """Counts embedder calls by wrapping the shared model's methods (restored on close)."""

    def __init__(self, settings: Settings) -> None:
        self.embedder: Any = shared_embedder(
            settings.model_path, settings.embed_backend, settings.onnx_cache_dir
        )
        self.calls = 0
        self._originals = {name: getattr(self.embedder, name) for name in ("embed", "embed_query")}
        for name, original in self._originals.items():
            setattr(self.embedder, name, self._counted(original))

    def _counted(self, original: Callable[..., Any]) -> Callable[..., Any]:
        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return original(*args, **kwargs)

        return counted

    def close(self) -> None:
        for name, original in self._originals.items():
            setattr(self.embedder, name, original)


def fresh_page() -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=120)
    at.run()
    if at.exception:
        raise SystemExit(f"the page failed: {at.exception[0].value}")
    return at


class Timings:
    """Round trips (what AppTest waits) and script run times (what the page reports)."""

    def __init__(self) -> None:
        self.round_trip: list[float] = []
        self.script: list[float] = []

    def measure(self, at: AppTest, action: Callable[[], object]) -> None:
        started = time.perf_counter()
        action()
        self.round_trip.append((time.perf_counter() - started) * 1000)
        self.script.append(float(at.session_state["last_run_ms"]))


def ask(at: AppTest, question: str) -> None:
    at.chat_input[0].set_value(question).run()
    turns = at.session_state["turns"]
    if at.exception or not turns or turns[-1].answer is None:
        raise SystemExit(f"no answer rendered for {question!r}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--quick", action="store_true", help="one round, fewer reruns")
    parser.add_argument("--repeat", type=int, default=3, help="rounds over the questions")
    parser.add_argument("--reruns", type=int, default=5, help="empty reruns per question")
    parser.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    parser.add_argument("--index-dir", type=Path, help="default: a temporary directory")
    parser.add_argument("--output", type=Path, default=RESULT, help="where to write the table")
    args = parser.parse_args(argv)
    if args.quick:
        args.repeat, args.reruns = 1, 3

    with tempfile.TemporaryDirectory() as scratch:
        index_dir = args.index_dir or Path(scratch) / "index"
        os.environ["CAREER_ASSISTANT_CORPUS_DIR"] = str(args.corpus)
        os.environ["CAREER_ASSISTANT_INDEX_DIR"] = str(index_dir)
        settings = Settings.from_env()
        Assistant(settings).rebuild()  # build or update the index first: not measured
        warm = fresh_page()
        ask(warm, QUESTIONS[0])  # loads the model and opens the index in this "server"

        counter = CallCounter(settings)
        asks, reruns = Timings(), Timings()
        rerun_calls = 0
        try:
            for _ in range(args.repeat):
                for question in QUESTIONS:
                    at = fresh_page()
                    asks.measure(at, functools.partial(ask, at, question))
                    before = counter.calls
                    for _ in range(args.reruns):
                        reruns.measure(at, at.run)
                    rerun_calls += counter.calls - before
        finally:
            counter.close()

    table = report(args.corpus, asks, reruns, rerun_calls)
    print(table)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(table)
    return 0 if rerun_calls == 0 else 1


def row(name: str, values: list[float]) -> str:
    return (
        f"| {name} | {statistics.median(values):.1f} | {percentile(values, 0.9):.1f} "
        f"| {len(values)} |"
    )


def report(corpus: Path, asks: Timings, reruns: Timings, rerun_calls: int) -> str:
    verdict = "**met**" if rerun_calls == 0 else "**NOT met**"
    ratio_script = statistics.median(reruns.script) / statistics.median(asks.script)
    ratio_trip = statistics.median(reruns.round_trip) / statistics.median(asks.round_trip)
    return "\n".join(
        [
            "## Streamlit page: asking versus a rerun that asks nothing",
            "",
            f"_{os.cpu_count()} CPUs, Python {sys.version.split()[0]}; real ui/app.py under "
            f"AppTest, warm model, corpus {corpus.name}/_",
            "",
            "| measure | median ms | p90 ms | runs |",
            "|---|---:|---:|---:|",
            row("ask: script run, question → passages rendered", asks.script),
            row("rerun that asks nothing: script run (one answer shown)", reruns.script),
            f"| **ratio rerun / ask (script)** | **{ratio_script:.3f}** | | |",
            row("ask: AppTest round trip", asks.round_trip),
            row("rerun: AppTest round trip", reruns.round_trip),
            f"| ratio rerun / ask (round trip) | {ratio_trip:.3f} | | |",
            "",
            f"- model calls during reruns: {rerun_calls} (must be 0) {verdict}",
            "- a round trip adds AppTest's own work, mostly recompiling the script on every "
            "run (a real server caches the bytecode)",
            "",
        ]
    )


if __name__ == "__main__":
    sys.exit(main())
