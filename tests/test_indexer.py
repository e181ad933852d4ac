from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import assistant.backends.local as local
import assistant.indexer as indexer
from assistant import Assistant, CorpusError, Settings
from assistant.backends.local import LOCK_FILE
from assistant.chunking import Chunk, chunk_document
from assistant.cli import main
from assistant.config import PROJECT_ROOT
from assistant.documents import Document
from assistant.errors import RebuildBusyError
from assistant.store import BUILDS, CURRENT

from .conftest import write_corpus


def index_json(
    corpus: Path, index: Path, capsys: pytest.CaptureFixture[str], *flags: str
) -> dict[str, int]:
    assert (
        main(["index", "--corpus", str(corpus), "--index-dir", str(index), "--json", *flags]) == 0
    )
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


def test_incremental_rebuild_embeds_exactly_what_changed(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    index = tmp_path / "idx"
    first = index_json(small_corpus, index, capsys)
    assert first["files_added"] == 2
    assert first["chunks_embedded"] == first["chunks_total"] > 0
    assert set(first) == {
        "files_added", "files_changed", "files_removed", "files_unchanged",
        "chunks_total", "chunks_embedded", "chunks_reused", "seconds",
    }  # fmt: skip

    same = index_json(small_corpus, index, capsys)
    assert same["chunks_embedded"] == 0
    assert same["files_unchanged"] == 2

    write_corpus(small_corpus, {"paths/sre.md": "# SRE\n\nSite reliability engineers run infra."})
    added = index_json(small_corpus, index, capsys)
    assert (added["files_added"], added["chunks_embedded"]) == (1, 1)
    assert added["chunks_reused"] == first["chunks_total"]

    article = small_corpus / "articles" / "growing.md"
    article.write_text(article.read_text().replace("influences several teams", "leads a guild"))
    changed = index_json(small_corpus, index, capsys)
    assert (changed["files_changed"], changed["chunks_embedded"]) == (1, 1)

    (small_corpus / "paths" / "sre.md").unlink()
    removed = index_json(small_corpus, index, capsys)
    assert (removed["files_removed"], removed["chunks_embedded"]) == (1, 0)
    assert removed["chunks_total"] == first["chunks_total"]

    full = index_json(small_corpus, index, capsys, "--full")
    assert full["chunks_embedded"] == full["chunks_total"]


def test_a_new_contextual_header_re_embeds_the_chunks_without_a_file_change(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    index = tmp_path / "idx"
    first = index_json(small_corpus, index, capsys)
    monkeypatch.setenv("CAREER_ASSISTANT_CONTEXTUAL_HEADER", "title")  # not the default
    again = index_json(small_corpus, index, capsys)
    assert again["files_unchanged"] == 2 and again["chunks_embedded"] > 0
    assert again["chunks_total"] == first["chunks_total"]


def test_a_change_to_the_chunking_code_re_plans_without_a_file_change(
    small_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    index = tmp_path / "idx"
    first = index_json(small_corpus, index, capsys)

    def new_chunker(document: Document, size: int, overlap: int, tagger: object) -> list[Chunk]:
        """Other chunking code: the TPM file now in passages of about one sentence."""
        if "technical-program" in document.source:
            size, overlap = 80, 0
        return chunk_document(document, size, overlap, tagger)  # type: ignore[arg-type]

    monkeypatch.setattr(indexer, "chunk_document", new_chunker)
    same_code = index_json(small_corpus, index, capsys)  # the recorded version says: as built
    assert same_code["chunks_total"] == first["chunks_total"] and same_code["chunks_embedded"] == 0

    monkeypatch.setattr(indexer, "plan_version", lambda: "edited chunker")
    replanned = index_json(small_corpus, index, capsys)
    assert replanned["files_unchanged"] == 2
    assert replanned["chunks_total"] > first["chunks_total"]
    assert 0 < replanned["chunks_embedded"] < replanned["chunks_total"]  # the article's reused
    store = Assistant(Settings(corpus_dir=small_corpus, index_dir=index)).store()
    assert store.manifest.plan_version == "edited chunker"
    assert index_json(small_corpus, index, capsys)["chunks_embedded"] == 0


def test_the_plan_version_is_a_hash_of_the_planning_code(tmp_path: Path) -> None:
    package = Path(indexer.__file__).parent
    for name in indexer.PLAN_MODULES:
        (tmp_path / name).write_bytes((package / name).read_bytes())
    assert indexer.plan_version(tmp_path) == indexer.plan_version()
    chunker = tmp_path / "chunking.py"
    chunker.write_text(chunker.read_text() + "\n# an edited chunker\n")
    indexer.plan_version.cache_clear()
    assert indexer.plan_version(tmp_path) != indexer.plan_version()


def test_the_index_command_rebuilds_without_loading_the_engine(
    small_corpus: Path, tmp_path: Path
) -> None:
    """Its process ends after the rebuild: ranking and answering code is not imported."""
    code = (
        "import sys; from assistant.cli import main; code = main(sys.argv[1:]); "
        "print(code, 'assistant.engine' in sys.modules)"
    )
    index = tmp_path / "idx"
    argv = ["index", "--json", "--corpus", str(small_corpus), "--index-dir", str(index)]
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    report, last = done.stdout.strip().splitlines()
    assert last == "0 False", done.stderr
    built = json.loads(report)
    assert built["chunks_embedded"] == built["chunks_total"] > 0
    store = Assistant(Settings(corpus_dir=small_corpus, index_dir=index)).store()
    assert store.manifest.chunks == built["chunks_total"]


def test_removed_file_disappears_from_results(
    small_corpus: Path, make_assistant: Callable[..., Assistant]
) -> None:
    assistant = make_assistant(small_corpus)
    assistant.rebuild()
    assert any("technical-program" in p.source for p in assistant.ask("What is a TPM?").passages)
    (small_corpus / "paths" / "technical-program-manager.md").unlink()
    assistant.rebuild()
    answer = assistant.ask("What is a TPM?")
    assert all("technical-program" not in p.source for p in answer.passages)


def test_a_rebuild_that_fails_midway_leaves_the_old_index_serving(
    small_corpus: Path, make_assistant: Callable[..., Assistant], monkeypatch: pytest.MonkeyPatch
) -> None:
    assistant = make_assistant(small_corpus)
    assistant.rebuild()
    before = assistant.ask("what does a TPM do?")
    write_corpus(small_corpus, {"new.md": "# New\n\nBrand new words about architects."})

    def explode(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local, "write_checksums", explode)
    with pytest.raises(Exception, match=r"disk holding .* is full"):
        assistant.rebuild()
    monkeypatch.undo()
    fresh = make_assistant(small_corpus, assistant.settings.index_dir)
    after = fresh.ask("what does a TPM do?")
    assert [p.chunk_id for p in after.passages] == [p.chunk_id for p in before.passages]
    assert fresh.status().added == ["new.md"]  # the failed build never became current
    report = fresh.rebuild()  # and the next rebuild cleans up and succeeds
    assert report.files_added == ["new.md"]
    leftovers = [
        p.name for p in assistant.settings.index_dir.iterdir() if p.name.startswith("tmp-")
    ]
    assert leftovers == []


def test_empty_corpus_fails_without_touching_the_index(
    small_corpus: Path, make_assistant: Callable[..., Assistant]
) -> None:
    assistant = make_assistant(small_corpus)
    assistant.rebuild()
    pointer = (assistant.settings.index_dir / CURRENT).read_text()
    for path in small_corpus.rglob("*.md"):
        path.unlink()
    with pytest.raises(CorpusError, match="no readable"):
        assistant.rebuild()
    assert (assistant.settings.index_dir / CURRENT).read_text() == pointer
    assert assistant.ask("what does a TPM do?").passages


def test_second_concurrent_rebuild_is_refused(
    small_corpus: Path, make_assistant: Callable[..., Assistant]
) -> None:
    from filelock import FileLock

    assistant = make_assistant(small_corpus)
    assistant.settings.index_dir.mkdir(parents=True)
    with (
        FileLock(str(assistant.settings.index_dir / LOCK_FILE)),
        pytest.raises(RebuildBusyError, match="another rebuild"),
    ):
        assistant.rebuild()


def test_old_builds_are_pruned(
    small_corpus: Path, make_assistant: Callable[..., Assistant]
) -> None:
    assistant = make_assistant(small_corpus)
    for n in range(4):
        write_corpus(small_corpus, {f"n{n}.md": f"# N{n}\n\nNote number {n}."})
        assistant.rebuild()
    builds = list((assistant.settings.index_dir / BUILDS).iterdir())
    assert len(builds) == indexer.KEEP_BUILDS


def test_each_distinct_text_is_embedded_once_and_unchanged_sentences_are_reused(
    tmp_path: Path, make_assistant: Callable[..., Assistant]
) -> None:
    """A sentence repeated in two files is embedded once, and an unchanged sentence in a
    changed file is not embedded again (the previous build's vectors, keyed by a hash of
    model and text, are the cache)."""
    shared = "Mentoring junior engineers is part of the senior role."
    corpus = write_corpus(
        tmp_path / "corpus",
        {
            "notes/a.md": f"# A\n\n{shared} Reviews take time.\n",
            "notes/b.md": f"# B\n\n{shared} Design docs matter.\n",
        },
    )
    assistant = make_assistant(corpus)
    embedded: list[str] = []
    embed = assistant.embedder.embed

    def counting(texts: Sequence[str], *args: Any, **kwargs: Any) -> np.ndarray:
        embedded.extend(texts)
        return embed(texts, *args, **kwargs)

    assistant.embedder.embed = counting  # type: ignore[method-assign]
    try:
        assistant.rebuild()
        # 2 passages + the shared sentence + "Reviews take time." + "Design docs matter."
        assert len(embedded) == len(set(embedded)) == 5
        embedded.clear()
        write_corpus(corpus, {"notes/b.md": f"# B\n\n{shared} Design docs matter a lot.\n"})
        assistant.rebuild()
        assert sorted(embedded) == sorted(
            ["B\nMentoring junior engineers is part of the senior role. Design docs matter a lot.",
             "Design docs matter a lot."]
        )  # fmt: skip
    finally:
        del assistant.embedder.embed
