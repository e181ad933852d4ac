"""Documents → section-aware, sentence-aligned chunks.

A document's blocks are grouped into sections by its headings; each section's units are
packed greedily into chunks of at most ``size`` characters, with up to ``overlap``
characters of trailing units repeated at the start of the next chunk. A unit is a
sentence of a paragraph, list item or quote, or a whole table row or code block (a row
keeps its labels, code is not prose). A boundary never falls inside a unit, and every
chunk records its character offsets, so ``document.text[start:end] == chunk.text``.
Every step is linear in the document's length.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from .documents import Block, Document

SECTION_SEPARATOR = " › "
#: The label of the text before a document's first section heading.
INTRODUCTION = "Introduction"
#: Section labels are copied into every chunk row and embedding: keep them bounded.
MAX_SECTION_CHARS = 300

# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr prof sr jr st inc ltd co corp approx fig cf al".split()  # noqa: SIM905
)
#: Abbreviations only before a number ("No. 5", "p. 12"): elsewhere "no." ends a sentence.
_NUMBER_ABBREVIATIONS = frozenset({"no", "p", "pp", "vol", "nr"})
#: How far back from a full stop an abbreviation is looked for (bounded: linear time).
_ABBREVIATION_WINDOW = 8
_WORD_BEFORE = re.compile(r"([A-Za-z.]+)$")
_ATOMIC_KINDS = frozenset({"table_row", "code"})

Span = tuple[int, int]
#: Maps a heading path to the (family, path slug) it names; see ``Taxonomy.tag_section``.
SectionTagger = Callable[[tuple[str, ...]], tuple[str, str]]


@dataclass(frozen=True)
class Section:
    headings: tuple[str, ...]
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit of text and everything needed to cite it."""

    id: str
    source: str
    title: str
    section: str  # breadcrumb: title › headings, e.g. "Career Growth › Management › CTO"
    family: str
    path: str
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]  # absolute offsets of the sentences inside this chunk

    def embedding_text(self, aliases: tuple[str, ...] = (), header: str = "title") -> str:
        """The text the embedder sees: where the chunk sits, then the chunk.

        ``header`` is "title" (the document title and a path's aliases), "breadcrumb" (the
        title › headings) or "none". It is context only: the text cited stays ``text``.
        The breadcrumb ranks best on documents the rules were not tuned on: a question
        naming a section's label ("what is expected at IC5?") finds that section.
        """
        if header == "none":
            return self.text
        label = self.section or self.title if header == "breadcrumb" else self.title
        if aliases:
            names = f"{self.title} ({', '.join(aliases)})"
            label = names + label[len(self.title) :] if label.startswith(self.title) else names
        return f"{label}\n{self.text}"


def sections(document: Document) -> list[Section]:
    """Group blocks under their heading path; a top heading repeating the title is not a level.

    The title may come from an H1 or, in a file without one, from its first heading of
    any level: either way the citation must not say it twice. Text before the first
    section of a document whose sections sit below its title is its introduction, and
    says so: cited as the bare title it would read as the whole document.
    """
    found: list[Section] = []
    stack: list[tuple[int, str]] = []
    pending: list[Block] = []
    title = document.title.strip().casefold()
    title_level = 0  # the level of the heading that repeats the title (0: none)
    first_level = 0  # the level of the first section heading

    def close() -> None:
        if pending:
            found.append(Section(tuple(name for _, name in stack), tuple(pending)))

    for block in document.blocks:
        if block.kind != "heading":
            pending.append(block)
            continue
        close()
        pending = []
        while stack and stack[-1][0] >= block.level:
            stack.pop()
        if not stack and block.text.strip().casefold() == title:
            title_level = title_level or block.level
            continue
        stack.append((block.level, block.text))
        first_level = first_level or block.level
    close()
    if found and not found[0].headings and first_level > title_level:
        found[0] = Section((INTRODUCTION,), found[0].blocks)
    return found


def breadcrumb(title: str, headings: tuple[str, ...]) -> str:
    """``title › heading › subheading``, shortened in the middle when very deep or long."""
    parts = [title, *headings] if title else list(headings)
    label = SECTION_SEPARATOR.join(parts)
    while len(label) > MAX_SECTION_CHARS and len(parts) > 2:
        parts = [parts[0], "…", *parts[3:]] if parts[1] == "…" else [parts[0], "…", *parts[2:]]
        label = SECTION_SEPARATOR.join(parts)
    return label[:MAX_SECTION_CHARS]


def section_body(text: str, offset: int) -> str:
    """The body of the section holding character ``offset`` of a laid-out document text.

    Located by offset, not by heading label: two sections may share a label. Headings
    are ``#`` lines of the layout; fenced code is skipped, its ``#`` lines are not headings.
    """
    start, end = 0, len(text)
    position = 0
    in_code = False
    for line in text.splitlines(keepends=True):
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and _is_heading_line(line):
            if position <= offset:
                start = position + len(line)
            else:
                end = position
                break
        position += len(line)
    return text[start:end].strip()


def _is_heading_line(line: str) -> bool:
    hashes = len(line) - len(line.lstrip("#"))
    return 1 <= hashes <= 6 and line[hashes : hashes + 1] == " "


def block_units(text: str, block: Block, size: int) -> list[Span]:
    """The units of one block: its sentences, or the whole block for a table row or code.

    A unit longer than ``size`` (a page-long "sentence" without a full stop) is cut at
    word boundaries, so no chunk or quoted answer grows past the chunk size.
    """
    if block.kind in _ATOMIC_KINDS:
        spans = [(block.start, block.end)]
    else:
        spans = sentence_spans(text, block.start, block.end)
    return [piece for span in spans for piece in _cut(text, span, size)]


def _cut(text: str, span: Span, size: int) -> list[Span]:
    start, end = span
    pieces: list[Span] = []
    while end - start > size:
        space = text.rfind(" ", start + size // 2, start + size)
        cut = space if space > start else start + size
        pieces.append(_trim(text, start, cut))
        start = cut
    pieces.append(_trim(text, start, end))
    return [piece for piece in pieces if piece[1] > piece[0]]


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """Sentence spans inside ``text[start:end]`` (one block: no paragraph breaks inside).

    A full stop after a known abbreviation ("e.g.") or followed by a lower-case word
    ("approx. five") does not end a sentence, so no quoted sentence starts mid-sentence.
    """
    spans: list[Span] = []
    cursor = start
    for match in _SENTENCE_END.finditer(text, start, end):
        if _is_abbreviation(text, cursor, match.start()) or _continues(text, match.end(), end):
            continue
        spans.append(_trim(text, cursor, match.end()))
        cursor = match.end()
    if text[cursor:end].strip():
        spans.append(_trim(text, cursor, end))
    return [span for span in spans if span[1] > span[0]]


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    window = text[max(sentence_start, dot - _ABBREVIATION_WINDOW) : dot]
    found = _WORD_BEFORE.search(window)
    if found is None:
        return False
    word = found.group(1).lower().rstrip(".")
    if word in _NUMBER_ABBREVIATIONS:
        return text[dot + 1 : dot + 3].strip()[:1].isdigit()
    return word in _ABBREVIATIONS


def _continues(text: str, after: int, end: int) -> bool:
    """Whether the next word is all lower case ("approx. five"): the sentence goes on.

    A word like "iOS" or "eBay" starts a sentence as it is written.
    """
    position = after
    while position < end and text[position].isspace():
        position += 1
    word_end = position
    while (
        word_end < end and word_end - position < _ABBREVIATION_WINDOW and text[word_end].isalpha()
    ):
        word_end += 1
    word = text[position:word_end]
    return bool(word) and word.islower()


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_document(
    document: Document, size: int, overlap: int, tagger: SectionTagger | None = None
) -> list[Chunk]:
    """Pack each section's units into chunks; see the module docstring for the rules.

    Chunks of a path file carry its family and slug; chunks of other documents get the
    family and path their headings name, when ``tagger`` recognises them.
    """
    chunks: list[Chunk] = []
    for section in sections(document):
        spans = [
            span for block in section.blocks for span in block_units(document.text, block, size)
        ]
        label = breadcrumb(document.title, section.headings)
        family, path = document.family, document.path
        if not family and tagger is not None:
            family, path = tagger(section.headings)
        for group in _pack(spans, size, overlap):
            start, end = group[0][0], group[-1][1]
            chunks.append(
                Chunk(
                    id="",
                    source=document.source,
                    title=document.title,
                    section=label,
                    family=family,
                    path=path,
                    start=start,
                    end=end,
                    text=document.text[start:end],
                    sentences=tuple(group),
                )
            )
    return _with_ids(chunks)


def _pack(spans: list[Span], size: int, overlap: int) -> Iterator[list[Span]]:
    first = 0
    while first < len(spans):
        last = first
        while last + 1 < len(spans) and spans[last + 1][1] - spans[first][0] <= size:
            last += 1
        yield spans[first : last + 1]
        if last + 1 >= len(spans):
            return
        # Next chunk starts with the trailing units that fit in ``overlap``,
        # but always moves forward by at least one unit.
        next_first = last + 1
        while next_first - 1 > first and spans[last][1] - spans[next_first - 1][0] <= overlap:
            next_first -= 1
        first = next_first


def _with_ids(chunks: list[Chunk]) -> list[Chunk]:
    """Content-addressed ids: unchanged text keeps its id (and its vector) across rebuilds."""
    seen: Counter[str] = Counter()
    result = []
    for chunk in chunks:
        key = f"{chunk.source}\0{chunk.section}\0{chunk.text}"
        digest = hashlib.sha256(key.encode()).hexdigest()[:20]
        seen[digest] += 1
        chunk_id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
        result.append(replace(chunk, id=chunk_id))
    return result
