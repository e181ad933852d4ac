"""PDF matrices: ruled table cells found from the page geometry, with their labels."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from assistant.chunking import chunk_document

from .support import load, units

LEVELS = ("Level", "Code review", "Delivery")


def landscape_matrix(path: Path) -> None:
    """Two landscape pages: a title and a heading in larger type, a ruled level ×
    competency table per page, cells that wrap over several lines, and words broken at a
    line end inside cells ("Type-" + "Script", "well-" + "defined")."""
    pdf = FPDF(orientation="L")
    pdf.set_title("matrix-export.docx")
    pdf.set_author("Northwind Engineering")
    pages = [
        (
            "Backend Engineering Matrix",
            "Most new services at Northwind are written in TypeScript and run on one platform.",
            [
                ("1", "Reads reviews of their team and asks questions about anything unclear.",
                 "Ships well-\ndefined tasks with help, and writes Type-\nScript services."),
                ("2", "Reviews small changes of their team within one working day.",
                 "Ships features of a few weeks on their own."),
            ],
        ),
        (
            "Senior Levels",
            "Senior levels are reviewed every half year by a promotion panel.",
            [
                ("3", "Reviews designs across two teams and teaches reviewing to others.",
                 "Leads projects of a quarter with several engineers."),
            ],
        ),
    ]  # fmt: skip
    for title, paragraph, rows in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", "B", size=20)
        pdf.cell(0, 12, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 7, paragraph, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        with pdf.table(col_widths=(20, 90, 90), line_height=7) as table:
            for row in (LEVELS, *rows):
                cells = table.row()
                for text in row:
                    cells.cell(text)
    pdf.output(str(path))


def test_pdf_matrix_cells_carry_their_labels_and_wrapped_words_are_repaired(
    tmp_path: Path,
) -> None:
    landscape_matrix(tmp_path / "matrix.pdf")
    warnings, docs = load(tmp_path)
    doc = docs["matrix.pdf"]
    texts = units(doc)  # every block and chunk maps back to the document text
    cells = [b.text for b in doc.blocks if b.kind == "table_row"]
    assert cells == [
        "Level 1 — Code review: "
        "Reads reviews of their team and asks questions about anything unclear.",
        "Level 1 — Delivery: Ships well-defined tasks with help, and writes TypeScript services.",
        "Level 2 — Code review: Reviews small changes of their team within one working day.",
        "Level 2 — Delivery: Ships features of a few weeks on their own.",
        "Level 3 — Code review: Reviews designs across two teams and teaches reviewing to others.",
        "Level 3 — Delivery: Leads projects of a quarter with several engineers.",
    ]
    assert "Most new services at Northwind are written in TypeScript and run on one platform." in (
        texts
    )
    assert doc.title == "Backend Engineering Matrix"  # not the generated metadata title
    assert [b.text for b in doc.blocks if b.kind == "heading"] == [
        "Backend Engineering Matrix",
        "Senior Levels",
    ]
    assert "Page 1" not in doc.text and not warnings
    sections = {c.section for c in chunk_document(doc, 700, 150) if "Level 3" in c.text}
    assert sections == {"Backend Engineering Matrix › Senior Levels"}
