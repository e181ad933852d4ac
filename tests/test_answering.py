"""How the answer is assembled from scored units (pure functions, no model needed)."""

from __future__ import annotations

import itertools

import numpy as np

from assistant.answering import UNIT_FEATURES, Unit, choose_answer

#: Made-up words, each used once: no two units share enough words to count as one statement.
WORDS = ("".join(letters) for letters in itertools.product("bdgkp", "aeiou", "lmnrst", "aeiou"))


def unit(chunk: int, dimension: int, restates: bool = False) -> Unit:
    """An eligible unit of passage ``chunk``, whose meaning (vector) no other unit shares."""
    vector = np.zeros(16, dtype=np.float32)
    vector[dimension] = 1.0
    text = " ".join(next(WORDS) for _ in range(5)).capitalize() + "."
    return Unit(
        f"chunk-{chunk}",
        chunk,
        dimension * 100,
        dimension * 100 + len(text),
        text,
        0.5,
        True,
        "",
        (0.0,) * len(UNIT_FEATURES),
        vector,
        restates=restates,
    )


def test_further_sentences_come_from_the_opening_sentences_passage() -> None:
    """The answer reads as one excerpt: the best passage's other good sentences follow
    its best one before a sentence from another passage does."""
    best, neighbour, elsewhere = unit(1, 0), unit(1, 1), unit(2, 2)
    chosen = choose_answer([[best, neighbour], [elsewhere]], [[0.6, 0.25], [0.4]])
    assert chosen == [best, neighbour, elsewhere]
    assert choose_answer([[best, neighbour], [elsewhere]], [[0.6, 0.25], [0.4]], most=2) == [
        best,
        neighbour,
    ]


def test_a_weak_neighbour_does_not_join() -> None:
    """Staying in the passage never lowers the bar a further sentence must clear."""
    best, weak, elsewhere = unit(1, 3), unit(1, 4), unit(2, 5)
    chosen = choose_answer([[best, weak], [elsewhere]], [[0.6, 0.15], [0.4]])
    assert chosen == [best, elsewhere]


def test_a_restatements_neighbours_yield_to_the_source() -> None:
    """When the best sentence is a restating file's, the next sentences are chosen by
    probability alone, so the source's own sentences are not crowded out."""
    best, neighbour = unit(1, 6, restates=True), unit(1, 7, restates=True)
    source = unit(2, 8)
    chosen = choose_answer([[best, neighbour], [source]], [[0.6, 0.25], [0.4]], most=2)
    assert chosen == [best, source]
