"""How the answer is assembled from scored units (pure functions, no model needed)."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from assistant.answering import (
    _POINTER,
    UNIT_FEATURES,
    QuestionTerms,
    Unit,
    _highlights,
    _leans_back,
    choose_answer,
    label_numbers,
    labels_asked,
    labels_compared,
)
from assistant.lexical import tokenize

#: Made-up words, each used once: no two units share enough words to count as one statement.
WORDS = ("".join(letters) for letters in itertools.product("bdgkp", "aeiou", "lmnrst", "aeiou"))


def unit(
    chunk: int,
    dimension: int,
    restates: bool = False,
    opening: str = "",
    eligible: bool = True,
    label: str = "",
    pointer: bool = False,
) -> Unit:
    """A unit of passage ``chunk``, whose meaning (vector) no other unit shares; with a
    ``label``, a table cell ("Mentorship — Q3: …")."""
    vector = np.zeros(32, dtype=np.float32)
    vector[dimension] = 1.0
    text = " ".join([opening, *(next(WORDS) for _ in range(5))]).strip().capitalize() + "."
    text = f"{label}: {text}" if label else text
    return Unit(
        f"chunk-{chunk}",
        chunk,
        dimension * 100,
        dimension * 100 + len(text),
        text,
        0.5,
        eligible,
        "",
        tuple(float(pointer and name == "pointer") for name in UNIT_FEATURES),
        vector,
        restates=restates,
    )


def test_a_sentence_pointing_elsewhere_never_opens_the_answer() -> None:
    """ "The levels are outlined below:" is the most probable unit, yet the answer opens
    with what it points at."""
    lead, item = unit(1, 1, pointer=True), unit(1, 2)
    chosen = choose_answer([[lead, item]], [[0.9, 0.6]])
    assert chosen[0] is item
    # With nothing else to say, it is still quoted rather than nothing.
    assert choose_answer([[lead]], [[0.9]]) == [lead]


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


def test_a_sentence_pointing_back_is_quoted_after_the_one_it_points_to() -> None:
    """ "This is why …" cannot be read alone: the sentence before it opens the answer."""
    before, pointing, elsewhere = unit(1, 9), unit(1, 10, opening="this is why"), unit(2, 11)
    chosen = choose_answer([[before, pointing], [elsewhere]], [[0.05, 0.6], [0.4]])
    assert chosen == [before, pointing, elsewhere]
    # With room for one sentence only (a comparison side), not one that cannot be read
    # alone: the sentence it points to.
    assert choose_answer([[before, pointing]], [[0.05, 0.6]], most=1) == [before]
    # The sentence pointed to opens the answer even when it was chosen on its own.
    again, pointing_again = unit(6, 18), unit(6, 19, opening="this is why")
    chosen = choose_answer([[again, pointing_again], [elsewhere]], [[0.4, 0.6], [0.35]])
    assert chosen == [again, pointing_again, elsewhere]
    # A connective answering the sentence before points back too.
    plain, contrast = unit(5, 16), unit(5, 17, opening="however,")
    assert choose_answer([[plain, contrast]], [[0.05, 0.6]]) == [plain, contrast]
    # A heading or question before it is not quoted.
    heading = unit(3, 12, eligible=False)
    dangling = unit(3, 13, opening="it")
    assert choose_answer([[heading, dangling]], [[0.05, 0.6]]) == [dangling]


def test_a_chain_of_sentences_pointing_back_is_quoted_from_its_start() -> None:
    """ "Something similar …" after "And unlike …": both point back; the answer starts at
    the sentence they lean on."""
    start, joined = unit(1, 20), unit(1, 21, opening="and unlike")
    similar = unit(1, 22, opening="something similar")
    chosen = choose_answer([[start, joined, similar]], [[0.05, 0.05, 0.6]])
    assert chosen == [start, joined, similar]


def test_a_sentence_pointing_back_to_nothing_quotable_does_not_open_the_answer() -> None:
    heading, dangling = unit(1, 23, eligible=False), unit(1, 24, opening="also,")
    other = unit(2, 25)
    chosen = choose_answer([[heading, dangling], [other]], [[0.05, 0.6], [0.4]])
    assert chosen[0] == other


def test_a_sentence_about_its_own_document_does_not_open_the_answer() -> None:
    """ "In this article, I recap …" says what the document does, not the answer."""
    about = unit(1, 26, opening="in this article, I recap")
    author = unit(1, 27, opening="the author calls this")
    answer = unit(2, 28)
    chosen = choose_answer([[about, author], [answer]], [[0.7, 0.65], [0.4]])
    assert chosen[0] == answer


def test_an_answer_about_the_path_asked_for_goes_on_about_it_alone() -> None:
    """ "What skills does an engineering manager need?": after the manager's sentence, a
    nearly as probable one from the product manager's passage is left out."""
    on = tuple(float(name == "on_subject") for name in UNIT_FEATURES)
    asked = replace(unit(1, 29), features=on, path="engineering-manager")
    more = replace(unit(1, 30), features=on, path="engineering-manager")
    neighbour = replace(unit(2, 31), path="product-manager")
    chosen = choose_answer([[asked, more], [neighbour]], [[0.6, 0.5], [0.55]])
    assert chosen == [asked, more]
    # Text about no path in particular (a reader's comment, the article's intro) may follow.
    general = unit(3, 5)
    chosen = choose_answer([[asked, more], [general]], [[0.6, 0.5], [0.55]])
    assert chosen == [asked, more, general]
    # A question naming no path: the nearly as probable neighbour follows as before.
    chosen = choose_answer([[unit(3, 0), unit(3, 1)], [unit(4, 2)]], [[0.6, 0.5], [0.55]])
    assert len(chosen) == 3


def test_a_card_the_answer_does_not_quote_marks_only_a_likely_answer() -> None:
    """Not its closest sentence on another topic: nothing, unless one is probable."""
    weak, weaker = unit(4, 14), unit(4, 15)
    assert _highlights(0, [weak, weaker], [0.05, 0.03], set()) == ()
    marked = _highlights(0, [weak, weaker], [0.3, 0.03], set())
    assert [h.text for h in marked] == [weak.text]


def read(question: str) -> QuestionTerms:
    """The question's terms and numbers, as the engine reads them (no paths named)."""
    return QuestionTerms(
        tuple(tokenize([question])[0]),
        1.0,
        False,
        False,
        None,
        frozenset(),
        (),
        label_numbers(question),
        polar=question.startswith("is "),
    )


def cells() -> list[list[Unit]]:
    return [
        [
            unit(7, 20, label="Mentorship — Q3 Senior Engineer"),
            unit(7, 21, label="Mentorship — Q4 Staff Engineer"),
            unit(7, 22, label="Incident response — Q3 Senior Engineer"),
            unit(7, 23, label="Incident response — Q4 Staff Engineer"),
        ]
    ]


def compared(question: str, probabilities: list[float]) -> list[str]:
    table = cells()
    picked = labels_compared(table, [probabilities], read(question), question)
    return [u.text.split(":")[0] for u in picked]


def test_two_labels_set_side_by_side_get_a_cell_each() -> None:
    even = [0.3, 0.3, 0.3, 0.3]
    assert compared("senior engineer vs staff engineer: incident response?", even) == [
        "Incident response — Q3 Senior Engineer",
        "Incident response — Q4 Staff Engineer",
    ]
    # Nothing the labels tell apart on one side, or cells too unlikely: no comparison.
    assert compared("should I become a manager or stay an IC?", even) == []
    assert compared("Q3 vs Q4 mentorship", [0.05, 0.3, 0.3, 0.3]) == []


def asked_cells(question: str, table: list[list[Unit]]) -> list[str]:
    """The labels of the cells :func:`labels_asked` prefers for ``question``."""
    wanted = labels_asked(table, read(question))
    return [u.text.split(":")[0] for group in table for u in group if wanted(u)]


def ladder(topic: str) -> list[list[Unit]]:
    """One track's ladder under the heading ``topic``, in two passages: levels 1-3 ×
    three skills, one of them named like the track."""
    words = frozenset(tokenize([topic])[0])
    skills = ("Web Platform", "Security", "Tooling")
    labels = [f"Level {level} — {skill}" for level in (1, 2, 3) for skill in skills]
    table = [
        replace(unit(30 + i // 5, i, label=label), topic=words) for i, label in enumerate(labels)
    ]
    return [table[:5], table[5:]]


def test_the_cell_named_by_a_level_number_and_a_column_is_preferred() -> None:
    """Numbers tell a ladder's rows apart (the BM25 tokens drop them); the track's name,
    which every passage's heading holds, names the table, not the column sharing it."""
    table = ladder("Web Platform Engineering")
    question = "which security topics matter for a level 2 web platform engineer?"
    assert asked_cells(question, table) == ["Level 2 — Security"]
    assert asked_cells("what tooling does level 3 use?", table) == ["Level 3 — Tooling"]
    # Under a heading that does not name the track, "web platform" tells a column apart.
    assert asked_cells(question, ladder("Engineering levels")) == ["Level 2 — Web Platform"]


def ranks(labels: list[str]) -> list[list[Unit]]:
    """Two tiers' cells under ``labels``; T1's rank says "Junior", T2's "Senior"."""
    values = {"T1": "Junior", "T2": "Senior"}

    def text(label: str) -> str | None:
        tier = next((t for t in values if t in label), "")
        return f"{label}: {values[tier]}" if "Rank" in label and tier else None

    row = []
    for i, label in enumerate(labels):
        cell, value = unit(50, 24 + i, label=label), text(label)
        row.append(replace(cell, text=value) if value else cell)
    return [row]


def test_a_cell_repeating_the_question_is_not_its_answer() -> None:
    """ "What is T1, the junior rank?": the T1 × Rank cell says "Junior", which
    the asker knows; its column names the row, and T1's other cell answers."""
    table = ranks(["T1 — Meaning", "T1 — Rank", "T2 — Meaning", "T2 — Rank"])
    assert asked_cells("what is T1, the junior rank?", table) == ["T1 — Meaning"]
    assert asked_cells("which rank is T2?", table) == ["T2 — Rank"]
    # A yes-or-no question is answered by the cell that repeats it: it confirms it.
    assert asked_cells("is T1 the junior rank?", table) == ["T1 — Rank"]


def test_a_repeating_cell_of_a_transposed_table_names_the_right_label() -> None:
    """Levels as columns: "the junior rank" names the Rank row, and T1 is still asked."""
    table = ranks(["Meaning — T1", "Rank — T1", "Meaning — T2", "Rank — T2"])
    assert asked_cells("what is T1, the junior rank?", table) == ["Meaning — T1"]


def test_label_numbers_are_whole_numbers_standing_alone() -> None:
    assert label_numbers("Level 3. Weeks 2-3, IC5, above 3.80") == {"3", "2"}
    assert label_numbers("a $1,000 bonus at level 4") == {"4"}


def test_the_cell_a_question_names_opens_the_answer_from_a_further_passage() -> None:
    """ "Level 3 supervision" when the Level 3 row was found fourth: its cell opens the
    answer, before the likelier cells of the first three passages that name one label."""
    found = [
        [
            unit(70 + rank, 2 * rank, label=f"Level {level} — Supervision"),
            unit(70 + rank, 2 * rank + 1, label=f"Level {level} — Writing"),
        ]
        for rank, level in enumerate((1, 4, 2, 3))
    ]
    likely = [[0.6, 0.55], [0.5, 0.45], [0.4, 0.35], [0.2, 0.15]]

    def opening(question: str) -> Unit:
        return choose_answer(found, likely, prefer=[labels_asked(found, read(question))])[0]

    assert opening("at level 3, how closely is an engineer supervised?") is found[3][0]
    assert opening("how much supervision at level 2?") is found[2][0]
    # A cell of a further passage that names one label only does not open it.
    assert opening("what does a level 3 engineer do?") is found[0][0]


@pytest.mark.parametrize(
    ("sentence", "points"),
    [
        ("The skills each team needs are documented here: Design, Ops and Support.", True),
        ("The full travel policy is described elsewhere.", True),
        ("Read more here: the promotion guide.", True),
        ("The levels are outlined below:", True),
        ("Here is what a senior analyst does in a typical week.", False),
        ("Analysts at A4 and above lead design reviews.", False),  # a level, not a pointer
        ("Performance below expectations leads to a plan.", False),
        ("As shown above, seniors lead.", True),
        ("Analysts found that pairing helped new hires ramp up.", False),
    ],
)
def test_a_sentence_sending_the_reader_to_other_text_is_a_pointer(
    sentence: str, points: bool
) -> None:
    """Never an answer's opening: it says where the answer is, not what it is."""
    assert bool(_POINTER.search(sentence)) is points


def test_a_sentence_naming_the_asked_label_shares_the_cells_preference_not_cancels_it() -> None:
    """ "What is expected at L4?": the L4 row's cells and a sentence of the answer passages
    naming L4 ("Engineers at L4 and above …") are all as good; the most probable of them
    opens, never a likelier cell of another row (L5's, which names what else is asked)."""
    l4, l5 = unit(1, 1, label="L4 — Scope"), unit(1, 2, label="L5 — Scope")
    sentence = unit(2, 3, opening="Engineers at L4 and above")
    found = [[l4, l5], [sentence]]

    def opening(likely: list[list[float]]) -> Unit:
        return choose_answer(found, likely, prefer=[labels_asked(found, read("L4 duties?"))])[0]

    assert opening([[0.3, 0.9], [0.4]]) is sentence
    assert opening([[0.5, 0.9], [0.4]]) is l4
    # One that cannot open ("… are listed below:") yields to the next of them, not to L5.
    found[1] = [unit(2, 5, opening="Engineers at L4 and above", pointer=True)]
    assert opening([[0.3, 0.9], [0.4]]) is l4


def test_a_sentence_leaning_on_this_mid_sentence_follows_what_this_is() -> None:
    """ "Acme treats this as a lateral move" is the likeliest unit, but says nothing
    alone: the sentence before it (what "this" is) is quoted first. As a determiner
    ("owns this budget") "this" names its own noun and leans on nothing."""
    before, leaning = unit(1, 1), unit(1, 2, opening="Acme treats this as")
    assert choose_answer([[before, leaning]], [[0.3, 0.9]])[:2] == [before, leaning]
    owning = unit(2, 3, opening="Managers own this budget")
    assert choose_answer([[unit(2, 4), owning]], [[0.3, 0.9]])[0] is owning
    for text, leans in (
        ("In practice, this means two teams.", True),
        ("Analysts in this on-call rotation are paid.", False),  # a determiner, hyphenated
        ("Plans look like this: a goal and a review.", False),  # points forward
    ):
        assert _leans_back(text) is leans, text
