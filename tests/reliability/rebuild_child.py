"""Rebuilds in child processes, for the fault tests (run as a script, not collected).

``python rebuild_child.py CONFIG.json``. The embedder replays real all-MiniLM-L6-v2
vectors recorded by the parent (so no torch import: a child starts in ~1 s), optionally
sleeping per batch so that a rebuild lasts long enough to be killed at a chosen moment.

Modes:

- ``jobs``: for each job, fork a process that rebuilds one index and either kills itself
  with SIGKILL at a named point of the rebuild, is killed by this process after
  ``kill_after`` seconds, or runs under a file-size limit (a real write failure).
  Prints one JSON object per job: how the process ended and what it raised.
- ``hold``: one rebuild that prints ``embedding`` once it holds the rebuild lock, then
  waits until the file ``gate`` exists before finishing.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import assistant.backends.local as local
from assistant import Assistant, AssistantError, Settings


class ReplayEmbedder:
    def __init__(self, config: dict[str, Any]) -> None:
        self.name = str(config["model"])  # the identity of the model that made the vectors
        texts = json.loads(Path(config["texts"]).read_text())
        self._rows = {text: row for row, text in enumerate(texts)}
        self._vectors = np.load(config["vectors"], allow_pickle=False)
        self.dimension = int(self._vectors.shape[1])
        self.delay = float(config.get("delay", 0.0))
        self.gate = config.get("gate")

    def embed(
        self,
        texts: Sequence[str],
        batch_size: int = 32,
        progress: Callable[[int, int], None] | None = None,
    ) -> np.ndarray:
        if self.gate:
            print("embedding", flush=True)
            while not Path(self.gate).exists():
                time.sleep(0.02)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for begin in range(0, len(texts), batch_size):
            time.sleep(self.delay)
            for i in range(begin, min(begin + batch_size, len(texts))):
                out[i] = self._vectors[self._rows[texts[i]]]
        return out

    def embed_query(self, text: str) -> np.ndarray:
        raise RuntimeError("the child never answers questions")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        raise RuntimeError("the child never answers questions")


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _wrap(owner: Any, name: str, when: str, match: Callable[..., bool]) -> None:
    """Replace ``owner.name`` so the process SIGKILLs itself before or after a call."""
    original = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        hit = match(*args, **kwargs)
        if hit and when == "before":
            _die()
        result = original(*args, **kwargs)
        if hit and when == "after":
            _die()
        return result

    setattr(owner, name, wrapper)


def _named(*parts: str) -> Callable[..., bool]:
    return lambda src, *_, **__: any(Path(src).name.startswith(p) for p in parts)


def _always(*_: Any, **__: Any) -> bool:
    return True


KILL_POINTS: dict[str, Callable[[], None]] = {
    # the lock is held, the corpus is read, nothing is written yet
    "before-write": lambda: _wrap(local, "_write_database", "before", _always),
    # tmp-<id>/ holds the database and vectors.npy, not the rest
    "mid-write": lambda: _wrap(local, "_save_array", "after", _always),
    "before-fsync": lambda: _wrap(local, "_fsync_tree", "before", _always),
    # tmp-<id>/ is complete and synced, not yet renamed into builds/
    "before-rename": lambda: _wrap(os, "rename", "before", _named("tmp-")),
    # builds/<id>/ exists but CURRENT still names the old build
    "after-rename": lambda: _wrap(os, "rename", "after", _named("tmp-")),
    # the new pointer is written to .CURRENT.<x> but not yet swapped in
    "during-swap": lambda: _wrap(os, "replace", "before", _named(".CURRENT.")),
    # CURRENT swapped, the directory entry not yet fsynced
    "after-swap": lambda: _wrap(os, "replace", "after", _named(".CURRENT.")),
    "before-prune": lambda: _wrap(local.LocalBackend, "prune", "before", _always),
}


def _rebuild(config: dict[str, Any], job: dict[str, Any]) -> None:
    settings = Settings(
        corpus_dir=Path(job["corpus"]),
        index_dir=Path(job["index"]),
        batch_size=int(job.get("batch_size", 32)),
        lock_timeout=float(job.get("lock_timeout", 0)),
    )
    embedder = ReplayEmbedder({**config, **job})
    Assistant(settings, embedder=embedder).rebuild(full=bool(job.get("full")))


def _run_job(config: dict[str, Any], job: dict[str, Any]) -> dict[str, Any]:
    result_file = Path(job["index"]).parent / "child-result.json"
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 0
        try:
            if job.get("kill_at"):
                KILL_POINTS[job["kill_at"]]()
            if job.get("fsize"):
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (job["fsize"], resource.RLIM_INFINITY))
            try:
                _rebuild(config, job)
                outcome: dict[str, Any] = {"raised": None}
            except Exception as error:
                outcome = {
                    "raised": type(error).__name__,
                    "assistant_error": isinstance(error, AssistantError),
                    "message": str(error),
                }
            resource.setrlimit(resource.RLIMIT_FSIZE, (-1, -1))
            result_file.write_text(json.dumps(outcome))
        except BaseException:
            traceback.print_exc()
            code = 70
        finally:
            os._exit(code)
    status: int | None = None
    if job.get("kill_after") is not None:
        deadline = time.monotonic() + float(job["kill_after"])
        while time.monotonic() < deadline:
            done, code = os.waitpid(pid, os.WNOHANG)
            if done:
                status = code
                break
            time.sleep(0.005)
        else:
            os.kill(pid, signal.SIGKILL)
    if status is None:
        status = os.waitpid(pid, 0)[1]
    report: dict[str, Any] = {"name": job["name"]}
    if os.WIFSIGNALED(status):
        report["signal"] = os.WTERMSIG(status)
    else:
        report["exit"] = os.WEXITSTATUS(status)
    if result_file.exists():
        report |= json.loads(result_file.read_text())
        result_file.unlink()
    return report


def main(argv: list[str]) -> int:
    config = json.loads(Path(argv[1]).read_text())
    if config["mode"] == "hold":
        _rebuild(config, config["job"])
        print("done", flush=True)
        return 0
    for job in config["jobs"]:
        print(json.dumps(_run_job(config, job)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
