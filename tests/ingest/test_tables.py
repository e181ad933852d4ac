"""One table model for every format: each cell quotable with its row and column labels."""

from __future__ import annotations

from pathlib import Path

from assistant.chunking import chunk_document
from assistant.config import INGESTION
from assistant.documents import Document
from assistant.ingest.tables import Table, table_blocks

from ..conftest import write_corpus
from .support import load, units

#: Raw HTML inside Markdown, as handbooks write it: a style block, then a table with a
#: two-row thead (a colspan over two levels), a rowspan group, blank lines inside it and
#: a Markdown list in a cell.
HANDBOOK = """\
---
title: Site Reliability Engineering
---

## Competencies

<style>
td { vertical-align: top; }
</style>
<table>
  <thead>
    <tr><th rowspan="2">Area</th><th colspan="2">Level 3</th><th>Level 4</th></tr>
    <tr><th>Security</th><th>Reliability</th><th>Security</th></tr>
  </thead>

  <tbody>
    <tr>
      <th rowspan="2">Operations</th>
      <td>Understands and can apply the threat model of their service.</td>
      <td>Keeps error budgets for one service.</td>
      <td>Leads incident reviews for security events.</td>
    </tr>

    <tr>
      <td colspan="2">Writes runbooks that others can follow.</td>
      <td>

- Audits access every quarter
- Rotates secrets without downtime

      </td>
    </tr>
  </tbody>
</table>

Text after the table is a paragraph again.
"""

#: A built competency site: the table's first column is prose, each cell a list.
BUILT_PAGE = """<html><head><title>Backend | Acme Careers</title></head><body>
<main><h1>Backend Engineer</h1><h2>Observability</h2>
<table><thead><th>Beginner</th><th>Advanced</th></thead>
<tbody><tr>
<td><ul><li>e.g.</li><li>Adds a health check</li><li>Builds a dashboard</li></ul></td>
<td><p>Owns the alerting of a whole domain.</p><ul><li>Writes a runbook</li></ul></td>
</tr></tbody></table>
<p>Observability is everyone's job, and this page says how it grows with each level.</p>
</main></body></html>"""


def _cells(document: Document) -> list[str]:
    return [b.text for b in document.blocks if b.kind == "table_row"]


def test_raw_html_table_in_markdown_expands_spans_and_keeps_columns(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"sre.md": HANDBOOK})
    doc = load(tmp_path)[1]["sre.md"]
    texts = units(doc)  # also checks every block and chunk maps back to the text
    assert _cells(doc) == [
        "Operations — Level 3 › Security: "
        "Understands and can apply the threat model of their service.",
        "Operations — Level 3 › Reliability: Keeps error budgets for one service.",
        "Operations — Level 4 › Security: Leads incident reviews for security events.",
        "Operations — Level 3 › Security: Writes runbooks that others can follow.",
        "Operations — Level 3 › Reliability: Writes runbooks that others can follow.",
        "Operations — Level 4 › Security: Audits access every quarter",
        "Operations — Level 4 › Security: Rotates secrets without downtime",
    ]
    assert texts[-1] == "Text after the table is a paragraph again."
    assert "vertical-align" not in doc.text


def test_built_page_cells_holding_lists_give_one_labelled_unit_per_item(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"site/backend.html": BUILT_PAGE})
    doc = load(tmp_path)[1]["site/backend.html"]
    units(doc)
    assert _cells(doc) == [
        "Observability — Beginner: e.g. Adds a health check",
        "Observability — Beginner: Builds a dashboard",
        "Observability — Advanced: Owns the alerting of a whole domain.",
        "Observability — Advanced: Writes a runbook",
    ]


def test_citations_of_table_cells_map_back_to_the_document_text(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"sre.md": HANDBOOK, "site/backend.html": BUILT_PAGE})
    for doc in load(tmp_path)[1].values():
        for chunk in chunk_document(doc, 300, 50):
            assert doc.text[chunk.start : chunk.end] == chunk.text
            for start, end in chunk.sentences:
                assert chunk.start <= start < end <= chunk.end


def test_markdown_pipe_table_without_a_label_column_takes_the_heading(tmp_path: Path) -> None:
    page = "## Code review\n\n| L1 | L2 |\n|---|---|\n| Reads reviews. | Reviews a team's work. |\n"
    write_corpus(tmp_path, {"review.md": page})
    doc = load(tmp_path)[1]["review.md"]
    assert _cells(doc) == [
        "Code review — L1: Reads reviews.",
        "Code review — L2: Reviews a team's work.",
    ]


def test_labels_are_capped_and_cannot_multiply_a_table() -> None:
    long_header = ["Area"] + [f"Level {n} " + "expectation " * 40 for n in range(20)]
    rows = [[f"Row {r}"] + ["ok"] * 20 for r in range(2000)]
    blocks = table_blocks(Table([long_header], rows))
    source_chars = sum(len(cell) for row in [long_header, *rows] for cell in row)
    out_chars = sum(len(block.text) for block in blocks)
    # labelled cells up to the budget, then rows laid out once (" — " between cells)
    assert out_chars <= (INGESTION.table_label_factor + 3) * source_chars
    assert blocks[-1].text.startswith("Row 1999 — ok — ok")
    first = blocks[0].text
    assert first.startswith("Row 0 — Level 0 expectation") and first.endswith("…: ok")
    assert len(first) <= 2 * INGESTION.cell_label_chars + 20


def test_an_html_table_shown_in_fenced_code_stays_code(tmp_path: Path) -> None:
    code = "<table>\n\n  <tr><td>x</td></tr>\n</table>"
    page = f"# Writing tables\n\nWrite it like this:\n\n```html\n{code}\n```\n"
    write_corpus(tmp_path, {"howto.md": page})
    doc = load(tmp_path)[1]["howto.md"]
    assert code in units(doc)


def test_a_table_of_header_cells_only_still_gives_its_cells(tmp_path: Path) -> None:
    html = "<table><tr><th>Level</th><th>Scope</th></tr><tr><th>L2</th><th>A team</th></tr></table>"
    write_corpus(tmp_path, {"t.html": f"<html><body><h1>Scope</h1>{html}</body></html>"})
    assert _cells(load(tmp_path)[1]["t.html"]) == ["L2: A team"]
