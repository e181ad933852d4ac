"""The values that flow out of the engine: small, immutable, JSON-ready."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Highlight:
    """A sentence of a passage that answers the question, as offsets into the passage text."""

    start: int
    end: int
    text: str
    score: float


@dataclass(frozen=True)
class Passage:
    """A quoted, citable piece of the corpus. ``start``/``end`` index the source's text."""

    rank: int
    chunk_id: str
    text: str
    source: str
    title: str
    section: str
    family: str
    path: str
    score: float
    highlights: tuple[Highlight, ...]
    start: int
    end: int
    #: Whose view this is when it is not the corpus's own: "reader comment by Dale".
    attribution: str = ""
    #: Whose document it is (front matter, site name, PDF metadata or top folder).
    organisation: str = ""

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["highlights"] = [h.text for h in self.highlights]
        return data


@dataclass(frozen=True)
class AnswerSentence:
    """One sentence of the extractive answer, copied verbatim from passage ``citation``.

    ``speaker`` names the reader whose comment it quotes ("" for the corpus's own text).
    """

    text: str
    citation: int
    speaker: str = ""

    def render(self) -> str:
        if self.speaker:
            return f"A reader's view ({self.speaker}): “{self.text}” [{self.citation}]"
        return f"{self.text} [{self.citation}]"


@dataclass(frozen=True)
class ComparisonSide:
    path: str
    title: str
    family: str
    passages: tuple[Passage, ...]


@dataclass(frozen=True)
class Comparison:
    """The question names two career paths: the best passages for each, side by side."""

    left: ComparisonSide
    right: ComparisonSide

    def to_json(self) -> dict[str, Any]:
        return {
            side: {
                "path": value.path,
                "title": value.title,
                "family": value.family,
                "passages": [p.to_json() for p in value.passages],
            }
            for side, value in (("left", self.left), ("right", self.right))
        }


@dataclass(frozen=True)
class Answer:
    """The result of :meth:`Assistant.ask`."""

    question: str
    abstained: bool
    reason: str
    sentences: tuple[AnswerSentence, ...]
    passages: tuple[Passage, ...]
    timings_ms: dict[str, float]
    compare: Comparison | None = None

    @property
    def answer(self) -> str:
        """The extractive answer as text, each sentence followed by its citation ``[n]``;
        a reader comment is quoted and labelled as one reader's view."""
        return " ".join(s.render() for s in self.sentences)

    def to_json(self, id: str | None = None) -> dict[str, Any]:
        data: dict[str, Any] = {} if id is None else {"id": id}
        data |= {
            "question": self.question,
            "abstained": self.abstained,
            "reason": self.reason,
            "answer": self.answer,
            "passages": [p.to_json() for p in self.passages],
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }
        if self.compare is not None:
            data["compare"] = self.compare.to_json()
        return data
