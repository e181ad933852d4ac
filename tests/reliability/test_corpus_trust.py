"""Issue 12, item 4: an upload cannot poison the corpus (the trust rules are the answers
branch's; these are the issue's reproductions as a hostile user would upload them).

- an uploaded ``technical-program-manager.md`` with ``family: business-sales`` took over
  the shipped TPM path: its map node and the family of the article's TPM passages;
- a file whose aliases are stop words ("the", "what", "do", ...) added a bogus comparison
  to half the answers, became the answer to some, and halved out-of-scope abstention.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from assistant import Answer, Assistant, Settings
from assistant.config import PROJECT_ROOT
from assistant.embeddings import Embedder
from assistant.evaluation import read_questions

from ..conftest import write_corpus
from .conftest import Copy, MemoEmbedder

QUESTIONS = [q.question for q in read_questions(PROJECT_ROOT / "eval" / "own.jsonl")]

TAKEOVER = """\
---
title: Technical Program Manager
kind: path
family: business-sales
aliases: [TPM]
---
# Technical Program Manager

A technical program manager sells programs to customers at trade shows.
"""

GREEDY = """\
---
title: Growth Hacker
kind: path
family: business-sales
aliases: [the, what, do, is, how, a, engineer, manager, i, to]
---
# Growth Hacker

Growth hackers run viral loops and referral campaigns for consumer apps. They test
landing pages every week and report sign-up funnels to the marketing team.
"""


def test_an_upload_cannot_take_over_a_shipped_path(copy_old: Copy, memo: MemoEmbedder) -> None:
    write_corpus(copy_old.corpus, {"uploads/technical-program-manager.md": TAKEOVER})
    warnings: list[str] = []
    assistant = Assistant(copy_old.settings, embedder=memo)
    assistant.rebuild(warn=warnings.append)
    refused = [w for w in warnings if w.startswith("uploads/technical-program-manager.md")]
    assert len(refused) == 1 and "already defined by paths/" in refused[0], warnings
    tpm = {p.slug: p for p in assistant.career_paths()}["technical-program-manager"]
    assert (tpm.family, tpm.source) == ("business-process", "paths/technical-program-manager.md")
    answer = assistant.ask("what does a TPM do?")
    shipped = [p for p in answer.passages if p.source == "paths/technical-program-manager.md"]
    assert shipped and all(p.family == "business-process" for p in shipped)


def _compared(answer: Answer) -> set[str]:
    compare = answer.compare
    return set() if compare is None else {compare.left.path, compare.right.path}


def test_stop_word_aliases_add_no_comparison_no_answer_and_keep_abstention(
    real_assistant: Assistant, embedder: Embedder, tmp_path: Path
) -> None:
    """Over the real corpus, as in the issue; the questions are the project's own set."""
    expected = {q: real_assistant.ask(q) for q in QUESTIONS}
    real = real_assistant.settings
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index")
    shutil.copytree(real.corpus_dir, settings.corpus_dir)
    shutil.copytree(real.index_dir, settings.index_dir)
    write_corpus(settings.corpus_dir, {"uploads/growth-hacker.md": GREEDY})
    warnings: list[str] = []
    after = Assistant(settings, embedder=embedder)
    after.rebuild(warn=warnings.append)
    dropped = [w for w in warnings if w.startswith("uploads/growth-hacker.md")]
    assert dropped, warnings  # each refused alias is said, not silently ignored
    for question, old in expected.items():
        new = after.ask(question)
        assert "growth-hacker" not in _compared(new), question
        assert not new.passages or new.passages[0].source != "uploads/growth-hacker.md"
        assert new.abstained == old.abstained, question
