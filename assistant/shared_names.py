"""Names that every document an answer may come from shares (a company's name in its own
handbook): they say nothing about which sentence answers.

Asked "what does a principal TPM at Dropbox own?" over Dropbox's ladder, the sentences
closest in meaning are those that mention Dropbox ("I own the core reliability of
Dropbox"), not those about what a principal TPM owns. Sentences are therefore scored
against the question without such names. A name is a word a document writes with a
capital mid-sentence (never in all capitals: acronyms such as TPM or SRE name roles, which
do tell sentences apart) or a digits-then-letters word ("37signals").
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from .config import TUNING
from .lexical import tokenize
from .taxonomy import STOP_WORDS

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9’']*")
_DIGITS_THEN_LETTERS = re.compile(r"\d+[a-z]{3,}")
#: A word right after an all-lower-case word on the same line is not capitalised for
#: opening a sentence, a heading or a list item, nor as one word of a title-case phrase…
_MID_SENTENCE = re.compile(r"(?<![\w’'])[a-z]+,?[ \t]+$")
#: …nor when a capitalised word follows it: "a Staff Engineer" is a title, not a name.
_TITLE_GOES_ON = re.compile(r"[ \t]+[A-Z]")


def written_names(text: str) -> frozenset[str]:
    """The (case-folded) words ``text`` writes as names."""
    seen: Counter[str] = Counter()
    capitalised: Counter[str] = Counter()
    names = set()
    for match in _WORD.finditer(text):
        word = _bare(match.group())
        if _DIGITS_THEN_LETTERS.fullmatch(word):
            names.add(word)
            continue
        folded = word.casefold()
        if folded in STOP_WORDS or not word.isalpha():
            continue
        if not _MID_SENTENCE.search(text[max(0, match.start() - 24) : match.start()]):
            continue
        if _TITLE_GOES_ON.match(text, match.end()):
            continue
        seen[folded] += 1
        capitalised[folded] += word[0].isupper() and not word.isupper()
    names |= {w for w, n in seen.items() if capitalised[w] >= TUNING.name_capitalised_share * n}
    return frozenset(names)


def shared_names(question: str, documents: Sequence[frozenset[str]]) -> list[str]:
    """The question's words that are names in nearly all ``documents`` (the names of
    each candidate passage's document), when there are enough documents to tell and the
    question has something left to ask without them ("what does 37signals do?" is about
    the name itself)."""
    if len(documents) < TUNING.shared_name_documents:
        return []
    words = dict.fromkeys(_bare(m.group()).casefold() for m in _WORD.finditer(question))
    shared = [
        word
        for word in words
        if sum(word in names for names in documents) >= TUNING.shared_name_share * len(documents)
    ]
    rest = tokenize([without_names(question, shared)])[0] if shared else []
    return shared if len(rest) >= TUNING.min_focus_words else []


def without_names(text: str, names: Sequence[str]) -> str:
    """``text`` with each of ``names`` (and its possessive) taken out."""
    if not names:
        return text
    pattern = re.compile(
        r"(?<![\w])(?:" + "|".join(map(re.escape, names)) + r")(?:['’]s)?(?![\w])", re.IGNORECASE
    )
    return " ".join(pattern.sub(" ", text).split())


def _bare(word: str) -> str:
    """The word without a possessive or closing apostrophe ("Dropbox’s" → "Dropbox")."""
    for ending in ("’s", "'s", "’", "'"):
        if word.endswith(ending):
            return word[: -len(ending)]
    return word
