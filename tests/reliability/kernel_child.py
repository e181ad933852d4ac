"""A child process for the CPU-independence test; run under the CPUID mask.

``python -m tests.reliability.kernel_child CORPUS INDEX NEW_CORPUS NEW_INDEX QUESTIONS``
answers every question of the QUESTIONS file from the existing index INDEX (built in the
parent, on the CPU's own kernels), rebuilds NEW_CORPUS into NEW_INDEX from scratch, and
prints JSON: the extensions NumPy saw, and each answer's passages, scores and abstention.
Everything runs with the library's default embedder, as a user's process would.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from assistant import Assistant, Settings
from assistant.evaluation import read_questions
from benchmarks.cpu import kernels_seen


def main(corpus: str, index: str, new_corpus: str, new_index: str, questions: str) -> None:
    assistant = Assistant(Settings.from_env(corpus_dir=Path(corpus), index_dir=Path(index)))
    answers: dict[str, Any] = {}
    for question in read_questions(Path(questions)):
        answer = assistant.ask(question.question, k=10)
        answers[question.question] = {
            "abstained": answer.abstained,
            "chunks": [p.chunk_id for p in answer.passages],
            "scores": [p.score for p in answer.passages],
        }
    Assistant(Settings.from_env(corpus_dir=Path(new_corpus), index_dir=Path(new_index))).rebuild()
    print(json.dumps({"cpu": kernels_seen(), "answers": answers}))


if __name__ == "__main__":
    main(*sys.argv[1:])
