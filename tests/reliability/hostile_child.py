"""A child process for the hostile-file suite: index a corpus, ask, and report the cost.

``python -m tests.reliability.hostile_child CORPUS INDEX QUESTION`` rebuilds INDEX from
CORPUS with the library's default embedder (as ``career-assistant index`` would), asks
QUESTION, and prints JSON: each file's parse seconds, the process's peak resident memory
(its own, not the test runner's: ``VmHWM``), the parse cache's size on disk, the warnings and the
answer's sources. A process of its own so that the memory figure is the run's alone.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

from assistant import Assistant, Settings
from assistant.documents import CorpusFile
from assistant.indexer import PARSE_CACHE
from assistant.ingest import corpus as corpus_module
from assistant.ingest.files import Warn
from assistant.ingest.layout import Parsed

seconds: dict[str, float] = {}
_parse = corpus_module.parse_file


def timed_parse(file: CorpusFile, warn: Warn) -> Parsed | None:
    """The real parser, timed per file."""
    started = time.perf_counter()
    try:
        return _parse(file, warn)
    finally:
        seconds[file.source] = time.perf_counter() - started


def _peak_mb() -> float:
    """This process's peak resident memory. Not ``getrusage``: its ``ru_maxrss`` keeps
    the peak of the process it was forked from (the test runner, model loaded) across
    ``exec``; ``VmHWM`` is the peak of this program's own memory."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(corpus: str, index: str, question: str) -> None:
    corpus_module.parse_file = timed_parse
    settings = Settings.from_env(corpus_dir=Path(corpus), index_dir=Path(index))
    assistant = Assistant(settings)
    warnings: list[str] = []
    assistant.rebuild(warn=warnings.append)
    rebuilt_mb = _peak_mb()
    answer = assistant.ask(question)
    cache = Path(index) / PARSE_CACHE
    print(
        json.dumps(
            {
                "seconds": seconds,
                "peak_mb": _peak_mb(),
                "rebuild_peak_mb": rebuilt_mb,
                "cache_bytes": sum(p.stat().st_size for p in cache.iterdir()),
                "warnings": warnings,
                "sources": [p.source for p in answer.passages],
                "stale": assistant.status().stale,
            }
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
