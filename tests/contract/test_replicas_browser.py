"""Two page replicas on one Milvus, in a real headless Chromium.

Two ``career-assistant ui`` processes on different ports share one Milvus collection.
A rebuild started from one page runs while the other keeps answering, and once the
alias moved the other page answers from the new build without a restart.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.embeddings import Embedder

from ..conftest import write_corpus
from ..ui.test_browser import Browser, ask, chromium  # noqa: F401 - chromium is a fixture
from .conftest import MilvusServer, backend_settings, child_env, free_port
from .test_contract import ARCHITECT_PATH, SMALL

pytestmark = pytest.mark.browser

PAGE_SECONDS = 90


class Replica:
    """``career-assistant ui`` on a free port; stopped by its own PID."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = log
        command = [sys.executable, "-m", "assistant.cli", "ui", "--port", str(self.port)]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=child_env(settings), stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + PAGE_SECONDS
        while not self._healthy():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the page did not start: {log.read_text()[-2000:]}")
            time.sleep(0.2)

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}_stcore/health", timeout=1) as reply:
                return bool(reply.status == 200)
        except OSError:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def built(tmp_path: Path, milvus_server: MilvusServer, embedder: Embedder) -> tuple[Settings, str]:
    corpus = write_corpus(tmp_path / "corpus", SMALL)
    settings = backend_settings("milvus", corpus, tmp_path / "index", milvus_server)
    return settings, Assistant(settings, embedder=embedder).rebuild().build_id


@pytest.fixture
def replicas(built: tuple[Settings, str], tmp_path: Path) -> Iterator[tuple[Replica, Replica]]:
    settings, _ = built
    first = Replica(settings, tmp_path / "first.log")
    try:
        second = Replica(settings, tmp_path / "second.log")
    except BaseException:
        first.stop()
        raise
    try:
        yield first, second
    finally:
        first.stop()
        second.stop()


def test_a_rebuild_from_one_replica_is_served_by_the_other(
    built: tuple[Settings, str],
    replicas: tuple[Replica, Replica],
    chromium: Browser,  # noqa: F811 - the imported fixture
) -> None:
    settings, old = built
    first, second = (chromium.new_page(), chromium.new_page())
    first.goto(replicas[0].url)
    second.goto(replicas[1].url)
    ask(second, "what does a TPM do?")
    second.locator(".st-key-t0-passage-1").wait_for(timeout=PAGE_SECONDS * 1000)

    write_corpus(settings.corpus_dir, {"paths/architect.md": ARCHITECT_PATH})
    first.get_by_role("button", name="Update search index").click()
    ask(second, "is SRE on call?")  # the other replica answers while the rebuild runs
    second.locator(".st-key-t1-passage-1").wait_for(timeout=PAGE_SECONDS * 1000)

    backend = Assistant(settings).backend
    deadline = time.monotonic() + PAGE_SECONDS
    while backend.current() == old:
        assert time.monotonic() < deadline, "the rebuild started on the first page never ended"
        time.sleep(0.2)

    ask(second, "what does an architect do?")  # no restart: the alias moved, it follows
    passage = second.locator(".st-key-t2-passage-1")
    passage.wait_for(timeout=PAGE_SECONDS * 1000)
    assert "Architect" in passage.inner_text()
    for page in (first, second):
        assert page.locator("[data-testid='stException']").count() == 0
        page.close()
