"""ui.uploads.save_upload: only safe names and text content, never an overwrite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fpdf import FPDF

from assistant import BadInputError
from ui.uploads import (
    UploadExistsError,
    delete_document,
    save_upload,
)

TEXT = b"# Notes\n\nSome career notes.\n"
#: The corpus's file limit for these tests (the page passes ``Settings.max_file_bytes``).
LIMIT = 100_000


def files_under(root: Path) -> list[Path]:
    return sorted(root.rglob("*"))


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    path = tmp_path / "corpus"
    path.mkdir()
    return path


@pytest.fixture
def uploads(tmp_path: Path) -> Path:
    """The corpus's uploads folder in a data directory (``Settings.uploads_dir``)."""
    return tmp_path / "data" / "uploads" / "corpus-0123456789"


@pytest.mark.parametrize("name", ["notes.md", "Notes (1).txt", "page.html", "a_b-c.markdown"])
def test_saves_supported_files_under_uploads(corpus: Path, uploads: Path, name: str) -> None:
    target = save_upload(uploads, name, TEXT, LIMIT)
    assert target == uploads / name
    assert target.read_bytes() == TEXT
    assert [p.name for p in uploads.iterdir()] == [name]  # no temp left


@pytest.mark.parametrize(
    "name",
    [
        "../escape.md",
        "..",
        "a/../../b.md",
        "/etc/passwd.md",
        "sub/dir.md",
        "back\\slash.md",
        "nul\x00.md",
        ".hidden.md",
        "",
        "x" * 101 + ".md",
        "tab\there.md",
        "notes.exe",
        "notes.md.exe",
        "notes",
        "README.md",
        "naïve.md",
    ],
)
def test_refuses_unsafe_names_and_writes_nothing(corpus: Path, uploads: Path, name: str) -> None:
    before = files_under(corpus.parent)
    with pytest.raises(BadInputError, match="refused"):
        save_upload(uploads, name, TEXT, LIMIT)
    assert files_under(corpus.parent) == before


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"  \n\t", "empty"),
        (b"a" * (LIMIT + 1), "limit"),
        (b"PK\x03\x04\x00\x00binary", "binary"),
        ("café".encode("latin-1"), "UTF-8"),
    ],
)
def test_refuses_bad_content(corpus: Path, uploads: Path, data: bytes, why: str) -> None:
    with pytest.raises(BadInputError, match=why):
        save_upload(uploads, "notes.md", data, LIMIT)
    assert files_under(corpus) == []


def test_a_pdf_with_text_is_accepted_and_a_scan_or_fake_is_refused(
    corpus: Path, uploads: Path
) -> None:
    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=11)
    document.cell(0, 8, "Staff engineers set direction for several teams.")
    save_upload(uploads, "ladder.pdf", bytes(document.output()), LIMIT)
    scan = FPDF()
    scan.add_page()
    with pytest.raises(BadInputError, match="no text layer"):
        save_upload(uploads, "scan.pdf", bytes(scan.output()), LIMIT)
    with pytest.raises(BadInputError, match="cannot read this PDF"):
        save_upload(uploads, "fake.pdf", b"%PDF-1.7 not really", LIMIT)
    assert [p.name for p in uploads.iterdir()] == ["ladder.pdf"]


def test_never_overwrites_an_existing_file(corpus: Path, uploads: Path) -> None:
    save_upload(uploads, "notes.md", TEXT, LIMIT)
    with pytest.raises(BadInputError, match="already exists"):
        save_upload(uploads, "notes.md", b"replacement", LIMIT)
    assert (uploads / "notes.md").read_bytes() == TEXT
    assert [p.name for p in uploads.iterdir()] == ["notes.md"]


def test_refuses_a_symlinked_upload_folder(corpus: Path, uploads: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    uploads.parent.mkdir(parents=True)
    os.symlink(outside, uploads)
    with pytest.raises(BadInputError, match="not a plain directory"):
        save_upload(uploads, "notes.md", TEXT, LIMIT)
    assert list(outside.iterdir()) == []


def test_creates_the_uploads_folder_but_says_when_it_cannot(tmp_path: Path) -> None:
    assert save_upload(tmp_path / "a" / "b", "notes.md", TEXT, LIMIT).is_file()
    (tmp_path / "file").write_bytes(b"x")
    with pytest.raises(BadInputError, match=r"cannot create .*CAREER_ASSISTANT_DATA_DIR"):
        save_upload(tmp_path / "file" / "sub", "notes.md", TEXT, LIMIT)


def test_replace_overwrites_only_when_asked(corpus: Path, uploads: Path) -> None:
    save_upload(uploads, "notes.md", TEXT, LIMIT)
    with pytest.raises(UploadExistsError):
        save_upload(uploads, "notes.md", b"# New\n\nNew notes.\n", LIMIT)
    save_upload(uploads, "notes.md", b"# New\n\nNew notes.\n", LIMIT, replace=True)
    assert (uploads / "notes.md").read_bytes() == b"# New\n\nNew notes.\n"
    assert [p.name for p in uploads.iterdir()] == ["notes.md"]  # no temp left


def test_delete_an_upload_but_a_shipped_file_only_when_confirmed(
    corpus: Path, uploads: Path
) -> None:
    save_upload(uploads, "notes.md", TEXT, LIMIT)
    delete_document(corpus, uploads, "uploads/notes.md")
    assert not (uploads / "notes.md").exists()
    (corpus / "paths").mkdir()
    (corpus / "paths" / "x.md").write_bytes(TEXT)
    with pytest.raises(BadInputError, match="confirm"):
        delete_document(corpus, uploads, "paths/x.md")
    delete_document(corpus, uploads, "paths/x.md", shipped_confirmed=True)
    assert not (corpus / "paths" / "x.md").exists()
    # a file put into the corpus's own uploads/ folder by hand was not saved by the page
    (corpus / "uploads").mkdir()
    (corpus / "uploads" / "mine.md").write_bytes(TEXT)
    with pytest.raises(BadInputError, match="confirm"):
        delete_document(corpus, uploads, "uploads/mine.md")
    assert (corpus / "uploads" / "mine.md").exists()


@pytest.mark.parametrize("source", ["uploads/../../outside.md", "uploads/missing.md", "uploads"])
def test_delete_refuses_what_is_not_a_corpus_file(corpus: Path, uploads: Path, source: str) -> None:
    uploads.mkdir(parents=True)
    (corpus.parent / "outside.md").write_bytes(TEXT)
    with pytest.raises(BadInputError, match="not a file in the corpus"):
        delete_document(corpus, uploads, source, shipped_confirmed=True)
    assert (corpus.parent / "outside.md").exists()
