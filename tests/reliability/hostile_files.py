"""Hostile corpus files of issue 19, generated at the sizes the issue gives.

Each is what an attacker with an upload form would write: small or ordinary-looking
files that once cost minutes, gigabytes or the whole corpus. The text in them is made up
here; none comes from any collection.
"""

from __future__ import annotations

import zlib

from fpdf import FPDF
from fpdf.enums import EncryptionMethod


def alias_bomb(blob_chars: int = 1_000_000, copies: int = 300) -> bytes:
    """Front matter with one anchored 1 MB string repeated 300 times by aliases: a 1 MB
    file that once wrote a 301 MB parse-cache entry."""
    aliases = ", ".join(["*a"] * copies)
    return (
        f'---\ntitle: Anchors\nblob: &a "{"lorem " * (blob_chars // 6)}"\n'
        f"aliases: [{aliases}]\n---\n\n"
        "# Anchors\n\nThe body of the anchored file is one short paragraph.\n"
    ).encode()


def pdf_bomb(pages: int = 50, chars_per_page: int = 1_900_000) -> bytes:
    """A small PDF whose every page draws one shared compressed content stream of
    ~1.9 MB of text: each page once took ~2.9 s, and the rebuild over 240 s."""
    line = b"(" + b"Repeated words fill every line of the page " * 2 + b") Tj T*\n"
    per_line = len(line) - 8
    stream = b"BT /F1 1 Tf 12 TL 10 780 Td\n" + line * (chars_per_page // per_line) + b"ET\n"
    packed = zlib.compress(stream, 9)
    kids = " ".join(f"{5 + n} 0 R" for n in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(packed)} /Filter /FlateDecode >>\nstream\n".encode()
        + packed
        + b"\nendstream",
    ]
    page = (
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 3 0 R >> >> /Contents 4 0 R >>"
    )
    objects += [page.encode()] * pages
    return _pdf(objects)


def _pdf(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\n".encode()
    out += f"startxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def encrypted_pdf(user_password: str = "") -> bytes:
    """An AES-256 encrypted PDF: with an empty user password it opens (and is indexed);
    with a real one it cannot be read and is skipped with a warning."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(
        0,
        8,
        text="Locked handbook. Night shifts are paid at one and a half times the day rate.",
    )
    pdf.set_encryption(
        owner_password="owner-secret",
        user_password=user_password,
        encryption_method=EncryptionMethod.AES_256,
    )
    return bytes(pdf.output())


def numbered_pages_pdf(pages: int = 6) -> bytes:
    """Every page one line that differs from the others only in its numbers: content,
    not a running header (all of it was once dropped as one)."""
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for number in range(pages):
        pdf.add_page()
        pdf.cell(text=f"Team {(number * 7) % 5 + 2} shipped {(number * 37) % 90 + 10} fixes.")
    return bytes(pdf.output())


def wide_html_table(columns: int = 10_000, rows: int = 20) -> bytes:
    """10,000 columns x 20 rows (2.2 MB): once 200,001 blocks and a rebuild over 240 s."""
    head = "".join(f"<th>c{n}</th>" for n in range(columns))
    body = "".join("<tr>" + f"<td>{r}</td>" * columns + "</tr>" for r in range(rows))
    return (
        "<html><body><main><h1>Wide</h1><p>A table far too wide to read.</p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        "</main></body></html>"
    ).encode()


def labelled_table(rows: int = 2_050, columns: int = 10, header_chars: int = 1_500) -> bytes:
    """A 460 KB Markdown table with long headers: its labels once made 33 MB of text in
    15,001 units (72x). Its cells repeat, so the vectors it needs are few."""
    headers = [f"Column {n} " + "heading words " * (header_chars // 14) for n in range(columns)]
    lines = [
        "# Labelled\n",
        "A table whose every cell would repeat two long labels.\n",
        "| Row | " + " | ".join(headers) + " |",
        "|---" * (columns + 1) + "|",
    ]
    row = "| Same row | " + " | ".join(f"cell value {n} here" for n in range(columns)) + " |"
    lines += [row] * rows
    return ("\n".join(lines) + "\n").encode()


def link_references(count: int = 100_000) -> bytes:
    """Nothing but link reference definitions: no text to index."""
    return "".join(f"[r{n}]: https://example.org/{n}\n" for n in range(count)).encode()


def deep_quote(depth: int = 20_000) -> bytes:
    """A blockquote 20,000 levels deep: too deeply nested to read."""
    return (">" * depth + " deep words\n").encode()


SCRIPT_LINK = (
    "# Links\n\nRead [the safety guide](javascript:alert(1)) and "
    "[the data sheet](data:text/html;base64,PHNjcmlwdD4=) before on-call starts.\n"
)
XML_PAGE = (
    '<?xml version="1.0"?>\n<html><body><main><h1>XML page</h1>'
    "<p>An XML-looking page is still read as a page.</p></main></body></html>\n"
)
