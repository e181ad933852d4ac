"""Per-file budgets (issue 19): a file costs bounded text, units and time, counted while
it is parsed; a file over a budget is cut there with one warning naming the budget, and
any failure inside a loader is that file's warning, never the corpus's error."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.config import INGESTION
from assistant.ingest import budget as budget_module
from assistant.ingest import html as html_module
from assistant.ingest import load_corpus
from assistant.ingest import loaders as loaders_module
from assistant.ingest.files import printable

from ..reliability.hostile_files import (
    SCRIPT_LINK,
    deep_quote,
    encrypted_pdf,
    link_references,
    numbered_pages_pdf,
    pdf_bomb,
)
from .support import load, units

PLAIN = "# Notes\n\nA plain paragraph about planning work for the quarter.\n"


def test_a_table_wider_than_the_cap_folds_its_extra_columns_into_one_cell(
    tmp_path: Path,
) -> None:
    columns = 200
    head = "| " + " | ".join(f"C{n}" for n in range(columns)) + " |\n"
    rule = "|" + "---|" * columns + "\n"
    row = "| " + " | ".join(f"v{n}" for n in range(columns)) + " |\n"
    (tmp_path / "wide.md").write_text("# Wide\n\n" + head + rule + row * 3)
    warnings, docs = load(tmp_path)
    cells = units(docs["wide.md"])
    per_row = INGESTION.max_table_columns - 1  # the first column labels the row
    assert len(cells) == 3 * per_row, warnings
    assert cells[0] == "v0 — C1: v1"  # a row label and a column label, as before
    folded = cells[per_row - 1]
    assert folded.startswith("v0 — C31 · C32 · ")  # the folded columns label it (capped)
    assert folded.split(": ", 1)[1] == " · ".join(f"v{n}" for n in range(31, columns))


def test_text_over_the_budget_is_cut_there_with_one_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smaller = replace(INGESTION, min_text_chars=1_000, text_factor=0.5)
    monkeypatch.setattr(budget_module, "INGESTION", smaller)
    paragraphs = [f"Paragraph number {n} says one thing about reviews." for n in range(200)]
    (tmp_path / "long.md").write_text("# Long\n\n" + "\n\n".join(paragraphs) + "\n")
    warnings, docs = load(tmp_path)
    kept = units(docs["long.md"])
    assert 0 < len(kept) < 200 and kept == paragraphs[: len(kept)]
    assert sum(map(len, kept)) <= max(1_000, (tmp_path / "long.md").stat().st_size // 2)
    (warning,) = warnings
    assert warning.startswith("long.md: indexed only up to its text budget of"), warning
    assert "config.Ingestion" in warning


def test_units_over_the_budget_are_cut_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(budget_module, "INGESTION", replace(INGESTION, max_units=10))
    (tmp_path / "items.txt").write_text("Items\n\n" + "".join(f"- item {n}\n" for n in range(50)))
    warnings, docs = load(tmp_path)
    assert len(units(docs["items.txt"])) == 10
    assert any("budget of 10 paragraphs" in w for w in warnings), warnings


def test_any_exception_inside_a_loader_is_that_files_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_text: str, _source: str, _warn: object) -> None:
        raise ZeroDivisionError("the library tripped")

    for suffix in (".md", ".markdown"):  # the table is built when the module loads
        monkeypatch.setitem(
            loaders_module.LOADERS,
            suffix,
            loaders_module._guarded(loaders_module._text_loader(broken)),  # type: ignore[arg-type]
        )
    (tmp_path / "bad.md").write_text(PLAIN)
    (tmp_path / "good.txt").write_text("Good\n\nA paragraph that loads.\n")
    warnings, docs = load(tmp_path)
    assert list(docs) == ["good.txt"]
    assert warnings == [
        "skipped bad.md: reading it failed (ZeroDivisionError: the library tripped); "
        "re-save or re-export it"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_skipped_with_a_warning_and_never_opened(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.md")  # opening it would block the rebuild forever
    (tmp_path / "ok.md").write_text(PLAIN)
    warnings, docs = load(tmp_path)
    assert list(docs) == ["ok.md"]
    assert warnings == ["skipped pipe.md: a named pipe (FIFO), not a regular file"]


def test_control_and_bidi_characters_in_names_are_escaped(tmp_path: Path) -> None:
    (tmp_path / "evil\u202etxt.md").write_text("# \n\n")  # no text: warned about
    (tmp_path / "two\nlines.txt").write_text("Two lines\n\nA paragraph with text.\n\n")
    (tmp_path / "title\u202eless.txt").write_text("a paragraph with no title line.\n")
    warnings, docs = load(tmp_path)
    assert warnings == [
        "skipped evil\\u202etxt.md: no text left after removing markup and navigation"
    ]
    assert docs["title\u202eless.txt"].title == "Title\\u202eLess"
    assert printable("a\tb\x1b[31m\u2066") == "a\\u0009b\\u001b[31m\\u2066"


BOMB = (
    "---\ntitle: Bomb\nblob: &a '"
    + "x" * 20_000
    + "'\nmore: ["
    + ", ".join(["*a"] * 50)
    + "]\n---\n"
)


def test_front_matter_aliases_that_expand_too_far_are_refused(tmp_path: Path) -> None:
    (tmp_path / "bomb.md").write_text(BOMB + "\nThe body is indexed without the front matter.\n")
    (tmp_path / "loop.md").write_text("---\ntitle: &t [*t]\n---\n\nA body after a loop.\n")
    warnings, docs = load(tmp_path)
    assert units(docs["bomb.md"]) == ["The body is indexed without the front matter."]
    assert docs["bomb.md"].title == "Bomb"  # from the file name: the front matter is gone
    assert len(warnings) == 2 and all(
        "too large after expanding its YAML aliases" in w for w in warnings
    )


def test_only_the_front_matter_keys_read_are_cached(tmp_path: Path) -> None:
    corpus, cache = tmp_path / "corpus", tmp_path / "cache"
    corpus.mkdir()
    (corpus / "p.md").write_text(
        "---\ntitle: Kept\nnotes: " + "n" * 5_000 + "\naliases: [" + "a" * 500 + "]\n---\n\nBody.\n"
    )
    (doc,) = load_corpus(corpus, 5_000_000, lambda _: None, cache)
    (entry,) = cache.iterdir()
    meta = json.loads(entry.read_text())["parsed"]["meta"]
    assert meta == {"title": "Kept", "aliases": ["a" * 200]}
    assert doc.aliases == ("a" * 200,)


def test_a_pdf_page_keeps_its_first_characters_and_the_file_its_first_pages(
    tmp_path: Path,
) -> None:
    (tmp_path / "bomb.pdf").write_bytes(pdf_bomb(pages=3, chars_per_page=200_000))
    warnings, docs = load(tmp_path)
    text = "".join(units(docs["bomb.pdf"]))
    assert 2 * INGESTION.pdf_page_chars < len(text) <= 3 * INGESTION.pdf_page_chars
    assert warnings == [
        "bomb.pdf: 3 page(s) (first: page 1) draw more than 10,000 characters; "
        "only that many are kept of each"
    ]


def test_encrypted_pdfs_open_with_the_empty_password_or_are_skipped(tmp_path: Path) -> None:
    (tmp_path / "open.pdf").write_bytes(encrypted_pdf(""))
    (tmp_path / "locked.pdf").write_bytes(encrypted_pdf("a real password"))
    warnings, docs = load(tmp_path)
    assert "Night shifts are paid at one and a half times" in docs["open.pdf"].text
    assert warnings == ["skipped locked.pdf: the PDF is password-protected; save an unlocked copy"]


def test_lines_differing_only_in_numbers_are_content_not_running_headers(
    tmp_path: Path,
) -> None:
    (tmp_path / "teams.pdf").write_bytes(numbered_pages_pdf(6))
    warnings, docs = load(tmp_path)
    assert not warnings
    assert len([u for u in units(docs["teams.pdf"]) if "shipped" in u]) == 6


def test_script_and_data_links_keep_their_text_without_their_target(tmp_path: Path) -> None:
    (tmp_path / "links.md").write_text(SCRIPT_LINK + "\nSee <javascript:alert(2)> too.\n")
    _, docs = load(tmp_path)
    text = docs["links.md"].text
    assert "the safety guide" in text and "the data sheet" in text
    assert not any(word in text.lower() for word in ("javascript", "data:", "alert", "base64"))


def test_files_with_nothing_to_index_say_why(tmp_path: Path) -> None:
    (tmp_path / "deep.md").write_bytes(deep_quote(2_000))
    (tmp_path / "refs.md").write_bytes(link_references(200))
    (tmp_path / "menu.md").write_text("- [Home](a.md)\n- [About](b.md)\n- [Jobs](c.md)\n")
    (tmp_path / "ok.md").write_text(PLAIN)
    warnings, _ = load(tmp_path)
    assert sorted(warnings) == [
        "skipped deep.md: it is nested too deeply to read (over 19 levels of quotes, lists)",
        "skipped menu.md: it holds only links (navigation or link definitions), no text",
        "skipped refs.md: it holds only links (navigation or link definitions), no text",
    ]


def test_html_past_its_tag_budget_is_read_up_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(html_module, "INGESTION", replace(INGESTION, max_html_tags=100))
    rows = "".join(f"<p>Paragraph {n} about the review cycle.</p>" for n in range(200))
    (tmp_path / "long.html").write_text(f"<html><body><main>{rows}</main></body></html>")
    warnings, docs = load(tmp_path)
    kept = units(docs["long.html"])
    assert 40 <= len(kept) < 60 and kept[0] == "Paragraph 0 about the review cycle."
    assert warnings == [
        f"long.html: indexed only up to its budget of 100 HTML tags ({sum(map(len, kept)):,} "
        "characters kept; the per-file budgets are in config.Ingestion); split the file to "
        "index all of it"
    ]
