"""Documents → heading-aware, sentence-aligned chunks.

A document is cut into sections at its Markdown headings; each section's sentences are
packed greedily into chunks of at most ``size`` characters, with up to ``overlap``
characters of trailing sentences repeated at the start of the next chunk. A boundary
never falls inside a sentence (one over-long sentence becomes its own chunk), and every
chunk records its character offsets, so ``document.text[start:end] == chunk.text``.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .documents import Document

SECTION_SEPARATOR = " › "
INTRODUCTION = "Introduction"

_HEADING = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t#]*$")
_LIST_ITEM = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
# A sentence ends at . ! ? or … (plus closing quotes/brackets) followed by whitespace.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)")
_ABBREVIATIONS = frozenset(
    "e.g i.e etc vs mr mrs ms dr prof sr jr st inc ltd co corp approx fig cf al".split()  # noqa: SIM905
)

Span = tuple[int, int]
#: Maps a heading path to the (family, path slug) it names; see ``Taxonomy.tag_section``.
SectionTagger = Callable[[tuple[str, ...]], tuple[str, str]]


@dataclass(frozen=True)
class Section:
    headings: tuple[str, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit of text and everything needed to cite it."""

    id: str
    source: str
    title: str
    section: str  # heading path, e.g. "Individual Contributor › Staff Engineer"
    family: str
    path: str
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...]  # absolute offsets of the sentences inside this chunk

    def embedding_text(self, aliases: tuple[str, ...] = ()) -> str:
        """The text the embedder sees: where the chunk sits, then the chunk itself."""
        label = self.title
        if aliases:
            label += f" ({', '.join(aliases)})"
        if self.section:
            label += SECTION_SEPARATOR + self.section
        return f"{label}\n{self.text}"


def sections(document: Document) -> list[Section]:
    """Split a document's text at Markdown headings; the H1 that repeats the title is dropped."""
    text = document.text
    found: list[Section] = []
    stack: list[tuple[int, str]] = []
    body_start = 0
    offset = 0
    has_subheadings = False

    def close(end: int) -> None:
        if text[body_start:end].strip():
            found.append(Section(tuple(name for _, name in stack), body_start, end))

    for line in text.splitlines(keepends=True):
        match = _HEADING.match(line.rstrip("\r\n"))
        if match:
            close(offset)
            level, name = len(match.group(1)), match.group(2).strip()
            while stack and stack[-1][0] >= level:
                stack.pop()
            is_title = level == 1 and name.strip().lower() == document.title.strip().lower()
            if not is_title:
                stack.append((level, name))
                has_subheadings = True
            body_start = offset + len(line)
        offset += len(line)
    close(len(text))
    if has_subheadings:
        found = [s if s.headings else Section((INTRODUCTION,), s.start, s.end) for s in found]
    return found


def section_body(text: str, title: str, offset: int) -> str:
    """The body of the section holding character ``offset`` of ``text``.

    Located by offset, not by heading label: two sections may share a label.
    """
    document = Document(source="", title=title, text=text, sha256="")
    for found in sections(document):
        if found.start <= offset < found.end:
            return text[found.start : found.end].strip()
    return ""


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """Sentence spans inside ``text[start:end]``: paragraphs and list items never merge."""
    spans: list[Span] = []
    for block_start, block_end in _blocks(text, start, end):
        cursor = block_start
        for match in _SENTENCE_END.finditer(text, block_start, block_end):
            if _is_abbreviation(text, cursor, match.start()):
                continue
            spans.append(_trim(text, cursor, match.end()))
            cursor = match.end()
        if text[cursor:block_end].strip():
            spans.append(_trim(text, cursor, block_end))
    return [span for span in spans if span[1] > span[0]]


def _blocks(text: str, start: int, end: int) -> Iterator[Span]:
    """Paragraphs (separated by blank lines) and list items, as spans."""
    block_start: int | None = None
    offset = start
    for line in text[start:end].splitlines(keepends=True):
        stripped = line.strip()
        if not stripped or _LIST_ITEM.match(line):
            if block_start is not None:
                yield block_start, offset
            block_start = offset if stripped else None
        elif block_start is None:
            block_start = offset
        offset += len(line)
    if block_start is not None:
        yield block_start, end


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", text[sentence_start:dot])
    return word is not None and word.group(1).lower().rstrip(".") in _ABBREVIATIONS


def _trim(text: str, start: int, end: int) -> Span:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_document(
    document: Document, size: int, overlap: int, tagger: SectionTagger | None = None
) -> list[Chunk]:
    """Pack each section's sentences into chunks; see the module docstring for the rules.

    Chunks of a path file carry its family and slug; chunks of other documents get the
    family and path their headings name, when ``tagger`` recognises them.
    """
    chunks: list[Chunk] = []
    for section in sections(document):
        spans = sentence_spans(document.text, section.start, section.end)
        label = SECTION_SEPARATOR.join(section.headings)
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
        # Next chunk starts with the trailing sentences that fit in ``overlap``,
        # but always moves forward by at least one sentence.
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
        result.append(Chunk(chunk_id, *[getattr(chunk, f) for f in _CHUNK_FIELDS_AFTER_ID]))
    return result


_CHUNK_FIELDS_AFTER_ID = (
    "source",
    "title",
    "section",
    "family",
    "path",
    "start",
    "end",
    "text",
    "sentences",
)
