"""Evaluation over several collections, every fitted part judged leave one collection out.

A collection is a folder of documents beside a file of labelled questions about them:
``ROOT/<name>/`` and ``ROOT/<name>.jsonl``. Each is indexed (incrementally) into
``INDEX_ROOT/<name>/`` and graded three ways:

- ``engine``: as shipped, with the packaged scorer. On a collection the packaged weights
  were fitted on, this is a tuned figure, not evidence;
- ``held out``: the scorer refitted on every *other* collection's questions, scoring this
  one — what the engine's fitted parts do on documents they never saw;
- ``rrf``: the baseline any change must beat — untuned reciprocal-rank fusion of dense
  and BM25 search over the same chunks, each embedded under its section breadcrumb.

Collections count equally in the macro average, whatever their number of questions. A
collection that reuses others' questions (several collections' documents in one corpus,
say) is never fitted on for them nor they for it.
*Tuning* collections (the sets the engine's rules were chosen on) join the pool the
scorer is refitted on and are reported, marked, but never count in the macro rows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .answering import to_passages
from .config import Settings
from .engine import Assistant
from .errors import BadInputError
from .evaluation import EvalReport, Graded, LabelledQuestion, evaluate, read_questions
from .results import Answer
from .retrieval import Candidate, untuned_fusion
from .training import Row, extract_rows, fit_models, write_rows

SYSTEMS = ("engine", "held out", "rrf")
#: The figures of the table, in its column order.
COLUMNS = ("hit@1", "hit@3", "hit@5", "mrr@10", "answer@1", "refused", "false refusals")
#: The figures only a system that answers has.
ANSWER_COLUMNS = frozenset({"answer@1", "refused", "false refusals"})
#: Question kinds the documents do not answer though they sound like them: reported apart
#: from plainly off-topic ones, which are easy to refuse.
NEAR_TOPIC = "near_topic"


@dataclass(frozen=True)
class EvalCollection:
    name: str
    corpus: Path
    questions: Path
    tuning: bool = False


@dataclass(frozen=True)
class Result:
    """One system's figures on one collection (the ``COLUMNS``), and its misses. A figure
    is None where nothing grades it: the baseline never answers nor refuses, and a
    collection without out-of-scope questions has no refusal rate."""

    collection: str
    system: str
    figures: dict[str, float | None]
    misses: tuple[str, ...]
    tuning: bool = False


def discover(root: Path, tuning: bool = False) -> list[EvalCollection]:
    """Every ``ROOT/<name>/`` with a ``ROOT/<name>.jsonl`` beside it, by name."""
    found = [
        EvalCollection(folder.name, folder, folder.with_suffix(".jsonl"), tuning)
        for folder in sorted(root.iterdir() if root.is_dir() else [])
        if folder.is_dir() and folder.with_suffix(".jsonl").is_file()
    ]
    if not found:
        raise BadInputError(
            f"{root} holds no collection",
            "put each collection's documents in ROOT/<name>/ and its questions in "
            "ROOT/<name>.jsonl",
        )
    return found


def run(
    collections: Sequence[EvalCollection],
    settings: Settings,
    index_root: Path,
    *,
    k: int = 10,
    warn: Callable[[str], None] | None = None,
    log: Callable[[str], None] = lambda _: None,
    rows_out: Path | None = None,
) -> list[Result]:
    """Grade every system on every collection (``held out`` needs two collections).

    ``rows_out`` receives each collection's scorer training rows (``<name>.jsonl``:
    numbers and labels only), from which ``scripts/train_scorer.py fit`` fits the
    packaged weights."""
    results: list[Result] = []
    rows: dict[str, list[Row]] = {}
    assistants: dict[str, Assistant] = {}
    questions: dict[str, list[LabelledQuestion]] = {}
    for collection in collections:
        started = time.perf_counter()
        own = replace(
            settings, corpus_dir=collection.corpus, index_dir=index_root / collection.name
        )
        assistant = Assistant(own)
        built = assistant.rebuild(warn=warn)
        questions[collection.name] = read_questions(collection.questions)
        assistants[collection.name] = assistant
        asked = questions[collection.name]
        results.append(_result(collection, "engine", evaluate(asked, engine_grader(assistant, k))))
        rows[collection.name] = extract_rows(assistant, asked, collection.name)
        if rows_out is not None:
            write_rows(rows_out / f"{collection.name}.jsonl", rows[collection.name])
        baseline = _baseline_assistant(assistant, index_root / f"{collection.name}.rrf", warn)
        ranked_only = _result(collection, "rrf", evaluate(asked, _fusion(baseline, k)))
        results.append(_ranking_only(ranked_only))
        log(
            f"{collection.name}: {built.chunks_total} passages, {len(asked)} questions, "
            f"{time.perf_counter() - started:.0f} s"
        )
    if len(collections) > 1:
        for collection in collections:
            others = {
                name: r
                for name, r in rows.items()
                if name != collection.name
                and not _ids(questions[name]) & _ids(questions[collection.name])
            }
            held = assistants[collection.name]
            refitted = Assistant(
                held.settings, held.embedder, models=fit_models(others, held.models)
            )
            report = evaluate(questions[collection.name], engine_grader(refitted, k))
            results.append(_result(collection, "held out", report))
    return results


def _ids(questions: Sequence[LabelledQuestion]) -> set[str]:
    return {question.id for question in questions}


def engine_grader(assistant: Assistant, k: int) -> Callable[[str], Graded]:
    def grade(question: str) -> Graded:
        evidence = assistant.evidence(question, k=k)
        return Graded(assistant.decide(evidence), evidence.ranked())

    return grade


def _baseline_assistant(
    assistant: Assistant, index_dir: Path, warn: Callable[[str], None] | None
) -> Assistant:
    """The same corpus and chunks with every chunk embedded under its breadcrumb (the
    engine's own index when it is built that way)."""
    if assistant.settings.contextual_header == "breadcrumb":
        return assistant
    settings = replace(assistant.settings, contextual_header="breadcrumb", index_dir=index_dir)
    baseline = Assistant(settings, assistant.embedder)
    baseline.rebuild(warn=warn)
    return baseline


def _fusion(assistant: Assistant, k: int) -> Callable[[str], Graded]:
    def grade(question: str) -> Graded:
        store = assistant.store()
        chunks = untuned_fusion(store, assistant.embedder.embed_query(question), question, k)
        found = [Candidate(chunk, 0.0, 0.0, 0.0) for chunk in chunks]
        empty: list[list[Any]] = [[] for _ in found]
        cards = to_passages(found, empty, empty, frozenset())  # no units: no highlights
        return Graded(Answer(question, False, "", (), cards, {}), cards)

    return grade


def _result(collection: EvalCollection, system: str, report: EvalReport) -> Result:
    data = report.to_json()
    near = report.by_kind.get(NEAR_TOPIC)
    figures: dict[str, float | None] = {name: float(data[name]) for name in COLUMNS[:5]}
    refusable = near or report
    figures["refused"] = (
        round(refusable.abstained_out_of_scope / refusable.out_of_scope, 4)
        if refusable.out_of_scope
        else None
    )
    figures["false refusals"] = round(report.false_abstentions / max(report.answerable, 1), 4)
    return Result(collection.name, system, figures, tuple(report.misses), collection.tuning)


def _ranking_only(result: Result) -> Result:
    """The baseline's result with the answer figures blanked: it ranks and never answers."""
    figures = {c: (None if c in ANSWER_COLUMNS else v) for c, v in result.figures.items()}
    return replace(result, figures=figures)


def table(results: Sequence[Result]) -> str:
    """The per-collection table and one macro row per system, as Markdown."""
    header = "| collection | system | " + " | ".join(COLUMNS) + " |"
    lines = [header, "|---|---|" + "---|" * len(COLUMNS)]
    order = {system: i for i, system in enumerate(SYSTEMS)}
    for result in sorted(results, key=lambda r: (r.tuning, r.collection, order[r.system])):
        name = f"{result.collection} (tuning)" if result.tuning else result.collection
        lines.append(_line(name, result.system, result.figures))
    for system in SYSTEMS:
        mine = [r.figures for r in results if r.system == system and not r.tuning]
        if mine:
            lines.append(_line(f"**macro ({len(mine)})**", system, macro(mine)))
    return "\n".join(lines)


def macro(figures: Sequence[dict[str, float | None]]) -> dict[str, float | None]:
    """Each column's mean over the collections that have it (a collection without
    out-of-scope questions has no refusal rate and does not count as refusing none)."""
    means: dict[str, float | None] = {}
    for column in COLUMNS:
        values = [value for f in figures if (value := f[column]) is not None]
        means[column] = sum(values) / len(values) if values else None
    return means


def _line(collection: str, system: str, figures: dict[str, float | None]) -> str:
    cells = (_cell(figures[c]) for c in COLUMNS)
    return f"| {collection} | {system} | " + " | ".join(cells) + " |"


def _cell(figure: float | None) -> str:
    return "–" if figure is None else f"{figure:.3f}"


def to_json(results: Sequence[Result]) -> list[dict[str, Any]]:
    return [
        {
            "collection": r.collection,
            "system": r.system,
            "tuning": r.tuning,
            **r.figures,
            "misses": list(r.misses),
        }
        for r in results
    ]
