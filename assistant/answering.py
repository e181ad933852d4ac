"""Ranked chunks → passages with highlights, a verbatim answer, or an abstention.

Every sentence shown as an answer or highlight is a span of a passage's text, located by
offsets stored at index time, so the assistant can only ever quote the corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from .backend import SearchBackend
from .lexical import tokenize
from .results import AnswerSentence, Highlight, Passage
from .retrieval import Candidate, Ranking

#: Weight of the share of question terms a sentence contains, added to its cosine.
LEXICAL_WEIGHT = 0.15
#: A sentence within this margin of a passage's best sentence is highlighted too.
HIGHLIGHT_MARGIN = 0.06
MAX_HIGHLIGHTS = 2
ANSWER_PASSAGES = 3
ANSWER_MARGIN = 0.03
FRAGMENT_PENALTY = 0.05
MAX_ANSWER_SENTENCES = 3
ANSWER_DUPLICATE_COSINE = 0.8

#: Abstention thresholds, calibrated on the dev questions plus our own (eval/own.jsonl);
#: README "Abstention" explains the rule and reports its precision and recall.
STRONG_SENTENCE = 0.60  # a sentence this close to the question answers it on its own
STRONG_LEXICAL = 6.0  # a BM25 score this high means the question's rare terms are there
VOTE_SENTENCE = 0.45
VOTE_KEPT_MEANING = 0.76
VOTE_LEXICAL = 2.5


@dataclass(frozen=True)
class ScoredSentence:
    passage_rank: int
    start: int  # offsets into the source document
    end: int
    text: str
    score: float  # cosine plus the lexical bonus: ranks sentences within an answer
    cosine: float
    vector: np.ndarray = field(compare=False, repr=False)


def score_sentences(
    store: SearchBackend, candidates: list[Candidate], query_vector: np.ndarray, question: str
) -> list[list[ScoredSentence]]:
    """Score every sentence of every candidate: cosine to the question + term overlap."""
    terms = set(tokenize([question])[0])
    fetched = iter(store.sentences([i for c in candidates for i in c.chunk.sentence_ids]))
    scored: list[list[ScoredSentence]] = []
    for rank, candidate in enumerate(candidates, start=1):
        chunk = candidate.chunk
        sentences = [next(fetched) for _ in chunk.sentence_ids]
        cosines = (np.vstack([s.vector for s in sentences]) @ query_vector).tolist()
        texts = [chunk.text[s.start - chunk.start : s.end - chunk.start] for s in sentences]
        overlaps = [_overlap(terms, tokens) for tokens in tokenize(texts)] if terms else []
        scored.append(
            [
                ScoredSentence(
                    rank,
                    s.start,
                    s.end,
                    text,
                    cosine + (LEXICAL_WEIGHT * overlaps[i] if overlaps else 0.0),
                    cosine,
                    s.vector,
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
    """1–3 of the best sentences of the top passages, verbatim, in reading order.

    The answer opens with the best sentence of the best-ranked passage: fusion judged
    that passage most relevant, which is sturdier than one sentence's cosine. Sentences
    of the next passages join only if they score at least as well, and a sentence saying
    what a chosen one already says (a path file restating the article) is skipped.
    """
    if not sentences or not sentences[0]:
        return ()
    anchor = max(sentences[0], key=_answer_score)
    pool = [s for group in sentences[:ANSWER_PASSAGES] for s in group if s is not anchor]
    pool.sort(key=lambda s: -_answer_score(s))
    chosen = [anchor]
    for sentence in pool:
        if len(chosen) == MAX_ANSWER_SENTENCES:
            break
        if _answer_score(sentence) < _answer_score(anchor) - ANSWER_MARGIN:
            break
        if all(float(sentence.vector @ kept.vector) < ANSWER_DUPLICATE_COSINE for kept in chosen):
            chosen.append(sentence)
    chosen.sort(key=lambda s: (s.passage_rank, s.start))
    return tuple(AnswerSentence(s.text, s.passage_rank) for s in chosen)


def _answer_score(sentence: ScoredSentence) -> float:
    """A list line or fragment ("- Staff => Principal") answers less well than a sentence."""
    complete = sentence.text.rstrip("”\"')]").endswith((".", "!", "?", "…"))
    return sentence.score - (0.0 if complete else FRAGMENT_PENALTY)


@dataclass(frozen=True)
class Relevance:
    """Whether the corpus answers the question, and the signals that decided it."""

    relevant: bool
    best_sentence: float
    best_lexical: float
    kept_meaning: float | None  # only computed when the cheap signals disagree


def judge(ranking: Ranking, kept_meaning: Callable[[], float]) -> Relevance:
    """Abstain unless the corpus plausibly answers the question.

    Raw cosines are not comparable across questions, so no single threshold works: a
    question about pay ("staff engineer comp at Google?") sits as close to the corpus as
    a chatty in-scope one. The rule takes a strong signal alone, else two of three votes:
    a close sentence; dense and BM25 agreeing on a passage with a real lexical match; and
    most of the question's meaning surviving when words the corpus never uses are removed
    (``kept_meaning``, one extra embedding, computed only when needed).
    """
    best_sentence, best_lexical = ranking.best_sentence, ranking.best_lexical
    if best_sentence >= STRONG_SENTENCE or best_lexical >= STRONG_LEXICAL:
        return Relevance(True, best_sentence, best_lexical, None)
    votes = (best_sentence >= VOTE_SENTENCE) + (ranking.agree and best_lexical >= VOTE_LEXICAL)
    if votes == 0 or not ranking.candidates:
        return Relevance(False, best_sentence, best_lexical, None)
    kept = kept_meaning()
    votes += kept >= VOTE_KEPT_MEANING
    return Relevance(votes >= 2, best_sentence, best_lexical, kept)
