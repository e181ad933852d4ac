"""The seam between answering and storage: what a search backend must provide.

Two protocols. :class:`SearchBackend` is one opened build, read by retrieval and
answering in chunk ids and top-k results, never in arrays covering every row, so a
backend holding millions of chunks on another machine implements it as it is.
:class:`IndexBackend` is where builds live (a directory, a Milvus server): which build
is current, opening it, the rebuild lock, and publishing a new build atomically.

Implementations live in :mod:`assistant.backends`; ``create_backend(settings)`` there
picks one by ``Settings.backend``. Nothing here imports a storage library.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import Protocol

import numpy as np

from .errors import IndexUnavailableError
from .records import DocumentInfo, Filter, Hit, Manifest, NewBuild, StoredChunk, StoredSentence
from .taxonomy import Taxonomy

#: The tables whose vectors a rebuild may reuse by embed key.
VECTOR_TABLES = ("chunks", "sentences")


class SearchBackend(Protocol):
    """Everything the answer path reads from one build."""

    @property
    def manifest(self) -> Manifest: ...

    @property
    def documents(self) -> dict[str, DocumentInfo]: ...

    @property
    def taxonomy(self) -> Taxonomy: ...

    def dense_search(self, query: np.ndarray, k: int, where: Filter | None = None) -> list[Hit]:
        """The ``k`` chunks closest to the unit vector ``query`` (cosine), best first.

        With a filter the search is exact among the matching chunks: a filter never starves.
        """

    def lexical_search(self, query: str, k: int, where: Filter | None = None) -> list[Hit]:
        """The ``k`` best BM25 matches with a positive score, best first."""

    def lexical_scores(self, query: str, chunk_ids: Sequence[str]) -> np.ndarray:
        """The BM25 score of each of ``chunk_ids`` (0 when no query term occurs in it)."""

    def known_words(self, text: str) -> list[str]:
        """The words of ``text`` the corpus uses (stop words count as known)."""

    def chunks(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        """The chunks with these ids, in the order given (unknown ids are an error)."""

    def sentences(self, ids: Sequence[int]) -> list[StoredSentence]:
        """The sentences with these ids, in the order given."""

    def sentence_vectors_of(self, ids: Sequence[int]) -> np.ndarray:
        """Just the vectors of those sentences, one row each: what ranking reads of every
        sentence of every pooled passage (hundreds a question)."""

    def document_text(self, source: str) -> str:
        """The indexed text of one source ("" if unknown)."""

    def stored_vectors(self, table: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Vectors of ``table`` (one of :data:`VECTOR_TABLES`) by embed key, for reuse."""

    def check_compatible(self, model: str, dimension: int | None = None) -> None:
        """Refuse (IndexUnavailableError) a build made by another model or dimension."""

    def close(self) -> None: ...


class IndexBackend(Protocol):
    """Where builds live, and how a new one replaces the current one."""

    def describe(self) -> str:
        """Where the index is, for messages ("/path/.index", "milvus at http://...")."""

    def current(self) -> str | None:
        """The id of the build being served (cheap: asked before every question)."""

    def open(self, verify: bool = False) -> SearchBackend:
        """Open the current build; ``verify`` checks its contents in full (slow)."""

    def index_kind(self, chunks: int) -> str:
        """The vector index kind this backend would build for ``chunks`` chunks."""

    def rebuild_lock(self, timeout: float) -> AbstractContextManager[None]:
        """Held for a whole rebuild; a second one waits ``timeout`` s, then RebuildBusyError."""

    def remove_leftovers(self) -> None:
        """Delete what a rebuild that died left behind (called holding the lock)."""

    def publish(self, build: NewBuild) -> None:
        """Write ``build`` and make it current in one atomic step, as readers see it."""

    def prune(self, keep: set[str]) -> None:
        """Delete every build but those in ``keep`` (the new one and the one it replaced)."""


def check_compatible(manifest: Manifest, model: str, dimension: int | None = None) -> None:
    """Refuse to serve a build made by another model: its vectors mean nothing here."""
    if manifest.model != model or (dimension is not None and manifest.dimension != dimension):
        raise IndexUnavailableError(
            f"the index was built with model {manifest.model} ({manifest.dimension}-d) "
            f"but {model} is configured",
            "rebuild it with `career-assistant index --full`",
        )
