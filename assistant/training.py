"""Fitting the scorer's two models from labelled questions, kept in the library so that
``eval --collections`` can refit them without the collection it scores.

``extract_rows`` runs the engine over labelled questions and keeps one row per question:
numbers and labels only, never corpus text. A unit is labelled as answering when it
contains one of the question's gold phrases or says the same (cosine ≥ ``SAME_MEANING``
to one); a pooled passage when it contains a gold phrase. ``fit_models`` fits the unit
model, then the question (abstention) model, whose ``best_unit`` feature is recomputed
with the fitted unit model, then the passage model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .answering import QUESTION_FEATURES, UNIT_FEATURES
from .config import TUNING
from .evaluation import LabelledQuestion
from .retrieval import PASSAGE_FEATURES
from .scorer import LogisticModel, Models, fit

if TYPE_CHECKING:
    from .engine import Assistant

#: A unit that says what a gold phrase says (a path file restating the article in its own
#: words) answers too: phrases are sufficient, not exhaustive.
SAME_MEANING = 0.75
#: Penalties of the two fits: the question model has far fewer rows, so it is shrunk more.
UNIT_L2 = 1.0
QUESTION_L2 = 4.0
PASSAGE_L2 = 1.0

Row = dict[str, Any]


def extract_rows(
    assistant: Assistant, questions: Iterable[LabelledQuestion], name: str
) -> list[Row]:
    """One feature row per question, as the engine sees it with its current models."""
    rows = []
    for question in questions:
        evidence = assistant.evidence(question.question)
        phrases = [" ".join(p.split()).casefold() for p in question.phrases]
        gold = assistant.embedder.embed(list(question.phrases)) if phrases else None
        units = []
        for group in evidence.found.units[: TUNING.answer_passages]:
            for unit in group:
                text = " ".join(unit.text.split()).casefold()
                label = any(p in text for p in phrases) or (
                    gold is not None and float(np.max(gold @ unit.vector)) >= SAME_MEANING
                )
                units.append([int(unit.eligible), int(label), *unit.features])
        features = evidence.features()
        del features["best_unit"]  # recomputed with the fitted unit model
        passages = []
        pool = evidence.found.ranking.pool
        if pool is not None and phrases:
            texts = {c.chunk_id: c.text for c in assistant.store().chunks(pool.chunk_ids)}
            for chunk_id, row in zip(pool.chunk_ids, pool.features.tolist(), strict=True):
                text = " ".join(texts[chunk_id].split()).casefold()
                passages.append([int(any(p in text for p in phrases)), *row])
        rows.append(
            {
                "id": f"{name}:{question.id}",
                "kind": question.kind,
                "answerable": question.answerable,
                "question": [round(features[f], 6) for f in QUESTION_FEATURES if f in features],
                "units": [[round(v, 6) for v in unit] for unit in units],
                "passages": [[round(v, 6) for v in passage] for passage in passages],
            }
        )
    return rows


def fit_models(data: Mapping[str, Sequence[Row]], fallback: Models) -> Models:
    """Fit the unit model on answerable questions with a labelled unit, then the question
    model, then the passage model on pools holding an answer. A model the rows cannot fit
    (one class only: too few questions) stays ``fallback``'s."""
    unit_rows, unit_labels = [], []
    passage_rows, passage_labels = [], []
    for rows in data.values():
        for row in rows:
            units = [u for u in row["units"] if u[0]]  # eligible units only
            if row["answerable"] and any(u[1] for u in units):
                unit_rows += [u[2:] for u in units]
                unit_labels += [u[1] for u in units]
            pool = row.get("passages", [])
            if any(p[0] for p in pool):  # only pools holding an answer say what ranks first
                passage_rows += [p[1:] for p in pool]
                passage_labels += [p[0] for p in pool]
    unit = _fit(unit_rows, unit_labels, UNIT_FEATURES, UNIT_L2) or fallback.unit
    question_rows, labels = question_matrix(data, Models(unit, unit))
    question = _fit(question_rows.tolist(), labels.tolist(), QUESTION_FEATURES, QUESTION_L2)
    passage = _fit(passage_rows, passage_labels, PASSAGE_FEATURES, PASSAGE_L2)
    if question is None:
        return Models(unit, fallback.question, passage or fallback.passage, fallback.abstain_below)
    # An answerable question whose answer the search never found (not in the pool: an
    # ingestion or ranking miss) says nothing about where refusing should start.
    found = np.array([_found(row) for rows in data.values() for row in rows])
    counted = (labels == 0) | found
    threshold = fit_threshold(question.probabilities(question_rows[counted]), labels[counted])
    return Models(unit, question, passage or fallback.passage, threshold)


def _found(row: Row) -> bool:
    """Whether a passage of the searched pool holds the question's answer."""
    return any(p[0] for p in row.get("passages", []))


def fit_threshold(probabilities: np.ndarray, answerable: np.ndarray) -> float:
    """The refusal threshold expected to refuse ``Tuning.max_false_refusals`` of the
    answerable questions (those whose answer was found).

    It is the Harrell-Davis estimate of that quantile of their probabilities, a weighted
    mean of every order statistic, not the one order statistic at that rank: the few
    answerable questions the model doubts lie far apart, and with the single one a
    changed row moved the threshold by 0.07 (and a dozen answers with it). With too few
    questions for the quantile to hold one (fewer than 1 / share), it is the lowest
    probability: nothing answerable is refused on the strength of one or two rows."""
    from scipy.stats.mstats import hdquantiles  # only fitting needs scipy.stats (~0.7 s)

    answered = np.sort(probabilities[answerable == 1])
    if len(answered) == 0:
        return Models.abstain_below
    share = TUNING.max_false_refusals
    if len(answered) * share < 1:
        return float(np.round(answered[0], 6))
    quantile = np.ma.filled(hdquantiles(answered, prob=[share]), np.nan)
    return float(np.round(quantile[0], 6))


def _fit(
    rows: list[list[float]], labels: list[int], features: Sequence[str], l2: float
) -> LogisticModel | None:
    if len(set(labels)) < 2:
        return None
    return fit(np.array(rows), np.array(labels), features, l2=l2)


def question_matrix(
    data: Mapping[str, Sequence[Row]], models: Models
) -> tuple[np.ndarray, np.ndarray]:
    """The question model's rows (``best_unit`` from ``models``) and answerable labels."""
    rows, labels = [], []
    for corpus_rows in data.values():
        for row in corpus_rows:
            rows.append(question_row(row, models))
            labels.append(int(row["answerable"]))
    return np.array(rows), np.array(labels)


def question_row(row: Row, models: Models) -> list[float]:
    eligible = [u[2:] for u in row["units"] if u[0]]
    best = float(models.unit.probabilities(np.array(eligible)).max()) if eligible else 0.0
    values = dict(
        zip([f for f in QUESTION_FEATURES if f != "best_unit"], row["question"], strict=True)
    )
    values["best_unit"] = best
    return [values[f] for f in QUESTION_FEATURES]


def write_rows(path: Path, rows: Sequence[Row]) -> None:
    """One JSON row per line, keys sorted: a re-extraction with no change is no diff."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows)
    path.write_text(text, encoding="utf-8")


def read_rows(directory: Path) -> dict[str, list[Row]]:
    """Every collection's rows in ``directory``, by name, in file-name order."""
    return {
        path.stem: [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for path in sorted(directory.glob("*.jsonl"))
    }
