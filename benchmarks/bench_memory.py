"""Memory: peak RSS of a process serving the real corpus, bytes per chunk, and a soak.

Each reading comes from a fresh process (``benchmarks.probes serve``) so nothing the
runner loaded is counted. The soak asks 10,000 questions in one process and samples RSS
every 1,000: a leak shows as a slope, a healthy process as a flat line after warm-up.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from assistant.engine import Assistant
from assistant.store import BM25_DIR, DATABASE, FAISS_INDEX, SENTENCE_VECTORS, VECTORS, open_current

from .bench_coldstart import probe
from .common import Report, Table, ratio
from .workload import write_synthetic_corpus
from .workspace import ONNX_CACHE, REAL_CORPUS, Workspace

NAME = "memory"
COMPONENTS = {
    "chunk vectors (npy, mmap)": [VECTORS],
    "FAISS flat index (in RAM)": [FAISS_INDEX],
    "sentence vectors (npy, mmap)": [SENTENCE_VECTORS],
    "SQLite (text, offsets)": [DATABASE],
    "BM25 (in RAM)": [BM25_DIR],
}


def build_bytes(index_dir: Path) -> tuple[dict[str, int], int, int]:
    """Bytes on disk per component of the current build, its chunks and its sentences."""
    store = open_current(index_dir)
    try:
        sizes = {}
        for label, names in COMPONENTS.items():
            total = 0
            for name in names:
                path = store.build_dir / name
                files = path.rglob("*") if path.is_dir() else [path]
                total += sum(f.stat().st_size for f in files if f.is_file())
            sizes[label] = total
        return sizes, store.manifest.chunks, store.manifest.sentences
    finally:
        store.close()


def synthetic_index(workspace: Workspace) -> Path:
    """The rebuild benchmark's 1,000-file index, or a fresh one if it did not run."""
    index_dir = workspace.root / "synthetic-index"
    if not (index_dir / "CURRENT").exists():
        from assistant.config import Settings

        corpus = workspace.root / "synthetic-corpus"
        write_synthetic_corpus(corpus, 200 if workspace.quick else 1000, seed=11)
        settings = Settings.from_env(corpus_dir=corpus, index_dir=index_dir)
        Assistant(settings, embedder=workspace.onnx_embedder).rebuild()
    return index_dir


def serve(workspace: Workspace, backend: str, count: int, every: int) -> dict[str, Any]:
    """Serve the real corpus from ``backend``'s own index in a fresh process."""
    index_dir = workspace.settings_for(backend).index_dir
    return probe(
        "serve", backend, str(REAL_CORPUS), str(index_dir), str(ONNX_CACHE), str(count), str(every)
    )


def run(workspace: Workspace) -> Report:
    _ = workspace.real_index_seconds
    _ = workspace.real_assistant(workspace.torch_embedder)  # the torch index
    real = workspace.real_settings.index_dir
    served = {b: serve(workspace, b, 200, 200) for b in ("torch", "onnx")}
    soak_count = 2_000 if workspace.quick else 10_000
    soak = serve(workspace, "onnx", soak_count, 1_000)
    return Report(
        NAME,
        "Memory",
        [_serving(served), _per_chunk(workspace, real), _soak(soak)],
    )


def _serving(served: dict[str, dict[str, Any]]) -> Table:
    table = Table(
        "Peak RSS of a process serving the real corpus (200 questions answered)",
        ["backend", "RSS after load MiB", "peak RSS MiB", "peak vs torch"],
    )
    base = served["torch"]["peak_mib"]
    for backend, label in (
        ("torch", "torch (CAREER_ASSISTANT_EMBED_BACKEND=torch)"),
        ("onnx", "ONNX float32 (the default)"),
    ):
        result = served[backend]
        table.add(
            label,
            f"{result['loaded_mib']:.0f}",
            f"{result['peak_mib']:.0f}",
            ratio(result["peak_mib"], base),
        )
    return table


def _per_chunk(workspace: Workspace, real: Path) -> Table:
    table = Table(
        "Index bytes per chunk, measured on disk, and per 100k chunks",
        ["component", "real corpus B/chunk", "synthetic B/chunk", "real-shaped MiB per 100k"],
    )
    real_sizes, real_chunks, real_sentences = build_bytes(real)
    synth_sizes, synth_chunks, synth_sentences = build_bytes(synthetic_index(workspace))
    for label in COMPONENTS:
        per_real = real_sizes[label] / real_chunks
        table.add(
            label,
            f"{per_real:,.0f}",
            f"{synth_sizes[label] / synth_chunks:,.0f}",
            f"{per_real * 100_000 / 2**20:,.0f}",
        )
    total_real = sum(real_sizes.values()) / real_chunks
    total_synth = sum(synth_sizes.values()) / synth_chunks
    table.add(
        "**total**",
        f"{total_real:,.0f}",
        f"{total_synth:,.0f}",
        f"**{total_real * 100_000 / 2**20:,.0f}**",
    )
    table.notes += [
        f"real corpus: {real_chunks} chunks, {real_sentences / real_chunks:.1f} sentences per "
        f"chunk; synthetic: {synth_chunks} chunks, {synth_sentences / synth_chunks:.1f} per chunk "
        "(one vector per distinct sentence dominates the bytes)",
        "resident set while serving ≈ FAISS + BM25 + touched pages of the mmapped vectors; "
        "the page cache holds the rest",
    ]
    return table


def _soak(soak: dict[str, Any]) -> Table:
    samples: list[tuple[int, float]] = [tuple(s) for s in soak["samples"]]
    table = Table(
        f"Soak: {samples[-1][0]:,} questions through one process (ONNX float32), RSS every 1,000",
        ["questions answered", "RSS MiB", "vs after 1,000"],
    )
    warm = next((rss for n, rss in samples if n == 1_000), samples[0][1])
    for number, rss in samples:
        table.add(f"{number:,}", f"{rss:.1f}", ratio(rss, warm))
    growth = samples[-1][1] - warm
    table.notes.append(
        f"growth after warm-up: {growth:+.1f} MiB over {samples[-1][0] - 1_000:,} questions "
        f"({'flat' if abs(growth) < 5 else 'NOT flat'}); {samples[-1][0] / soak['seconds']:.0f} "
        "questions/s"
    )
    return table
