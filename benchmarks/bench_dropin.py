"""A realistic drop-in: ~150 third-party-style documents rebuilt from scratch, then edited.

The corpus imitates what users bring (HTML pages inside a large site menu repeated on
every page, Markdown ladders with big tables), about 5 MB. Each rebuild runs in its own
``career-assistant index --json`` process so its peak RSS is its own (``wait4``); the
table shows the process's wall time and the rebuild's own seconds from its report. The
baseline in the same run is the naive pipeline (paragraph split of the raw text + the
same embedder + FAISS flat) over the same files, also in its own process.
"""

from __future__ import annotations

import compileall
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from assistant.config import PROJECT_ROOT

from .common import Report, Table, ratio, verdict
from .workload import _sentence
from .workspace import ONNX_CACHE, Workspace

NAME = "dropin"
TARGET_FULL_SECONDS = 60.0
TARGET_PEAK_MB = 600.0
TARGET_INCREMENTAL_SECONDS = 2.0
#: One-file rebuilds measured (each its own process, another file each time): the
#: median is reported, one sample being at the mercy of a shared machine.
EDITS = 3
#: The issue's figures before the ingestion rewrite, for reference (not re-measured).
BEFORE = "1,594 chunks in 40-50 s at 794 MB peak"

NAIVE = """
import sys, time, numpy as np, faiss
from pathlib import Path
from bs4 import BeautifulSoup
from assistant.embeddings import load_embedder
texts = []
for path in sorted(Path(sys.argv[1]).rglob("*.*")):
    raw = path.read_text()
    if path.suffix == ".html":
        raw = BeautifulSoup(raw, "lxml").get_text("\\n")
    texts += [p.strip() for p in raw.split("\\n\\n") if p.strip()]
embedder = load_embedder("", "onnx", Path(sys.argv[2]))
vectors = embedder.embed(texts)
index = faiss.IndexFlatIP(vectors.shape[1])
index.add(vectors)
print(len(texts))
"""


def write_dropin_corpus(directory: Path, pages: int = 75, ladders: int = 75) -> None:
    """HTML pages inside a 150-link site menu, and Markdown ladders with 6x15 tables."""
    rng = random.Random(23)
    menu = "".join(
        f'<li><a href="page-{i}.html">Framework page number {i}</a></li>' for i in range(150)
    )
    site = directory / "site"
    site.mkdir(parents=True, exist_ok=True)
    for page in range(pages):
        sections = "".join(
            f"<h2>Pillar {s}</h2><p>{' '.join(_sentence(rng) for _ in range(4))}</p>"
            f"<ul>{''.join(f'<li>{_sentence(rng)}</li>' for _ in range(6))}</ul>"
            for s in range(5)
        )
        (site / f"page-{page}.html").write_text(
            f"<html><head><title>Acme Framework</title></head><body>"
            f'<div class="sidebar"><ul>{menu}</ul></div><div class="site-links"><ul>{menu}</ul>'
            f"</div><main><h1>Level {page}</h1>{sections}</main>"
            f"<footer>© Acme · <a href='/'>Home</a></footer></body></html>"
        )
    ladder_dir = directory / "ladders"
    ladder_dir.mkdir(parents=True, exist_ok=True)
    levels = [f"Level {n} (L{n})" for n in range(1, 6)]
    for ladder in range(ladders):
        rows = "\n".join(
            f"| *Category {r}* | " + " | ".join(_sentence(rng) for _ in levels) + " |"
            for r in range(15)
        )
        (ladder_dir / f"ladder-{ladder}.md").write_text(
            f"---\ntitle: Ladder {ladder}\n---\n\nIntro: {_sentence(rng)}\n\n## Expectations\n\n"
            f"| Category | {' | '.join(levels)} |\n|{'---|' * (len(levels) + 1)}\n{rows}\n"
        )


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds (user + system), peak RSS (MB) and stdout of one child."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert child.stdout is not None
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        raise RuntimeError(f"{command[2:4]} failed with exit code {child.returncode}")
    cpu = usage.ru_utime + usage.ru_stime
    return time.perf_counter() - started, cpu, usage.ru_maxrss / 1024, out.strip()


def run(workspace: Workspace) -> Report:
    corpus = workspace.root / "dropin-corpus"
    write_dropin_corpus(corpus, *((20, 20) if workspace.quick else (75, 75)))
    size_mb = sum(p.stat().st_size for p in corpus.rglob("*") if p.is_file()) / 1e6
    files = sum(1 for p in corpus.rglob("*") if p.is_file())
    env = dict(
        os.environ,
        CAREER_ASSISTANT_CORPUS_DIR=str(corpus),
        CAREER_ASSISTANT_INDEX_DIR=str(workspace.root / "dropin-index"),
        CAREER_ASSISTANT_ONNX_CACHE_DIR=str(ONNX_CACHE),
        HF_HUB_OFFLINE="1",
    )
    index = [sys.executable, "-m", "assistant.cli", "index", "--json"]
    # As after any first run: the package's bytecode is cached (an environment with
    # PYTHONDONTWRITEBYTECODE=1 would otherwise recompile it in every process, ~0.2 s).
    compileall.compile_dir(PROJECT_ROOT / "assistant", quiet=1)
    naive_s, naive_cpu, naive_mb, naive_out = _timed(
        [sys.executable, "-c", NAIVE, str(corpus), str(ONNX_CACHE)], env
    )
    full_s, full_cpu, full_mb, full_out = _timed(index, env)
    edits = []
    for number in range(1, EDITS + 1):
        edited = corpus / "ladders" / f"ladder-{number}.md"
        edited.write_text(edited.read_text() + "\nA new closing paragraph about promotions.\n")
        edits.append(_timed(index, env))
    inc_s, inc_cpu, inc_mb, inc_out = sorted(edits)[EDITS // 2]  # the median by wall time
    full, inc = json.loads(full_out), json.loads(inc_out)

    table = Table(
        f"{files} files, {size_mb:.1f} MB (HTML in a repeated 150-link menu, Markdown tables)",
        ["run", "wall s", "rebuild s", "CPU s", "peak RSS MB",
         "vs naive baseline (time, memory)", "target"],
    )  # fmt: skip
    table.add("naive baseline: paragraph split + embed + FAISS", f"{naive_s:.1f}", "–",
              f"{naive_cpu:.1f}", f"{naive_mb:.0f}", "1.00×, 1.00×", "–")  # fmt: skip
    table.add(f"full rebuild ({full['chunks_total']} chunks)", f"{full_s:.1f}",
              f"{full['seconds']:.1f}", f"{full_cpu:.1f}", f"{full_mb:.0f}",
              f"{ratio(full_s, naive_s)}, {ratio(full_mb, naive_mb)}",
              f"≤ {TARGET_FULL_SECONDS:.0f} s, ≤ {TARGET_PEAK_MB:.0f} MB")  # fmt: skip
    table.add(f"one file changed ({inc['chunks_embedded']} chunk embedded), median of {EDITS}",
              f"{inc_s:.2f}", f"{inc['seconds']:.2f}", f"{inc_cpu:.2f}", f"{inc_mb:.0f}",
              f"{ratio(inc_s, naive_s)}, {ratio(inc_mb, naive_mb)}",
              f"≤ {TARGET_INCREMENTAL_SECONDS:.0f} s")  # fmt: skip
    table.notes += [
        f"the naive baseline embedded {naive_out} paragraphs (menus and table pipes included)",
        f"before the ingestion rewrite (issue figures, not this run): {BEFORE}",
        f"full rebuild ≤ {TARGET_FULL_SECONDS:.0f} s "
        + verdict(full_s <= TARGET_FULL_SECONDS)
        + f"; peak RSS ≤ {TARGET_PEAK_MB:.0f} MB "
        + verdict(full_mb <= TARGET_PEAK_MB)
        + f"; one file changed ≤ {TARGET_INCREMENTAL_SECONDS:.0f} s "
        + verdict(inc_s <= TARGET_INCREMENTAL_SECONDS),
        "wall s is the whole `career-assistant index` process: interpreter start and imports "
        "(about 0.4–0.5 s), the model's load (about 0.3 s, when anything is embedded) and the "
        "rebuild; rebuild s is the rebuild alone, as its --json report gives it (model load "
        "included); CPU s is the process's user + system time on both cores: on a busy "
        "machine wall s grows, CPU s much less, and an idle 2-core machine needs at least "
        "CPU s / 2 of wall time; the targets are on wall s",
        f"one file changed, each of the {EDITS} runs (wall / CPU s): "
        + ", ".join(f"{wall:.2f} / {cpu:.2f}" for wall, cpu, _, _ in edits),
        "the package's bytecode is compiled before the runs, as any run after the first finds it",
        "the one-file rebuild parses only the changed file (the others come from the parse "
        "cache the full rebuild left in the index folder), embeds only its changed chunks, "
        "and publishes a whole new build (written, then switched to atomically)",
        "the embedder is float32 ONNX (the same answers on every CPU, issue 12): about "
        "half the throughput of the former int8 export, which the before-figure used; "
        "embedding is nearly all of the full rebuild",
    ]
    return Report(NAME, "A real-sized drop-in corpus: rebuild time and memory", [table])
