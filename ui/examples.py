"""The example questions the page offers, chosen from what the index holds under the
active family filter.

An example must be answerable with the filter the click will ask it with, on whatever
corpus is indexed, the reader's own included. So with a filter every example is made from
the index: "What does a <path> do?" and "<path> or <path>?" for the selected family's
paths, "What is “<title>” about?" for Other documents. Without one, the page's usual
examples stay as long as the index still holds every path they ask about, and examples
made from the index fill the places of those it does not.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, zip_longest

from assistant import Assistant, AssistantError
from assistant.taxonomy import OTHER_FAMILY, CareerPath
from ui.career_map import other_documents, path_question

#: How many examples the welcome shows (an abstention shows one fewer).
MAX_EXAMPLES = 4


@dataclass(frozen=True)
class Example:
    """A question for the unfiltered page, with the path names it asks about."""

    question: str
    about: tuple[str, ...]


#: Shown without a filter while the index names every path in ``about``.
USUAL = (
    Example("What does a technical program manager do?", ("technical program manager",)),
    Example(
        "How is a staff engineer different from an architect?", ("staff engineer", "architect")
    ),
    Example("PM vs TPM: what is the difference?", ("PM", "TPM")),
    Example("What skills does an engineering manager need?", ("engineering manager",)),
)


def for_filter(assistant: Assistant, paths: Sequence[CareerPath], family: str | None) -> list[str]:
    """The examples to offer with ``family`` selected (None: all families).

    ``paths`` are the indexed career paths in map order.
    """
    if family == OTHER_FAMILY:
        return choose([], [title for _, title in other_documents(assistant)], [])
    if family is not None:
        return choose([p for p in paths if p.family == family], [], [])
    return choose(paths, [title for _, title in other_documents(assistant)], usual(assistant))


def usual(assistant: Assistant) -> list[str]:
    """The usual examples whose every path the index still holds."""
    try:
        taxonomy = assistant.store().taxonomy
    except AssistantError:
        return []
    return [e.question for e in USUAL if all(taxonomy.mentions(name) for name in e.about)]


def choose(paths: Sequence[CareerPath], documents: Sequence[str], kept: Sequence[str]) -> list[str]:
    """``kept`` first, then questions made from ``paths`` (one family after another, so
    several families show) and ``documents``; no question twice, at most MAX_EXAMPLES."""
    spread = list(_round_robin(paths))
    made = [path_question(p.title) for p in spread[:1]]
    made += [f"{a.title} or {b.title}?" for a, b in _one_pair(paths)]
    made += [path_question(p.title) for p in spread[1:]]
    made += [document_question(title) for title in documents]
    chosen: dict[str, str] = {}
    for question in chain(kept, made):
        chosen.setdefault(question.casefold(), question)
    return list(chosen.values())[:MAX_EXAMPLES]


def document_question(title: str) -> str:
    """The question an example about a document outside the families asks."""
    return f"What is “{title}” about?"


def _round_robin(paths: Sequence[CareerPath]) -> Iterator[CareerPath]:
    """The first path of each family, then the second of each, …"""
    families: dict[str, list[CareerPath]] = {}
    for path in paths:
        families.setdefault(path.family, []).append(path)
    for row in zip_longest(*families.values()):
        yield from (p for p in row if p is not None)


def _one_pair(paths: Sequence[CareerPath]) -> list[tuple[CareerPath, CareerPath]]:
    """Two paths of the first family that has two, to compare (a comparison across
    families would leave one side outside a filter)."""
    first: dict[str, CareerPath] = {}
    for path in paths:
        if path.family in first:
            return [(first[path.family], path)]
        first[path.family] = path
    return []
