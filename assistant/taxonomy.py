"""The map of career paths: four families, the paths in them, and the names people use.

Built from the path files' front matter (title, family, aliases), so adding a path file
extends it. It does three jobs: it tags article chunks with the family and path their
headings name (so the family filter and comparisons cover the article too); it finds the
paths a question mentions ("architect vs staff engineer"), typos included ("staf engineer"), for
comparisons and query expansion; and it decides which path claims to trust when files
disagree (:func:`trusted_paths`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, Protocol, TypeVar

from bm25s.stopwords import STOPWORDS_EN_PLUS
from rapidfuzz.distance import Levenshtein

from .config import TUNING
from .documents import Document

FAMILIES: dict[str, str] = {
    "individual-contributor": "Individual Contributor",
    "management": "Management",
    "business-process": "Business / Process",
    "business-sales": "Business and Sales",
}
#: Folder of the corpus that uploads are saved into: their claims yield to shipped files.
UPLOADS = "uploads/"
#: Words that can never be a path's alias: they would match nearly every question.
STOP_WORDS = frozenset(STOPWORDS_EN_PLUS)

#: Documents outside the four families (a company ladder, a handbook) have family "" in
#: the index; wherever families are listed they are "Other documents", filter value "other".
OTHER_FAMILY = "other"
OTHER_LABEL = "Other documents"


class PathMetadata(Protocol):
    """The front-matter fields a career path is made of (Document and DocumentInfo)."""

    @property
    def source(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def family(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def aliases(self) -> tuple[str, ...]: ...
    @property
    def next_steps(self) -> tuple[str, ...]: ...
    @property
    def related(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class CareerPath:
    slug: str
    title: str
    family: str
    aliases: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()
    related: tuple[str, ...] = ()
    source: str = ""  # the path file, relative to the corpus dir

    @classmethod
    def of(cls, document: PathMetadata) -> CareerPath:
        """The career path a path document (parsed or indexed) describes."""
        return cls(
            document.path,
            document.title,
            document.family,
            document.aliases,
            document.next_steps,
            document.related,
            document.source,
        )

    @property
    def names(self) -> tuple[str, ...]:
        return (self.title, *self.aliases)


def trusted_paths(
    paths: Iterable[CareerPath], warn: Callable[[str], None] | None = None
) -> list[CareerPath]:
    """The path claims to believe when files disagree; each refusal is one warning.

    Shipped files come first, uploads after (each group by file name), and a later file
    never takes over what an earlier one claims: a slug already taken makes the later file
    an ordinary document; an alias already taken, a stop word ("the", "what") or a
    one-letter alias is dropped from it. An unknown family makes the file ordinary too.
    """

    def say(message: str) -> None:
        if warn is not None:
            warn(message)

    ordered = sorted(paths, key=lambda p: (p.source.startswith(UPLOADS), p.source))
    generic = _generic_words(ordered)
    owners: dict[str, CareerPath] = {}
    names: dict[str, str] = {}  # casefolded name → the source that claimed it
    kept: list[CareerPath] = []
    for path in ordered:
        if path.family not in FAMILIES:
            say(f"{path.source}: unknown family {path.family!r}; indexed as an ordinary document")
            continue
        if path.slug in owners:
            say(
                f"{path.source}: career path {path.slug!r} is already defined by "
                f"{owners[path.slug].source}; indexed as an ordinary document"
            )
            continue
        aliases = []
        for alias in path.aliases:
            folded = " ".join(alias.casefold().split())
            if len(folded) < 2 or folded in STOP_WORDS:
                say(f"{path.source}: alias {alias!r} is ignored: too short or a common word")
            elif path.source.startswith(UPLOADS) and folded in generic:
                say(
                    f"{path.source}: alias {alias!r} is ignored: a word many career paths' "
                    "names share, so every question would name this path"
                )
            elif folded in names and names[folded] != path.source:
                say(f"{path.source}: alias {alias!r} is ignored: {names[folded]} already uses it")
            else:
                aliases.append(alias)
                names[folded] = path.source
        names.setdefault(path.title.casefold(), path.source)
        owners[path.slug] = path
        kept.append(replace(path, aliases=tuple(aliases)))
    return kept


def _generic_words(paths: Sequence[CareerPath]) -> frozenset[str]:
    """Words that several paths' titles and aliases share ("engineer", "manager"): an
    uploaded path may not claim one alone as its alias."""
    users: dict[str, set[str]] = {}
    for path in paths:
        for name in (path.title, *path.aliases):
            for word in words_of(name):
                users.setdefault(word.text, set()).add(path.slug)
    return frozenset(w for w, slugs in users.items() if len(slugs) >= TUNING.generic_alias_paths)


def trust_documents(
    documents: Sequence[Document], warn: Callable[[str], None] | None = None
) -> list[Document]:
    """``documents`` with the path claims :func:`trusted_paths` refuses taken back.

    A refused file is indexed as an ordinary document (no family, no path), so an
    upload can never move a shipped path to another family or take over its name.
    """
    trusted = {
        p.source: p for p in trusted_paths((CareerPath.of(d) for d in documents if d.path), warn)
    }
    out = []
    for document in documents:
        if document.path and document.source in trusted:
            document = replace(document, aliases=trusted[document.source].aliases)
        elif document.path:
            document = replace(document, family="", path="", aliases=())
        out.append(document)
    return out


@dataclass(frozen=True)
class Mention:
    path: CareerPath
    start: int
    end: int
    fuzzy: bool = False  # found despite a typo ("staf engineer")


T = TypeVar("T", bound=Hashable)
V = TypeVar("V")

_WORD = re.compile(r"\w+(?:['’]\w+)*")


@dataclass(frozen=True)
class Word:
    text: str  # casefolded
    start: int
    end: int


def words_of(text: str) -> list[Word]:
    return [Word(m.group().casefold(), m.start(), m.end()) for m in _WORD.finditer(text)]


class Names(Generic[T]):
    """Names of things (paths, documents) found in free text, exactly or despite typos.

    Exact matching is longest-name-first, so "product manager" is never "manager", and
    short all-caps acronyms (PM, EM) match case-sensitively. Fuzzy matching forgives one
    edit per word (two in long words) and never touches acronyms or short words.
    """

    def __init__(self, names: Iterable[tuple[str, T]]) -> None:
        pairs = sorted({(" ".join(n.split()), t) for n, t in names if n.strip()}, key=_longest)
        self._exact = [(_name_pattern(name), target) for name, target in pairs]
        self._words = [([w.text for w in words_of(name)], target) for name, target in pairs]
        self._fuzzy = [
            pair
            for pair, (name, _) in zip(self._words, pairs, strict=True)
            if not _is_acronym(name)
        ]
        self._fuzzy_by_first: dict[str, list[int]] = {}
        for f, (name_words, _) in enumerate(self._fuzzy):
            if name_words:
                self._fuzzy_by_first.setdefault(name_words[0], []).append(f)
        targets_by_word: dict[str, set[T]] = {}
        for words, target in self._words:
            for word in words:
                targets_by_word.setdefault(word, set()).add(target)
        self._vocabulary = frozenset(targets_by_word)
        self._positions: dict[str, dict[int, int]] = {}
        self._close_words: dict[str, frozenset[str]] = {}
        total = len({target for _, target in pairs})
        #: Words shared by many names ("engineer", "manager") identify none of them.
        self._generic = {
            word
            for word, targets in targets_by_word.items()
            if word in STOP_WORDS or (len(targets) >= 3 and len(targets) >= 0.2 * total)
        }

    def find(
        self, text: str, known: Callable[[str], bool] | None = None
    ) -> list[tuple[T, int, int, bool]]:
        """(target, start, end, fuzzy) for each name in ``text``, in order, each target once.

        ``known(word)`` tells a real word of the corpus from a typo: a one-word name is
        matched fuzzily only by a word the corpus does not use.
        """
        taken: list[tuple[int, int]] = []
        found: dict[T, tuple[T, int, int, bool]] = {}

        def claim(target: T, start: int, end: int, fuzzy: bool) -> None:
            if any(start < e and s < end for s, e in taken):
                return
            taken.append((start, end))
            if target not in found or start < found[target][1]:
                found[target] = (target, start, end, fuzzy)

        for pattern, target in self._exact:
            for match in pattern.finditer(text):
                claim(target, *match.span(), False)
        words = words_of(text)
        close = {w.text: self._close_to(w.text) for w in words}
        hits = []  # (name, position): found from each word's close name words
        for i, word in enumerate(words):
            for name_word in close[word.text]:
                for f in self._fuzzy_by_first.get(name_word, ()):
                    name_words = self._fuzzy[f][0]
                    window = words[i : i + len(name_words)]
                    if len(window) == len(name_words) and all(
                        nw in close[w.text] for w, nw in zip(window, name_words, strict=True)
                    ):
                        hits.append((f, i))
        for f, i in sorted(hits):  # longest names first, as the exact ones
            name_words, target = self._fuzzy[f]
            window = words[i : i + len(name_words)]
            if len(name_words) == 1 and _another_word(window[0].text, name_words[0], known):
                continue
            claim(target, window[0].start, window[-1].end, True)
        return sorted(found.values(), key=lambda item: item[1])

    def sharing(self, word: str) -> list[T]:
        """Every thing with ``word`` as a word of its name ("IC3" → each IC3 page)."""
        return list(dict.fromkeys(target for words, target in self._words if word in words))

    def resolve(self, phrase: Sequence[str]) -> list[T]:
        """The things a short phrase ("staff", "eng director", "IC3") most likely names.

        Every word of the phrase must match a word of the name (exactly, as an
        abbreviation, or despite a typo) and one of them must be distinctive, unless the
        phrase spells a whole name ("eng manager"); one ordinary word must cover half a
        name ("staff", not "technical" for a three-word name); the names covering the
        largest share of their own words win, ties kept. Acronyms match here in any case ("sre").
        """
        words = [w for w in phrase if w not in STOP_WORDS]
        if not words:
            return []
        best, winners = 0.0, []
        hits = [self._matches(word) for word in words]
        for n in sorted(set(hits[0]).intersection(*hits[1:])):  # names every word matches
            name_words, target = self._words[n]
            covered = {hit[n] for hit in hits}
            share = len(covered) / len(name_words)
            whole = share == 1
            if not whole and all(name_words[j] in self._generic for j in covered):
                continue
            if len(words) == 1 and share < 0.5 and words[0] in self._vocabulary:
                continue  # "technical" alone is a word, not "technical program manager"
            if share > best:
                best, winners = share, [target]
            elif share == best and target not in winners:
                winners.append(target)
        return winners

    def _close_to(self, word: str) -> frozenset[str]:
        """The words of the names that ``word`` equals or is a typo of, memoised: the same
        sentences are read for names again and again (the fit tab reads every path's)."""
        return _remember(
            self._close_words,
            word,
            lambda: frozenset(nw for nw in self._vocabulary if _close(word, nw)),
        )

    def _matches(self, word: str) -> dict[int, int]:
        """The names ``word`` matches, each with the first of its words matched, memoised:
        a question tries many overlapping phrases, and each typo check costs an edit
        distance against every name. (Only matches are kept: a few per word.)"""
        short = len(word) <= 4 or word not in self._vocabulary  # "eng", not "engineer"

        def matches() -> dict[int, int]:
            found = {}
            for n, (name_words, _) in enumerate(self._words):
                j = next((j for j, nw in enumerate(name_words) if _close(word, nw, short)), None)
                if j is not None:
                    found[n] = j
            return found

        return _remember(self._positions, word, matches)


def _remember(memory: dict[str, V], key: str, compute: Callable[[], V]) -> V:
    """``memory[key]``, computed on first use; the memory is emptied when it holds
    ``Tuning.name_match_memory`` keys (a bound, whatever the questions)."""
    found = memory.get(key)
    if found is None:
        found = compute()
        if len(memory) >= TUNING.name_match_memory:
            memory.clear()
        memory[key] = found
    return found


def _another_word(word: str, name_word: str, known: Callable[[str], bool] | None) -> bool:
    """Whether a word near a one-word name is a word of its own, not a typo of the name:
    another form of it ("manage" for "manager") or a word the corpus uses."""
    if word.startswith(name_word) or name_word.startswith(word):
        return word != name_word
    return known is not None and known(word)


def _longest(pair: tuple[str, object]) -> int:
    return -len(pair[0])


def _is_acronym(name: str) -> bool:
    return name.isupper() and len(name) <= 4


def _close(word: str, name_word: str, prefix: bool = False) -> bool:
    """Equal, a plural, an abbreviation (``prefix``: "eng" for "engineering"), or a typo."""
    if word == name_word or word in (name_word + "s", name_word + "'s", name_word + "’s"):
        return True
    if prefix and len(word) >= 3 and name_word.startswith(word):
        return True
    if len(name_word) < TUNING.fuzzy_min_letters or word[:1] != name_word[:1]:
        return False
    allowed = 2 if len(name_word) >= TUNING.fuzzy_two_edits else 1
    if abs(len(word) - len(name_word)) > allowed:  # no edits make up the length: skip
        return False
    return Levenshtein.distance(word, name_word, score_cutoff=allowed) <= allowed


class Taxonomy:
    """Career paths by name, with the families their headings and names imply."""

    def __init__(self, paths: Iterable[CareerPath]) -> None:
        self.paths = {path.slug: path for path in paths}
        pairs = [(name, slug) for slug, path in self.paths.items() for name in path.names]
        self.names: Names[str] = Names(pairs)
        by_length = sorted(pairs, key=_longest)
        self._by_name = {name.casefold(): self.paths[slug] for name, slug in reversed(by_length)}

    def mentions(self, text: str, known: Callable[[str], bool] | None = None) -> list[Mention]:
        """Paths named in ``text``, in order of appearance, each path once."""
        return [
            Mention(self.paths[slug], start, end, fuzzy)
            for slug, start, end, fuzzy in self.names.find(text, known)
        ]

    def tag_section(self, headings: tuple[str, ...]) -> tuple[str, str]:
        """(family, path slug) named by a heading path, e.g. ("Management", "CTO")."""
        family, slug = "", ""
        for heading in headings:
            family = family_of(heading) or family
            for part in re.split(r"\s*/\s*", heading):
                path = self._by_name.get(part.strip().casefold())
                if path is not None:
                    slug, family = path.slug, path.family
                    break
        return family, slug


def family_of(heading: str) -> str:
    folded = heading.strip().casefold()
    return next((slug for slug, label in FAMILIES.items() if label.casefold() == folded), "")


def _name_pattern(name: str) -> re.Pattern[str]:
    """Word-bounded, plural-tolerant; short all-caps acronyms (PM, EM) match case-sensitively."""
    body = r"\s+".join(re.escape(word) for word in name.split())
    flags = 0 if _is_acronym(name) else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){body}(?:s|'s)?(?![\w-])", flags)
