"""Each document's organisation: found, carried to every passage, shown, and filterable."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fpdf import FPDF

from assistant import Assistant, Settings
from assistant.cli import main

from ..conftest import write_corpus
from .support import load

ACME = """\
---
title: Acme Ladder
company: Acme Robotics
---

## Senior Engineer

A senior engineer at Acme owns the design of one robot arm controller end to end.
"""
GLOBEX = """\
# Globex Ladder

## Senior Engineer

A senior engineer at Globex mentors two juniors and reviews every database migration.
"""
SITE = """<html><head><title>Levels | Initech Careers</title></head><body><main>
<h1>Levels</h1><p>Initech promotes engineers once a year after a calibration meeting.</p>
</main></body></html>"""


def test_organisation_comes_from_the_file_else_its_top_folder(tmp_path: Path) -> None:
    write_corpus(
        tmp_path,
        {
            "acme/ladder.md": ACME,
            "globex-corp/ladder.md": GLOBEX,
            "initech/levels.html": SITE,
            "notes.md": "# Notes\n\nA note at the top of the corpus belongs to no one.\n",
            "uploads/mine.md": "# Mine\n\nAn upload says nothing of whose it is.\n",
            "uploads/hooli/plan.md": "# Plan\n\nA folder inside the uploads names one.\n",
        },
    )
    pdf = FPDF()
    pdf.set_author("Umbrella Engineering")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.cell(0, 8, "Umbrella engineers rotate on call every sixth week.")
    (tmp_path / "misc").mkdir()
    pdf.output(str(tmp_path / "misc" / "umbrella.pdf"))
    docs = load(tmp_path)[1]
    owners = {source: doc.organisation for source, doc in docs.items()}
    assert owners == {
        "acme/ladder.md": "Acme Robotics",  # front matter wins over the folder
        "globex-corp/ladder.md": "Globex Corp",  # the folder it was dropped in
        "initech/levels.html": "Initech Careers",  # the site's name in <title>
        "misc/umbrella.pdf": "Umbrella Engineering",  # PDF metadata
        "notes.md": "",
        "uploads/mine.md": "",  # the page's uploads folder is no organisation
        "uploads/hooli/plan.md": "Hooli",
    }


@pytest.fixture
def two_companies(indexed: Callable[[dict[str, str]], Assistant]) -> Assistant:
    return indexed({"acme/ladder.md": ACME, "globex/ladder.md": GLOBEX})


def test_passages_carry_their_organisation_and_the_filter_keeps_to_one(
    two_companies: Assistant,
) -> None:
    store = two_companies.store()
    assert {d.organisation for d in store.documents.values()} == {"Acme Robotics", "Globex"}
    answer = two_companies.ask("what does a senior engineer do?", organisation="Globex")
    assert answer.passages and {p.source for p in answer.passages} == {"globex/ladder.md"}
    chunks = store.chunks([p.chunk_id for p in answer.passages])
    assert {c.organisation for c in chunks} == {"Globex"}
    for passage in answer.passages:  # citations map back to the document text
        text = two_companies.document_text(passage.source)
        assert text[passage.start : passage.end] == passage.text


def test_cli_filters_by_organisation_and_names_it_in_citations(
    two_companies: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    s = two_companies.settings
    where = ["--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir)]
    code = main(
        ["ask", "what does a senior engineer own?", "--organisation", "acme robotics", *where]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "(Acme Robotics · acme/ladder.md)" in out and "globex" not in out
    code = main(["ask", "what does a senior engineer own?", "--organisation", "acme", *where])
    assert code == 0 and "(Acme Robotics · acme/ladder.md)" in capsys.readouterr().out
    code = main(["ask", "what does a senior engineer own?", "--organisation", "Hooli", *where])
    err = capsys.readouterr().err
    assert code == 2 and "Hooli" in err and "Acme Robotics, Globex" in err


def test_show_prints_the_document_as_indexed(
    two_companies: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    s = two_companies.settings
    where = ["--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir)]
    assert main(["show", "acme/ladder.md", *where]) == 0
    out = capsys.readouterr().out
    assert "title: Acme Ladder" in out and "organisation: Acme Robotics" in out
    assert "  Acme Ladder › Senior Engineer" in out
    assert "A senior engineer at Acme owns the design" in out
    assert main(["show", "nowhere.md", *where]) == 2
    assert "not a file in the corpus" in capsys.readouterr().err


def test_show_opens_a_page_upload_by_the_name_its_citations_give(
    two_companies: Assistant, capsys: pytest.CaptureFixture[str]
) -> None:
    s = two_companies.settings
    where = ["--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir)]
    uploads = Settings.from_env(corpus_dir=s.corpus_dir).uploads_dir  # as the CLI finds it
    uploads.mkdir(parents=True, exist_ok=True)
    upload = uploads / "initech-guide.md"
    upload.write_text("# Initech guide\n\nInitech reviews every engineer each spring.\n")
    try:
        assert main(["show", "uploads/initech-guide.md", *where]) == 0
        assert "file: uploads/initech-guide.md" in capsys.readouterr().out
        assert main(["show", str(upload), *where]) == 0
        assert "Initech reviews every engineer each spring." in capsys.readouterr().out
    finally:
        upload.unlink()
