"""Ranking over a real small index: the passage model's reordering and which neighbours
count as duplicates."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from assistant import Assistant
from assistant.records import StoredChunk
from assistant.retrieval import PASSAGE_FEATURES, _duplicates, rank, untuned_fusion
from assistant.scorer import LogisticModel

GUIDE = """\
---
title: Eastwind engineering guide
---
# Eastwind engineering guide

## Code review

Every change is reviewed by one other engineer before it merges. Reviews look at
correctness first and style last. Reviewers answer within one working day.

## On-call

Engineers join the on-call rotation after their third month. A rotation lasts one week
and hands over on Mondays. The person on call may page a second engineer at any time.

## Levels

### Senior engineer

A senior engineer leads projects of several people and mentors the juniors around them.

### Staff engineer

A staff engineer sets technical direction across teams and owns the riskiest decisions.
"""


def _model(feature: str) -> LogisticModel:
    """A passage model that reads one feature only."""
    n = len(PASSAGE_FEATURES)
    weights = tuple(1.0 if name == feature else 0.0 for name in PASSAGE_FEATURES)
    return LogisticModel(PASSAGE_FEATURES, (0.0,) * n, (1.0,) * n, weights, 0.0)


def test_the_passage_model_puts_its_most_probable_passage_first(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    assistant = indexed({"guide.md": GUIDE})
    store = assistant.store()
    question = "what does a staff engineer do?"
    vector = assistant.embedder.embed_query(question)
    plain = rank(store, vector, question, 3)
    assert plain.pool is not None and plain.pool.features.shape[1] == len(PASSAGE_FEATURES)
    # A model that prefers the longest passage ranks exactly by length, whatever fusion said.
    longest = rank(store, vector, question, 3, passage_model=_model("log_words"))
    words = [len(c.chunk.text.split()) for c in longest.candidates]
    assert words == sorted(words, reverse=True)
    # …and one that prefers headings holding the question's words puts that section first.
    headed = rank(store, vector, question, 3, passage_model=_model("heading_coverage"))
    assert headed.candidates[0].chunk.section.endswith("Staff engineer")


def test_neighbouring_passages_of_one_section_are_never_duplicates() -> None:
    vector = np.ones(4, dtype=np.float32) / 2  # identical vectors: cosine 1

    def chunk(source: str, start: int, end: int) -> StoredChunk:
        return StoredChunk(
            chunk_id=f"{source}{start}",
            source=source,
            title="T",
            section="T › S",
            family="",
            path="",
            start=start,
            end=end,
            text="x",
            sentence_first=0,
            sentence_count=1,
            vector=vector,
        )

    assert not _duplicates(chunk("a.md", 0, 100), chunk("a.md", 100, 200))
    assert _duplicates(chunk("a.md", 0, 100), chunk("a.md", 20, 120))  # overlapping windows
    assert _duplicates(chunk("a.md", 0, 100), chunk("b.md", 0, 100))  # two documents alike


def test_untuned_fusion_returns_k_passages_of_the_index(
    indexed: Callable[[dict[str, str]], Assistant],
) -> None:
    assistant = indexed({"guide.md": GUIDE})
    question = "how long is an on-call rotation?"
    found = untuned_fusion(assistant.store(), assistant.embedder.embed_query(question), question, 2)
    assert len(found) == 2 and "rotation lasts one week" in found[0].text
