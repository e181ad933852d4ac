"""The records ingestion produces: a corpus file, its blocks, and the document they make.

Loaders (``assistant/ingest/``) turn a file's bytes into :class:`Block` objects; the
blocks are laid out into one readable document text, and every block keeps its exact
offsets into that text, so a chunk, a citation or a highlight always maps back to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

#: What a block is, so the chunker and the answer can treat each kind as it deserves:
#: code is never cut into sentences, a table row carries its row and column labels.
BlockKind = Literal["heading", "paragraph", "list_item", "table_row", "quote", "code"]


@dataclass(frozen=True)
class Block:
    """One structural unit of a document: a heading, a paragraph, a list item, a table row…

    ``level`` is the heading level (1–6) or a list item's nesting depth (0 = top level);
    ``number`` is an ordered list item's number ("step 2" must stay findable), else 0.
    ``start``/``end`` index the document text once the blocks are laid out; the text a
    reader sees and the text cited are both ``document.text[start:end]``.
    """

    kind: BlockKind
    text: str
    level: int = 0
    number: int = 0
    start: int = 0
    end: int = 0


@dataclass(frozen=True)
class Document:
    """One corpus file's readable text and the metadata that travels with its chunks.

    ``text`` is the laid-out blocks (markup removed, headings as ``#`` lines); chunk
    offsets index into it.
    """

    source: str  # path relative to the corpus dir, POSIX separators
    title: str
    text: str
    sha256: str  # of the raw file bytes: the staleness and reuse key
    kind: str = "article"
    family: str = ""
    path: str = ""  # the career-path slug, for files under paths/
    aliases: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    #: Whose document this is ("Dropbox", "Etsy"): four companies' ladders all say
    #: "Senior Engineer", and a citation must tell whose rule it quotes. "" when unknown.
    organisation: str = ""
    blocks: tuple[Block, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class CorpusFile:
    """A file found in the corpus, hashed but not yet parsed."""

    source: str
    path: Path
    sha256: str
    size: int
