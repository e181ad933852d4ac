"""What kind of figure a question asks for, and which passages state one."""

from __future__ import annotations

import pytest

from assistant.asked_figure import asked_figure

PASSAGES = {
    "hours": "Employees accrue 4 hours of annual leave per pay period.",
    "money": "The transit subsidy is up to $280 a month.",
    "year": "Probation lasts one year.",
    "month": "Open enrolment runs in November.",
    "weeks": "Parents take twenty-six weeks of leave on full pay.",
}


@pytest.mark.parametrize(
    ("question", "stated_by"),
    [
        ("how many hours of leave do I accrue?", {"hours"}),
        ("how many weeks of parental leave do we get?", {"weeks"}),
        ("how much is the monthly transit subsidy?", {"money"}),
        ("how long is the probation period?", {"hours", "year", "weeks"}),
        ("when does open enrolment start?", {"hours", "year", "month", "weeks"}),
        ("how many promotion cycles run each year?", set()),
    ],
)
def test_only_a_figure_of_the_asked_kind_answers(question: str, stated_by: set[str]) -> None:
    """A handbook full of other numbers does not state "how many weeks"."""
    figure = asked_figure(question)
    assert figure is not None
    assert {name for name, text in PASSAGES.items() if figure.search(text)} == stated_by


@pytest.mark.parametrize(
    "question",
    ["what does a senior engineer do?", "who approves a promotion?", "is SRE a dead end?"],
)
def test_a_question_asking_for_no_figure_asks_none(question: str) -> None:
    assert asked_figure(question) is None
