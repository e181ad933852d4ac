"""Retrieval quality on a labelled question file (the format of ``dev.jsonl``).

A passage *hits* a question when it contains one of the gold ``phrases`` (the strict
rule: whitespace-collapsed, case-insensitive). Over answerable questions we report
hit@1/3/5 and MRR@10 by that rule, the lenient hit@3 (which also accepts, for questions
that are not ``specific``, a passage whose title, path or section names a gold section),
and answer@1: how often the answer text itself (what a person reads first) contains a
gold phrase. Ranking is graded on the passages found even when the assistant refuses
(:class:`Graded`), so a refusal costs answer@1 and the refusal figures, not hit@k. Over
out-of-scope ones, how often the assistant rightly abstained, and the precision and
recall of abstaining. Every figure is also given per question kind.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .chunking import SECTION_SEPARATOR
from .errors import BadInputError
from .results import Answer, Passage

CUTOFFS = (1, 3, 5)
MRR_DEPTH = 10


@dataclass(frozen=True)
class LabelledQuestion:
    id: str
    question: str
    kind: str
    sections: tuple[str, ...]
    phrases: tuple[str, ...]
    answerable: bool


@dataclass
class EvalReport:
    answerable: int = 0
    out_of_scope: int = 0
    hits: dict[int, int] = field(default_factory=lambda: dict.fromkeys(CUTOFFS, 0))
    lenient_hits: int = 0  # at rank 3 or better, by the lenient rule
    reciprocal_ranks: float = 0.0
    answers: int = 0  # answerable questions whose answer text contains a gold phrase
    abstained_out_of_scope: int = 0
    false_abstentions: int = 0
    misses: list[str] = field(default_factory=list)
    by_kind: dict[str, EvalReport] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = self._figures()
        data["per_kind"] = {kind: r._figures() for kind, r in sorted(self.by_kind.items())}
        data["misses"] = self.misses
        return data

    def _figures(self) -> dict[str, Any]:
        n = max(self.answerable, 1)
        abstained = self.abstained_out_of_scope + self.false_abstentions
        return {
            **{f"hit@{c}": round(self.hits[c] / n, 4) for c in CUTOFFS},
            f"mrr@{MRR_DEPTH}": round(self.reciprocal_ranks / n, 4),
            "lenient_hit@3": round(self.lenient_hits / n, 4),
            "answer@1": round(self.answers / n, 4),
            "answerable": self.answerable,
            "out_of_scope": self.out_of_scope,
            "abstention_rate_out_of_scope": round(
                self.abstained_out_of_scope / max(self.out_of_scope, 1), 4
            ),
            "false_abstentions": self.false_abstentions,
            "abstention_precision": round(self.abstained_out_of_scope / max(abstained, 1), 4),
            "abstention_recall": round(self.abstained_out_of_scope / max(self.out_of_scope, 1), 4),
        }


def read_question_lines(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of a .jsonl file of questions.

    Shared by ``eval`` and ``ask --batch``: every line must be a JSON object with a
    string "question", or the file is refused naming the line.
    """
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()  # a BOM is not JSON
    except (OSError, UnicodeDecodeError) as error:
        raise BadInputError(f"cannot read {path}: {error}", "pass a UTF-8 .jsonl file") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or not isinstance(row.get("question"), str):
                raise ValueError
        except ValueError:
            raise BadInputError(
                f"{path}:{number} has no question", 'each line must be JSON with a "question"'
            ) from None
        yield number, row


def read_questions(path: Path) -> list[LabelledQuestion]:
    """Labelled questions, each field checked: a string where a list belongs would match
    everything one character at a time, and "false" in quotes is true."""
    questions = []
    for number, row in read_question_lines(path):
        lists = {name: row.get(name, []) for name in ("sections", "phrases")}
        answerable = row.get("answerable", True)
        if not all(
            isinstance(value, list) and all(isinstance(item, str) for item in value)
            for value in lists.values()
        ) or not isinstance(answerable, bool):
            raise BadInputError(
                f"{path}:{number} is not a labelled question",
                '"sections" and "phrases" must be lists of strings, "answerable" true or false',
            )
        questions.append(
            LabelledQuestion(
                id=str(row.get("id", number)),
                question=row["question"],
                kind=str(row.get("kind", "")),
                sections=tuple(lists["sections"]),
                phrases=tuple(lists["phrases"]),
                answerable=answerable,
            )
        )
    return questions


@dataclass(frozen=True)
class Graded:
    """An answer and the ranking it was drawn from (kept when the answer abstains)."""

    answer: Answer
    ranked: tuple[Passage, ...]


def is_strict_hit(passage: Passage, question: LabelledQuestion) -> bool:
    """The passage contains a gold phrase."""
    text = _normal(passage.text)
    return any(_normal(p) in text for p in question.phrases)


def is_hit(passage: Passage, question: LabelledQuestion) -> bool:
    """The lenient rule: a gold phrase, or (but for ``specific`` questions) a gold section
    named by the passage's title, path or section."""
    if is_strict_hit(passage, question):
        return True
    if question.kind == "specific":
        return False
    names = {passage.title.casefold(), passage.path.casefold()}
    names |= {part.casefold() for part in passage.section.split(SECTION_SEPARATOR)}
    return any(section.casefold() in names for section in question.sections)


def answers_question(answer: Answer, question: LabelledQuestion) -> bool:
    """Whether the answer text itself contains a gold phrase (whitespace and case aside)."""
    text = _normal(answer.answer)
    return any(_normal(phrase) in text for phrase in question.phrases)


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def evaluate(
    questions: Iterable[LabelledQuestion], ask: Callable[[str], Answer | Graded]
) -> EvalReport:
    """Grade ``ask`` (an answer, or an answer with its ranking) on every question."""
    report = EvalReport()
    for question in questions:
        result = ask(question.question)
        graded = result if isinstance(result, Graded) else Graded(result, result.passages)
        kind = report.by_kind.setdefault(question.kind or "unlabelled", EvalReport())
        for target in (report, kind):
            _score(target, question, graded)
    return report


def _score(report: EvalReport, question: LabelledQuestion, graded: Graded) -> None:
    answer = graded.answer
    if not question.answerable:
        report.out_of_scope += 1
        report.abstained_out_of_scope += answer.abstained
        if not answer.abstained:
            report.misses.append(f"{question.id}: answered an out-of-scope question")
        return
    report.answerable += 1
    report.false_abstentions += answer.abstained
    report.answers += answers_question(answer, question)
    top = graded.ranked[:MRR_DEPTH]
    ranks = [rank for rank, p in enumerate(top, start=1) if is_strict_hit(p, question)]
    first = min(ranks, default=0)
    report.lenient_hits += any(is_hit(p, question) for p in top[:3])
    for cutoff in CUTOFFS:
        report.hits[cutoff] += bool(first) and first <= cutoff
    report.reciprocal_ranks += 1 / first if first else 0.0
    if not first or first > 3:
        where = f"first hit at {first or '-'}"
        report.misses.append(f"{question.id}: {where}: {question.question}")
    if answer.abstained:
        report.misses.append(f"{question.id}: refused an answerable question")
