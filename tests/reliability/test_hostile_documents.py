"""Hostile documents against the loaders and the chunker: each reproduction as reported.

Every case once cost minutes, gigabytes or a crash: quadratic sentence splitting and
HTML nesting, a megabyte heading copied into every chunk, a corpus deeper than the
recursion limit, a heading-only file, CR-only line endings. Parsing must stay linear
and a bad file must cost one warning.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant.chunking import chunk_document
from assistant.engine import Assistant
from assistant.errors import CorpusError
from assistant.ingest import load_corpus

from .conftest import Copy, MemoEmbedder

Run = Callable[..., tuple[int, str, str]]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def test_abbreviation_runs_parse_in_linear_time(tmp_path: Path) -> None:
    (tmp_path / "e.md").write_text("e.g. " * 32000)  # 160 KB: 43 s to index before
    small = timed(lambda: load_corpus(tmp_path, 5_000_000, lambda _: None))
    (tmp_path / "e.md").write_text("e.g. " * 64000)
    docs: list[object] = []
    double = timed(lambda: docs.extend(load_corpus(tmp_path, 5_000_000, lambda _: None)))
    assert small < 5 and double < 4 * small + 1  # linear: doubling does not quadruple


def test_nested_inline_html_does_not_slow_every_question(
    copy_old: Copy, memo: MemoEmbedder
) -> None:
    (copy_old.corpus / "spans.html").write_text("<span>x " * 16000)  # 25.5 s per ask before
    assistant = Assistant(copy_old.settings, embedder=memo)
    assert timed(assistant.status) < 5
    assert "spans.html" in assistant.status().added
    assert timed(assistant.status) < 0.5  # parsed once per content hash, then compared
    assert timed(lambda: assistant.ask("what does an SRE do?")) < 2


def test_a_megabyte_first_heading_is_not_copied_into_every_chunk(tmp_path: Path) -> None:
    heading = "# " + "long title words " * 60_000 + "\n\n"  # ~1 MB, no front matter
    (tmp_path / "big.md").write_text(heading + "A real paragraph. " * 2000)
    docs: list = []
    assert timed(lambda: docs.extend(load_corpus(tmp_path, 5_000_000, lambda _: None))) < 10
    chunks = chunk_document(docs[0], 700, 150)
    assert len(docs[0].title) <= 151
    assert sum(len(c.section) + len(c.title) for c in chunks) < 500 * len(chunks)


def test_a_corpus_deeper_than_the_recursion_limit_is_walked_without_crashing(
    copy_old: Copy, cli: Run
) -> None:
    levels = [copy_old.corpus / "d"]
    for _ in range(1_099):
        levels.append(levels[-1] / "d")
    for level in levels:  # one at a time: mkdir(parents=True) itself recurses
        level.mkdir()
    (levels[-1] / "lost.md").write_text("# Lost\n\nDeep text.\n")
    for command in (("index",), ("status",), ("ask", "what does an SRE do?")):
        code, _, err = cli(*command, "--corpus", str(copy_old.corpus), "--index-dir",
                           str(copy_old.index))  # fmt: skip
        assert code == 0, err
        assert "Traceback" not in err and "RecursionError" not in err
    _, _, err = cli("index", "--corpus", str(copy_old.corpus), "--index-dir", str(copy_old.index))
    assert "levels deep" in err
    (levels[-1] / "lost.md").unlink()
    for level in reversed(levels):  # so the temporary folder's clean-up does not recurse
        level.rmdir()


def test_a_corpus_of_one_heading_only_file_is_one_clear_error(tmp_path: Path) -> None:
    (tmp_path / "only.md").write_text("# Just a heading\n")
    warnings: list[str] = []
    with pytest.raises(CorpusError, match="holds no readable"):
        load_corpus(tmp_path, 5_000_000, warnings.append)
    assert any("only.md" in w and "no text" in w for w in warnings)


def test_cr_only_line_endings_keep_front_matter_out_of_the_passages(tmp_path: Path) -> None:
    (tmp_path / "mac.md").write_bytes(b"---\rtitle: Old Mac\rkind: guide\r---\r\rBody text.\r")
    (doc,) = load_corpus(tmp_path, 5_000_000, lambda _: None)
    assert (doc.title, doc.kind) == ("Old Mac", "guide")
    assert "title:" not in doc.text and "---" not in doc.text
