"""Ranked chunks → quotable units, a verbatim answer, attribution, and the abstention call.

Every piece of text shown as an answer or highlight is a span of a passage's text,
located by offsets stored at index time, so the assistant can only ever quote the corpus.
A *unit* is what can be quoted on its own: a sentence; a sentence together with the
lower-case continuation the splitter cut off; or a list item together with its lead-in.
Headings, bare list items, progression lines ("A => B"), navigation lines, table header
rows and questions are never quoted as an answer. Which unit answers best, and whether
anything does, are decided by the two small learned models in :mod:`assistant.scorer`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from .asked_figure import AskedFigure, asked_figure
from .backend import SearchBackend
from .config import TUNING
from .ingest.tables import LABEL_SEPARATOR
from .lexical import figures, token_set, tokenize
from .results import AnswerSentence, Highlight, Passage
from .retrieval import Candidate, Ranking
from .scorer import Models
from .taxonomy import STOP_WORDS, CareerPath

#: Features of a unit, in the order the unit model reads them.
UNIT_FEATURES = (
    "cosine",  # the unit's sentence vs the question
    "cosine_gap",  # minus the best sentence cosine among the top passages
    "chunk_cosine",  # its passage vs the question
    "chunk_gap",  # minus the best passage's
    "inverse_rank",  # 1 / its passage's rank
    "fused_share",  # its passage's fused score over the best passage's
    "lexical_share",  # its passage's BM25 score over the best BM25 among the passages
    "best_in_passage",  # the closest quotable unit of its passage
    "overlap",  # share of the question's (stemmed, stop-word-free) terms it contains
    "first",  # opens its passage
    "list_item",  # a list item quoted with its lead-in
    "comment",  # from a reader-comments file
    "names_subject",  # names a path the question names
    "on_subject",  # its passage belongs to a path the question names
    "defines",  # a "what is / what does" question, and the unit opens its passage
    "definition",  # such a question, and the unit says what a named path is or does
    "dangling",  # opens with a word pointing back ("It", "This", "They"): needs context
    "pointer",  # points at other text ("as outlined below", "see the table", ends in ":")
    "log_words",
)
#: Features of a question, in the order the question (abstention) model reads them.
QUESTION_FEATURES = (
    "best_cosine",  # best sentence cosine among the top passages, minus the background's
    "best_chunk_cosine",  # the same for passages
    "best_unit",  # the unit model's best probability
    "lost_meaning",  # cosine between the question and its words the corpus never uses
    "known_share",  # share of the question's content words the corpus uses
    "coverage",  # share of the question's terms in the best passage
    "focus",  # the same for the terms its title and headings do not already hold
    "missing_focus",  # no focus term in the best passage, and the unknown words carry meaning
    "agree",  # dense and BM25 share a chunk in their top few
    "lexical",  # the best BM25 score over a rare term's: how many rare terms match
    "mentions",  # the question names a path or a document
    "figure_missing",  # asks for a figure of a kind (weeks, money, a date) no passage gives
    "figure_distance",  # the closest sentence giving it, minus the closest sentence
)

#: Everyday questions no career corpus answers. How close a corpus comes to them (its
#: *background*) is subtracted from a question's cosines, so that one abstention
#: threshold carries from a narrow corpus to a broad one, where everything sits closer.
BACKGROUND_QUESTIONS = (
    "how do I bake bread at home",
    "what is the capital of australia",
    "best running shoes for beginners",
    "how to train a puppy to sit",
    "how does compound interest work",
    "what causes the northern lights",
    "how do I fix a leaking tap",
    "tips for growing tomatoes",
    "who painted the mona lisa",
    "how to learn to play guitar",
    "what is a good exercise routine",
    "how to sort a list in javascript",
    "what is the difference between tcp and udp",
    "how do vaccines work",
    "cheap flights to europe",
    "how to write a wedding speech",
    "what is inflation",
    "how to clean a cast iron pan",
    "what is machine learning",
    "how do I improve my sleep",
    "how to set up a home wifi network",
    "what should I cook for dinner tonight",
    "how do solar panels work",
    "how to meditate",
    "what are good books for teenagers",
    "how do I learn a new language",
    "how to change a car battery",
    "what is the best way to save money",
    "how to make cold brew coffee",
    "what is quantum computing",
)

_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_PROGRESSION = re.compile(r"=>|→|->|⇒")
_NAVIGATION = re.compile(r"(?:[·|»›]\s*\S[^·|»›]{0,40}){3,}")
#: An FAQ's answer label ("A: Yes, …"): the quote starts after it.
_ANSWER_LABEL = re.compile(r"[ \t]*(?:A|Answer)[ \t]*:[ \t]+")
_SPEAKER = re.compile(
    r"(?:^|\n)[ \t]*(?P<name>[^\n:.?!]{1,60}?)[ \t]+"
    r"(?:wrote|writes|said|says|commented|comments|replied|replies)[ \t]*:[ \t]*",
    re.IGNORECASE,
)
_WHAT = re.compile(r"\s*(?:so\s+)?(?:what(?:'s|’s|s)?|who)\b(?!\s+(?:if|about)\b)", re.IGNORECASE)
#: "What is / what does / who are X": a sentence saying what X is or does answers it.
_WHAT_IS = re.compile(
    r"\s*(?:so\s+)?(?:what|who)(?:(?:'s|’s)|\s+(?:\w+\s+)?(?:is|are|does|do)\b)", re.IGNORECASE
)
#: Opening words that point back to the sentence before: a pronoun, or a connective
#: answering or continuing it ("However, …", "Also, …", "Something similar …"). (Not
#: "Then" or "Although": informal writing opens self-contained sentences with them; nor
#: an acronym: "IT Helpdesk Analyst").
_DANGLING = re.compile(
    r"\W*(?!(?-i:[A-Z]{2,})\b)(?:it|its|they|their|them|this|that|these|those|he|she|his|her|such"
    r"|however|but|therefore|thus|instead|otherwise|moreover|furthermore|likewise"
    r"|also|and|so|still|yet|hence|similarly|something\s+similar|besides|nevertheless"
    r"|nonetheless|consequently|accordingly|meanwhile|additionally)\b",
    re.IGNORECASE,
)
#: "This" standing for what came before, further into the sentence ("Acme treats this as a
#: lateral move", "… asks to do this in writing"): the sentence leans on the one before
#: as one opening with "This" does. Only before a verb, a preposition or punctuation: as
#: a determiner ("this role") it names its own noun.
_THIS_BEFORE = re.compile(
    r"(?<=\S)\s+this(?:\s+(?:as|is|was|will|would|can|could|may|might|means|meant|requires"
    r"|happens|helps|matters|counts|applies|works|in|for|to|with|without|by|on|at|from|into"
    r"|before|after|when|if|because|and|or|but)(?![-\w])|\s*[,.;!?])",
    re.IGNORECASE,
)


def _leans_back(text: str) -> bool:
    """The sentence needs the one before it to be understood."""
    return bool(_DANGLING.match(text) or _THIS_BEFORE.search(text))


#: A sentence about the text itself ("In this article, I recap…", "The author calls
#: this…"): it says what a document does, not what the reader asked.
_ABOUT_ITSELF = re.compile(
    r"\b(?:this|the)\s+(?:article|post|blog\s+post|essay|write-?up|recap|author"
    r"|introduction|conclusion)(?:'s|’s)?\b",
    re.IGNORECASE,
)
#: Words by which a sentence sends the reader to other text instead of saying something.
_POINTER = re.compile(
    r"\b(?:(?:shown|listed|given|described|detailed|explained|linked|set out|see|as|the"
    r"|table|list|links?)\s+(?:below|above)|(?:below|above)\s*:|(?:below|above)[.!]?\s*$"
    r"|as follows|the following|outlined|see (?:the|our|this|these|here)"
    r"|(?:this|the|that) (?:table|chart|page|document|list|section|link)"
    r"|(?:documented|described|detailed|explained|listed|linked|found|kept|available)\s+"
    r"(?:here|there|elsewhere|separately)|(?:click|read more)\s+here)\b|\bhere\s*:",
    re.IGNORECASE,
)
_ASKS_LIST = re.compile(
    r"^\W*(?:so\s+)?(?:what|which)\s+(?:are|were)\s+(?:the|some|all)\b"
    r"|\b(?:what|which)\s+(?:kinds|types|sorts|categories)\s+of\b|\blist\s+(?:the|all)\b",
    re.IGNORECASE,
)
#: A unit that starts a bulleted or numbered line of its passage.
_ITEM_START = re.compile(r"(?:^|\n)[ \t]*(?:[-*•+]|\d{1,2}[.)])[ \t]+$")
_ARTICLE = re.compile(r"\s*(?:(?:a|an|the)\s+)?", re.IGNORECASE)
#: After a subject, a lower-case word that is not a joining word is its verb ("A TPM is
#: …", "Architects focus on …"); an aside in brackets may come between.
_DEFINING_VERB = re.compile(
    r"(?:\s*\([^)]{0,40}\))?\s+(?!(?:and|or|of|to|in|at|for|with|vs|versus|from|like)\b)"
    r"[a-z]+\b"
)
_TERMINAL = (".", "!", "?", "…", ":", ";")
#: Two things set side by side, up to three words each: "Q3 vs Q4", "senior designer or
#: lead designer", "between a senior engineer and a staff engineer".
_JOINED = re.compile(
    r"(?:\bbetween\s+(?P<a>(?:[\w+-]+\s+){0,2}?[\w+-]+)\s+and"
    r"|(?P<b>(?:[\w+-]+\s+){0,2}[\w+-]+)\s+(?:vs\.?|versus|or))"
    r"\s+(?P<right>[\w+-]+(?:\s+[\w+-]+){0,2})",
    re.IGNORECASE,
)
#: A whole number standing alone: not part of a word ("IC5"), a decimal ("3.80") or a
#: grouped amount ("$1,000").
_NUMBER = re.compile(r"(?<![\w.,$£€])(\d{1,4})(?!\w|[.,]\d)")
#: A question answered by yes or no ("Is T2 the senior rank?", "Do leads code?").
_POLAR = re.compile(
    r"\W*(?:is|are|am|was|were|does|do|did|can|could|should|would|will|has|have)\b",
    re.IGNORECASE,
)
#: "Pension match: Up to 6% of salary": a table row's label and value, complete as it is.
_LABELLED = re.compile(r"[^:\n]{2,60}: \S")


@dataclass(frozen=True)
class Sentence:
    """One stored sentence of a candidate passage, as the answer path reads it."""

    start: int  # offsets into the source document
    end: int
    text: str
    cosine: float  # to the question
    vector: np.ndarray = field(compare=False, repr=False)


@dataclass(frozen=True)
class Unit:
    """A quotable span of one passage, with the features the unit model scores."""

    chunk_id: str
    passage_rank: int
    start: int
    end: int
    text: str
    cosine: float
    eligible: bool  # may be quoted as an answer (not a heading, question, bare item…)
    speaker: str  # who wrote it, for reader comments; "" otherwise
    features: tuple[float, ...]
    #: The vector of the sentence that carries its meaning (to spot duplicates).
    vector: np.ndarray = field(compare=False, repr=False)
    #: The cosine to the question of the question line right before it (an FAQ's own
    #: question), 0 when the unit follows no question.
    asked: float = 0.0
    #: From a document that restates another (``Tuning.secondary_kinds``).
    restates: bool = False
    #: The terms of its passage's title and section: what the passage is about as a whole.
    topic: frozenset[str] = frozenset()
    #: The career path its passage is about ("" for other documents and general text).
    path: str = ""


@dataclass(frozen=True)
class QuestionTerms:
    """The question's stemmed terms, and the names of the paths it mentions."""

    terms: tuple[str, ...]
    known_share: float  # share of its content words the corpus uses
    asks_what: bool  # "what …" / "who …": a definition may answer it
    asks_definition: bool  # "what is / what does …": a sentence saying what X is answers it
    #: What a passage must hold to give the figure the question asks for (None: no figure).
    figure: AskedFigure | None
    subjects: frozenset[str]  # slugs of the paths it names
    names: tuple[re.Pattern[str], ...]  # to spot the mentioned paths in sentences
    #: The numbers it names ("level 3", "week 8"): tokens drop them, table labels need them.
    numbers: frozenset[str] = frozenset()
    #: A yes-or-no question ("is T2 the senior rank?"): a cell repeating it confirms it.
    polar: bool = False

    @property
    def asked(self) -> frozenset[str]:
        """Its terms and numbers: what a table cell's labels are matched against."""
        return frozenset(self.terms) | self.numbers


def read_sentences(
    store: SearchBackend, candidates: Sequence[Candidate], query_vector: np.ndarray
) -> list[list[Sentence]]:
    """Every stored sentence of every candidate, with its cosine to the question."""
    fetched = iter(store.sentences([i for c in candidates for i in c.chunk.sentence_ids]))
    out: list[list[Sentence]] = []
    for candidate in candidates:
        chunk = candidate.chunk
        stored = [next(fetched) for _ in chunk.sentence_ids]
        cosines = (np.vstack([s.vector for s in stored]) @ query_vector).tolist()
        out.append(
            [
                Sentence(
                    s.start,
                    s.end,
                    chunk.text[s.start - chunk.start : s.end - chunk.start],
                    cosine,
                    s.vector,
                )
                for s, cosine in zip(stored, cosines, strict=True)
            ]
        )
    return out


def question_terms(
    store: SearchBackend, question: str, subjects: Sequence[CareerPath]
) -> QuestionTerms:
    """The question's terms, the share the corpus knows, and the names it uses."""
    terms = tuple(dict.fromkeys(tokenize([question])[0]))
    content = [w for w in question.split() if tokenize([w])[0] and w.casefold() not in STOP_WORDS]
    known = store.known_words(" ".join(content)) if content else []
    patterns = tuple(
        _name_pattern(name) for path in subjects for name in path.names if len(name) > 1
    )
    asks_what = bool(_WHAT.match(question))
    asks_definition = bool(_WHAT_IS.match(question))
    share = len(known) / len(content) if content else 1.0
    slugs = frozenset(path.slug for path in subjects)
    figure = asked_figure(question)
    numbers = label_numbers(question)
    polar = bool(_POLAR.match(question))
    return QuestionTerms(
        terms, share, asks_what, asks_definition, figure, slugs, patterns, numbers, polar
    )


def label_numbers(text: str) -> frozenset[str]:
    """The whole numbers ``text`` names on their own ("Level 3", "weeks 2-3" → 3; 2, 3),
    not those inside a word or a decimal ("IC5", "3.80"): a ladder's rows and columns
    are told apart by them, and tokens drop them."""
    return frozenset(str(int(found)) for found in _NUMBER.findall(text))


def build_units(
    ranking: Ranking,
    sentences: Sequence[Sequence[Sentence]],
    terms: QuestionTerms,
    comment_sources: frozenset[str],
    restating_sources: frozenset[str] = frozenset(),
) -> tuple[Ranking, list[list[Sentence]], list[list[Unit]]]:
    """The quotable units of each candidate, in reading order, with their features.

    Passages that hold nothing quotable (a list of path names, a progression line, a
    heading) move after those that do, order otherwise kept: they match a question's
    names without saying anything about them. Returns the ranking and sentences in that
    order, with the units.
    """
    found = [
        _spans(c.chunk.text, c.chunk.start, group, terms.asked)
        for c, group in zip(ranking.candidates, sentences, strict=True)
    ]
    order = sorted(range(len(found)), key=lambda i: not any(span[3] for span in found[i]))
    ranking = replace(ranking, candidates=[ranking.candidates[i] for i in order])
    ordered = [list(sentences[i]) for i in order]
    candidates = ranking.candidates
    best_cosine = max((s.cosine for group in sentences for s in group), default=0.0)
    best_chunk = max((c.dense for c in candidates), default=0.0)
    best_fused = max((c.fused for c in candidates), default=0.0) or 1.0
    best_lexical = max((c.lexical for c in candidates), default=0.0) or 1.0
    out = []
    for rank, (candidate, searched) in enumerate(zip(candidates, order, strict=True), start=1):
        chunk = candidate.chunk
        comment = chunk.source in comment_sources
        topic = frozenset(tokenize([f"{chunk.title} {chunk.section}"])[0])
        spans = found[searched]
        closest = max((span[2].cosine for span in spans if span[3]), default=1.0)
        units = []
        asked = 0.0
        for index, (start, end, main, eligible, is_item) in enumerate(spans):
            text = chunk.text[start - chunk.start : end - chunk.start]
            speaker = ""
            if comment:
                speaker, text, start = _speaker(chunk.text, chunk.start, start, text)
            label = _ANSWER_LABEL.match(text)
            if label and len(text) > label.end():
                text, start = text[label.end() :], start + label.end()
            words = len(text.split())
            tokens = token_set(text)
            overlap = _overlap(terms, tokens)
            features = (
                main.cosine,
                main.cosine - best_cosine,
                candidate.dense,
                candidate.dense - best_chunk,
                1.0 / rank,
                candidate.fused / best_fused,
                candidate.lexical / best_lexical,
                float(eligible and main.cosine >= closest),
                overlap,
                float(index == 0),
                float(is_item),
                float(comment),
                float(any(p.search(text) for p in terms.names)),
                float(chunk.path in terms.subjects),
                float(terms.asks_what and index == 0),
                float(terms.asks_definition and _defines(text, terms.names)),
                float(_leans_back(text)),
                float(bool(_POINTER.search(text)) or text.rstrip().endswith(":")),
                math.log1p(words),
            )
            units.append(
                Unit(
                    chunk.chunk_id,
                    rank,
                    start,
                    end,
                    text,
                    main.cosine,
                    eligible,
                    speaker,
                    features,
                    main.vector,
                    asked,
                    chunk.source in restating_sources,
                    topic,
                    chunk.path,
                )
            )
            if text.rstrip().endswith("?"):
                asked = main.cosine
            elif eligible:  # a bare "Yes." between question and answer keeps it
                asked = 0.0
        out.append(units)
    return ranking, ordered, out


def _defines(text: str, names: Sequence[re.Pattern[str]]) -> bool:
    """Whether ``text`` opens with a named path as its subject, followed by a verb: the
    shape of a sentence saying what it is or does ("A TPM is responsible for …")."""
    opening = _ARTICLE.match(text)
    at = opening.end() if opening else 0
    for pattern in names:
        found = pattern.match(text, at)
        if found and _DEFINING_VERB.match(text, found.end()):
            return True
    return False


def _spans(
    chunk_text: str, chunk_start: int, group: Sequence[Sentence], asked: frozenset[str]
) -> list[tuple[int, int, Sentence, bool, bool]]:
    """(start, end, main sentence, eligible, list item) for each unit of one passage;
    ``asked`` are the question's terms and numbers (see :func:`_quotable`)."""
    spans: list[tuple[int, int, Sentence, bool, bool]] = []
    lead_in: Sentence | None = None
    for sentence in group:
        text = sentence.text.strip()
        item = bool(_BULLET.match(text))
        gap = chunk_text[spans[-1][1] - chunk_start : sentence.start - chunk_start] if spans else ""
        if spans and _continues(text) and not item and "\n\n" not in gap:
            start, _, main, eligible, was_item = spans.pop()
            main = main if main.cosine >= sentence.cosine else sentence
            spans.append((start, sentence.end, main, eligible, was_item))
            continue
        eligible = _quotable(text, asked)
        start = sentence.start
        if item:
            eligible = eligible and lead_in is not None
            start = lead_in.start if lead_in is not None else start
            if sentence.end - start > 4 * TUNING.max_unit_chars:
                eligible = False
        elif text.endswith(":"):
            lead_in, eligible = sentence, False  # quoted only together with an item
        else:
            lead_in = None
        spans.append((start, sentence.end, sentence, eligible, item))
    return spans


def _continues(text: str) -> bool:
    """A piece the splitter cut off mid-sentence: it starts lower-case or with a comma
    (and, as :func:`_spans` checks, no blank line parts it from the piece before)."""
    first = text[:1]
    return bool(first) and (first.islower() or first in ",;)]”’")


def _quotable(text: str, asked: frozenset[str]) -> bool:
    """Not a heading, question, progression line, navigation line or table header. Too
    short to say anything alone, unless it is the table cell whose row and column labels
    both hold a term the question ``asked`` ("scope of an N4?": "N4 — Scope: Project")."""
    bare = _BULLET.sub("", text)
    if bare.endswith("?") or _PROGRESSION.search(bare) or _NAVIGATION.search(bare):
        return False
    if bare.startswith("|") or bare.count(" | ") >= 2:
        return False
    if _cell_label(bare) and _cell_value(bare).strip():
        row, column = _label_sides(bare)
        if row & asked and column & asked:
            return True
    words = bare.split()
    return len(words) >= TUNING.min_answer_words and (
        bare.rstrip("”\"')]").endswith(_TERMINAL)
        or len(words) >= 2 * TUNING.min_answer_words
        or bool(_LABELLED.match(bare))
    )


def speakers(text: str) -> set[str]:
    """The readers a comments file names ("Dale wrote: …")."""
    return {match.group("name").strip() for match in _SPEAKER.finditer(text)}


def _speaker(chunk_text: str, offset: int, start: int, text: str) -> tuple[str, str, int]:
    """(commenter, text without "Name wrote:", new start) for a unit of a comments file."""
    before = chunk_text[: start - offset + len(text)]
    found = None
    for match in _SPEAKER.finditer(before):
        if match.start("name") <= start - offset + 1 or match.end() <= start - offset + len(text):
            found = match
    if found is None:
        return "a reader", text, start
    prefix_end = found.end() + offset
    if start <= prefix_end < start + len(text):
        text, start = text[prefix_end - start :], prefix_end
    return found.group("name").strip(), text, start


def _overlap(terms: QuestionTerms, tokens: Collection[str]) -> float:
    if not terms.terms:
        return 0.0
    return sum(t in tokens for t in terms.terms) / len(terms.terms)


def score_units(units: list[list[Unit]], models: Models) -> list[list[float]]:
    """The unit model's probability that each unit answers the question."""
    flat = [u for group in units for u in group]
    if not flat:
        return [[] for _ in units]
    columns = [UNIT_FEATURES.index(name) for name in models.unit.features]
    rows = np.array([u.features for u in flat])[:, columns]
    probabilities = models.unit.probabilities(rows).tolist()
    out, at = [], 0
    for group in units:
        out.append(probabilities[at : at + len(group)])
        at += len(group)
    return out


def choose_answer(
    units: list[list[Unit]],
    probabilities: list[list[float]],
    passages: int | None = None,
    most: int | None = None,
    prefer: Sequence[Callable[[Unit], bool]] = (),
    avoid: Sequence[Unit] = (),
) -> list[Unit]:
    """The answer: the most probable unit first, then others that are nearly as good,
    those of its own passage first, so that the answer reads as one excerpt that goes on
    to say more (from a restating file, the source's units are not held back for them).

    Only eligible units of the first ``passages`` passages compete, but for the table cell
    of a further passage that :class:`NamedCells` picks when it picks none of theirs (the
    cell a ladder question names, found fourth). One saying what a chosen unit already says
    (the same text, or a near-identical sentence) is skipped, or takes its place when it
    is the source's wording of a restatement.
    ``prefer`` picks the units the question type asks for (see :func:`preference`): the
    best unit of the first kind found opens the answer. Units saying what one of ``avoid``
    says (another comparison side's sentence) are left out. An opening unit that points
    back ("This is why …") is preceded by the unit it points to; one that points
    elsewhere ("as outlined below:"), describes its own document, or points back to
    nothing quotable never opens it while another unit can (:func:`can_open`), and one
    describing its own document does not follow the opening either.
    """
    passages = TUNING.answer_passages if passages is None else passages
    most = TUNING.max_answer_sentences if most is None else most
    pool = _ranked(units[:passages], probabilities[:passages], avoid)
    if not pool:
        return []
    deeper = _ranked(units[passages:], probabilities[passages:], avoid)
    preferred = next(
        (
            found
            for wanted in prefer
            if (
                found := [pair for pair in pool if wanted(pair[1])]
                or [pair for pair in deeper if isinstance(wanted, NamedCells) and wanted(pair[1])]
            )
        ),
        [],
    )
    if preferred:  # the likeliest of them that can open the answer
        opener = next((pair for pair in preferred if can_open(units, pair[1], most)), preferred[0])
        if opener in pool:
            pool.remove(opener)
        pool.insert(0, opener)
    opening = next((pair for pair in pool if can_open(units, pair[1], most)), pool[0])
    if opening is not pool[0]:  # "as outlined below:" never opens an answer
        pool.remove(opening)
        pool.insert(0, opening)
    first_probability, first = pool[0]
    floor = max(TUNING.answer_floor, TUNING.answer_ratio * first_probability)
    # A sentence worded as the opening one but stating other figures ("26 weeks" beside
    # "16 weeks") is the rest of the answer, however the model scores it.
    rest = [
        unit
        for probability, unit in pool[1:]
        if (probability >= floor or _variant(unit, first)) and not _ABOUT_ITSELF.search(unit.text)
    ]
    if _on_subject(first):  # an answer about the path asked for, not about another path
        rest = [unit for unit in rest if _on_subject(unit) or not unit.path]
    if not first.restates:  # a restatement's neighbours yield to the source's words
        rest.sort(key=lambda unit: unit.chunk_id != first.chunk_id)  # stable sort
    chosen: list[Unit] = []
    for unit in [first, *rest]:
        if len(chosen) == most:
            break
        twin = next((i for i, kept in enumerate(chosen) if _same(unit, kept)), None)
        if twin is None:
            chosen.append(unit)
        elif chosen[twin].restates and not unit.restates:
            chosen[twin] = unit  # the same thing in its source's own words
    for index, unit in enumerate(chosen):  # a restatement gives way to its source's words
        source = next(
            (u for _, u in pool if unit.restates and not u.restates and _same(u, unit)), None
        )
        if source is not None and source not in chosen:
            chosen[index] = source
    before = _antecedents(units, chosen[0], most - 1)
    if before:  # first, even when chosen on their own merit
        chosen = [*before, *(u for u in chosen if not any(_same(b, u) for b in before))][:most]
    return chosen


def _ranked(
    units: Sequence[Sequence[Unit]],
    probabilities: Sequence[Sequence[float]],
    avoid: Sequence[Unit],
) -> list[tuple[float, Unit]]:
    """The eligible units not saying what one of ``avoid`` says, most probable first."""
    return sorted(
        (
            (p, u)
            for group, probs in zip(units, probabilities, strict=True)
            for u, p in zip(group, probs, strict=True)
            if u.eligible and not any(_same(u, other) for other in avoid)
        ),
        key=lambda pair: (-pair[0], pair[1].passage_rank, pair[1].start),
    )


def _antecedents(units: Sequence[Sequence[Unit]], unit: Unit, most: int) -> list[Unit]:
    """The units ``unit`` points back to, in reading order: its predecessor when it opens
    with a word pointing back, and so on while that one does too (at most ``most``)."""
    chain: list[Unit] = []
    while len(chain) < most and (before := _antecedent(units, unit)) is not None:
        chain.insert(0, before)
        unit = before
    return chain


def can_open(units: Sequence[Sequence[Unit]], unit: Unit, most: int = 1) -> bool:
    """Whether ``unit`` can open an answer of at most ``most`` units: it neither sends
    the reader elsewhere ("as outlined below:"), nor describes its own document ("In
    this article, I…"), nor points back ("So …") to no sentence that can be quoted
    before it, or to one describing the document."""
    if _points_elsewhere(unit) or _ABOUT_ITSELF.search(unit.text):
        return False
    if not _leans_back(unit.text):
        return True
    chain = _antecedents(units, unit, most - 1)
    return bool(chain) and not any(_ABOUT_ITSELF.search(u.text) for u in chain)


def _points_elsewhere(unit: Unit) -> bool:
    """The unit sends the reader to other text ("see the table below:")."""
    return unit.features[UNIT_FEATURES.index("pointer")] == 1.0


def _antecedent(units: Sequence[Sequence[Unit]], unit: Unit) -> Unit | None:
    """The quotable unit right before ``unit`` in its passage when ``unit`` opens with a
    word pointing back to it ("This is why …"): quoted first, so the answer can be read."""
    if not _leans_back(unit.text):
        return None
    group, at = _place(units, unit)
    previous = group[at - 1] if at > 0 else None
    return previous if previous is not None and previous.eligible else None


def _place(units: Sequence[Sequence[Unit]], unit: Unit) -> tuple[Sequence[Unit], int]:
    """The passage's units ``unit`` is one of, and its index there."""
    for group in units:
        for at, other in enumerate(group):
            if other is unit:
                return group, at
    raise ValueError("the unit is not one of these passages'")


def _on_subject(unit: Unit) -> bool:
    return unit.features[UNIT_FEATURES.index("on_subject")] == 1.0


def answers_asked(units: Sequence[Sequence[Unit]]) -> Callable[[Unit], bool]:
    """Units that follow the document's own question (an FAQ) when that question is the
    sentence of the answer passages closest to the one asked: its answer comes next."""
    pool = [unit for group in units[: TUNING.answer_passages] for unit in group]
    best = max((unit.cosine for unit in pool), default=1.0)
    return lambda unit: unit.asked >= max(best, TUNING.asked_min_cosine)


@dataclass(frozen=True)
class NamedCells:
    """The table cells a question's words name (:func:`labels_asked`), as a preference
    for :func:`choose_answer`: the one kind that may reach past the answer passages.
    Sentences of the answer passages naming as many of those terms are as good."""

    scores: dict[int, tuple[int, int]]  # (label sides named, terms named) by id(unit)
    best: tuple[int, int]
    sentences: frozenset[int] = frozenset()  # id(unit) of those sentences

    def __call__(self, unit: Unit) -> bool:
        named = self.best[1] > 0 and self.scores.get(id(unit)) == self.best
        return named or id(unit) in self.sentences


def labels_asked(units: Sequence[Sequence[Unit]], terms: QuestionTerms) -> NamedCells:
    """Table cells whose labels name what the question asks ("what does an *E6* do about
    *ambiguity*?" → the E6 × Ambiguity cell): of the answer passages, or of any passage
    found when both its row and column label are named (the Level 3 row found fourth).

    Only the question's terms (and numbers: "level *3*") that tell the cells apart count:
    a term every cell's labels or passage heading hold ("fullstack" over one track's
    ladder) names the table, not a cell. The best cells are those whose row label and
    column label both hold such a term, then those holding the most of them. A cell whose
    value only repeats the question ("R2 — Band: Associate" for "what is R2, the associate
    band?") tells the asker nothing and is never preferred.
    """
    asked_terms = terms.asked
    top = {id(u) for group in units[: TUNING.answer_passages] for u in group}
    pool = [u for group in units for u in group if u.eligible]
    labels = {id(u): _label_sides(u.text) for u in pool}
    cells = [u for u in pool if any(labels[id(u)])]
    said = {t for u in cells for side in labels[id(u)] for t in side}
    repeating = {
        id(u): u for u in cells if not terms.polar and _repeats_question(u.text, asked_terms)
    }
    # "the associate band": the label beside the repeated value names a row, not what is asked
    given = {
        t for u in repeating.values() for t in _given_label(u.text, labels[id(u)], terms.terms)
    }
    telling = {
        t
        for t in (asked_terms & said) - given
        if not all(t in labels[id(u)][0] | labels[id(u)][1] | u.topic for u in cells)
    }
    scores: dict[int, tuple[int, int]] = {}
    for u in cells:
        if id(u) in repeating:
            continue
        matched = [side & telling for side in labels[id(u)]]
        sides = sum(bool(found) for found in matched)
        if id(u) in top or sides == len(matched):
            scores[id(u)] = (sides, len(matched[0] | matched[1]))
    best = max(scores.values(), default=(0, 0))
    # A cell naming one label ("N5 — Scope" for "from N4 to N5?") is no better an answer
    # than a sentence of the answer passages naming as many of those terms.
    sentences = frozenset(
        id(u)
        for u in pool
        if id(u) in top
        and not any(labels[id(u)])
        and 0 < best[1] <= len(_label_terms(u.text) & telling)
        and best[0] < 2
    )
    return NamedCells(scores, best, sentences)


def _label_sides(text: str) -> tuple[set[str], set[str]]:
    """The terms and numbers of a table cell unit's row label and column label."""
    row, _, column = _cell_label(text).partition(LABEL_SEPARATOR)
    return _label_terms(row), _label_terms(column)


def _label_terms(text: str) -> set[str]:
    return set(tokenize([text])[0]) | label_numbers(text)


def _given_label(text: str, sides: tuple[set[str], set[str]], question: Sequence[str]) -> set[str]:
    """The label term the question puts beside the cell's value ("what is R2, the *associate
    band*?" over "R2 — Band: Associate"): the question names that label's row or
    column by its value, so it is given, not asked. The term right after the value is
    taken ("associate band"), else the one right before it ("band: associate")."""
    value = set(tokenize([_cell_value(text)])[0])
    labelled = sides[0] | sides[1]
    at = [i for i, term in enumerate(question) if term in value]
    for step in (1, -1):
        beside = {question[i + step] for i in at if 0 <= i + step < len(question)}
        if beside & labelled:
            return beside & labelled
    return set()


def _repeats_question(text: str, asked_terms: frozenset[str]) -> bool:
    """The cell's value says nothing the question does not already say."""
    value = _label_terms(_cell_value(text))
    return bool(value) and value <= asked_terms


def labels_compared(
    units: Sequence[Sequence[Unit]],
    probabilities: Sequence[Sequence[float]],
    terms: QuestionTerms,
    question: str,
) -> list[Unit]:
    """ "Q3 vs Q4 mentorship" over a ladder table: the cell of each side (a row or column
    label on either side of "vs", "versus" or "or"), each the one whose labels hold most
    of the question's other label terms ("mentorship"), then the most probable. Empty
    unless both sides label cells of the answer passages, never the same cell."""
    sides = _compared_terms(question)
    if sides is None:
        return []
    pool = [
        (p, u, set(tokenize([_cell_label(u.text)])[0]))
        for group, probs in zip(units[: TUNING.answer_passages], probabilities, strict=False)
        for u, p in zip(group, probs, strict=True)
        if u.eligible and _cell_label(u.text)
    ]
    labels = [label for *_, label in pool]
    # Each side by its term nearest the joining word that tells labels apart (some hold
    # it, not all): "senior engineer vs staff" → senior (every label says engineer), staff.
    anchors: list[str] = []
    for said in (sides[0][::-1], sides[1]):
        telling = [t for t in said if 0 < sum(t in label for label in labels) < len(labels)]
        if not telling:
            return []
        anchors.append(telling[0])
    left, right = anchors
    others = {t for t in terms.terms if t not in anchors and any(t in label for label in labels)}
    picks = []
    for side, other in ((left, right), (right, left)):
        cells = [
            (len(label & others), p, u)
            for p, u, label in pool
            if side in label and other not in label
        ]
        best = max(cells, key=lambda cell: cell[:2], default=None)
        if best is None or best[1] < TUNING.answer_floor:  # no cell, or one unlikely to answer
            return []
        picks.append(best[2])
    return picks


def _compared_terms(question: str) -> tuple[list[str], list[str]] | None:
    """The terms telling apart the two things a question sets side by side: "senior
    analyst vs lead analyst" → ([senior], [lead]); "between a senior engineer and a
    staff engineer" → ([senior], [staff])."""
    joined = _JOINED.search(question)
    if joined is None:
        return None
    left, right = (tokenize([text])[0] for text in (joined["a"] or joined["b"], joined["right"]))
    left_only = [t for t in left if t not in right]
    right_only = [t for t in right if t not in left]
    return (left_only, right_only) if left_only and right_only else None


def _cell_label(text: str) -> str:
    """ "Row — Column" of a table cell unit ("Row — Column: value"), else ""."""
    label, colon, _ = text.partition(": ")
    return label if colon and LABEL_SEPARATOR in label else ""


def asks_list(question: str) -> bool:
    """ "What are the …", "which kinds of …", "list the …": the answer is a list's items."""
    return bool(_ASKS_LIST.search(question))


def list_answer(
    candidates: Sequence[Candidate],
    units: Sequence[Sequence[Unit]],
    probabilities: Sequence[Sequence[float]],
) -> list[Unit]:
    """For a question asking for a list: the most probable list among the answer's
    passages — a lead-in ending in ":" and the bulleted items after it — quoted whole,
    lead-in first; [] when the passages hold no list."""
    best: tuple[float, list[Unit]] = (0.0, [])
    for candidate, group, probs in zip(
        candidates[: TUNING.answer_passages], units, probabilities, strict=False
    ):
        chunk = candidate.chunk
        for at, lead in enumerate(group):
            if not lead.text.rstrip().endswith(":"):
                continue
            items = []
            for unit, probability in zip(group[at + 1 :], probs[at + 1 :], strict=True):
                before = chunk.text[: unit.start - chunk.start]
                if not _ITEM_START.search(before):
                    break
                items.append((probability, unit))
            score = max((p for p, _ in items), default=0.0)
            if len(items) >= 2 and score > best[0]:
                best = (score, [lead, *(u for _, u in items)])
    return best[1][: TUNING.max_list_items + 1]


def answer_block(units: Sequence[Sequence[Unit]], opener: Unit) -> list[Unit]:
    """An FAQ's answer: ``opener`` and the quotable units after it in its passage, up to
    the document's next question (other answers are not this one's)."""
    group, at = _place(units, opener)
    block: list[Unit] = []
    for unit in group[at:]:
        if block and (unit.text.rstrip().endswith("?") or not unit.eligible):
            break
        block.append(unit)
    return block[: TUNING.max_answer_sentences]


def preference(terms: QuestionTerms) -> list[Callable[[Unit], bool]]:
    """What the question type asks for, best first: "what is / what does X" is answered
    from X's own passages by a sentence that says what X is or does, else by any of them,
    rather than from a neighbour's comparison with it."""
    if not (terms.asks_what and terms.subjects):
        return []
    if not terms.asks_definition:
        return [_on_subject]
    definition = UNIT_FEATURES.index("definition")
    return [lambda unit: _on_subject(unit) and unit.features[definition] == 1.0, _on_subject]


def naming(subject_names: Sequence[str]) -> Callable[[Unit], bool]:
    """Units that name one of ``subject_names`` and stand on their own (no opening "It"
    pointing back): a comparison side's own sentence."""
    patterns = [_name_pattern(name) for name in subject_names if len(name) > 1]
    return lambda unit: not _leans_back(unit.text) and any(p.search(unit.text) for p in patterns)


def _name_pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"(?<!\w){re.escape(name)}(?:s|'s)?(?!\w)", re.IGNORECASE)


def _same(a: Unit, b: Unit) -> bool:
    """Whether two units say the same thing: one holds the other, or they state the same
    figures and their meanings are near-identical or nearly all the words of the shorter
    are in the longer (a path file restating the article's sentence). Table cells compare
    their values, not labels."""
    ta, tb = _normal(a.text), _normal(b.text)
    if ta in tb or tb in ta:
        return True
    if figures(_cell_value(a.text)) != figures(_cell_value(b.text)):
        return False  # "26 weeks" and "16 weeks of fully paid leave" differ
    if float(a.vector @ b.vector) >= TUNING.answer_duplicate_cosine:
        return True
    return _shares_words(a, b)


def _variant(a: Unit, b: Unit) -> bool:
    """The same sentence but for its figures: nearly all the words of the shorter are in
    the longer, and the two state different figures."""
    differ = figures(_cell_value(a.text)) != figures(_cell_value(b.text))
    return differ and _shares_words(a, b)


def _shares_words(a: Unit, b: Unit) -> bool:
    """Nearly all the words of the shorter unit are in the longer (labels aside)."""
    words_a, words_b = (set(tokenize([_cell_value(u.text)])[0]) for u in (a, b))
    shorter = min(len(words_a), len(words_b))
    return shorter > 0 and len(words_a & words_b) >= TUNING.answer_duplicate_words * shorter


def _cell_value(text: str) -> str:
    label = _cell_label(text)
    return text[len(label) + 2 :] if label else text


def _normal(text: str) -> str:
    return " ".join(_BULLET.sub("", text).split()).casefold()


def answer_sentences(
    chosen: Sequence[Unit], citations: dict[str, int]
) -> tuple[AnswerSentence, ...]:
    """The chosen units as answer sentences, citing passages by rank (``citations``)."""
    return tuple(
        AnswerSentence(" ".join(u.text.split()), citations[u.chunk_id], u.speaker) for u in chosen
    )


def to_passages(
    candidates: Sequence[Candidate],
    units: list[list[Unit]],
    probabilities: list[list[float]],
    comment_sources: frozenset[str],
    answer: Sequence[Unit] = (),
) -> tuple[Passage, ...]:
    """The cards: each passage with its highlights, the ``answer``'s units where it
    quotes this passage, else its most probable quotable units."""
    quoted = {(u.chunk_id, u.start, u.end) for u in answer}
    passages = []
    for rank, (candidate, group, probs) in enumerate(
        zip(candidates, units, probabilities, strict=True), start=1
    ):
        chunk = candidate.chunk
        speakers = dict.fromkeys(u.speaker for u in group if u.speaker)
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
                highlights=_highlights(chunk.start, group, probs, quoted),
                start=chunk.start,
                end=chunk.end,
                attribution=(
                    "reader comment by " + ", ".join(speakers)
                    if chunk.source in comment_sources
                    else ""
                ),
                organisation=chunk.organisation,
            )
        )
    return tuple(passages)


def _highlights(
    offset: int,
    units: list[Unit],
    probabilities: list[float],
    quoted: set[tuple[str, int, int]],
) -> tuple[Highlight, ...]:
    """What a card marks: the units the answer quotes from it; otherwise its best
    quotable units, if any is likely enough to answer to join an answer
    (``Tuning.answer_floor``): never a heading or a question, nor a sentence on another
    topic only because it is the card's closest."""
    pairs = [(p, u) for p, u in zip(probabilities, units, strict=True) if u.eligible]
    answered = [(p, u) for p, u in pairs if (u.chunk_id, u.start, u.end) in quoted]
    likely = [(p, u) for p, u in pairs if p >= TUNING.answer_floor]
    if answered:
        chosen = answered
    elif likely:
        best = max(p for p, _ in likely)
        top = sorted(likely, key=lambda pair: -pair[0])[: TUNING.max_highlights]
        chosen = [(p, u) for p, u in top if p >= best - TUNING.highlight_margin]
    else:
        return ()
    return tuple(
        Highlight(u.start - offset, u.end - offset, u.text, round(p, 4))
        for p, u in sorted(chosen, key=lambda pair: pair[1].start)
    )


def rare_term_weight(chunks: int) -> float:
    """BM25's weight of a term found in one chunk of ``chunks`` (its inverse document
    frequency, at average length): BM25 scores grow with the corpus's size, this ratio
    does not."""
    return math.log(1 + (max(chunks, 1) - 0.5) / 1.5)


def question_features(
    ranking: Ranking,
    sentences: Sequence[Sequence[Sentence]],
    best_unit: float,
    lost_meaning: float,
    terms: QuestionTerms,
    mentions: bool,
    background: tuple[float, float] = (0.0, 0.0),
    chunks: int = 1,
) -> dict[str, float]:
    """The evidence the abstention model weighs, read from the top passages.

    ``background`` is the corpus's mean (best sentence, best passage) cosine over
    :data:`BACKGROUND_QUESTIONS`; pass (0, 0) to compute the background itself.
    ``chunks`` is the corpus's size, to put BM25 scores on one scale.
    """
    top = ranking.candidates[: TUNING.evidence_depth]
    best_sentence = max((s.cosine for group in sentences[: len(top)] for s in group), default=0.0)
    coverage = focus = 0.0
    if top:
        chunk = top[0].chunk
        tokens = token_set(chunk.text)
        coverage = _overlap(terms, tokens)
        topic = token_set(f"{chunk.title} {chunk.section}")
        rest = [t for t in terms.terms if t not in topic]
        focus = sum(t in tokens for t in rest) / len(rest) if rest else 1.0
    return {
        "best_cosine": best_sentence - background[0],
        "best_chunk_cosine": max((c.dense for c in top), default=0.0) - background[1],
        "best_unit": best_unit,
        "lost_meaning": lost_meaning,
        "known_share": terms.known_share,
        "coverage": coverage,
        "focus": focus,
        "missing_focus": float(focus == 0.0 and lost_meaning >= TUNING.missing_meaning),
        "agree": float(ranking.agree),
        "lexical": ranking.best_lexical / rare_term_weight(chunks),
        "mentions": float(mentions),
        "figure_missing": float(missing_figure(terms, ranking) is not None),
        "figure_distance": _figure_distance(terms, sentences[: TUNING.answer_passages]),
    }


def missing_figure(terms: QuestionTerms, ranking: Ranking) -> AskedFigure | None:
    """The figure the question asks for when none of the passages an answer is taken
    from states one of its kind; None when one does, or none is asked."""
    top = ranking.candidates[: TUNING.answer_passages]
    if terms.figure is None or any(terms.figure.search(c.chunk.text) for c in top):
        return None
    return terms.figure


def _figure_distance(terms: QuestionTerms, sentences: Sequence[Sequence[Sentence]]) -> float:
    """How far below the closest of ``sentences`` the closest one giving the asked figure
    sits: a handbook's "$50 a month for internet" is far from "how much is the cycling
    grant?", "an improvement plan lasts four weeks" is the closest to "how long does an
    improvement plan last?".
    0 when no figure is asked or none is given (``figure_missing`` says that)."""
    if terms.figure is None:
        return 0.0
    every = [s for group in sentences for s in group]
    giving = [s.cosine for s in every if terms.figure.search(s.text)]
    return max(giving) - max(s.cosine for s in every) if giving else 0.0
