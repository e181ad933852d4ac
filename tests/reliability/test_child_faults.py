"""Rebuilds that die: SIGKILL at named points and random moments, and real write failures.

All rebuilds run in child processes forked by one launcher (``rebuild_child.py``), so a
kill is a real SIGKILL of a real process in the middle of a rebuild and a write failure
is the kernel's (RLIMIT_FSIZE: writes past the limit fail with EFBIG), not a mock.
Afterwards the index must be the old build or the new one, never anything in between:
it loads with every checksum verified, answers exactly as that build should, the lock
is free, and the next rebuild removes the dead process's leftovers.
"""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from filelock import FileLock

from assistant import Assistant
from assistant.backends.local import LOCK_FILE
from assistant.indexer import KEEP_BUILDS
from assistant.store import BUILDS, DATABASE, SENTENCE_VECTORS, VECTORS

from .conftest import PROBES, Copy, MemoEmbedder, Prebuilt, copy_of, fresh_answers, verified
from .rebuild_child import KILL_POINTS

CHILD = Path(__file__).with_name("rebuild_child.py")

#: Where each named kill point leaves CURRENT: the swap is the only moment it changes.
SERVES_NEW_AFTER = {"after-swap", "before-prune"}
#: Seconds after the fork at which the launcher SIGKILLs a full, slowed-down rebuild
#: (embedding is spread over ~1.2 s, then writing and swapping; by 10 s it has finished:
#: the launcher stops waiting as soon as the child exits, so a long last delay is free).
KILL_DELAYS = (0.05, 0.2, 0.5, 0.8, 1.1, 1.3, 1.5, 10.0)
EMBED_SECONDS = 1.2
BATCH = 4


def _size(path: Path) -> int:
    return path.stat().st_size


@pytest.fixture(scope="module")
def launched(
    prebuilt: Prebuilt, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Copy, dict[str, Any]]]:
    """Run every child job once (one launcher process); map job name -> (copy, report)."""
    root = tmp_path_factory.mktemp("children")
    texts = len(json.loads(prebuilt.replay_texts.read_text()))
    delay = EMBED_SECONDS / math.ceil(texts / BATCH)
    new_build = prebuilt.new_index / BUILDS / prebuilt.new_build
    db_size = _size(new_build / DATABASE)
    bigger = [f for f in (VECTORS, SENTENCE_VECTORS) if _size(new_build / f) > db_size + 4096]
    assert bigger, "no vector file is larger than the database: adjust the corpus"

    jobs: list[dict[str, Any]] = []
    for point in KILL_POINTS:
        jobs.append({"name": f"at:{point}", "kill_at": point})
    for seconds in KILL_DELAYS:
        jobs.append(
            {"name": f"after:{seconds}", "kill_after": seconds, "full": True, "delay": delay}
        )
    jobs.append({"name": "fsize:sqlite", "fsize": 4096})
    jobs.append({"name": "fsize:vectors", "fsize": db_size + 4096, "target": bigger[0]})
    copies = {}
    for job in jobs:
        copy = copy_of(prebuilt.new_corpus, prebuilt.old_index, root / job["name"])
        job |= {"corpus": str(copy.corpus), "index": str(copy.index), "batch_size": BATCH}
        copies[job["name"]] = copy
    config = root / "config.json"
    config.write_text(
        json.dumps(
            {
                "mode": "jobs",
                "texts": str(prebuilt.replay_texts),
                "vectors": str(prebuilt.replay_vectors),
                "model": prebuilt.model,
                "jobs": jobs,
            }
        )
    )
    done = subprocess.run(
        [sys.executable, str(CHILD), str(config)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    reports = {r["name"]: r for r in map(json.loads, done.stdout.splitlines())}
    assert set(reports) == set(copies), done.stderr
    return {name: (copies[name], reports[name]) for name in copies}


def check_old_or_new(copy: Copy, prebuilt: Prebuilt, memo: MemoEmbedder) -> str:
    """The index is exactly the old build or a complete new one; returns which."""
    current = copy.current()
    verified(copy.index).close()  # loads, sizes, counts and every checksum
    answers = fresh_answers(copy, memo)
    if current == prebuilt.old_build:
        assert answers == {q: prebuilt.old_answers[q] for q in PROBES}
        return "old"
    assert answers == {q: prebuilt.new_answers[q] for q in PROBES}
    return "new"


def check_recovers(copy: Copy, prebuilt: Prebuilt, memo: MemoEmbedder) -> None:
    """The lock is free, and the next rebuild cleans up and serves the new corpus."""
    lock = FileLock(str(copy.index / LOCK_FILE), timeout=0)
    lock.acquire()  # raises Timeout if a dead process's lock were stuck
    lock.release()
    Assistant(copy.settings, embedder=memo).rebuild()
    leftovers = [p.name for p in copy.index.iterdir() if p.name.startswith(("tmp-", ".CURRENT"))]
    assert leftovers == []
    assert len(list((copy.index / BUILDS).iterdir())) <= KEEP_BUILDS
    verified(copy.index).close()
    assert fresh_answers(copy, memo) == {q: prebuilt.new_answers[q] for q in PROBES}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_sigkill_at_each_step_leaves_old_or_new_index(
    launched: dict[str, tuple[Copy, dict[str, Any]]],
    prebuilt: Prebuilt,
    memo: MemoEmbedder,
    point: str,
) -> None:
    copy, report = launched[f"at:{point}"]
    assert report.get("signal") == signal.SIGKILL, report  # the kill point was reached
    served = check_old_or_new(copy, prebuilt, memo)
    assert served == ("new" if point in SERVES_NEW_AFTER else "old")
    if point in ("mid-write", "before-fsync", "before-rename", "during-swap"):
        debris = [p for p in copy.index.iterdir() if p.name.startswith(("tmp-", ".CURRENT."))]
        assert debris, "the kill should have left debris for the next rebuild to clean"
    check_recovers(copy, prebuilt, memo)


@pytest.mark.parametrize("seconds", KILL_DELAYS)
def test_sigkill_at_random_moments_leaves_old_or_new_index(
    launched: dict[str, tuple[Copy, dict[str, Any]]],
    prebuilt: Prebuilt,
    memo: MemoEmbedder,
    seconds: float,
) -> None:
    copy, report = launched[f"after:{seconds}"]
    assert report.get("signal") == signal.SIGKILL or report == {
        "name": f"after:{seconds}",
        "exit": 0,
        "raised": None,
    }, report
    check_old_or_new(copy, prebuilt, memo)
    check_recovers(copy, prebuilt, memo)


def test_kill_moments_cover_both_outcomes(
    launched: dict[str, tuple[Copy, dict[str, Any]]], prebuilt: Prebuilt
) -> None:
    """The timed kills really span the rebuild: some die early, the last one finishes."""
    reports = [launched[f"after:{s}"][1] for s in KILL_DELAYS]
    assert reports[0].get("signal") == signal.SIGKILL
    assert reports[-1].get("exit") == 0


@pytest.mark.parametrize(
    "job",
    [
        "fsize:sqlite",
        "fsize:vectors",
    ],
)
def test_a_real_write_failure_is_one_clear_error_and_the_old_index_serves(
    launched: dict[str, tuple[Copy, dict[str, Any]]],
    prebuilt: Prebuilt,
    memo: MemoEmbedder,
    job: str,
) -> None:
    copy, report = launched[job]
    assert report.get("exit") == 0 and report["raised"] is not None, report
    assert copy.current() == prebuilt.old_build
    assert check_old_or_new(copy, prebuilt, memo) == "old"
    check_recovers(copy, prebuilt, memo)
    assert report["assistant_error"], report
    assert "\n" not in report["message"]
    assert "previous index is still served" in report["message"]
