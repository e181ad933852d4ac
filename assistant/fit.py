"""Which path fits me? Career paths ranked by what a person says they enjoy and avoid.

"I love mentoring and hate meetings; I don't want to leave code" becomes preferences
(mentoring: wanted; meetings: avoided; code: wanted, since leaving it is avoided). For
each preference and each career path, the path's sentence closest in meaning (cosine of
the embeddings, no word matching) is its evidence. What ranks is how *distinctly* a path
speaks to a preference: its closeness as a z-score among all paths, so "I want to stay
technical" does not favour whichever path has "technical" in its name, and a preference
every path speaks to equally moves none. A wanted topic counts for the path, an avoided
one against it, and a sentence that speaks of having less of the topic ("managers write
less code") counts the other way round. A quote is shown only where the path stands
out (``Settings.fit_quote_z``), so a "for" or "against" line really argues for or against it.
Sentences that only name a path ("Yet another route is to become a TPM") are no
evidence. Every line of the result is a sentence of the corpus, quoted with its source
and offsets; a preference no path's sentence comes close to is reported as one the
corpus says nothing about, never guessed.

Measured on ``eval/fit-profiles.jsonl`` (30 profiles labelled from the article, the
shipped corpus): an expected path in the top 3 for 0.80 (0.73 with the former word-
bonus ranking), first for 0.60 (0.63); see ``tests/test_fit.py``.

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
from .config import TUNING, Settings
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
    "drawn to", "rather", "remain", "fine with", "okay with", "ok with",
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
    r"^(?:i\s+|i'm\s+|i'd\s+|i am\s+|really\s+|also\s+|just\s+|very much\s+|to\s+|being\s+|doing\s+"
    r"|the\s+|a\s+|an\s+|my\s+|any\s+|more\s+|of\s+)+"
)
_TRAILING = re.compile(r"(?:\s+(?:a lot|very much|too|much|anymore|any more|at all))+$")
#: A wanting cue right after one of these is its opposite: "I'm not keen on", "never liked".
_NEGATION = re.compile(r"(?:\bnot|n't|\bnever|\bno longer)(?:\s+\w+){0,2}\s*$")
_CLAUSES = re.compile(r"([.;:!?\n]+|,|\s+but\s+|\s+and\s+|\s+or\s+)")
_NOT_TOPIC = re.compile(r"(?:.*\s)?(?:not|no longer|never)\s+")
#: Separators after which an uncued clause no longer inherits the previous polarity.
_HARD_BOUNDARY = re.compile(r"[.;:!?\n]")
#: "… is not for me", "no on-call for me": the clause's topic is avoided.
_NOT_FOR_ME = re.compile(
    r"^no\s+(?P<no>.+?)(?:\s+for\s+me)?$|^(?P<not>.+?)\s+(?:is|are)\s+not\s+for\s+me\b"
)
_NAMING_WORDS = frozenset(tokenize(["route path become role career move option"])[0])


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

    A clause without a cue ("… and hiring") keeps the previous clause's polarity within
    a sentence; a new sentence (or what follows a colon) starts out wanted again, unless
    the clause before the colon was a bare cue ("I dislike: meetings, travel").
    """
    preferences: list[Preference] = []
    wanted, bare_cue = True, False
    parts = _CLAUSES.split(description)
    for clause, separator in zip(parts[::2], [*parts[1::2], ""], strict=True):
        said = " ".join(clause.split())
        lowered = said.lower().replace("’", "'")
        topic, found_cue = lowered, False
        for cues, polarity in ((AVOID_CUES, False), (WANT_CUES, True)):
            found = _first_cue(lowered, cues)
            if found is not None:
                negated = _NEGATION.search(lowered[: found[0]]) is not None
                wanted, topic, found_cue = polarity and not negated, lowered[found[1] :], True
                break
        not_for_me = _NOT_FOR_ME.search(topic)
        if not_for_me:
            topic, wanted = not_for_me.group("no") or not_for_me.group("not"), False
        topic = _TRAILING.sub("", _FILLER.sub("", topic.strip(" ,:-"))).strip()
        negated_topic = _NOT_TOPIC.match(topic)  # "fine with not writing code"
        if negated_topic:
            topic, wanted = _FILLER.sub("", topic[negated_topic.end() :]), not wanted
        polarity = wanted
        for verb in LEAVING:
            if not wanted and topic.startswith(verb + " "):
                topic, polarity = _FILLER.sub("", topic[len(verb) + 1 :]), True
                break
        meaningful = bool(tokenize([topic])[0])  # not only stop words ("and", "it")
        if meaningful and topic not in {p.topic for p in preferences}:
            preferences.append(Preference(said, topic, polarity))
        bare_cue = found_cue and not meaningful
        if _HARD_BOUNDARY.search(separator) and not (bare_cue and ":" in separator):
            wanted = True
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
    """Rank ``paths`` by how distinctly each one's sentences speak to each preference."""
    started = time.perf_counter()
    preferences = parse_preferences(description, settings.fit_max_preferences)
    if not preferences:
        raise BadInputError(
            "no likes or dislikes found in the description",
            "say what you enjoy and what you would rather avoid, e.g. "
            "'I love mentoring and hate meetings'",
        )
    found: dict[str, list[_Reading]] = {p.slug: [] for p in paths}
    matched: list[Preference] = []
    for preference in preferences:
        vector = embedder.embed_query(preference.topic)
        closest = {p.slug: _closest(store, vector, p, preference) for p in paths}
        similarities = np.array([e.similarity for e in closest.values() if e is not None])
        if not len(similarities) or similarities.max() < settings.fit_min_similarity:
            continue  # no path's sentence is about it: the corpus says nothing about it
        matched.append(preference)
        mean, spread = (
            float(similarities.mean()),
            max(float(similarities.std()), TUNING.fit_min_spread),
        )
        for slug, evidence in closest.items():
            if evidence is not None:
                speaks_for = preference.wanted != _reduces(evidence.text, preference.topic)
                z = (evidence.similarity - mean) / spread
                found[slug].append(_Reading(evidence, speaks_for, z))
    fits = sorted(
        (_fit(p, found[p.slug], settings) for p in paths), key=lambda f: (-f.score, f.title)
    )
    return FitResult(
        description=description,
        preferences=tuple(preferences),
        paths=tuple(f for f in fits if f.pros or f.cons),
        unmatched=tuple(p for p in preferences if p not in matched),
        timings_ms={"total": (time.perf_counter() - started) * 1000},
    )


@dataclass(frozen=True)
class _Reading:
    """What one path's closest sentence says about one preference."""

    evidence: Evidence
    #: Whether it counts for the path (a wanted topic, or less of an avoided one).
    speaks_for: bool
    #: How much closer it is than the other paths' closest sentences (standard deviations).
    z: float


def _closest(
    store: SearchBackend, vector: np.ndarray, path: CareerPath, preference: Preference
) -> Evidence | None:
    """The path's sentence closest in meaning to the preference (cosine), among those
    that are about this path and say more than its name."""
    hits = store.dense_search(vector, TUNING.fit_passages_per_path, Filter(path=path.slug))
    own_names = set(tokenize([" ".join([path.title, *path.aliases])])[0]) | _NAMING_WORDS
    best: Evidence | None = None
    for chunk in store.chunks([hit.chunk_id for hit in hits]):
        for sentence in store.sentences(list(chunk.sentence_ids)):
            text = chunk.text[sentence.start - chunk.start : sentence.end - chunk.start]
            if len(text.split()) < TUNING.fit_min_quote_words or not _about(store, text, path.slug):
                continue
            if len(set(tokenize([text])[0]) - own_names) < TUNING.fit_min_content_words:
                continue
            similarity = float(sentence.vector @ vector)
            if best is None or similarity > best.similarity:
                best = Evidence(preference, text, chunk.source, chunk.title, chunk.section,
                                sentence.start, sentence.end, similarity)  # fmt: skip
    return best


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


def _fit(path: CareerPath, readings: list[_Reading], settings: Settings) -> PathFit:
    """The path's score is the sum of its z-scores, signed for or against; its quotes are
    the readings where it stands out, closest first."""
    score = sum(r.z if r.speaks_for else -r.z for r in readings)
    shown = [
        r
        for r in readings
        if r.z >= settings.fit_quote_z and r.evidence.similarity >= settings.fit_quote_similarity
    ]
    pros = sorted((r.evidence for r in shown if r.speaks_for), key=lambda e: -e.similarity)
    cons = sorted((r.evidence for r in shown if not r.speaks_for), key=lambda e: -e.similarity)
    return PathFit(
        path.slug,
        path.title,
        path.family,
        score,
        tuple(pros[: settings.fit_quotes]),
        tuple(cons[: settings.fit_quotes]),
    )
