"""Ranked chunks → passages with highlights, a verbatim answer, or an abstention.

Every sentence shown as an answer or highlight is a span of a passage's text, located by
offsets stored at index time, so the assistant can only ever quote the corpus.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .lexical import tokenize
from .results import AnswerSentence, Highlight, Passage
from .retrieval import Candidate
from .store import IndexStore

#: Weight of the share of question terms a sentence contains, added to its cosine.
LEXICAL_WEIGHT = 0.15
#: A sentence within this margin of a passage's best sentence is highlighted too.
HIGHLIGHT_MARGIN = 0.06
MAX_HIGHLIGHTS = 2
ANSWER_PASSAGES = 3
ANSWER_MARGIN = 0.08
MAX_ANSWER_SENTENCES = 3

#: Abstention, calibrated on the dev questions (see README "Abstention"): the corpus is
#: judged relevant when its best sentence is close enough to the question, or the best
#: chunk is both close and shares vocabulary with it.
MIN_SENTENCE_SCORE = 0.45
MIN_CHUNK_COSINE = 0.40


@dataclass(frozen=True)
class ScoredSentence:
    passage_rank: int
    start: int  # offsets into the source document
    end: int
    text: str
    score: float


def score_sentences(
    store: IndexStore, candidates: list[Candidate], query_vector: np.ndarray, question: str
) -> list[list[ScoredSentence]]:
    """Score every sentence of every candidate: cosine to the question + term overlap."""
    terms = set(tokenize([question])[0])
    scored: list[list[ScoredSentence]] = []
    for rank, candidate in enumerate(candidates, start=1):
        chunk = candidate.chunk
        rows = slice(chunk.sentence_first, chunk.sentence_first + chunk.sentence_count)
        cosines = np.asarray(store.sentence_vectors[rows]) @ query_vector
        sentences = store.sentences(chunk.sentence_first, chunk.sentence_count)
        texts = [chunk.text[s.start - chunk.start : s.end - chunk.start] for s in sentences]
        overlaps = [_overlap(terms, tokens) for tokens in tokenize(texts)] if terms else []
        scored.append(
            [
                ScoredSentence(
                    rank,
                    s.start,
                    s.end,
                    text,
                    float(cosine) + (LEXICAL_WEIGHT * overlaps[i] if overlaps else 0.0),
                )
                for i, (s, text, cosine) in enumerate(zip(sentences, texts, cosines, strict=True))
            ]
        )
    return scored


def _overlap(terms: set[str], tokens: list[str]) -> float:
    return len(terms.intersection(tokens)) / len(terms)


def to_passages(
    candidates: list[Candidate], sentences: list[list[ScoredSentence]]
) -> tuple[Passage, ...]:
    passages = []
    for rank, (candidate, scored) in enumerate(zip(candidates, sentences, strict=True), start=1):
        chunk = candidate.chunk
        passages.append(
            Passage(
                rank=rank,
                chunk_id=chunk.chunk_id,
                text=chunk.text,
                source=chunk.source,
                title=chunk.title,
                section=chunk.section,
                family=chunk.family,
                path=chunk.path,
                score=round(candidate.dense, 4),
                highlights=_highlights(chunk.start, scored),
                start=chunk.start,
                end=chunk.end,
            )
        )
    return tuple(passages)


def _highlights(offset: int, scored: list[ScoredSentence]) -> tuple[Highlight, ...]:
    if not scored:
        return ()
    best = max(s.score for s in scored)
    top = sorted(scored, key=lambda s: -s.score)[:MAX_HIGHLIGHTS]
    chosen = sorted((s for s in top if s.score >= best - HIGHLIGHT_MARGIN), key=lambda s: s.start)
    return tuple(
        Highlight(s.start - offset, s.end - offset, s.text, round(s.score, 4)) for s in chosen
    )


def extract_answer(sentences: list[list[ScoredSentence]]) -> tuple[AnswerSentence, ...]:
    """1–3 of the best sentences of the top passages, verbatim, in reading order."""
    pool = [s for group in sentences[:ANSWER_PASSAGES] for s in group]
    if not pool:
        return ()
    pool.sort(key=lambda s: -s.score)
    best = pool[0].score
    chosen: list[ScoredSentence] = []
    for sentence in pool:
        if sentence.score < best - ANSWER_MARGIN or len(chosen) == MAX_ANSWER_SENTENCES:
            break
        if all(sentence.text != kept.text for kept in chosen):
            chosen.append(sentence)
    chosen.sort(key=lambda s: (s.passage_rank, s.start))
    return tuple(AnswerSentence(s.text, s.passage_rank) for s in chosen)


@dataclass(frozen=True)
class Relevance:
    """The signals the abstention rule reads."""

    best_sentence: float
    best_chunk: float
    lexical: bool

    @property
    def relevant(self) -> bool:
        return self.best_sentence >= MIN_SENTENCE_SCORE or (
            self.lexical and self.best_chunk >= MIN_CHUNK_COSINE
        )


def relevance(candidates: list[Candidate], sentences: list[list[ScoredSentence]]) -> Relevance:
    return Relevance(
        best_sentence=max((s.score for group in sentences for s in group), default=0.0),
        best_chunk=max((c.dense for c in candidates), default=0.0),
        lexical=any(c.lexical > 0 for c in candidates[:3]),
    )
