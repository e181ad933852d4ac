"""Corpus text → safe Streamlit Markdown and Graphviz DOT. Pure functions, no Streamlit.

Corpus files, file names and front matter are untrusted. Streamlit's Markdown understands
far more than CommonMark: raw HTML, links, LaTeX between ``$``, ``:red[...]`` directives,
``:emoji:`` and ``:material/icon:`` shortcodes, tables. Instead of guessing which of
those a text might trigger, every ASCII punctuation character is backslash-escaped
(CommonMark guarantees an escaped punctuation character is a literal), leading
indentation is dropped (no code blocks) and line breaks are made explicit. The only
Markdown the page adds around corpus text is its own highlight directive.
"""

from __future__ import annotations

import itertools
import re
import string
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from assistant import RebuildReport
from assistant.taxonomy import OTHER_FAMILY, OTHER_LABEL

_PUNCTUATION = frozenset(string.punctuation)
#: U+2060 WORD JOINER: invisible, and breaks the patterns Streamlit matches on plain text
#: after Markdown parsing (so escaping cannot stop them): ``:emoji:`` shortcodes and
#: GFM autolinks (``https://…``, ``www.…``, ``name@host``).
JOINER = "\u2060"
_DEFUSE = (
    (re.compile(r"\\:(?=\S)"), "\\:" + JOINER),
    (re.compile(r"\\@"), JOINER + "\\@"),
    (re.compile(r"(?i)(?<![\w])(www)(?=\\\.)"), "\\1" + JOINER),
)
_HARD_BREAK = "  \n"
_LINE_BREAK = re.compile(r"[ \t]*[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+\s*")
#: Lines that start a new block in Markdown: list items, headings, quotes, table rows.
_BLOCK_START = re.compile(r"(?:[-*+•>|#]|\d+[.)])")
_PARAGRAPH = "\n\n"
HIGHLIGHT = "orange-background"

#: Badge colours per family slug; anything else (a new family in front matter) is gray.
FAMILY_COLOURS: dict[str, str] = {
    "individual-contributor": "blue",
    "management": "violet",
    "business-process": "green",
    "business-sales": "orange",
}

Span = tuple[int, int]


def escape_inline(text: str) -> str:
    """Literal text for one line of Markdown: every significant character escaped.

    Line breaks (with the indentation around them) become one space, so the result is
    safe inside a directive label; other whitespace is kept as is.
    """
    flat = _LINE_BREAK.sub(" ", text)
    escaped = "".join("\\" + ch if ch in _PUNCTUATION else ch for ch in flat)
    for pattern, replacement in _DEFUSE:
        escaped = pattern.sub(replacement, escaped)
    return escaped


def escape_markdown(text: str) -> str:
    """A block of literal text, escaped; see :func:`highlight_markdown` for the layout."""
    return highlight_markdown(text, ())


def highlight_markdown(text: str, spans: Iterable[Span], style: str = HIGHLIGHT) -> str:
    """``text`` as literal Markdown, with ``spans`` (offsets into ``text``) highlighted.

    Layout follows the source the way Markdown would show it: blank lines separate
    paragraphs, wrapped lines join with a space, and lines that start like a list item,
    heading, quote or table row stay on their own line. Out-of-range or overlapping
    spans are clipped or dropped rather than trusted.
    """
    marks = _clean_spans(spans, len(text))
    paragraphs: list[list[Span]] = [[]]
    offset = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        start = offset + (len(body) - len(body.lstrip()))
        end = offset + len(body.rstrip())
        offset += len(line)
        lines = paragraphs[-1]
        if start >= end:
            if lines:
                paragraphs.append([])
        elif lines and not _BLOCK_START.match(text, start):
            lines[-1] = (lines[-1][0], end)  # a wrapped line: same logical line
        else:
            lines.append((start, end))
    return _PARAGRAPH.join(
        _HARD_BREAK.join(_render_line(text, start, end, marks, style) for start, end in lines)
        for lines in paragraphs
        if lines
    )


def _clean_spans(spans: Iterable[Span], length: int) -> list[Span]:
    kept: list[Span] = []
    for raw_start, raw_end in sorted(spans):
        start, end = max(0, raw_start), min(length, raw_end)
        if start >= end or (kept and start < kept[-1][1]):
            continue
        kept.append((start, end))
    return kept


def _render_line(text: str, start: int, end: int, marks: Sequence[Span], style: str) -> str:
    """One logical line, cut at highlight boundaries; whitespace stays outside the label."""
    cuts = sorted({start, end, *(p for span in marks for p in span if start < p < end)})
    out = []
    for left, right in itertools.pairwise(cuts):
        piece = text[left:right]
        if not any(s <= left and right <= e for s, e in marks) or not piece.strip():
            out.append(escape_inline(piece))
            continue
        lead = escape_inline(piece[: len(piece) - len(piece.lstrip())])
        trail = escape_inline(piece[len(piece.rstrip()) :])
        out.append(f"{lead}:{style}[{escape_inline(piece.strip())}]{trail}")
    return "".join(out)


def document_markdown(text: str) -> str:
    """A corpus document's body as safe Markdown that keeps its shape.

    Headings become bold lines, list items stay list items, everything else is literal.
    The level-1 heading is dropped: the page shows the title itself.
    """
    blocks: list[str] = []
    paragraph: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(escape_markdown("\n".join(paragraph)))
            paragraph.clear()

    for line in text.splitlines():
        heading = re.match(r"^\s{0,3}(#{1,6})\s+(.*?)[\s#]*$", line)
        item = re.match(r"^\s*(?:[-*+•]|\d+[.)])\s+(.*)$", line)
        if heading or item or not line.strip():
            flush()
        if heading:
            if len(heading.group(1)) > 1 and heading.group(2):
                blocks.append(f"**{escape_inline(heading.group(2))}**")
        elif item:
            blocks.append(f"- {escape_inline(item.group(1))}")
        elif line.strip():
            paragraph.append(line)
    flush()
    return _PARAGRAPH.join(blocks)


def family_label(family: str, families: Mapping[str, str]) -> str:
    """The family's display name; documents outside the families ("" in the index, "other"
    as a filter) are "Other documents"; an unknown slug from front matter is shown as is."""
    if family in ("", OTHER_FAMILY):
        return OTHER_LABEL
    return families.get(family, family)


def family_badge(family: str, families: Mapping[str, str]) -> str:
    """A coloured Streamlit badge directive for a family (label escaped)."""
    colour = FAMILY_COLOURS.get(family, "gray")
    return f":{colour}-badge[{escape_inline(family_label(family, families))}]"


def card_caption(source: str, organisation: str = "", attribution: str = "") -> str:
    """A card's "where from" line, escaped: whose document (``Document.organisation``),
    the file, and whose view when it is a reader's ("Acme · acme/ladder.md")."""
    parts = [part for part in (organisation, source, attribution) if part]
    return " · ".join(escape_inline(part) for part in parts)


def built_at_text(built_at: str, now: datetime | None = None) -> str:
    """ISO timestamp → "2025-01-31 09:30 UTC (5 min ago)"; unparseable text is returned."""
    try:
        when = datetime.fromisoformat(built_at)
    except ValueError:
        return built_at
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    seconds = ((now or datetime.now(UTC)) - when).total_seconds()
    if seconds < 90:
        ago = "just now"
    elif seconds < 90 * 60:
        ago = f"{round(seconds / 60)} min ago"
    elif seconds < 36 * 3600:
        ago = f"{round(seconds / 3600)} h ago"
    else:
        ago = f"{round(seconds / 86400)} days ago"
    return f"{when.astimezone(UTC):%Y-%m-%d %H:%M} UTC ({ago})"


def rebuild_summary(report: RebuildReport) -> str:
    """One line in a reader's words: which files changed, and the passages read anew."""
    if not report.changed and not report.chunks_embedded:
        return f"Already up to date: {report.chunks_total:,} passages ({report.seconds:.1f} s)."
    return (
        f"Updated in {report.seconds:.1f} s. Documents: {len(report.files_added)} added, "
        f"{len(report.files_changed)} changed, {len(report.files_removed)} removed, "
        f"{len(report.files_unchanged)} unchanged. Passages: {report.chunks_embedded:,} "
        f"read anew, {report.chunks_reused:,} kept, {report.chunks_total:,} in all."
    )
