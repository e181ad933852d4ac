"""The real page (Streamlit AppTest) on the Milvus backend: it answers, and a server it
cannot reach is a clear message, not a traceback or a rebuild that cannot work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from assistant import Assistant
from assistant.embeddings import Embedder

from ..conftest import ARTICLE, TPM_PATH, write_corpus
from ..ui.ui_support import APP, unescape
from .conftest import MilvusServer, backend_settings, free_port

TIMEOUT = 60


def page(monkeypatch: pytest.MonkeyPatch, corpus: Path, index: Path, **env: str) -> AppTest:
    monkeypatch.setenv("CAREER_ASSISTANT_CORPUS_DIR", str(corpus))
    monkeypatch.setenv("CAREER_ASSISTANT_INDEX_DIR", str(index))
    monkeypatch.setenv("CAREER_ASSISTANT_BACKEND", "milvus")
    for name, value in env.items():
        monkeypatch.setenv(f"CAREER_ASSISTANT_{name}", value)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def shown(at: AppTest) -> str:
    elements: list[Any] = [*at.markdown, *at.caption, *at.info, *at.error, *at.warning]
    return unescape("\n".join(str(e.value) for e in elements))


def test_the_page_names_an_unreachable_server_and_its_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"paths/tpm.md": TPM_PATH})
    nowhere = f"http://127.0.0.1:{free_port()}"
    at = page(monkeypatch, corpus, tmp_path / "index", MILVUS_URI=nowhere, MILVUS_TIMEOUT="3")
    text = shown(at)
    assert f"Cannot reach Milvus at {nowhere}" in text  # a sentence on the page
    assert "start the server" in text and "Update search index" not in text


def test_the_page_answers_from_milvus(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    milvus_server: MilvusServer,
    embedder: Embedder,
) -> None:
    corpus = write_corpus(
        tmp_path / "corpus", {"paths/technical-program-manager.md": TPM_PATH, "a.md": ARTICLE}
    )
    settings = backend_settings("milvus", corpus, tmp_path / "index", milvus_server)
    Assistant(settings, embedder=embedder).rebuild()
    at = page(
        monkeypatch,
        corpus,
        tmp_path / "index",
        MILVUS_URI=settings.milvus_uri,
        MILVUS_COLLECTION=settings.milvus_collection,
    )
    at.chat_input[0].set_value("what does a TPM do?").run()
    assert not at.exception
    answer = at.session_state["turns"][-1].answer
    assert answer is not None and answer.passages
    assert answer.passages[0].source == "paths/technical-program-manager.md"
