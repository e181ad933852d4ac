"""Shared fixtures: the real model (loaded once per session), small real corpora, real indexes."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.config import PROJECT_ROOT
from assistant.embeddings import Embedder
from assistant.engine import shared_embedder
from assistant.taxonomy import CareerPath, Taxonomy

REAL_CORPUS = PROJECT_ROOT / "corpus"
# The one-time int8 ONNX export (~15 s) is shared by every test, subprocess and page run.
ONNX_CACHE = PROJECT_ROOT / ".pytest_cache" / "onnx"
os.environ.setdefault("CAREER_ASSISTANT_ONNX_CACHE_DIR", str(ONNX_CACHE))


@pytest.fixture(scope="session", autouse=True)
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The user's data directory of every test, page server and CLI child is a temporary
    one: the suite never reads or writes the real ``~/.local/share/career-assistant``."""
    path = tmp_path_factory.mktemp("data-dir")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CAREER_ASSISTANT_DATA_DIR", str(path))
        yield path


TPM_PATH = """\
---
title: Technical Program Manager
kind: path
family: business-process
aliases: [TPM, program manager]
next_steps: [Senior Technical Program Manager]
related: []
---
# Technical Program Manager

## What the role is

A TPM coordinates and drives projects that span several teams. The TPM keeps roadmaps
clear and makes sure dependencies are known by everybody.
"""

ARTICLE = """\
---
title: Growing as an engineer
kind: article
---
# Growing as an engineer

Most engineers wonder what comes after the senior level.

## Management

### Engineering Manager

Managing people is a change of career, not a promotion. Your reward comes from the work
of the team rather than from code you write yourself.

## Individual Contributor

### Staff Engineer

A staff engineer influences several teams. Communication matters as much as code.
"""


#: A small taxonomy for reading questions: names, aliases and acronyms of ten paths.
SAMPLE_PATHS = Taxonomy(
    [
        CareerPath("em", "Engineering Manager", "management", ("EM", "manager", "people manager")),
        CareerPath("cto", "Startup CTO", "management", ("CTO",)),
        CareerPath(
            "staff",
            "Staff / Principal Engineer",
            "individual-contributor",
            ("Staff Engineer", "Principal Engineer", "staff eng"),
        ),
        CareerPath("sre", "Site Reliability Engineer", "individual-contributor", ("SRE",)),
        CareerPath("devops", "DevOps Engineer", "individual-contributor", ("DevOps",)),
        CareerPath("pm", "Product Manager", "business-process", ("PM", "product management")),
        CareerPath("tpm", "Technical Program Manager", "business-process", ("TPM",)),
        CareerPath("sales", "Sales Engineer", "business-sales"),
        CareerPath("devrel", "Developer Advocate", "business-sales", ("devrel",)),
        CareerPath("ceo", "Startup CEO", "business-sales", ("founder",)),
    ]
)


def write_corpus(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path → text) under ``root`` and return it."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """The real packaged all-MiniLM-L6-v2 on the default backend, loaded once per session."""
    settings = Settings.from_env()
    return shared_embedder(settings.model_path, settings.embed_backend, settings.onnx_cache_dir)


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    return write_corpus(
        tmp_path / "corpus",
        {"paths/technical-program-manager.md": TPM_PATH, "articles/growing.md": ARTICLE},
    )


@pytest.fixture
def make_assistant(tmp_path: Path, embedder: Embedder) -> Callable[..., Assistant]:
    """Build an Assistant over a corpus dir with its own index dir in tmp_path."""

    def make(corpus: Path, index_dir: Path | None = None, **settings: object) -> Assistant:
        config = Settings(corpus_dir=corpus, index_dir=index_dir or tmp_path / "index", **settings)  # type: ignore[arg-type]
        return Assistant(config, embedder=embedder)

    return make


@pytest.fixture
def indexed(
    tmp_path: Path, make_assistant: Callable[..., Assistant]
) -> Callable[[dict[str, str]], Assistant]:
    """An Assistant over ``files`` (relative path → text), already indexed."""

    def build(files: dict[str, str]) -> Assistant:
        assistant = make_assistant(write_corpus(tmp_path / "corpus", files))
        assistant.rebuild()
        return assistant

    return build


@pytest.fixture(scope="session")
def real_assistant(tmp_path_factory: pytest.TempPathFactory, embedder: Embedder) -> Assistant:
    """The real corpus, indexed once per session into a temp dir (a copy, so tests may read it)."""
    root = tmp_path_factory.mktemp("real")
    corpus = root / "corpus"
    shutil.copytree(REAL_CORPUS, corpus)
    assistant = Assistant(Settings(corpus_dir=corpus, index_dir=root / "index"), embedder=embedder)
    assistant.rebuild()
    return assistant
