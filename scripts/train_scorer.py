"""Fit the answer and abstention models from labelled questions on several corpora.

Two steps, so the fit is reproducible from files in the repository alone:

``extract`` runs the engine over labelled questions (``.jsonl`` in the eval format)
against a built index and writes one feature row per question to
``eval/scorer-data/<corpus>.jsonl``: numbers and labels only, never corpus text. A unit
is labelled as answering when it contains one of the question's gold phrases or says the
same (cosine ≥ ``SAME_MEANING`` to one).

``fit`` reads every file there, fits the unit model, then the question model (whose
``best_unit`` feature is recomputed with the fitted unit model), writes
``assistant/scorer_weights.json``, and reports abstention precision and recall per
corpus over a range of thresholds, fitted on all corpora and on all but the one scored.

    PYTHONPATH=$PWD python scripts/train_scorer.py extract --name shipped \\
        --index-dir /tmp/idx eval/train-shipped.jsonl ../shared/eval/dev.jsonl
    PYTHONPATH=$PWD python scripts/train_scorer.py fit
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from assistant import Assistant, Settings
from assistant.config import PROJECT_ROOT
from assistant.engine import packaged_models
from assistant.evaluation import read_questions
from assistant.scorer import Models, dump_models
from assistant.training import extract_rows, fit_models, question_matrix, read_rows, write_rows

DATA_DIR = PROJECT_ROOT / "eval" / "scorer-data"
WEIGHTS = PROJECT_ROOT / "assistant" / "scorer_weights.json"


def extract(name: str, settings: Settings, files: list[Path]) -> Path:
    assistant = Assistant(settings)
    rows = [row for f in files for row in extract_rows(assistant, read_questions(f), f.stem)]
    out = DATA_DIR / f"{name}.jsonl"
    write_rows(out, rows)
    return out


def _fitted_per_corpus(
    data: dict[str, list[dict[str, Any]]], models: Models
) -> Iterator[tuple[str, list[dict[str, Any]], str, Models]]:
    """Each corpus with the models fitted on all corpora, then on the others only (held out)."""
    for name, rows in data.items():
        yield name, rows, "all", models
        held_out = {n: r for n, r in data.items() if n != name and not _same_questions(n, name)}
        if held_out:
            yield name, rows, "others", fit_models(held_out, packaged_models())


def abstention_report(data: dict[str, list[dict[str, Any]]], models: Models) -> list[str]:
    """Precision and recall of abstaining, per corpus, at a few thresholds."""
    lines = [
        "| corpus | fitted on | threshold | abstention precision | recall | false abstentions |"
    ]
    lines.append("|---|---|---|---|---|---|")
    for name, rows, label, used in _fitted_per_corpus(data, models):
        x, y = question_matrix({name: rows}, used)
        p = used.question.probabilities(x)
        for threshold in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
            refused = p < threshold
            right = int(np.sum(refused & (y == 0)))
            precision = right / max(int(refused.sum()), 1)
            recall = right / max(int(np.sum(y == 0)), 1)
            false = int(np.sum(refused & (y == 1)))
            lines.append(
                f"| {name} | {label} | {threshold} | {precision:.3f} | {recall:.3f} | {false} |"
            )
    return lines


def answer_report(data: dict[str, list[dict[str, Any]]], models: Models) -> list[str]:
    """unit@1 per corpus: how often the most probable quotable unit holds a gold phrase
    (over answerable questions where some unit does), fitted on all corpora or the others."""
    lines = ["| corpus | fitted on | unit@1 | questions |", "|---|---|---|---|"]
    for name, rows, label, used in _fitted_per_corpus(data, models):
        right = total = 0
        for row in rows:
            units = [u for u in row["units"] if u[0]]
            if not row["answerable"] or not any(u[1] for u in units):
                continue
            p = used.unit.probabilities(np.array([u[2:] for u in units]))
            right += units[int(np.argmax(p))][1]
            total += 1
        lines.append(f"| {name} | {label} | {right / max(total, 1):.3f} | {total} |")
    return lines


def _same_questions(a: str, b: str) -> bool:
    """The combined corpus reuses the others' questions: hold it out with either."""
    return "combined" in (a, b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="step", required=True)
    ex = sub.add_parser("extract")
    ex.add_argument("--name", required=True)
    ex.add_argument("--index-dir", type=Path, required=True)
    ex.add_argument("--corpus", type=Path)
    ex.add_argument("files", type=Path, nargs="+")
    sub.add_parser("fit")
    args = parser.parse_args(argv)
    if args.step == "extract":
        settings = Settings.from_env(index_dir=args.index_dir, corpus_dir=args.corpus)
        print(extract(args.name, settings, args.files))
        return 0
    data = read_rows(DATA_DIR)
    models = fit_models(data, packaged_models())
    WEIGHTS.write_text(dump_models(models), encoding="utf-8")
    print("\n".join(answer_report(data, models)))
    print("\n".join(abstention_report(data, models)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
