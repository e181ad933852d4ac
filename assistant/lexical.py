"""BM25 over chunk text, via ``bm25s`` (sparse matrices, saved as JSON + .npy only).

Lexical search is what finds acronyms and exact role names (TPM, SRE, devrel) that a
small embedding model blurs; the hybrid retriever fuses it with dense search.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from bm25s.stopwords import STOPWORDS_EN

from .config import TUNING

_STEMMER = Stemmer.Stemmer("english")
_STOPWORDS = frozenset(STOPWORDS_EN)
_WORD = re.compile(r"(?u)\b\w\w+\b")  # bm25s' default token pattern
#: A figure: digits not glued to a letter (so not the 4 of "IC4"), with their separators.
_FIGURE = re.compile(r"(?<![A-Za-z])\d+(?:[.,]\d+)*")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased, stop-word-free, stemmed tokens (the same for documents and queries).

    The same tokens as ``bm25s.tokenize(stopwords="en", stemmer=...)``, done directly:
    this runs on every question's sentences, where bm25s' general tokenizer costs ~14x more.
    """
    return [
        _STEMMER.stemWords([w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS])
        for text in texts
    ]


@functools.lru_cache(maxsize=TUNING.token_set_memory)
def token_set(text: str) -> frozenset[str]:
    """The distinct tokens of a passage's text, headings or sentences, remembered: a
    question's pool holds dozens of passages and hundreds of sentences, and the next
    question's pool many of the same (``Tuning.token_set_memory`` bounds the memory)."""
    return frozenset(tokenize([text])[0])


def figures(text: str) -> list[str]:
    """The figures ``text`` states, sorted: two texts alike in words but not in figures
    ("26 weeks" / "16 weeks") say different things."""
    return sorted(_FIGURE.findall(text))


class LexicalIndex:
    """A BM25 index whose document ids are the chunk rows of the vector index."""

    def __init__(self, retriever: bm25s.BM25, size: int) -> None:
        self._retriever = retriever
        self._vocab: dict[str, int] = retriever.vocab_dict
        self.size = size

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        retriever = bm25s.BM25()
        corpus_tokens = tokenize(texts)
        # bm25s cannot index a document with no tokens; a placeholder keeps rows aligned.
        retriever.index([tokens or ["\u2205"] for tokens in corpus_tokens], show_progress=False)
        return cls(retriever, len(texts))

    def save(self, directory: Path) -> None:
        self._retriever.save(str(directory), show_progress=False, allow_pickle=False)

    @classmethod
    def load(cls, directory: Path, size: int) -> LexicalIndex:
        retriever = bm25s.BM25.load(
            str(directory), mmap=False, allow_pickle=False, show_progress=False
        )
        return cls(retriever, size)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every row for ``query`` (zeros when no query term is known)."""
        tokens = [t for t in tokenize([query])[0] if t in self._vocab]
        if not tokens:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(tokens), dtype=np.float32)

    def known_words(self, text: str) -> list[str]:
        """The words of ``text`` the corpus uses (stop words count as known)."""
        words = text.split()
        tokens = tokenize(words)
        return [w for w, ts in zip(words, tokens, strict=True) if all(t in self._vocab for t in ts)]
