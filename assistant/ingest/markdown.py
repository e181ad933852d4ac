"""Markdown → blocks, through a real CommonMark parser.

markdown-it-py was chosen over mistune: it is CommonMark-compliant (so real files parse
as GitHub shows them), has GFM tables built in, hands back a flat token stream that maps
one-to-one onto our blocks, guards against pathological input, and is already installed
as a dependency of Streamlit's ``rich``. Link and emphasis syntax become their text,
images are dropped (their alt text kept only when it says something), raw HTML goes
through the HTML loader, code stays code, and a list or paragraph made of nothing but
links (a page's "other pages" menu) is dropped as navigation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from ..documents import Block
from .budget import exhausted, take
from .files import Warn
from .frontmatter import USED_KEYS, split_front_matter, used_meta
from .layout import Parsed, cap_label, clean_inline
from .markup import code_fence, strip_outside_code
from .menus import LIST_MENU_MIN_LINKS, MENU_LINK_SHARE, is_menu
from .tables import Table, table_blocks
from .yamltree import tree_blocks

_PARSER = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
# Link targets are never kept (only link text is), so none is refused: markdown-it
# leaves a link it refuses ("javascript:", "data:", "vbscript:") as literal text, which
# was then quoted with its target. Not normalising them either saves a third of the
# time of a file of 100,000 link definitions.
_PARSER.validateLink = lambda _url: True  # type: ignore[method-assign,assignment]
_PARSER.normalizeLink = lambda url: url  # type: ignore[method-assign]
#: Link targets whose text is dropped when it merely repeats them (``<javascript:…>``).
_SCRIPT_LINK = re.compile(r"^\s*(javascript|data|vbscript):", re.IGNORECASE)


def _stop_block(state: StateBlock, _start: int, end: int, _silent: bool) -> bool:
    """First block rule: once the file is over a budget, the rest of it is skipped
    (markdown-it itself has no clock: a long file took minutes)."""
    if not exhausted():
        return False
    state.line = end
    return True


def _stop_inline(state: StateInline, _silent: bool) -> bool:
    """First inline rule: the same for the text of a paragraph or cell."""
    if not exhausted():
        return False
    state.pos = state.posMax
    return True


_PARSER.block.ruler.before("table", "budget", _stop_block)
_PARSER.inline.ruler.before("text", "budget", _stop_inline)
#: Alt text that names a file or says "image" describes nothing a reader needs.
_USELESS_ALT = re.compile(
    r"\.(png|jpe?g|gif|svg|webp)\b|^(image|img|screenshot|logo|icon|badge|photo|picture)\b",
    re.IGNORECASE,
)
MIN_ALT_WORDS = 3
_TABLE_START = re.compile(r"^\s*<table\b", re.IGNORECASE)
#: A Markdown list item inside a raw HTML cell (GitHub renders it as one).
_MARKDOWN_ITEM = re.compile(r"^[-*+]\s+(.*?)\s*$")
#: "[^1]": a footnote reference (CommonMark has no footnotes, so it stays as text).
_FOOTNOTE_REFERENCE = re.compile(r"\[\^[^\]\s]{1,20}\]")


def load_markdown(text: str, source: str, warn: Warn) -> Parsed:
    """Front matter (YAML ``---`` or TOML ``+++``) becomes metadata; the body, blocks."""
    meta, body = split_front_matter(text, source, warn)
    found = _Found()
    blocks = markdown_blocks(_join_html_tables(strip_outside_code(body)), found)
    if meta:  # the document may live in its front matter
        blocks += tree_blocks(meta, blocks, skipped=USED_KEYS)
    title = meta.get("title") if isinstance(meta.get("title"), str) else ""
    if not title:
        headings = [b for b in blocks if b.kind == "heading"]
        first_h1 = next((b.text for b in headings if b.level == 1), "")
        first_is_heading = bool(blocks) and blocks[0].kind == "heading"
        title = first_h1 or (blocks[0].text if first_is_heading else "")
    return Parsed(blocks, cap_label(str(title)), used_meta(meta), found.empty_reason())


@dataclass
class _Found:
    """What a body held besides its blocks: why a file with no text left has none."""

    menus: int = 0
    references: int = 0
    deepest: int = 0

    def empty_reason(self) -> str:
        if self.deepest >= _PARSER.options["maxNesting"] - 1:
            return f"it is nested too deeply to read (over {self.deepest} levels of quotes, lists)"
        if self.references or self.menus:
            return "it holds only links (navigation or link definitions), no text"
        return ""


@dataclass
class _List:
    """A list being read: its blocks wait until we know whether it is a menu."""

    blocks: list[Block] = field(default_factory=list)
    items: int = 0
    link_only_items: int = 0
    ordered: bool = False


def markdown_blocks(body: str, found: _Found | None = None) -> list[Block]:
    env: dict[str, dict[str, object]] = {}
    tokens = _PARSER.parse(body, env)
    found = found or _Found()
    found.references = len(env.get("references", {}))
    found.deepest = max((token.level for token in tokens), default=0)
    out: list[Block] = []
    lists: list[_List] = []
    quotes = 0
    table: list[list[str]] = []
    header: list[str] | None = None
    row: list[str] = []
    heading_level = 0
    in_item = in_cell = False
    number = 0
    context = ""  # the last heading: labels the rows of a table without row labels

    def emit(block: Block) -> None:
        if take(block.text):
            (lists[-1].blocks if lists else out).append(block)

    for token in tokens:
        if exhausted():
            break
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(_List(ordered=kind == "ordered_list_open"))
        elif kind in ("bullet_list_close", "ordered_list_close"):
            done = lists.pop()
            if not (done.items >= LIST_MENU_MIN_LINKS and done.link_only_items == done.items):
                (lists[-1].blocks if lists else out).extend(done.blocks)  # charged already
            else:
                found.menus += 1
        elif kind == "list_item_open":
            lists[-1].items += 1
            number = int(token.info) if lists[-1].ordered and token.info.isdigit() else 0
            in_item = True
        elif kind == "list_item_close":
            in_item = False
        elif kind == "blockquote_open":
            quotes += 1
        elif kind == "blockquote_close":
            quotes -= 1
        elif kind == "heading_open":
            heading_level = int(token.tag[1])
        elif kind == "heading_close":
            heading_level = 0
        elif kind in ("fence", "code_block"):
            if token.content.strip():
                emit(Block("code", token.content.rstrip("\n")))
        elif kind == "html_block":
            from .html import fragment_blocks  # BeautifulSoup only for files that need it

            for block in fragment_blocks(token.content, context):
                emit(block)
        elif kind == "table_open":
            table, header = [], None
        elif kind in ("th_open", "td_open"):
            in_cell = True
        elif kind in ("th_close", "td_close"):
            in_cell = False
        elif kind == "tr_open":
            row = []
        elif kind == "tr_close":
            if header is None and not table:
                header = row
            else:
                table.append(row)
        elif kind == "table_close":
            head = [header] if header is not None else []
            for block in table_blocks(Table(head, table, label_columns=0, context=context)):
                emit(block)
        elif kind == "inline":
            text, links, linked = _inline(token)
            if in_cell:
                row.append(text)
            elif heading_level:
                if text:
                    context = cap_label(text)
                    emit(Block("heading", context, heading_level))
            elif not text:
                continue
            elif is_menu(links, linked, _chars(text)):
                found.menus += 1  # a paragraph of nothing but links: a menu
            elif lists and in_item:
                if links and linked >= MENU_LINK_SHARE * _chars(text):
                    lists[-1].link_only_items += 1
                emit(Block("list_item", text, len(lists) - 1, number))
                number = 0  # a second paragraph of the same item carries no number
            else:
                emit(Block("quote" if quotes else "paragraph", text))
    return out


def _join_html_tables(body: str) -> str:
    """Raw HTML tables without the blank lines inside them.

    A CommonMark HTML block ends at a blank line, so a table written with blank lines
    (or indented rows after one, read as code) would reach the HTML loader in pieces and
    lose which column each cell belongs to. Lines from a ``<table`` line to the line that
    closes it are kept together, unindented (a Markdown list item in a cell becomes an
    ``<li>``, as GitHub renders it); a table never closed is left as it is.
    """
    if "<table" not in body.lower():
        return body
    out: list[str] = []
    region: list[str] = []
    depth = 0
    fence = ""
    for line in body.splitlines(keepends=True):
        lowered = line.lower()
        if not depth:
            fence = code_fence(line, fence)
        if not depth and (fence or not _TABLE_START.match(line)):
            out.append(line)
            continue
        region.append(line)
        depth += lowered.count("<table") - lowered.count("</table")
        if depth <= 0:
            kept = (part.lstrip() for part in region if part.strip())
            out.extend(_MARKDOWN_ITEM.sub(r"<li>\1</li>", part) for part in kept)
            out.append("\n")
            region, depth = [], 0
    out.extend(region)
    return "".join(out)


def _chars(text: str) -> int:
    return len("".join(text.split()))


def _inline(token: Token) -> tuple[str, int, int]:
    """An inline token's readable text, its number of links and link characters."""
    parts: list[str] = []
    links = linked = 0
    in_link = 0
    for child in token.children or []:
        kind = child.type
        if kind in ("text", "code_inline"):
            content = (
                _FOOTNOTE_REFERENCE.sub("", child.content) if kind == "text" else child.content
            )
            if in_link and _SCRIPT_LINK.match(content):
                continue  # "<javascript:…>": the text is the script itself
            parts.append(content)
            if in_link:
                linked += _chars(content)
        elif kind in ("softbreak", "hardbreak", "html_inline"):
            parts.append(" ")  # "<br>" or "<span>" between two words still separates them
        elif kind == "link_open":
            links += 1
            in_link += 1
        elif kind == "link_close":
            in_link = max(0, in_link - 1)
        elif kind == "image":
            alt = clean_inline(child.content)
            if len(alt.split()) >= MIN_ALT_WORDS and not _USELESS_ALT.search(alt):
                parts.append(alt)
        # emphasis markers carry no words: dropped
    return clean_inline("".join(parts)), links, linked
