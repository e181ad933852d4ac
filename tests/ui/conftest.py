"""Fixtures for the page's tests: a small real corpus, indexed once per session.

The model is real and loads once per process (the library shares it), so the index is
built once and copied by tests that change the corpus.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from assistant import Assistant, Settings

from .ui_support import SMALL_CORPUS, Built, write_corpus


def indexed_once(factory: pytest.TempPathFactory, name: str, files: dict[str, str]) -> Built:
    """``files`` written to a corpus and indexed with the real model."""
    root = factory.mktemp(name)
    corpus = write_corpus(root / "corpus", files)
    index = root / "index"
    Assistant(Settings.from_env(corpus_dir=corpus, index_dir=index)).rebuild()
    return Built(corpus, index)


@pytest.fixture(scope="session")
def small_index(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """The small corpus, indexed once for the whole session."""
    return indexed_once(tmp_path_factory, "small", SMALL_CORPUS)


#: A company's own documents: no front matter names a family, so no career path.
PATHLESS_CORPUS = {
    "handbook.md": "# Handbook\n\n## Holidays\n\nEveryone gets 28 days of paid holiday "
    "plus public holidays.\n",
    "promotion.txt": "Promotion guide\n\nPromotion cycles happen twice a year, in March and "
    "in September.\n",
}


@pytest.fixture(scope="session")
def pathless_index(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """A corpus of documents outside the four families (no career path), indexed once."""
    return indexed_once(tmp_path_factory, "pathless", PATHLESS_CORPUS)


@pytest.fixture
def use_dirs(monkeypatch: pytest.MonkeyPatch) -> Callable[[Built], Built]:
    """Point the page at a corpus and index through the environment, as the CLI does."""

    def point(built: Built) -> Built:
        monkeypatch.setenv("CAREER_ASSISTANT_CORPUS_DIR", str(built.corpus))
        monkeypatch.setenv("CAREER_ASSISTANT_INDEX_DIR", str(built.index))
        return built

    return point
