"""What every benchmark shares: statistics, Markdown tables, memory readings, the machine.

Each benchmark returns a :class:`Report` (one or more tables plus notes); ``__main__``
prints it and writes it to ``benchmarks/results/<name>.md``. Figures are always shown
next to the baseline measured in the same run, as a ratio, so a noisy machine (this
one's two vCPUs are shared) moves both sides together instead of faking a trend.
"""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
#: Survives between runs (git-ignored): the one-time ONNX export lives here.
CACHE_DIR = BENCH_DIR / ".cache"


@dataclass
class Table:
    """A Markdown table with a title and free-text notes under it."""

    title: str
    headers: list[str]
    rows: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append([str(cell) for cell in cells])

    def markdown(self) -> str:
        lines = [f"### {self.title}", ""]
        lines.append("| " + " | ".join(self.headers) + " |")
        lines.append("|" + "|".join("---" for _ in self.headers) + "|")
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        if self.notes:
            lines.append("")
            lines += [f"- {note}" for note in self.notes]
        return "\n".join(lines)


@dataclass
class Report:
    """One benchmark's output: its tables, in order, under a heading."""

    name: str
    heading: str
    tables: list[Table] = field(default_factory=list)
    seconds: float = 0.0

    def markdown(self) -> str:
        parts = [f"## {self.heading}", "", f"_{machine_line()}; ran in {self.seconds:.0f} s_"]
        parts += ["", *[table.markdown() + "\n" for table in self.tables]]
        return "\n".join(parts).rstrip() + "\n"


# -- statistics ---------------------------------------------------------------------------


def p50(values: Sequence[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


def p95(values: Sequence[float]) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), 95)) if values else 0.0


def ms(value: float) -> str:
    """Milliseconds with precision that suits their size."""
    if value != value:  # NaN: not measured
        return "–"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}" if value < 100 else f"{value:.0f}"


def ratio(value: float, baseline: float) -> str:
    """``value / baseline`` as "0.25×"; a dash when there is no baseline."""
    if not baseline or baseline != baseline or value != value:
        return "–"
    share = value / baseline
    return f"{share:.3f}×" if share < 0.1 else f"{share:.2f}×"


def timed(action: Callable[[], object]) -> float:
    """Seconds one call of ``action`` takes."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


# -- memory -------------------------------------------------------------------------------


def _status_kib(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def rss_mib() -> float:
    """Resident memory of this process now."""
    return _status_kib("VmRSS") / 1024


def peak_rss_mib() -> float:
    """The high-water mark of resident memory (since start or the last reset)."""
    return _status_kib("VmHWM") / 1024


def reset_peak_rss() -> None:
    """Start a new high-water mark, so one phase's peak can be read on its own (Linux)."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


# -- the machine --------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine_line() -> str:
    """One line naming the hardware the figures come from."""
    from .cpu import cpu_features

    memory_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{os.cpu_count()} vCPU {cpu_model()} ({cpu_features().label}), "
        f"{memory_gib:.0f} GiB, Python {platform.python_version()}"
    )


def describe(values: Iterable[float]) -> str:
    """p50 / p95 in milliseconds, from seconds."""
    listed = [v * 1000 for v in values]
    return f"{ms(p50(listed))} / {ms(p95(listed))}"
