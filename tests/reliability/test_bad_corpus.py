"""Corpus files nobody should have to clean up by hand, indexed through the CLI.

An unusable file is skipped with one warning line naming it and the reason, and changes
nothing: the index is not rebuilt for it, and ``status`` does not call the index stale.
A usable but unusual file (Latin-1, UTF-16, a BOM, broken front matter) is indexed with
its text decoded correctly. A missing or empty corpus is one error line, exit 2, and the
old index keeps answering.
"""

from __future__ import annotations

import codecs
import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.ingest import load_corpus
from assistant.store import open_current

from .conftest import (
    PROBES,
    Copy,
    MemoEmbedder,
    Prebuilt,
    assert_one_line_error,
    assert_well_formed,
    fresh_answers,
    snapshot,
)

Run = Callable[..., tuple[int, str, str]]
#: Compressed data with its NUL bytes removed: not UTF-8, and not Latin-1 text either.
NO_NUL_BINARY = bytes((i * 73 + 41) % 255 + 1 for i in range(6000))
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10" + bytes(range(256)) * 4


def warnings_of(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("warning:")]


SKIPPED = [
    pytest.param("paths/photo.md", PNG, "looks binary", id="binary"),
    pytest.param("paths/packed.md", NO_NUL_BINARY, "looks binary", id="binary-without-nul"),
    pytest.param("paths/empty.md", b"", "is empty", id="empty"),
    pytest.param("paths/huge.md", b"word " * 4_000_000, "over the 5,000,000-byte limit", id="20MB"),
    pytest.param(
        "paths/broken.md",
        codecs.BOM_UTF16_LE + "ok".encode("utf-16-le") + b"\x00\xd8",
        "claims UTF-16",
        id="broken-utf16",
    ),
    pytest.param(
        "paths/no-body.md",
        b"---\ntitle: Nothing\n---\n\n",
        "no text",
        id="front-matter-only",
    ),
    pytest.param("paths/sheet.xlsx", b"PK\x03\x04", "unsupported file type", id="unknown-type"),
]


@pytest.mark.parametrize(("name", "data", "reason"), SKIPPED)
def test_unusable_file_is_skipped_with_one_warning_and_changes_nothing(
    copy_old: Copy, cli: Run, name: str, data: bytes, reason: str
) -> None:
    (copy_old.corpus / name).write_bytes(data)
    before = snapshot(copy_old.index)
    for _ in range(2):  # the second run proves the skip is stable, not a pending change
        code, out, err = cli("index", *copy_old.argv)
        assert code == 0, err
        assert warnings_of(err) == [line for line in err.splitlines() if line], err
        assert len(warnings_of(err)) == 1 and name in err and reason in err, err
        assert out.startswith("files: 0 added, 0 changed, 0 removed"), out
    assert snapshot(copy_old.index) == before
    code, out, _ = cli("status", "--json", *copy_old.argv)
    assert code == 0 and json.loads(out)["stale"] is False


@pytest.mark.parametrize("kind", ["file", "directory"])
def test_symlink_out_of_the_corpus_is_not_followed(
    copy_old: Copy, cli: Run, tmp_path: Path, kind: str
) -> None:
    secret_dir = tmp_path / "outside"
    secret_dir.mkdir()
    secret = secret_dir / "secret.md"
    secret.write_text("# Secret\n\nThe launch code is swordfish-4242.\n")
    link = copy_old.corpus / "paths" / ("leak.md" if kind == "file" else "leak")
    link.symlink_to(secret if kind == "file" else secret_dir, target_is_directory=kind != "file")
    before = snapshot(copy_old.index)
    code, out, err = cli("index", *copy_old.argv)
    assert code == 0
    assert len(warnings_of(err)) == 1 and "paths/leak" in err and "symbolic link" in err, err
    assert snapshot(copy_old.index) == before
    store = open_current(copy_old.index)
    assert all("swordfish" not in store.document_text(s) for s in store.documents)
    code, out, _ = cli("ask", "what is the launch code?", "--json", *copy_old.argv)
    assert code == 0 and "swordfish" not in out


DECODED = [
    pytest.param(
        "paths/cafe-lead.md",
        "---\ntitle: Café Lead\n---\n# Café Lead\n\nThe café lead tunes the espresso machines "
        "for the développeurs every morning.\n".encode("latin-1"),
        "Latin-1",
        "Café Lead",
        "who tunes the espresso machines every morning?",
        "for the développeurs",
        id="latin-1",
    ),
    pytest.param(
        "paths/glassblower.md",
        codecs.BOM_UTF16_LE
        + "---\ntitle: Glassblower Engineer\n---\n# Glassblower Engineer\n\nA glassblower "
        "engineer shapes molten glass into laboratory flasks — ✓ ünïcödé.\n".encode("utf-16-le"),
        "",
        "Glassblower Engineer",
        "who shapes molten glass into laboratory flasks?",
        "flasks — ✓ ünïcödé.",
        id="utf-16-le-bom",
    ),
    pytest.param(
        "notes/lighthouse.txt",
        codecs.BOM_UTF16_BE
        + "Lighthouse keepers log the weather every four hours. Ñandú 🐦.\n".encode("utf-16-be"),
        "",
        "Lighthouse",
        "who logs the weather every four hours?",
        "Ñandú 🐦.",
        id="utf-16-be-bom",
    ),
    pytest.param(
        "paths/beekeeper.md",
        codecs.BOM_UTF8
        + b"---\ntitle: Beekeeper\n---\n# Beekeeper\n\nBeekeepers inspect every hive for the "
        b"queen once a week.\n",
        "",
        "Beekeeper",
        "who inspects every hive for the queen?",
        "once a week.",
        id="utf-8-bom",
    ),
    pytest.param(
        "paths/cartographer.md",
        b"---\ntitle: [unclosed\nfamily: management\n---\n# Cartographer\n\n"
        b"Cartographers draw maps of the coastline by hand.\n",
        "YAML",
        "Cartographer",
        "who draws maps of the coastline by hand?",
        "by hand.",
        id="invalid-yaml",
    ),
]


@pytest.mark.parametrize(("name", "data", "warning", "title", "question", "quote"), DECODED)
def test_unusual_encodings_are_indexed_with_the_right_text(
    copy_old: Copy,
    cli: Run,
    memo: MemoEmbedder,
    name: str,
    data: bytes,
    warning: str,
    title: str,
    question: str,
    quote: str,
) -> None:
    path = copy_old.corpus / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    code, out, err = cli("index", *copy_old.argv)
    assert code == 0, err
    if warning:
        assert len(warnings_of(err)) == 1 and name in err and warning in err, err
    else:
        assert err == ""
    assert out.startswith("files: 1 added")
    assistant = Assistant(copy_old.settings, embedder=memo)
    store = assistant.store()
    assert store.documents[name].title == title
    answer = assistant.ask(question, k=3)
    assert_well_formed(answer, store, 3)
    assert answer.passages[0].source == name
    assert quote in answer.passages[0].text
    assert "---" not in store.document_text(name) and "unclosed" not in answer.passages[0].text
    code, out, _ = cli("index", *copy_old.argv)
    assert out.startswith("files: 0 added, 0 changed, 0 removed")


def test_a_file_name_that_is_not_utf8_does_not_stop_the_corpus(copy_old: Copy, cli: Run) -> None:
    name = os.fsdecode(b"paths/caf\xe9-notes.md")  # a Latin-1 name, e.g. from an old zip
    (copy_old.corpus / name).write_text("# Notes\n\nBaristas pull espresso shots all day.\n")
    (copy_old.corpus / "paths" / "fine.md").write_text("# Fine\n\nA fine, normal file.\n")
    code, _, err = cli("index", *copy_old.argv)
    assert code == 0, err
    assert "paths/fine.md" in open_current(copy_old.index).documents


@pytest.mark.parametrize("state", ["missing", "empty", "only-unusable"])
def test_missing_or_empty_corpus_is_one_error_and_the_old_index_still_answers(
    copy_old: Copy, cli: Run, memo: MemoEmbedder, prebuilt: Prebuilt, state: str
) -> None:
    shutil.rmtree(copy_old.corpus)
    if state != "missing":
        copy_old.corpus.mkdir()
    if state == "only-unusable":
        (copy_old.corpus / "empty.md").write_bytes(b"")
        (copy_old.corpus / "data.csv").write_text("a,b\n")
    before = snapshot(copy_old.index)
    code, out, err = cli("index", *copy_old.argv)
    assert code == 2 and out == ""
    assert_one_line_error(err, "corpus directory", str(copy_old.corpus), " — ")
    assert snapshot(copy_old.index) == before
    assert fresh_answers(copy_old, memo) == {q: prebuilt.old_answers[q] for q in PROBES}


@pytest.mark.parametrize(
    "state",
    [
        pytest.param(
            "missing",
        ),
        "empty",
    ],
)
def test_cli_still_answers_from_the_old_index_when_the_corpus_is_gone(
    copy_old: Copy, cli: Run, state: str
) -> None:
    shutil.rmtree(copy_old.corpus)
    if state == "empty":
        copy_old.corpus.mkdir()
    code, out, err = cli("ask", "what does a TPM do?", "--json", *copy_old.argv)
    assert code == 0, err
    assert json.loads(out)["passages"]


def test_front_matter_alias_bomb_is_bounded(tmp_path: Path) -> None:
    lines = ["---", "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 6)]
    lines += ["title: *a5", "aliases: *a5", "---", "# Laughs", "", "A short body."]
    (tmp_path / "laughs.md").write_text("\n".join(lines) + "\n")
    assert (tmp_path / "laughs.md").stat().st_size < 1_000
    documents = load_corpus(tmp_path, 5_000_000, lambda _: None)
    (document,) = documents
    assert len(document.title) < 1_000
    assert sum(len(alias) for alias in document.aliases) < 10_000
