"""Hybrid ranking: the backend's dense and lexical (BM25) top-k lists, fused by reciprocal rank.

Reciprocal-rank fusion needs no score calibration between the two retrievers, which
matters because cosine and BM25 scores live on unrelated scales. Passages of documents
that restate others rank after their sources when about equally relevant
(``Tuning.secondary_kinds``). After fusion,
near-duplicates (overlapping windows of one section, or a path file restating the
article) are dropped so the top ``k`` passages say different things.
"""

from __future__ import annotations

import re
import string
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass

import numpy as np

from .backend import SearchBackend
from .config import RETRIEVERS, TUNING
from .lexical import figures, token_set, tokenize
from .records import Filter, StoredChunk
from .scorer import LogisticModel

#: Fusion weights of the three ranked lists (chunk cosine, BM25, best-sentence cosine);
#: "dense" and "lexical" are the single-retriever baselines.
FUSION_WEIGHTS: dict[str, tuple[float, float, float]] = {
    "hybrid": TUNING.fusion_hybrid,
    "dense": (1.0, 0.0, 0.0),
    "lexical": (0.0, 1.0, 0.0),
}
assert tuple(FUSION_WEIGHTS) == RETRIEVERS
#: The textbook reciprocal-rank constant of the untuned baseline (Cormack et al., 2009).
UNTUNED_RRF_K = 60
_LETTERS = string.ascii_lowercase
_COMPOUND = re.compile(r"\b[A-Za-z]+(?:-[A-Za-z]+)+\b")


#: What the passage model reads of each pooled passage, in order.
PASSAGE_FEATURES = (
    "fused_share",  # its fused score over the pool's best
    "inverse_rank",  # 1 / (1 + its place in the fused order)
    "dense",  # cosine between the question and the passage (under its breadcrumb)
    "dense_gap",  # minus the pool's best
    "lexical_share",  # its BM25 score over the pool's best
    "sentence",  # its closest sentence's cosine
    "sentence_gap",  # minus the pool's best
    "text_coverage",  # share of the question's terms in its text
    "heading_coverage",  # share of the question's terms in its title and headings
    "log_words",
)


@dataclass(frozen=True)
class Pool:
    """The fused pool a ranking was chosen from, with each passage's features: what the
    passage model is fitted on (``training.extract_rows``)."""

    chunk_ids: list[str]
    features: np.ndarray  # one row per chunk, ``PASSAGE_FEATURES`` columns


@dataclass(frozen=True)
class Ranking:
    candidates: list[Candidate]
    #: Relevance evidence, read whatever ``k`` is: do dense and lexical search share a
    #: chunk in their top ``Tuning.evidence_depth``?
    agree: bool
    best_sentence: float  # the best sentence cosine
    best_lexical: float  # the best BM25 score
    pool: Pool | None = None


@dataclass(frozen=True)
class Candidate:
    chunk: StoredChunk
    fused: float
    dense: float  # cosine between the question and the chunk
    lexical: float  # BM25 score (0 when no query term occurs)


def rank(
    store: SearchBackend,
    query_vector: np.ndarray,
    query_text: str,
    k: int,
    where: Filter | None = None,
    timings: dict[str, float] | None = None,
    retriever: str = "hybrid",
    keep: Callable[[StoredChunk], bool] | None = None,
    restating: Collection[str] = frozenset(),
    passage_model: LogisticModel | None = None,
) -> Ranking:
    """The best ``k`` diverse chunks for a question, among those ``where`` allows.

    ``keep`` drops chunks after search (an exclusion such as "not management", which a
    backend filter cannot say). ``restating`` are the sources that restate others
    (``Tuning.secondary_kinds``). ``passage_model`` reorders the fused pool by its
    probability that a passage answers (fused order without one). ``timings`` (if given)
    receives the milliseconds spent in "search" and "fuse".
    """
    started = time.perf_counter()
    total = store.manifest.chunks
    depth = min(total, max(TUNING.min_depth, TUNING.depth_per_passage * k))
    dense_hits = [(h.chunk_id, h.score) for h in store.dense_search(query_vector, depth, where)]
    lexical_hits = [(h.chunk_id, h.score) for h in store.lexical_search(query_text, depth, where)]
    searched = time.perf_counter()

    found = {chunk_id for chunk_id, _ in dense_hits} | {chunk_id for chunk_id, _ in lexical_hits}
    # In reading order, so that equal sentence cosines (overlapping chunks share
    # sentences) rank the same way on every backend.
    pool = sorted(store.chunks(sorted(found)), key=lambda c: (c.source, c.start))
    by_id = {chunk.chunk_id: chunk for chunk in pool}
    sentence_best = _best_sentence(store, pool, query_vector)
    sentence_hits = sorted(
        zip([c.chunk_id for c in pool], sentence_best.tolist(), strict=True),
        key=lambda pair: -pair[1],
    )
    fused: dict[str, float] = {}
    lists = (dense_hits, lexical_hits, sentence_hits)
    for hits, weight in zip(lists, FUSION_WEIGHTS[retriever], strict=True):
        for position, (chunk_id, _) in enumerate(hits if weight else ()):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (TUNING.rrf_k + position)
    vectors = np.vstack([c.vector for c in pool]) if pool else np.empty((0, len(query_vector)))
    cosines = dict(zip(by_id, (vectors @ query_vector).tolist(), strict=True))
    _prefer_sources(pool, cosines, restating, fused)
    dense_by_id = dict(dense_hits)
    lexical_by_id = dict(lexical_hits)

    order = sorted(fused, key=lambda chunk_id: -fused[chunk_id])
    if keep is not None:
        order = [chunk_id for chunk_id in order if keep(by_id[chunk_id])]
    order = order[: TUNING.pool_per_passage * (k + 1)]
    for chunk_id in order:  # found by BM25 only: still report its cosine honestly
        dense_by_id.setdefault(chunk_id, cosines[chunk_id])
    unscored = [chunk_id for chunk_id in order if chunk_id not in lexical_by_id]
    if unscored:  # found by dense search only: its BM25 score, usually 0
        scores = store.lexical_scores(query_text, unscored)
        lexical_by_id.update(zip(unscored, scores.tolist(), strict=True))
    best_sentence_by_id = dict(sentence_hits)
    pooled = Pool(
        order,
        _passage_features(
            [by_id[c] for c in order],
            [fused[c] for c in order],
            [float(dense_by_id[c]) for c in order],
            [float(lexical_by_id[c]) for c in order],
            [best_sentence_by_id[c] for c in order],
            query_text,
        ),
    )
    if passage_model is not None and order:
        probability = dict(zip(order, passage_model.probabilities(pooled.features), strict=True))
        _prefer_sources([by_id[c] for c in order], cosines, restating, probability)
        order = sorted(order, key=lambda chunk_id: -probability[chunk_id])
    candidates = [
        Candidate(
            by_id[chunk_id],
            fused[chunk_id],
            float(dense_by_id[chunk_id]),
            float(lexical_by_id[chunk_id]),
        )
        for chunk_id in order
    ]
    chosen = _diverse(candidates, k, restating)
    if timings is not None:
        timings["search"] = (searched - started) * 1000
        timings["fuse"] = (time.perf_counter() - searched) * 1000
    dense_top = [chunk_id for chunk_id, _ in dense_hits][: TUNING.evidence_depth]
    lexical_top = [chunk_id for chunk_id, _ in lexical_hits][: TUNING.evidence_depth]
    return Ranking(
        chosen,
        agree=bool(set(dense_top) & set(lexical_top)),
        best_sentence=max((best_sentence_by_id[c] for c in dense_top), default=0.0),
        best_lexical=max((score for _, score in lexical_hits), default=0.0),
        pool=pooled,
    )


def _passage_features(
    chunks: list[StoredChunk],
    fused: list[float],
    dense: list[float],
    lexical: list[float],
    sentence: list[float],
    query_text: str,
) -> np.ndarray:
    """``PASSAGE_FEATURES`` of each pooled chunk: how it compares with the rest of the
    pool, and how much of the question its text and its headings hold. Relative figures
    carry from corpus to corpus better than raw scores do."""
    if not chunks:
        return np.empty((0, len(PASSAGE_FEATURES)))
    terms = set(tokenize([query_text])[0])
    texts = [token_set(c.text) for c in chunks]
    headings = [token_set(f"{c.title} {c.section}") for c in chunks]
    best_fused = max(fused) or 1.0
    best_lexical = max(lexical) or 1.0
    rows = [
        (
            f / best_fused,
            1.0 / (1 + position),
            d,
            d - max(dense),
            lx / best_lexical,
            s,
            s - max(sentence),
            len(terms & text) / len(terms) if terms else 0.0,
            len(terms & heading) / len(terms) if terms else 0.0,
            float(np.log1p(len(chunk.text.split()))),
        )
        for position, (chunk, f, d, lx, s, text, heading) in enumerate(
            zip(chunks, fused, dense, lexical, sentence, texts, headings, strict=True)
        )
    ]
    return np.array(rows, dtype=np.float64)


def _prefer_sources(
    pool: list[StoredChunk],
    cosines: dict[str, float],
    restating: Collection[str],
    fused: dict[str, float],
) -> None:
    """Weigh down (in place) the score (fused, then the passage model's) of each passage
    of a ``restating`` document when a source passage is about as close to the question
    (within ``secondary_margin`` cosine): the author's own words are quoted, never a
    less relevant passage."""
    sources = [cosines[c.chunk_id] for c in pool if c.source not in restating]
    if not sources or len(sources) == len(pool):
        return
    best_source = max(sources)
    for chunk in pool:
        close = best_source >= cosines[chunk.chunk_id] - TUNING.secondary_margin
        if chunk.source in restating and close:
            fused[chunk.chunk_id] *= TUNING.secondary_weight


def _best_sentence(
    store: SearchBackend, chunks: list[StoredChunk], query_vector: np.ndarray
) -> np.ndarray:
    """For each chunk, the cosine of its sentence closest to the question."""
    if not chunks:
        return np.empty(0, dtype=np.float32)
    ids = [i for chunk in chunks for i in chunk.sentence_ids]
    cosines = store.sentence_vectors_of(ids) @ query_vector
    counts = np.array([chunk.sentence_count for chunk in chunks])
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return np.maximum.reduceat(cosines, starts)


def _diverse(
    candidates: list[Candidate], k: int, restating: Collection[str] = frozenset()
) -> list[Candidate]:
    """Drop near-duplicates, and filler that only fusion rank kept (cosine near zero).

    Of a restating document's passage and its source's near-duplicate, the source's is
    kept, in the place of the first of the two."""
    chosen: list[Candidate] = []
    for candidate in candidates:
        if chosen and candidate.dense < TUNING.min_passage_cosine:
            continue
        twin = next(
            (i for i, kept in enumerate(chosen) if _duplicates(candidate.chunk, kept.chunk)), None
        )
        if twin is None:
            chosen.append(candidate)
        elif (
            chosen[twin].chunk.source in restating
            and candidate.chunk.source not in restating
            and not any(
                _duplicates(candidate.chunk, kept.chunk)
                for i, kept in enumerate(chosen)
                if i != twin
            )
        ):
            chosen[twin] = candidate
        if len(chosen) == k:
            break
    return chosen


def _duplicates(a: StoredChunk, b: StoredChunk) -> bool:
    """Overlapping windows of one document, or two documents' passages saying the same
    thing. Neighbouring passages of one section are never duplicates however close their
    vectors (they share a heading and a subject; the answer is often the second); two
    documents stating different figures (a relocation budget of £8,000 and one of £9,000)
    disagree, however alike their words: both are kept."""
    if a.source == b.source:
        overlap = min(a.end, b.end) - max(a.start, b.start)
        return overlap > TUNING.duplicate_overlap * min(a.end - a.start, b.end - b.start)
    if figures(a.text) != figures(b.text):
        return False
    return float(a.vector @ b.vector) >= TUNING.duplicate_cosine


def typo_corrections(
    store: SearchBackend, text: str, words: Collection[str]
) -> dict[str, list[str]]:
    """For each likely typo in ``text``, the corpus words one edit away from it.

    BM25 matches exact terms, so "staf" finds nothing; the words it is one deletion,
    insertion, substitution or transposition away from are looked up in one call, and
    the known ones are searched alongside the question. A likely typo is a lower-case
    word the corpus does not use and that is not a word of the language (``words``: the
    embedding model's vocabulary), so "niche" is never "corrected" to "riche", nor an
    acronym such as "SLOs".
    """
    found: dict[str, list[str]] = {}
    if not words:
        return found
    for word in dict.fromkeys(re.findall(r"[A-Za-z]+", text)):
        folded = word.casefold()
        if word[1:] != word[1:].lower() or len(word) < TUNING.fuzzy_min_letters:
            continue
        if len(word) > TUNING.typo_max_letters:  # no word's typo; its edits cost seconds
            continue
        if folded in words or folded in found or not tokenize([folded])[0]:
            continue
        if store.known_words(folded):
            continue
        edits = [e for e in _one_edit(folded) if tokenize([e])[0]]
        known = store.known_words(" ".join(edits))[: TUNING.max_corrections]
        if known:
            found[folded] = known
    return found


def compound_forms(store: SearchBackend, text: str) -> dict[str, str]:
    """The corpus's own spelling of each hyphenated compound of the question that it
    writes another way: joined ("on-call" → "oncall") or, from three parts on, as
    initials ("keep-the-lights-on" → "ktlo"). BM25 needs the corpus's form."""
    forms: dict[str, list[str]] = {}
    for compound in dict.fromkeys(_COMPOUND.findall(text)):
        parts = compound.casefold().split("-")
        options = ["".join(parts)]
        if len(parts) >= 3:
            options.append("".join(part[0] for part in parts))
        forms[compound] = options
    if not forms:
        return {}
    known = set(store.known_words(" ".join(o for options in forms.values() for o in options)))
    found = {c: next((o for o in options if o in known), "") for c, options in forms.items()}
    return {compound: form for compound, form in found.items() if form}


def corrected(text: str, corrections: dict[str, list[str]]) -> str:
    """``text`` with each corrected word replaced by its first correction."""
    if not corrections:
        return text
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, corrections)) + r")\b", re.IGNORECASE)
    return pattern.sub(lambda m: corrections[m.group().casefold()][0], text)


def _one_edit(word: str) -> list[str]:
    """Words one edit away, likeliest typos first: a letter missed, then one doubled or
    extra, then two swapped, then one replaced."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    inserts = [a + c + b for a, b in splits for c in _LETTERS]
    deletes = [a + b[1:] for a, b in splits if b]
    swaps = [a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1]
    replaces = [a + c + b[1:] for a, b in splits if b for c in _LETTERS]
    return [e for e in dict.fromkeys(inserts + deletes + swaps + replaces) if e != word]


def untuned_fusion(
    store: SearchBackend, query_vector: np.ndarray, query_text: str, k: int
) -> list[StoredChunk]:
    """The baseline the engine must beat: reciprocal-rank fusion (constant 60, equal
    weights) of the backend's own dense and BM25 lists, nothing tuned on top."""
    depth = min(store.manifest.chunks, max(TUNING.min_depth, k))
    fused: dict[str, float] = {}
    for hits in (
        store.dense_search(query_vector, depth),
        store.lexical_search(query_text, depth),
    ):
        for position, hit in enumerate(hits, start=1):
            fused[hit.chunk_id] = fused.get(hit.chunk_id, 0.0) + 1.0 / (UNTUNED_RRF_K + position)
    order = sorted(fused, key=lambda chunk_id: (-fused[chunk_id], chunk_id))[:k]
    by_id = {chunk.chunk_id: chunk for chunk in store.chunks(order)}
    return [by_id[chunk_id] for chunk_id in order]
