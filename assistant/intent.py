"""What a question asks beyond its words' meaning: exclusions and comparisons.

An embedding reads "I don't want to manage people" as a question *about* management,
and "EM or staff?" as one vague question; both need to be read before searching.
Everything here works from the names the corpus defines (path names, aliases, document
titles), never from a list of known questions.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .config import TUNING
from .lexical import tokenize
from .taxonomy import FAMILIES, STOP_WORDS, Mention, Names, Taxonomy, Word, words_of

#: Phrases that put what follows out of the question ("besides management").
NEGATION = re.compile(
    r"\b(?:(?:do|does|did|would|could)\s*n[o’']?t\s+(?:really\s+)?(?:want|like|wish|enjoy|care)"
    r"|(?:don|doesn|didn)[’']?t\s+(?:really\s+)?(?:want|like|wish|enjoy|care)"
    r"|not\s+(?:interested|into|keen|looking|wanting|going)|no\s+(?:interest|desire|wish)"
    r"|never\s+want|hate|avoid(?:ing)?|besides|other\s+than|except(?:\s+for)?|apart\s+from"
    r"|instead\s+of|rather\s+than|anything\s+but|away\s+from|tired\s+of|without|no|not\s+an?)\b",
    re.IGNORECASE,
)
#: Verbs that lead up to what a negation is about ("don't want to *become* a manager").
LEAD_WORDS = frozenset(
    {
        *("become", "becoming", "go", "going", "get", "getting", "move", "moving"),
        *("switch", "switching", "work", "working", "end", "ending", "stay", "staying"),
        *("take", "taking", "try", "trying", "step", "stepping", "jump", "jumping"),
        *("transition", "transitioning", "turn", "turning", "really"),
    }
)
#: Where a negation's scope ends: punctuation or a new clause.
CLAUSE_END = re.compile(r"[,.;:?!()\[\]–—]|\b(?:but|so|what|which|how|and then)\b", re.IGNORECASE)
CLAUSE_BREAK = re.compile(r"[,.;:?!()\[\]–—]")
#: Words joining the two sides of a comparison; "and" only after "between"/"difference".
CONNECTORS = frozenset({"vs", "versus", "or", "v"})
BETWEEN = frozenset({"between", "difference", "differences", "compare", "comparing"})
SIDE_WORDS = 4  # the longest side phrase tried ("principal data platform engineer")
SIDE_SKIP = 2  # words allowed between a side and its connector ("or move to sales")


@dataclass(frozen=True)
class Subject:
    """One side of a comparison: career paths, or documents whose titles name it."""

    label: str
    paths: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    names: tuple[str, ...] = ()  # what the side is called, to find its own sentences


@dataclass(frozen=True)
class Intent:
    mentions: tuple[Mention, ...]
    #: Families and paths the question puts aside ("besides management").
    excluded_families: frozenset[str]
    excluded_paths: frozenset[str]
    #: Where the question says what it does not want ("don't want to manage people").
    negated: tuple[tuple[int, int], ...]
    comparison: tuple[Subject, Subject] | None

    def search_text(self, question: str) -> str:
        """The question as searched: what it rules out is cut, and the families left are
        named, so "besides management" looks for the other routes, not for managers."""
        if not self.negated:
            return question
        kept, at = [], 0
        for start, end in self.negated:
            kept.append(question[at:start])
            at = end
        kept.append(question[at:])
        others = [label for slug, label in FAMILIES.items() if slug not in self.excluded_families]
        rest = " ".join("".join(kept).split())
        if self.excluded_families:
            rest += " other career paths: " + ", ".join(others)
        return rest


def family_keywords() -> dict[str, frozenset[str]]:
    """Stems that name a family on their own: "manage" → management, "sales" → sales."""
    stems = {slug: set(tokenize([label])[0]) for slug, label in FAMILIES.items()}
    shared = {
        s for slug, own in stems.items() for s in own for o in stems if o != slug and s in stems[o]
    }
    return {slug: frozenset(own - shared) for slug, own in stems.items()}


_FAMILY_KEYWORDS = family_keywords()


def analyse(
    question: str,
    taxonomy: Taxonomy,
    titles: Names[str] | None = None,
    known: Callable[[str], bool] | None = None,
) -> Intent:
    """Mentions, exclusions and a comparison, read from the question's own words.

    ``titles`` maps document titles to sources, so two documents can be compared too;
    ``known`` tells corpus words from typos (see :meth:`Names.find`).
    """
    mentions = tuple(taxonomy.mentions(question, known))
    families, paths, spans = _exclusions(question, mentions)
    kept = tuple(m for m in mentions if m.path.slug not in paths)
    return Intent(kept, families, paths, spans, _comparison(question, taxonomy, titles))


def _exclusions(
    question: str, mentions: tuple[Mention, ...]
) -> tuple[frozenset[str], frozenset[str], tuple[tuple[int, int], ...]]:
    families: set[str] = set()
    paths: set[str] = set()
    spans: list[tuple[int, int]] = []
    for cue in NEGATION.finditer(question):
        end = CLAUSE_END.search(question, cue.end())
        scope_end = end.start() if end else len(question)
        reach = TUNING.negation_scope if cue.group().casefold() != "no" else 3
        words = _negated_object(words_of(question[cue.end() : scope_end])[:reach])
        if not words:
            continue
        scope = (cue.end() + words[0].start, cue.end() + words[-1].end)
        named = [m for m in mentions if scope[0] <= m.start < scope[1]]
        for mention in named:
            paths.add(mention.path.slug)
            names = tokenize([" ".join(mention.path.names)])[0]
            if _FAMILY_KEYWORDS.get(mention.path.family, frozenset()) & set(names):
                families.add(mention.path.family)
        free = [
            w.text for w in words if not any(m.start <= cue.end() + w.start < m.end for m in named)
        ]
        stems = set(tokenize([" ".join(free)])[0])
        hit = {slug for slug, keys in _FAMILY_KEYWORDS.items() if keys & stems}
        families.update(hit)
        if named or hit:
            spans.append((cue.start(), scope[1]))
    return frozenset(families), frozenset(paths), tuple(spans)


def _negated_object(words: list[Word]) -> list[Word]:
    """What a negation cue is about: the first run of content words after it, past the
    small words and verbs that lead up to it ("don't want to *become a* | manager"). So
    "avoid burnout as a manager" is about burnout, not about managing."""
    at = 0
    while at < len(words) and (words[at].text in STOP_WORDS or words[at].text in LEAD_WORDS):
        at += 1
    end = at
    while end < len(words) and words[end].text not in STOP_WORDS:
        end += 1
    return words[at:end]


def _comparison(
    question: str, taxonomy: Taxonomy, titles: Names[str] | None
) -> tuple[Subject, Subject] | None:
    """Two different things joined by "vs", "or", "versus", or "between … and"."""
    words = words_of(question)
    clause = _clause_ids(question, words)
    texts = [w.text for w in words]
    for c, word in enumerate(texts):
        joins = word in CONNECTORS or (
            word == "and" and any(t in BETWEEN for t in texts[max(0, c - 8) : c])
        )
        if not joins or c == 0 or c == len(words) - 1:
            continue
        same = clause[c - 1]
        left_options = [
            texts[start:end]
            for end in range(c, max(0, c - SIDE_SKIP - 1), -1)
            for start in range(max(0, end - SIDE_WORDS), end)
            if clause[start] == same and clause[end - 1] == same
        ]
        same = clause[c + 1]
        right_options = [
            texts[begin:stop]
            for begin in range(c + 1, min(len(words), c + 2 + SIDE_SKIP))
            for stop in range(min(len(words), begin + SIDE_WORDS), begin, -1)
            if clause[begin] == same and clause[stop - 1] == same
        ]
        left = _first_subject(left_options, taxonomy, titles)
        right = _first_subject(right_options, taxonomy, titles)
        if left and right and (left.paths, left.sources) != (right.paths, right.sources):
            if left.paths & right.paths or left.sources & right.sources:
                continue
            return left, right
    return None


def _clause_ids(question: str, words: list[Word]) -> list[int]:
    """For each word, the number of clause breaks before it (so sides stay in one clause)."""
    ids, clause, previous_end = [], 0, 0
    for word in words:
        if CLAUSE_BREAK.search(question[previous_end : word.start]):
            clause += 1
        ids.append(clause)
        previous_end = word.end
    return ids


def _first_subject(
    options: list[list[str]], taxonomy: Taxonomy, titles: Names[str] | None
) -> Subject | None:
    """The longest phrase among ``options`` that names a path or, failing that, documents."""
    for phrase in sorted(options, key=len, reverse=True):  # stable: nearest first
        slugs = taxonomy.names.resolve(phrase)
        if slugs:
            label = " / ".join(taxonomy.paths[s].title for s in slugs)
            names = tuple(n for s in slugs for n in taxonomy.paths[s].names)
            return Subject(label, paths=frozenset(slugs), names=names)
        sources = _documents_named(phrase, titles) if titles is not None else []
        if sources and len(sources) <= TUNING.max_subject_documents:
            label = " ".join(_trim(phrase))
            return Subject(label, sources=frozenset(sources), names=(label,))
    return None


def _documents_named(phrase: list[str], titles: Names[str]) -> list[str]:
    """The documents a phrase names; one distinctive word names all that share it
    ("IC3" → every IC3 page, not the one whose title is shortest)."""
    words = [w for w in phrase if w not in STOP_WORDS]
    if len(words) == 1 and not words[0].isalpha():
        return titles.sharing(words[0]) or titles.resolve(phrase)
    return titles.resolve(phrase)


def _trim(phrase: list[str]) -> list[str]:
    """The phrase without the stop words at its ends ("lead data analyst at")."""
    words = list(phrase)
    while words and words[-1] in STOP_WORDS:
        words.pop()
    while words and words[0] in STOP_WORDS:
        words.pop(0)
    return words or list(phrase)
