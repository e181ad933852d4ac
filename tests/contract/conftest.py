"""Fixtures for the backend contract suite: a real Milvus server and both backends.

``milvus_server`` starts ``milvus-lite server`` (a Milvus gRPC server, the same protocol
a Milvus cluster speaks) on 127.0.0.1 and a free port with a temp data dir, once per
session, and stops it by its own PID at the end. Tests talk to it over the network
through pymilvus, exactly as the assistant would talk to a cluster.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant import Settings

BACKENDS = ("local", "milvus")
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def interruptible() -> None:
    """In the child: take SIGINT's default back, so the server's Python turns it into a
    graceful shutdown even when the tests run where SIGINT is ignored (a background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


class MilvusServer:
    """One ``milvus-lite server`` process; ``stop`` and ``start`` keep its port and data."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.uri = f"http://127.0.0.1:{self.port}"
        self.log = data_dir.with_suffix(".log")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "milvus_lite", "server", "--data-dir"]
        command += [str(self.data_dir), "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, preexec_fn=interruptible
            )
        deadline = time.monotonic() + START_SECONDS
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"milvus-lite server did not start:\n{self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    def _ready(self) -> bool:
        from pymilvus import MilvusClient

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                pass
            MilvusClient(uri=self.uri, timeout=2).list_collections()
        except Exception:
            return False
        return True

    def stop(self) -> None:
        """Stop the server gracefully (SIGINT: it flushes and closes), by its own PID."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="session")
def milvus_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MilvusServer]:
    server = MilvusServer(tmp_path_factory.mktemp("milvus") / "data")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def unique_collection() -> str:
    return "t" + uuid.uuid4().hex[:12]


def backend_settings(
    backend: str, corpus: Path, index_dir: Path, server: MilvusServer | None, **extra: Any
) -> Settings:
    """Settings for ``backend`` over ``corpus``; each Milvus one gets its own alias."""
    if backend == "milvus":
        assert server is not None
        extra |= {
            "backend": "milvus",
            "milvus_uri": server.uri,
            "milvus_collection": unique_collection(),
        }
    return Settings(corpus_dir=corpus, index_dir=index_dir, **extra)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def configure(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> Callable[..., Settings]:
    """``configure(corpus, **settings)``: Settings for this test's backend."""
    server = request.getfixturevalue("milvus_server") if backend == "milvus" else None

    def make(corpus: Path, **extra: Any) -> Settings:
        return backend_settings(backend, corpus, tmp_path / "index", server, **extra)

    return make


def child_env(settings: Settings) -> dict[str, str]:
    """The environment that points a child process at ``settings``' index."""
    env = dict(os.environ)
    env |= {
        "CAREER_ASSISTANT_CORPUS_DIR": str(settings.corpus_dir),
        "CAREER_ASSISTANT_INDEX_DIR": str(settings.index_dir),
        "CAREER_ASSISTANT_BACKEND": settings.backend,
        "CAREER_ASSISTANT_MILVUS_URI": settings.milvus_uri,
        "CAREER_ASSISTANT_MILVUS_COLLECTION": settings.milvus_collection,
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    }
    return env
