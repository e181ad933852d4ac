"""PDF → blocks, with pypdf (pure Python, maintained, no system libraries).

A PDF holds positioned lines, not paragraphs, so the page text is repaired: running
headers and footers that repeat on most pages and bare page numbers are dropped, words
hyphenated across a line break are rejoined, wrapped lines are joined into paragraphs,
and short title-like lines become headings. When no heading is found, each page's text
sits under a "Page N" heading, so a citation still says where to look. A PDF without a
text layer (a scan) is skipped with a warning: there is nothing to quote without OCR.
"""

from __future__ import annotations

import io
import logging
import re
from collections import Counter

from pypdf import PdfReader
from pypdf.errors import PdfReadError, PyPdfError

from ..documents import Block
from .files import Warn
from .layout import Parsed, cap_label, clean_inline

#: A line on at least this share of pages, at their top or bottom, is a running header.
RUNNING_LINE_SHARE = 0.5
EDGE_LINES = 3
MAX_HEADING_CHARS = 80
MAX_HEADING_WORDS = 10
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—(]?\s*\d{1,4}\s*[-–—)]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I
)
#: Metadata titles that writing tools make up ("Microsoft Word - x.docx", "untitled").
_GENERATED_TITLE = re.compile(
    r"\.(docx?|odt|rtf|pages|pptx?|xlsx?|pdf|txt|md)\s*$|^(microsoft \w+ - |untitled\b)", re.I
)
_BULLET = re.compile(r"^\s*(?:[-*•▪◦●]|\d{1,3}[.)])\s+")
_SENTENCE_END = (".", "!", "?", ":", ";", "…", '."', ".”")
logging.getLogger("pypdf").setLevel(logging.ERROR)  # its warnings name no file: ours do


def load_pdf(raw: bytes, source: str, warn: Warn) -> Parsed | None:
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            warn(f"skipped {source}: the PDF is password-protected; save an unlocked copy")
            return None
        pages = [_page_lines(page.extract_text() or "") for page in reader.pages]
        meta_title = (reader.metadata.title if reader.metadata else None) or ""
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, OSError) as error:
        warn(f"skipped {source}: cannot read this PDF ({type(error).__name__}); re-export it")
        return None
    if not any(pages):
        warn(f"skipped {source}: the PDF has no text layer (a scan?); run OCR on it first")
        return None
    pages = _drop_running_lines(pages)
    per_page = [_blocks(lines) for lines in pages]
    has_headings = any(b.kind == "heading" for blocks in per_page for b in blocks)
    blocks: list[Block] = []
    for number, page_blocks in enumerate(per_page, start=1):
        if not has_headings and page_blocks:
            blocks.append(Block("heading", f"Page {number}", 2))
        blocks.extend(page_blocks)
    first_heading = next((b.text for b in blocks if b.kind == "heading" and has_headings), "")
    title = "" if _GENERATED_TITLE.search(str(meta_title)) else cap_label(str(meta_title))
    return Parsed(blocks=blocks, title=title or first_heading)


def _page_lines(text: str) -> list[str]:
    lines = [clean_inline(line) for line in text.replace("\r", "\n").split("\n")]
    return [line for line in lines if line and not _PAGE_NUMBER.match(line)]


def _shape(line: str) -> str:
    """A line with its numbers masked, so "Report — page 3" matches "Report — page 4"."""
    return re.sub(r"\d+", "#", line.casefold())


def _drop_running_lines(pages: list[list[str]]) -> list[list[str]]:
    if len(pages) < 2:
        return pages
    counts: Counter[str] = Counter()
    for lines in pages:
        counts.update({_shape(line) for line in lines[:EDGE_LINES] + lines[-EDGE_LINES:]})
    running = {shape for shape, n in counts.items() if n >= max(2, RUNNING_LINE_SHARE * len(pages))}
    kept = []
    for lines in pages:
        edges = set(range(min(EDGE_LINES, len(lines)))) | set(
            range(max(0, len(lines) - EDGE_LINES), len(lines))
        )
        kept.append([x for i, x in enumerate(lines) if not (i in edges and _shape(x) in running)])
    return kept


def _blocks(lines: list[str]) -> list[Block]:
    """Join wrapped lines into paragraphs and list items; short title lines are headings."""
    if not lines:
        return []
    width = sorted(len(line) for line in lines)[len(lines) * 3 // 4]  # a full line's length
    blocks: list[Block] = []
    current: list[str] = []
    kind = "paragraph"

    def close() -> None:
        nonlocal current
        if current:
            blocks.append(
                Block("list_item" if kind == "list_item" else "paragraph", _join(current))
            )
        current = []

    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        bullet = _BULLET.match(line)
        ended = not current or current[-1].endswith(_SENTENCE_END)
        if ended and _is_heading(line, following, width):
            close()  # the paragraph above may end on a full-width line
            blocks.append(Block("heading", cap_label(line), 2))
            continue
        if bullet:
            close()
            kind = "list_item"
            current = [line[bullet.end() :]]
        else:
            if not current:
                kind = "paragraph"
            current.append(line)
        if line.endswith(_SENTENCE_END) and len(line) < 0.8 * width:
            close()
    close()
    return blocks


def _is_heading(line: str, following: str, width: int) -> bool:
    return (
        len(line) <= min(MAX_HEADING_CHARS, 0.7 * width)
        and len(line.split()) <= MAX_HEADING_WORDS
        and line[:1].isupper()
        and not line.endswith((*_SENTENCE_END, ","))
        and not _BULLET.match(line)
        and bool(following)
        and following[:1].isupper()
    )


def _join(lines: list[str]) -> str:
    """Join wrapped lines, rejoining words hyphenated at a line end ("devel-" + "opment");
    a compound broken at one of its hyphens keeps it ("one-" + "on-one", "state-of-the-"
    + "art")."""
    text = lines[0]
    for line in lines[1:]:
        if re.search(r"[A-Za-z]-$", text) and line[:1].islower():
            compound = "-" in line.split(maxsplit=1)[0] or "-" in text.split()[-1][:-1]
            text = (text if compound else text[:-1]) + line
        else:
            text = f"{text} {line}"
    return clean_inline(text)
