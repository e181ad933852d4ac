"""HTML → blocks: the page's own content, without its menus, chrome or markup.

BeautifulSoup (with lxml, which parses in linear time and bounds nesting) builds the tree;
the walk over it is iterative, so a page of 16,000 nested tags costs time in proportion to
its size and never touches the recursion limit. Page chrome is dropped by element
(``nav``, ``footer``, ``script``…), by ARIA role, by id/class words that name a menu
("toc", "sidebar", "breadcrumb"…) and by shape (a list whose every item is only a link).
A ``main``/``article`` element, when the page has one with real text, is the content.
What repeats across many files of the corpus (a menu no rule recognised) is dropped
later, corpus-wide (:mod:`.boilerplate`).

trafilatura was tried first and measured worse on real career-framework pages: it
dropped every ``h1``/``h2`` (0 of 7 section headings kept on a level page) and kept the
menu's glyphs, and section headings are what our citations are made of.
"""

from __future__ import annotations

import re
import warnings
from collections import deque
from dataclasses import dataclass

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.element import NavigableString, PageElement, PreformattedString

from ..config import INGESTION
from ..documents import Block, BlockKind
from .budget import cut, exhausted, take
from .layout import Parsed, cap_label, clean_inline
from .menus import is_link_list, is_menu
from .tables import ITEM_SEPARATOR, Table, table_blocks

_DROPPED = frozenset(
    [
        "script",
        "style",
        "noscript",
        "template",
        "nav",
        "footer",
        "aside",
        "form",
        "iframe",
        "svg",
        "button",
        "select",
        "input",
        "textarea",
        "label",
        "object",
        "embed",
        "canvas",
        "dialog",
        "menu",
        "picture",
        "source",
        "img",
        "video",
        "audio",
        "map",
        "head",
        "title",
    ]
)
_DROPPED_ROLES = frozenset(
    "navigation banner contentinfo search menu menubar tablist toolbar complementary".split()  # noqa: SIM905
)
#: id/class words that name page chrome rather than content.
_CHROME_WORDS = frozenset(
    [
        "nav",
        "navbar",
        "navigation",
        "menu",
        "sidebar",
        "toc",
        "breadcrumb",
        "breadcrumbs",
        "footer",
        "cookie",
        "cookies",
        "skip",
        "share",
        "social",
        "pagination",
        "pager",
        "subnav",
        "topbar",
        "masthead",
        "sitemap",
        "megamenu",
        "legal",
        "copyright",
    ]
)
#: id/class words of a page header: dropped unless it holds the page's heading.
_HEADER_WORDS = frozenset({"header", "banner", "hero", "brand", "logo"})
_NEVER_CHROME = frozenset({"html", "body", "main", "article"})
#: An element with more than this share of the page's unlinked text is content,
#: whatever its class says.
CHROME_MAX_SHARE = 0.5
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_LISTS = frozenset({"ul", "ol"})
_BLOCKS = frozenset(
    [
        "p",
        "div",
        "section",
        "article",
        "main",
        "body",
        "li",
        "dd",
        "dt",
        "blockquote",
        "pre",
        "figcaption",
        "caption",
        "details",
        "summary",
        "address",
        "center",
        "dl",
    ]
) | frozenset(_HEADINGS)
_WORD_SPLIT = re.compile(r"[-_\s]+")
#: Bounds on ``colspan``/``rowspan``: a hostile "colspan=100000" must not build a huge row.
MAX_TABLE_SPAN = 50
MAX_TABLE_ROWS = 500
#: Elements inside a table cell that make it hold several items, not one text.
_CELLS = frozenset({"td", "th"})
_CELL_BLOCKS = frozenset(
    ["li", "p", "div", "br", "table", "ul", "ol", "dd", "dt", "pre", "blockquote"]
)
#: A ``main``/``article`` with less text than this is a teaser, not the page's content.
MIN_MAIN_CHARS = 200
# An XML-looking page is still read as HTML; BeautifulSoup's 12-line advice about it
# (printed on stderr, naming no file) is not something a corpus owner can act on.
warnings.filterwarnings("ignore", category=XMLParsedAsHTMLWarning)
warnings.filterwarnings("ignore", category=MarkupResemblesLocatorWarning)


def load_html(text: str) -> Parsed:
    """Parse a whole page: title (first ``h1``, else ``<title>``) and content blocks."""
    soup = BeautifulSoup(_within_tag_budget(text), "lxml")
    title_tag = soup.find("title")
    # "Benefits | Acme Careers": the site's name after a bar is not the page's title.
    page_title = cap_label(title_tag.get_text(" ").split(" | ")[0]) if title_tag else ""
    root: Tag = _content_root(soup)
    site = _site_name(soup, title_tag.get_text(" ") if title_tag else "")
    blocks = html_blocks(root)
    first_h1 = next((b.text for b in blocks if b.kind == "heading" and b.level == 1), "")
    return Parsed(blocks=blocks, title=first_h1 or page_title, meta=site)


def _site_name(soup: BeautifulSoup, title: str) -> dict[str, str]:
    """The site's name as the page states it (``og:site_name``, ``application-name``, or
    the ``<title>`` after its last bar: "Benefits | Acme Careers"), as ``organisation``."""
    for key, value in (("property", "og:site_name"), ("name", "application-name")):
        tag = soup.find("meta", attrs={key: value})
        content = tag.get("content") if isinstance(tag, Tag) else None
        if isinstance(content, str) and content.strip():
            return {"organisation": cap_label(content)}
    if " | " in title:
        return {"organisation": cap_label(title.rsplit(" | ", 1)[1])}
    return {}


def fragment_blocks(html: str, context: str = "") -> list[Block]:
    """Blocks of an HTML fragment, e.g. a raw HTML block inside a Markdown file;
    ``context`` is the heading above it."""
    return html_blocks(BeautifulSoup(_within_tag_budget(html), "lxml"), context)


def _within_tag_budget(html: str) -> str:
    """``html`` up to its ``INGESTION.max_html_tags``-th tag: building the tree is most of
    the cost of a page (a table of 200,000 cells took 8 s), so the rest is not parsed."""
    limit = INGESTION.max_html_tags
    if html.count("<") <= limit:
        return html
    end = -1
    for _ in range(limit + 1):
        end = html.find("<", end + 1)
    cut(f"budget of {limit:,} HTML tags")
    return html[:end]


def _content_root(soup: BeautifulSoup) -> Tag:
    candidates = list(soup.find_all("main")) + list(soup.find_all(role="main"))
    articles = soup.find_all("article")
    if len(articles) == 1:
        candidates.append(articles[0])
    for candidate in candidates:
        if (
            isinstance(candidate, Tag)
            and len(candidate.get_text(" ", strip=True)) >= MIN_MAIN_CHARS
        ):
            return candidate
    return soup


def html_blocks(root: Tag, context: str = "", charged: bool = True) -> list[Block]:
    """Walk ``root`` without recursion and collect its blocks in reading order; each
    ``charged`` to the file's budget (a table cell's are charged as the table's cells)."""
    walker = _Walker(context, charged)
    sizes = _measure(root)
    page_chars = sizes[id(root)].chars - sizes[id(root)].linked
    stack: list[tuple[PageElement, bool]] = [(root, False)]
    while stack and not exhausted():
        node, closing = stack.pop()
        if isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, doctypes, CDATA
                walker.text(str(node))
            continue
        if not isinstance(node, Tag):
            continue
        if closing:
            walker.close(node)
            continue
        if _is_chrome(node, sizes, page_chars):
            continue
        if node.name == "table":
            walker.table(node)
            continue
        if node.name == "br":
            walker.text("\n")
            continue
        walker.open(node)
        stack.append((node, True))
        stack.extend((child, False) for child in reversed(node.contents))
    walker.flush()
    return walker.blocks


class _Walker:
    """Accumulates text and turns it into a block when a block element ends."""

    def __init__(self, context: str = "", charged: bool = True) -> None:
        #: The heading above this fragment (a raw HTML block inside Markdown).
        self.context = context
        self.charged = charged
        self.blocks: list[Block] = []
        self._buffer: list[str] = []
        #: One entry per open list: the last number given in an ``ol``, or -1 for a ``ul``.
        self._lists: list[int] = []
        self._items = 0
        self._quotes = 0
        self._pre = 0

    def text(self, value: str) -> None:
        self._buffer.append(value)

    def open(self, tag: Tag) -> None:
        if tag.name in _BLOCKS or tag.name in _LISTS:
            self.flush()
        if tag.name in _LISTS:
            start = str(tag.get("start", "1"))
            self._lists.append(int(start) - 1 if tag.name == "ol" and start.isdigit() else -1)
        elif tag.name == "li":
            self._items += 1
            if self._lists and self._lists[-1] >= 0:
                self._lists[-1] += 1
        elif tag.name == "blockquote":
            self._quotes += 1
        elif tag.name == "pre":
            self._pre += 1

    def close(self, tag: Tag) -> None:
        name = tag.name
        if name in _HEADINGS:
            self.flush("heading", _HEADINGS[name])
        elif name == "li":
            self.flush("list_item")
            self._items -= 1
        elif name == "pre":
            self.flush("code")
            self._pre -= 1
        elif name in _LISTS:
            self.flush()
            if self._lists:
                self._lists.pop()
        elif name == "blockquote":
            self.flush()
            self._quotes -= 1
        elif name in _BLOCKS:
            self.flush()

    def table(self, tag: Tag) -> None:
        self.flush()
        context = next((b.text for b in reversed(self.blocks) if b.kind == "heading"), "")
        for block in table_blocks(html_table(tag, context or self.context)):
            self.add(block)

    def add(self, block: Block) -> None:
        if not self.charged or take(block.text):
            self.blocks.append(block)

    def flush(self, kind: BlockKind | None = None, level: int = 0) -> None:
        raw = "".join(self._buffer)
        self._buffer = []
        if kind == "code" or (kind is None and self._pre):
            text = raw.strip("\n")
            if text.strip():
                self.add(Block("code", text))
            return
        text = clean_inline(raw)
        if not text:
            return
        if kind == "heading":
            self.add(Block("heading", cap_label(text), level))
        elif kind == "list_item" or self._items:  # text of an item, before its sub-list too
            depth = max(0, len(self._lists) - 1)
            number = max(0, self._lists[-1]) if self._lists else 0
            if self.blocks and self.blocks[-1].kind == "list_item" and kind != "list_item":
                number = 0  # the item's number went with its first paragraph
            self.add(Block("list_item", text, depth, number))
        else:
            self.add(Block("quote" if self._quotes else "paragraph", text))


def _class_words(tag: Tag) -> set[str]:
    """The words of an element's id and classes: "site-header main" → {site, header, main}."""
    attrs = tag.attrs if isinstance(tag.attrs, dict) else {}
    classes: list[str] = list(attrs.get("class") or [])
    names = " ".join([str(attrs.get("id", "")), *(str(c) for c in classes)]).lower()
    return set(_WORD_SPLIT.split(names)) - {""}


def html_table(tag: Tag, context: str) -> Table:
    """A ``<table>`` on one grid: header rows (in ``thead``, or all ``th`` before the
    body), body rows, and how many leading columns are header cells in every body row."""
    table = Table(context=context)
    pending: dict[int, tuple[str, int]] = {}  # column → (text, rows still to fill)
    row_headers: list[int] = []
    for row in _rows(tag):
        if exhausted():
            break
        cells = [cell for cell in row.children if isinstance(cell, Tag) and cell.name in _CELLS]
        if not cells:
            continue
        in_head = row.name == "thead" or row.find_parent("thead") is not None
        if (in_head or all(c.name == "th" for c in cells)) and not table.body:
            table.head.append(_grid_row(cells, pending))
            continue
        table.body.append(_grid_row(cells, pending))
        row_headers.append(next((i for i, c in enumerate(cells) if c.name != "th"), len(cells)))
    table.label_columns = min(row_headers, default=0)
    return table


def _rows(tag: Tag) -> list[Tag]:
    """The table's own rows: ``tr`` elements, and a ``thead`` holding its cells directly
    (``<thead><th>…``, which browsers show as a row); a nested table's rows are its own."""
    return [
        row
        for row in tag.find_all(["tr", "thead", "tbody", "tfoot"])
        if row.find_parent("table") is tag
        and (row.name == "tr" or row.find(["td", "th"], recursive=False) is not None)
    ]


def _grid_row(cells: list[Tag], pending: dict[int, tuple[str, int]]) -> list[str]:
    """One row's cells in their grid columns: a ``colspan`` cell fills several columns,
    a ``rowspan`` cell (kept in ``pending``) fills the same column of the next rows."""
    row: list[str] = []
    queue = deque(cells)  # popped from the left: a row of 10,000 cells stays linear
    while queue or any(column >= len(row) for column in pending):
        column = len(row)
        if column in pending:
            text, left = pending.pop(column)
            if left > 1:
                pending[column] = (text, left - 1)
            row.append(text)
            continue
        if not queue:
            row.append("")
            continue
        cell = queue.popleft()
        text = _cell_text(cell)
        for _ in range(_span(cell, "colspan", MAX_TABLE_SPAN)):
            if _span(cell, "rowspan", MAX_TABLE_ROWS) > 1:
                pending[len(row)] = (text, _span(cell, "rowspan", MAX_TABLE_ROWS) - 1)
            row.append(text)
    return row


def _cell_text(cell: Tag) -> str:
    """A cell's text; its paragraphs and list items kept apart (``ITEM_SEPARATOR``)."""
    # A walk of the cell, not ``cell.find``: BeautifulSoup builds a matcher per call,
    # which cost most of the time of a table of 200,000 cells.
    if not any(isinstance(node, Tag) and node.name in _CELL_BLOCKS for node in cell.descendants):
        return clean_inline(cell.get_text(" "))
    blocks = html_blocks(cell, charged=False)
    return ITEM_SEPARATOR.join(block.text for block in blocks if block.text)


def _span(cell: Tag, name: str, limit: int) -> int:
    value = str(cell.get(name, "1")).strip()
    return min(int(value), limit) if value.isdigit() and int(value) > 0 else 1


def _is_chrome(tag: Tag, sizes: dict[int, _Size], page_chars: int) -> bool:
    """Elements that are page furniture, not content.

    Words in ids and classes are a hint, not proof (``<body class="nav-left">``): an
    element holding most of the page's text outside links is never dropped for them.
    """
    name = tag.name
    if name in _DROPPED:
        return True
    if name in _NEVER_CHROME:
        return False
    size = sizes.get(id(tag), _Size())
    if name == "header" and not size.headings:
        return True
    if size.chars - size.linked > CHROME_MAX_SHARE * page_chars:
        return False
    words = _class_words(tag)
    if words & _HEADER_WORDS and not size.headings:
        return True
    attrs = tag.attrs if isinstance(tag.attrs, dict) else {}
    if str(attrs.get("role", "")).lower() in _DROPPED_ROLES or attrs.get("hidden") is not None:
        return True
    if str(attrs.get("aria-hidden", "")).lower() == "true":
        return True
    if words & _CHROME_WORDS:
        return True
    # A block of nothing but several links ("Other pages: A · B · C") is navigation, and
    # so is a list of two links and nothing else ("Runbooks", "Escalation").
    if name in ("ul", "ol") and is_link_list(size.links, size.linked, size.chars):
        return True
    return name in ("ul", "ol", "div", "p", "dl") and is_menu(size.links, size.linked, size.chars)


@dataclass
class _Size:
    chars: int = 0  # non-space characters of text
    linked: int = 0  # of which inside links
    links: int = 0
    headings: int = 0  # h1-h3 elements inside


def _measure(root: Tag) -> dict[int, _Size]:
    """Text, link and heading counts of every element, in one pass (keyed by ``id``).

    Asking each element for its links would walk its subtree again: quadratic on deeply
    nested pages. Sizes are summed from the leaves up instead, iteratively.
    """
    order: list[tuple[Tag, Tag | None]] = []
    stack: list[tuple[Tag, Tag | None]] = [(root, None)]
    while stack:
        tag, parent = stack.pop()
        order.append((tag, parent))
        stack.extend((child, tag) for child in tag.contents if isinstance(child, Tag))
    sizes: dict[int, _Size] = {}
    for tag, parent in reversed(order):  # children before parents
        size = sizes.setdefault(id(tag), _Size())
        own = sum(
            len("".join(str(child).split()))
            for child in tag.contents
            if isinstance(child, NavigableString) and not isinstance(child, PreformattedString)
        )
        size.chars += own
        if tag.name == "a":
            size.links += 1
            size.linked = size.chars
        elif tag.name in ("h1", "h2", "h3"):
            size.headings += 1
        if parent is not None:
            total = sizes.setdefault(id(parent), _Size())
            total.chars += size.chars
            total.linked += size.linked
            total.links += size.links
            total.headings += size.headings
    return sizes
