"""What a user sees when Milvus is not there, not set up, or not the one the index needs.

Every failure is one line naming the problem and the fix, exit code 3 in the CLI, and
an engine that recovers by itself once the server is back.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest

from assistant import Assistant, IndexUnavailableError, Settings
from assistant.backends.milvus.connection import Connection
from assistant.cli import main
from assistant.embeddings import Embedder

from ..conftest import ARTICLE, TPM_PATH, write_corpus
from ..reliability.conftest import MemoEmbedder
from .conftest import MilvusServer, backend_settings, child_env, free_port

SMALL = {"paths/technical-program-manager.md": TPM_PATH, "articles/growing.md": ARTICLE}


def run_cli(settings: Settings, *args: str) -> tuple[int, str]:
    """The real CLI in a child process (its own environment): exit code, stderr."""
    done = subprocess.run(
        [sys.executable, "-m", "assistant.cli", *args],
        env=child_env(settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return done.returncode, done.stderr


def one_line(stderr: str, *needles: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus", SMALL)


def test_an_unreachable_server_is_one_line_and_exit_code_3(corpus: Path, tmp_path: Path) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    settings = Settings(
        corpus_dir=corpus, index_dir=tmp_path / "i", backend="milvus", milvus_uri=nowhere
    )
    for command in (["ask", "what does a TPM do?"], ["index"]):
        code, stderr = run_cli(settings, *command)
        assert code == 3, stderr
        one_line(stderr, f"cannot reach Milvus at {nowhere}", "start the server")


def test_a_missing_collection_says_to_build_it(
    corpus: Path, tmp_path: Path, milvus_server: MilvusServer
) -> None:
    settings = backend_settings("milvus", corpus, tmp_path / "i", milvus_server)
    code, stderr = run_cli(settings, "status")
    assert code == 3
    one_line(stderr, "there is no index in Milvus at", "run `career-assistant index`")


@pytest.mark.parametrize("name", ["has-dash", "a__b", "9starts_with_digit"])
def test_an_invalid_collection_name_is_refused_up_front(
    name: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CAREER_ASSISTANT_BACKEND", "milvus")
    monkeypatch.setenv("CAREER_ASSISTANT_MILVUS_COLLECTION", name)
    code = main(["status"])
    stderr = capsys.readouterr().err
    assert code == 2
    one_line(stderr, "Milvus collection name", "CAREER_ASSISTANT_MILVUS_COLLECTION")


class Renamed(MemoEmbedder):
    """The real vectors under another model's name: an index built by another model."""

    def __init__(self, memo: MemoEmbedder, name: str, dimension: int) -> None:
        super().__init__(memo.real)
        self.texts, self.queries = memo.texts, memo.queries
        self.name, self.dimension = name, dimension

    def embed_query(self, text: str) -> np.ndarray:
        return super().embed_query(text)[: self.dimension]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return super().embed_queries(texts)[:, : self.dimension]


@pytest.fixture(scope="module")
def memo(embedder: Embedder) -> MemoEmbedder:
    return MemoEmbedder(embedder)


def test_an_index_of_another_model_is_refused(
    corpus: Path, tmp_path: Path, milvus_server: MilvusServer, memo: MemoEmbedder
) -> None:
    settings = backend_settings("milvus", corpus, tmp_path / "i", milvus_server)
    Assistant(settings, embedder=Renamed(memo, "other-model", memo.dimension)).rebuild()
    code, stderr = run_cli(settings, "ask", "what does a TPM do?")
    assert code == 3
    one_line(stderr, "built with model other-model", "career-assistant index --full")
    smaller = Assistant(settings, embedder=Renamed(memo, "other-model", 128))
    with pytest.raises(IndexUnavailableError, match="384-d"):
        smaller.ask("what does a TPM do?")


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[MilvusServer]:
    """A server of this test's own, to stop and start again."""
    server = MilvusServer(tmp_path / "milvus")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_a_server_stopped_mid_session_fails_clearly_then_recovers(
    corpus: Path, tmp_path: Path, own_server: MilvusServer, memo: MemoEmbedder
) -> None:
    settings = backend_settings("milvus", corpus, tmp_path / "i", own_server, milvus_timeout=3.0)
    assistant = Assistant(settings, embedder=memo)
    assistant.rebuild()
    before = [p.chunk_id for p in assistant.ask("what does a TPM do?").passages]

    own_server.stop()
    with pytest.raises(IndexUnavailableError, match="cannot reach Milvus") as error:
        assistant.ask("what does a TPM do?")
    assert "\n" not in str(error.value)
    code, stderr = run_cli(settings, "ask", "what does a TPM do?")
    assert code == 3
    one_line(stderr, "cannot reach Milvus", "start the server")

    own_server.start()  # same port, same data: the engine reconnects by itself
    assert [p.chunk_id for p in assistant.ask("what does a TPM do?").passages] == before


def test_refused_credentials_name_the_token_setting() -> None:
    """milvus-lite has no authentication, so the server's refusal is given as Milvus
    words it (code 1800, "auth check failure") to the translation the backend uses."""
    connection = Connection(Settings(backend="milvus"))
    error = connection.explain(1800, "auth check failure, please check username and password")
    assert "refused the credentials" in str(error)
    assert "CAREER_ASSISTANT_MILVUS_TOKEN" in str(error)
    assert error.exit_code == 3
