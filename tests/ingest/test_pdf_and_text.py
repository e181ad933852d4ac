from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from .support import load, units


def two_page_pdf(path: Path) -> None:
    """A PDF with a running header and footer, a hyphenated word, and wrapped lines."""
    pdf = FPDF()
    pdf.set_title("Microsoft Word - ladder-final.docx")
    pdf.set_font("Helvetica", size=11)
    pages = [
        [
            "Staff Engineer Guide",
            "Staff engineers set technical direction for several",
            "teams and mentor senior engi-",
            "neers across the organisation.",
        ],
        [
            "Promotion",
            "Promotion to staff needs evidence of impact beyond",
            "one team, and the promotion case is written by the manager, who meets you in a one-",
            "on-one every week about state-of-the-",
            "art tooling.",
            "Leaving the company",
            "Engineers give one month of notice.",
        ],
    ]
    for number, lines in enumerate(pages, start=1):
        pdf.add_page()
        pdf.cell(0, 8, "ACME CONFIDENTIAL - Career Ladder 2026", new_x="LMARGIN", new_y="NEXT")
        for line in lines:
            pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(-20)
        pdf.cell(0, 8, f"Page {number} of 2", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_pdf_text_is_repaired_and_running_lines_dropped(tmp_path: Path) -> None:
    two_page_pdf(tmp_path / "ladder.pdf")
    doc = load(tmp_path)[1]["ladder.pdf"]
    texts = units(doc)
    assert (
        "Staff engineers set technical direction for several teams and mentor senior "
        "engineers across the organisation." in texts
    )
    assert (
        "Promotion to staff needs evidence of impact beyond one team, and the promotion case "
        "is written by the manager, who meets you in a one-on-one every week about "
        "state-of-the-art tooling." in texts
    )
    assert doc.title == "Staff Engineer Guide"  # not the generated metadata title
    assert "CONFIDENTIAL" not in doc.text and "Page 1" not in doc.text
    assert [b.text for b in doc.blocks if b.kind == "heading"] == [
        "Staff Engineer Guide",
        "Promotion",
        "Leaving the company",  # after a paragraph ending on a full-width line
    ]


def test_scanned_or_broken_pdfs_are_skipped_with_a_warning(tmp_path: Path) -> None:
    blank = FPDF()
    blank.add_page()
    blank.output(str(tmp_path / "scan.pdf"))
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj garbage")
    (tmp_path / "ok.txt").write_text("Fine.")
    warnings, docs = load(tmp_path)
    assert set(docs) == {"ok.txt"}
    assert any("scan.pdf" in w and "no text layer" in w for w in warnings)
    assert any("broken.pdf" in w and "PDF" in w for w in warnings)


def test_plain_text_keeps_paragraphs_and_a_short_first_line_is_the_title(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text(
        "Promotion notes\n\nManagers write a case\nthat spans two lines.\n\n"
        "- first bullet\n- second bullet\n"
    )
    doc = load(tmp_path)[1]["notes.txt"]
    assert doc.title == "Promotion notes"
    assert units(doc) == [
        "Managers write a case that spans two lines.",
        "first bullet",
        "second bullet",
    ]
