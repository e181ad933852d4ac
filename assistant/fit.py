"""Which path fits me? Career paths ranked by what a person says they enjoy and avoid.

"I love mentoring and hate meetings; I don't want to leave code" becomes preferences
(mentoring: wanted; meetings: avoided; code: wanted, since leaving it is avoided). For
each preference and each career path, the closest sentence of that path's passages is
the evidence: a wanted topic it speaks of counts for the path, an avoided one against
it. Every line of the result is a sentence of the corpus, quoted with its source and
offsets, like every answer; a preference no path's sentence comes close to is reported
as one the corpus says nothing about, never guessed.

It reads the index only through the public engine API (the embedder and the
:class:`~assistant.backend.SearchBackend` protocol: a filtered dense search per path,
then the chunks' sentences and their vectors).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .backend import SearchBackend
from .config import Settings
from .embeddings import Embedder
from .errors import BadInputError
from .lexical import tokenize
from .records import Filter
from .taxonomy import CareerPath

#: Cues that a clause says what the person avoids; checked before the wanting cues,
#: which some of them contain ("don't like" holds "like").
AVOID_CUES = (
    "don't want to", "do not want to", "don't want", "do not want", "don't like",
    "do not like", "don't enjoy", "do not enjoy", "can't stand", "cannot stand",
    "would rather not", "rather not", "tired of", "sick of", "not interested in",
    "no more", "hate", "hated", "dislike", "disliked", "avoid", "dread", "without",
)  # fmt: skip
WANT_CUES = (
    "would love to", "would like to", "want to", "like to", "love to", "passionate about",
    "interested in", "care about", "good at", "keen on", "enjoy", "enjoyed", "love", "loved",
    "like", "liked", "want", "prefer", "need", "stay", "keep", "happiest", "happy", "thrive on",
)  # fmt: skip
#: Avoiding one of these turns into wanting what follows: "I don't want to leave code".
LEAVING = ("leave", "stop", "quit", "give up", "lose", "drop", "abandon", "move away from")
#: A sentence where one of these comes just before the topic speaks of having less of
#: it ("less code", "rather than from code you write"): it counts the other way round.
REDUCING = (
    "less", "fewer", "no longer", "rather than", "instead of", "away from", "give up",
    "stop", "stops", "leave", "leaves", "leaving", "moving away from", "not",
)  # fmt: skip
#: Words allowed between a reducing cue and the topic's word.
REDUCING_GAP = 3
_FILLER = re.compile(
    r"^(?:i\s+|i'm\s+|i am\s+|really\s+|also\s+|just\s+|very much\s+|to\s+|being\s+|doing\s+"
    r"|the\s+|a\s+|an\s+|my\s+|any\s+|more\s+|of\s+)+"
)
_TRAILING = re.compile(r"(?:\s+(?:a lot|very much|too|much|anymore|any more|at all))+$")
#: A wanting cue right after one of these is its opposite: "I'm not keen on", "never liked".
_NEGATION = re.compile(r"(?:\bnot|n't|\bnever|\bno longer)(?:\s+\w+){0,2}\s*$")
_CLAUSES = re.compile(r"[.;!?\n]+|,|\s+but\s+|\s+and\s+|\s+or\s+")
MIN_QUOTE_WORDS = 6
#: Passages read per path and preference (the filtered search is exact, so cheap).
PASSAGES_PER_PATH = 4


@dataclass(frozen=True)
class Preference:
    """One thing the person said: ``topic`` is what the corpus is searched for."""

    said: str
    topic: str
    wanted: bool


@dataclass(frozen=True)
class Evidence:
    """A corpus sentence that speaks for or against a path, for one preference."""

    preference: Preference
    text: str
    source: str
    title: str
    section: str
    start: int
    end: int
    similarity: float


@dataclass(frozen=True)
class PathFit:
    """One career path: its score (sum of evidence for, minus against) and the quotes."""

    slug: str
    title: str
    family: str
    score: float
    pros: tuple[Evidence, ...]
    cons: tuple[Evidence, ...]


@dataclass(frozen=True)
class FitResult:
    """The ranking; ``unmatched`` are preferences the corpus says nothing about."""

    description: str
    preferences: tuple[Preference, ...]
    paths: tuple[PathFit, ...]
    unmatched: tuple[Preference, ...]
    timings_ms: dict[str, float]


def parse_preferences(description: str, limit: int) -> list[Preference]:
    """Split a free-text description into at most ``limit`` preferences.

    A clause without a cue ("… and hiring") keeps the previous clause's polarity.
    """
    preferences: list[Preference] = []
    wanted = True
    for clause in _CLAUSES.split(description):
        said = " ".join(clause.split())
        lowered = said.lower().replace("’", "'")
        topic = lowered
        for cues, polarity in ((AVOID_CUES, False), (WANT_CUES, True)):
            found = _first_cue(lowered, cues)
            if found is not None:
                negated = _NEGATION.search(lowered[: found[0]]) is not None
                wanted, topic = polarity and not negated, lowered[found[1] :]
                break
        topic = _TRAILING.sub("", _FILLER.sub("", topic.strip(" ,:-"))).strip()
        polarity = wanted
        for verb in LEAVING:
            if not wanted and topic.startswith(verb + " "):
                topic, polarity = _FILLER.sub("", topic[len(verb) + 1 :]), True
                break
        meaningful = bool(tokenize([topic])[0])  # not only stop words ("and", "it")
        if meaningful and topic not in {p.topic for p in preferences}:
            preferences.append(Preference(said, topic, polarity))
    return preferences[:limit]


def _first_cue(text: str, cues: Sequence[str]) -> tuple[int, int] | None:
    """(start, end) of the earliest whole-word cue in ``text``."""
    best: tuple[int, int] | None = None
    for cue in cues:
        match = re.search(rf"(?<![\w']){re.escape(cue)}(?![\w'])", text)
        if match and (best is None or match.start() < best[0]):
            best = match.span()
    return best


def rank_paths(
    store: SearchBackend,
    embedder: Embedder,
    paths: Sequence[CareerPath],
    description: str,
    settings: Settings,
) -> FitResult:
    """Rank ``paths`` by the evidence for and against each preference in ``description``."""
    started = time.perf_counter()
    preferences = parse_preferences(description, settings.fit_max_preferences)
    if not preferences:
        raise BadInputError(
            "no likes or dislikes found in the description",
            "say what you enjoy and what you would rather avoid, e.g. "
            "'I love mentoring and hate meetings'",
        )
    evidence: dict[str, list[tuple[Evidence, bool]]] = {p.slug: [] for p in paths}
    matched: set[Preference] = set()
    for preference in preferences:
        vector = embedder.embed_query(preference.topic)
        terms = set(tokenize([preference.topic])[0])
        for path in paths:
            found = _best_sentence(store, vector, terms, path, preference, settings)
            if found is not None and found[0].similarity >= settings.fit_min_similarity:
                quote, reduced = found
                evidence[path.slug].append((quote, preference.wanted != reduced))
                matched.add(preference)
    fits = [_fit(path, evidence[path.slug], settings) for path in paths]
    ranked = sorted(
        (fit for fit in fits if fit.pros or fit.cons), key=lambda f: (-f.score, f.title)
    )
    return FitResult(
        description=description,
        preferences=tuple(preferences),
        paths=tuple(ranked),
        unmatched=tuple(p for p in preferences if p not in matched),
        timings_ms={"total": (time.perf_counter() - started) * 1000},
    )


def _best_sentence(
    store: SearchBackend,
    vector: np.ndarray,
    terms: set[str],
    path: CareerPath,
    preference: Preference,
    settings: Settings,
) -> tuple[Evidence, bool] | None:
    """The path's sentence closest to the preference, and whether it speaks of less of it.

    Closeness is the sentence's cosine plus a bonus for the topic's own words (as in
    answers). A sentence that names another path and not this one is about that path,
    so it is not evidence here.
    """
    hits = store.dense_search(vector, PASSAGES_PER_PATH, Filter(path=path.slug))
    best: Evidence | None = None
    for chunk in store.chunks([hit.chunk_id for hit in hits]):
        for sentence in store.sentences(list(chunk.sentence_ids)):
            text = chunk.text[sentence.start - chunk.start : sentence.end - chunk.start]
            if len(text.split()) < MIN_QUOTE_WORDS or not _about(store, text, path.slug):
                continue
            overlap = len(terms.intersection(tokenize([text])[0])) / len(terms) if terms else 0.0
            similarity = float(sentence.vector @ vector) + settings.fit_word_bonus * overlap
            if best is None or similarity > best.similarity:
                best = Evidence(preference, text, chunk.source, chunk.title, chunk.section,
                                sentence.start, sentence.end, similarity)  # fmt: skip
    if best is None:
        return None
    return best, _reduces(best.text, preference.topic)


def _about(store: SearchBackend, text: str, slug: str) -> bool:
    named = {mention.path.slug for mention in store.taxonomy.mentions(text)}
    return not named or slug in named


def _reduces(text: str, topic: str) -> bool:
    """Whether a reducing cue stands a few words before one of the topic's words ("less
    code"), or a negation a few words after it ("code is not a reason to …")."""
    lowered = " ".join(re.findall(r"[\w']+", text.lower()))
    cues = "|".join(re.escape(cue) for cue in REDUCING)
    gap = f"(?: [\\w']+){{0,{REDUCING_GAP}}}"
    for word in re.findall(r"\w{3,}", topic.lower()):
        stem = rf"{re.escape(word[: max(4, len(word) - 3)])}\w*"
        if re.search(rf"\b(?:{cues}){gap} {stem}\b", lowered) or re.search(
            rf"\b{stem}{gap} (?:is|are|does|do|was|will) not\b", lowered
        ):
            return True
    return False


def _fit(path: CareerPath, found: list[tuple[Evidence, bool]], settings: Settings) -> PathFit:
    """Each quote weighs by how far it clears the threshold."""
    pros = sorted((e for e, good in found if good), key=lambda e: -e.similarity)
    cons = sorted((e for e, good in found if not good), key=lambda e: -e.similarity)
    floor = settings.fit_min_similarity
    score = sum(e.similarity - floor for e in pros) - sum(e.similarity - floor for e in cons)
    return PathFit(
        path.slug,
        path.title,
        path.family,
        score,
        tuple(pros[: settings.fit_quotes]),
        tuple(cons[: settings.fit_quotes]),
    )
