from __future__ import annotations

import codecs
import time
from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.ingest import corpus_files, load_corpus

from ..conftest import TPM_PATH, write_corpus


def load(root: Path) -> tuple[list[str], dict[str, object]]:
    warnings: list[str] = []
    docs = load_corpus(root, 5_000_000, warnings.append)
    return warnings, {d.source: d for d in docs}


def test_markdown_front_matter_becomes_metadata(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"paths/tpm.md": TPM_PATH})
    _, docs = load(tmp_path)
    doc = docs["paths/tpm.md"]
    assert doc.title == "Technical Program Manager"  # type: ignore[attr-defined]
    assert doc.family == "business-process"  # type: ignore[attr-defined]
    assert doc.aliases == ("TPM", "program manager")  # type: ignore[attr-defined]
    assert doc.path == "tpm"  # type: ignore[attr-defined]
    assert not doc.text.startswith("---")  # type: ignore[attr-defined]


def test_html_drops_chrome_and_keeps_headings(tmp_path: Path) -> None:
    html = """<html><head><title>Roles</title><style>p{}</style></head><body>
    <nav><a href="/">Home</a> Skip to content</nav>
    <h2>Architect</h2><p>Architects look after how things <b>fit</b> together.</p>
    <script>alert("x")</script><footer>Sign up now</footer></body></html>"""
    write_corpus(tmp_path, {"roles.html": html})
    _, docs = load(tmp_path)
    doc = docs["roles.html"]
    assert doc.title == "Roles"  # type: ignore[attr-defined]
    assert "## Architect" in doc.text  # type: ignore[attr-defined]
    assert "Architects look after how things fit together." in doc.text  # type: ignore[attr-defined]
    for chrome in ("alert", "Sign up", "Skip to content", "p{}"):
        assert chrome not in doc.text  # type: ignore[attr-defined]


def test_plain_text_is_loaded_with_a_title_from_its_name(tmp_path: Path) -> None:
    write_corpus(tmp_path, {"notes/sales-engineer.txt": "Sales engineers meet customers."})
    _, docs = load(tmp_path)
    assert docs["notes/sales-engineer.txt"].title == "Sales Engineer"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "data", "warning"),
    [
        ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks binary"),
        ("empty.md", b"", "is empty"),
        ("data.csv", b"a,b\n1,2\n", "unsupported file type"),
        ("blank.md", b"---\ntitle: x\n---\n\n   \n", "no text"),
    ],
)
def test_unusable_files_are_skipped_with_a_warning_naming_them(
    tmp_path: Path, name: str, data: bytes, warning: str
) -> None:
    (tmp_path / "good.md").write_text("# Good\n\nA real paragraph.\n")
    (tmp_path / name).write_bytes(data)
    warnings, docs = load(tmp_path)
    assert set(docs) == {"good.md"}
    assert any(name in w and warning in w for w in warnings), warnings


def test_non_utf8_text_is_decoded_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "latin.txt").write_bytes("Café au lait for the développeur.".encode("latin-1"))
    (tmp_path / "utf16.txt").write_bytes(codecs.BOM_UTF16_LE + "Hello TPM".encode("utf-16-le"))
    warnings, docs = load(tmp_path)
    assert "Café" in docs["latin.txt"].text  # type: ignore[attr-defined]
    assert docs["utf16.txt"].text == "Hello TPM\n"  # type: ignore[attr-defined]
    assert any("latin.txt" in w and "Latin-1" in w for w in warnings)


def test_invalid_yaml_front_matter_is_reported_and_body_kept(tmp_path: Path) -> None:
    (tmp_path / "bad.md").write_text("---\ntitle: [unclosed\n---\n# Bad\n\nBody text here.\n")
    warnings, docs = load(tmp_path)
    assert "Body text here." in docs["bad.md"].text  # type: ignore[attr-defined]
    assert any("bad.md" in w and "YAML" in w for w in warnings)


def test_oversized_file_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "ok.md").write_text("fine")
    (tmp_path / "big.md").write_text("x" * 2_000)
    warnings: list[str] = []
    files = corpus_files(tmp_path, 1_000, warnings.append)
    assert [f.source for f in files] == ["ok.md"]
    assert any("big.md" in w and "limit" in w for w in warnings)


def test_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("secret")
    corpus = write_corpus(tmp_path / "corpus", {"a.md": "hello"})
    (corpus / "link.md").symlink_to(outside)
    (corpus / "linkdir").symlink_to(tmp_path, target_is_directory=True)
    warnings, docs = load(corpus)
    assert set(docs) == {"a.md"}
    assert any("link.md" in w for w in warnings)


@pytest.mark.parametrize("make", ["missing", "empty", "only-bad"])
def test_missing_or_empty_corpus_is_a_clear_error(tmp_path: Path, make: str) -> None:
    corpus = tmp_path / "corpus"
    if make != "missing":
        corpus.mkdir()
    if make == "only-bad":
        (corpus / "x.bin").write_bytes(b"\x00\x01")
    with pytest.raises(CorpusError, match="corpus directory"):
        load_corpus(corpus, 1000, lambda _: None)


def test_html_text_directly_in_containers_is_kept(tmp_path: Path) -> None:
    html = "<h1>T</h1><div>Div text.</div><p>Para <b>bold</b> end.</p><section>Loose</section>"
    write_corpus(tmp_path, {"page.html": html})
    _, docs = load(tmp_path)
    text = docs["page.html"].text  # type: ignore[attr-defined]
    for part in ("# T", "Div text.", "Para bold end.", "Loose"):
        assert part in text


def test_menu_headings_are_found_in_linear_time(tmp_path: Path) -> None:
    """Repeated headings with nothing under them are a menu's; thousands stay cheap."""
    menu = "".join(f"## Menu {n}\n\n" for n in range(4000))
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.md").write_text(f"{menu}# Page {name}\n\nBody of {name}.\n")
    started = time.perf_counter()
    _, docs = load(tmp_path)
    assert time.perf_counter() - started < 10
    assert [b.text for b in docs["a.md"].blocks] == ["Page a", "Body of a."]  # type: ignore[attr-defined]
