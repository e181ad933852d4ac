"""The map of career paths: four families, the paths in them, and the names people use.

Built from the path files' front matter (title, family, aliases), so adding a path file
extends it. It does two jobs: it tags article chunks with the family and path their
headings name (so the family filter and comparisons cover the article too), and it
finds the paths a question mentions ("PM vs TPM") for comparisons and query expansion.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

FAMILIES: dict[str, str] = {
    "individual-contributor": "Individual Contributor",
    "management": "Management",
    "business-process": "Business / Process",
    "business-sales": "Business and Sales",
}

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


@dataclass(frozen=True)
class Mention:
    path: CareerPath
    start: int
    end: int


class Taxonomy:
    """Paths by name. Matching is longest-name-first, so "product manager" is never "manager"."""

    def __init__(self, paths: Iterable[CareerPath]) -> None:
        self.paths = {path.slug: path for path in paths}
        names = [(name, path) for path in self.paths.values() for name in path.names if name]
        names.sort(key=lambda item: -len(item[0]))
        self._patterns = [(_name_pattern(name), path) for name, path in names]
        self._by_name = {name.casefold(): path for name, path in reversed(names)}

    def mentions(self, text: str) -> list[Mention]:
        """Paths named in ``text``, in order of appearance, each path once."""
        taken: list[tuple[int, int]] = []
        found: dict[str, Mention] = {}
        for pattern, path in self._patterns:
            for match in pattern.finditer(text):
                span = match.span()
                if any(span[0] < end and start < span[1] for start, end in taken):
                    continue
                taken.append(span)
                if path.slug not in found or span[0] < found[path.slug].start:
                    found[path.slug] = Mention(path, *span)
        return sorted(found.values(), key=lambda mention: mention.start)

    def tag_section(self, headings: tuple[str, ...]) -> tuple[str, str]:
        """(family, path slug) named by a heading path, e.g. ("Management", "CTO")."""
        family, slug = "", ""
        for heading in headings:
            family = _family_of(heading) or family
            for part in re.split(r"\s*/\s*", heading):
                path = self._by_name.get(part.strip().casefold())
                if path is not None:
                    slug, family = path.slug, path.family
                    break
        return family, slug


def _family_of(heading: str) -> str:
    folded = heading.strip().casefold()
    return next((slug for slug, label in FAMILIES.items() if label.casefold() == folded), "")


def _name_pattern(name: str) -> re.Pattern[str]:
    """Word-bounded, plural-tolerant; short all-caps acronyms (PM, EM) match case-sensitively."""
    body = r"\s+".join(re.escape(word) for word in name.split())
    flags = 0 if (name.isupper() and len(name) <= 4) else re.IGNORECASE
    return re.compile(rf"(?<![\w-]){body}(?:s|'s)?(?![\w-])", flags)
