"""The records that cross the storage seam, with no storage library behind them.

Readers get :class:`StoredChunk` and :class:`StoredSentence` (each with its vector) by
id, and :class:`Hit` lists from top-k searches; writers hand a :class:`NewBuild` to a
backend to publish. Chunk ids are content hashes, stable across builds and backends;
sentence ids are dense integers within one build (``StoredChunk.sentence_ids``), so a
reader must keep reading from the build it opened.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .documents import Document

#: 2: documents and chunks carry their organisation (an older build is rebuilt).
FORMAT_VERSION = 2


@dataclass(frozen=True)
class Manifest:
    """What a build was made from: checked against the running configuration on load."""

    format_version: int
    build_id: str
    model: str
    dimension: int
    chunk_size: int
    chunk_overlap: int
    index_kind: str
    built_at: str
    files: int
    chunks: int
    sentences: int
    #: What each chunk's embedded text started with (``Settings.contextual_header``);
    #: builds made before it was recorded used the title.
    contextual_header: str = "title"
    #: The code that planned the rows (``indexer.plan_version``); "" before it was recorded.
    plan_version: str = ""

    def to_rows(self) -> list[tuple[str, str]]:
        return [(key, json.dumps(value)) for key, value in self.__dict__.items()]

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, str]]) -> Manifest:
        return cls.from_values({key: json.loads(value) for key, value in rows})

    @classmethod
    def from_values(cls, values: dict[str, Any]) -> Manifest:
        """The manifest in ``values``; a field added later takes its default when absent."""
        present = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        return cls(**present)


@dataclass(frozen=True)
class DocumentInfo:
    """A document's metadata as the index saw it (for staleness, the map and the page)."""

    source: str
    sha256: str
    title: str
    kind: str
    family: str
    path: str
    aliases: tuple[str, ...]
    next_steps: tuple[str, ...]
    related: tuple[str, ...]
    organisation: str = ""


@dataclass(frozen=True)
class StoredChunk:
    """One indexed passage and its vector, as any backend returns it."""

    chunk_id: str
    source: str
    title: str
    section: str
    family: str
    path: str
    start: int
    end: int
    text: str
    sentence_first: int
    sentence_count: int
    vector: np.ndarray = field(compare=False, repr=False)
    #: Whose document it is (``Document.organisation``), for citations and ranking.
    organisation: str = ""

    @property
    def sentence_ids(self) -> range:
        return range(self.sentence_first, self.sentence_first + self.sentence_count)


@dataclass(frozen=True)
class StoredSentence:
    """One sentence of a source (offsets into the document text) and its vector."""

    id: int
    source: str
    start: int
    end: int
    vector: np.ndarray = field(compare=False, repr=False)


@dataclass(frozen=True)
class Hit:
    """One result of a top-k search: a chunk id and its score (cosine or BM25)."""

    chunk_id: str
    score: float


@dataclass(frozen=True)
class Filter:
    """Which chunks a search may return; ``None`` fields do not filter.

    ``family`` is the stored value: "" for documents outside the four families.
    """

    family: str | None = None
    source: str | None = None
    kind: str | None = None
    path: str | None = None
    organisation: str | None = None

    def fields(self) -> dict[str, str]:
        """The set conditions, by field name."""
        return {name: value for name, value in self.__dict__.items() if value is not None}


@dataclass(frozen=True)
class ChunkRow:
    """One chunk as a new build stores it; ``lexical_text`` is what BM25 indexes."""

    chunk_id: str
    source: str
    title: str
    section: str
    family: str
    path: str
    kind: str
    start: int
    end: int
    text: str
    sentence_first: int
    sentence_count: int
    embed_key: str
    lexical_text: str


@dataclass(frozen=True)
class SentenceRow:
    """One sentence of a new build; its id is its position in ``NewBuild.sentences``."""

    source: str
    start: int
    end: int
    embed_key: str


@dataclass(frozen=True)
class NewBuild:
    """Everything a backend needs to publish a build; vectors are row-aligned."""

    manifest: Manifest
    documents: Sequence[Document]
    chunks: Sequence[ChunkRow]
    sentences: Sequence[SentenceRow]
    chunk_vectors: np.ndarray = field(repr=False)
    sentence_vectors: np.ndarray = field(repr=False)
