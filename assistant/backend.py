"""The seam between answering and storage: what a search backend must provide.

:class:`~assistant.store.IndexStore` (FAISS + bm25s + SQLite on local disk) is the one
implementation today. Retrieval, answering and the engine only use this protocol, so
another backend — vectors and BM25 in Qdrant or OpenSearch, say (docs/scaling.md) — is
a new file implementing it, not a rewrite. Rows are dense integer ids of chunks within
one build; a remote backend maps them to its own ids (chunk ids are content hashes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from .store import DocumentInfo, Manifest, StoredChunk, StoredSentence
from .taxonomy import Taxonomy


class SearchBackend(Protocol):
    """Everything the answer path reads from an index."""

    @property
    def manifest(self) -> Manifest: ...

    @property
    def documents(self) -> dict[str, DocumentInfo]: ...

    @property
    def taxonomy(self) -> Taxonomy: ...

    @property
    def families(self) -> np.ndarray:
        """Each row's family slug, for filters."""

    @property
    def paths(self) -> np.ndarray:
        """Each row's career-path slug, for comparisons."""

    @property
    def sentence_ranges(self) -> np.ndarray:
        """Each row's (first sentence, sentence count)."""

    @property
    def sentence_vectors(self) -> np.ndarray: ...

    def dense_search(
        self, query: np.ndarray, k: int, within: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` (cosines, rows), optionally exact among the rows ``within``."""

    def chunk_vectors(self, rows: Sequence[int] | np.ndarray) -> np.ndarray: ...

    def lexical_scores(self, query: str) -> np.ndarray:
        """The BM25 score of every row."""

    def known_words(self, text: str) -> list[str]: ...

    def chunks(self, rows: Sequence[int]) -> list[StoredChunk]: ...

    def sentences(self, first: int, count: int) -> list[StoredSentence]: ...

    def document_text(self, source: str) -> str: ...

    def check_compatible(self, model: str, dimension: int | None = None) -> None: ...
