"""Fit the scorer's packaged models from labelled questions on several collections.

Two steps, so the fit is reproducible from files in the repository alone:

``eval --collections ROOT --tuning DEV --rows-out eval/scorer-data`` (or ``extract`` here,
for one corpus) runs the engine over labelled questions and writes one row per question
to ``eval/scorer-data/<collection>.jsonl``: numbers and labels only, never corpus text.

``fit`` reads every file there, fits the passage, unit and question models and the
refusal threshold (``assistant.training.fit_models``), and writes
``assistant/scorer_weights.json``. What the fitted parts do on documents they were not
fitted on is what ``eval --collections`` reports as "held out" (refitted leaving each
collection out); the packaged weights are fitted on all collections.

    PYTHONPATH=$PWD python scripts/train_scorer.py extract --name shipped \\
        --index-dir /tmp/idx ../shared/eval/dev.jsonl
    PYTHONPATH=$PWD python scripts/train_scorer.py fit
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant import Assistant, Settings
from assistant.config import PROJECT_ROOT
from assistant.engine import packaged_models
from assistant.evaluation import read_questions
from assistant.scorer import dump_models
from assistant.training import extract_rows, fit_models, read_rows, write_rows

DATA_DIR = PROJECT_ROOT / "eval" / "scorer-data"
WEIGHTS = PROJECT_ROOT / "assistant" / "scorer_weights.json"


def extract(name: str, settings: Settings, files: list[Path]) -> Path:
    assistant = Assistant(settings)
    rows = [row for f in files for row in extract_rows(assistant, read_questions(f), f.stem)]
    out = DATA_DIR / f"{name}.jsonl"
    write_rows(out, rows)
    return out


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
    print(f"fitted on {', '.join(data)}; refusal threshold {models.abstain_below:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
