"""Fitting the scorer's two models from labelled questions, kept in the library so that
``eval --collections`` can refit them without the collection it scores.

``extract_rows`` runs the engine over labelled questions and keeps one row per question:
numbers and labels only, never corpus text. A unit is labelled as answering when it
contains one of the question's gold phrases or says the same (cosine ≥ ``SAME_MEANING``
to one). ``fit_models`` fits the unit model, then the question (abstention) model, whose
``best_unit`` feature is recomputed with the fitted unit model.
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
from .scorer import Models, fit

if TYPE_CHECKING:
    from .engine import Assistant

#: A unit that says what a gold phrase says (a path file restating the article in its own
#: words) answers too: phrases are sufficient, not exhaustive.
SAME_MEANING = 0.75
#: Penalties of the two fits: the question model has far fewer rows, so it is shrunk more.
UNIT_L2 = 1.0
QUESTION_L2 = 4.0

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
        rows.append(
            {
                "id": f"{name}:{question.id}",
                "kind": question.kind,
                "answerable": question.answerable,
                "question": [round(features[f], 6) for f in QUESTION_FEATURES if f in features],
                "units": [[round(v, 6) for v in unit] for unit in units],
            }
        )
    return rows


def fit_models(data: Mapping[str, Sequence[Row]]) -> Models:
    """Fit the unit model on answerable questions with a labelled unit, then the question model."""
    unit_rows, unit_labels = [], []
    for rows in data.values():
        for row in rows:
            units = [u for u in row["units"] if u[0]]  # eligible units only
            if row["answerable"] and any(u[1] for u in units):
                unit_rows += [u[2:] for u in units]
                unit_labels += [u[1] for u in units]
    unit = fit(np.array(unit_rows), np.array(unit_labels), UNIT_FEATURES, l2=UNIT_L2)
    question_rows, labels = question_matrix(data, Models(unit, unit))
    question = fit(question_rows, labels, QUESTION_FEATURES, l2=QUESTION_L2)
    return Models(unit, question)


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
