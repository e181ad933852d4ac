"""What kind of figure a question asks for, and which passages state one."""

from __future__ import annotations

import pytest

from assistant.asked_figure import asked_figure

PASSAGES = {
    "hours": "Employees accrue 4 hours of annual leave per pay period.",
    "money": "The commuting subsidy is up to $280 a month.",
    "year": "Probation lasts one year.",
    "month": "Open enrolment runs in November.",
    "weeks": "Parents take twenty-six weeks of leave on full pay.",
    "range": "A rotation usually lasts 1-2 business days.",
    "frequency": "The committee meets quarterly to review requests.",
    "people": "Candidates meet a panel of three to four senior engineers.",
    "teens": "Carers take sixteen weeks off.",
    "loose": "Managers support every engineer; at times they code.",
    "biweekly": "The guild meets bi-weekly in the library.",
    "calls": "Each hire gets three 30-minute, one-on-one mentoring calls.",
    "clause": "After 6 months, new mentoring calls are booked by the hire.",
    "no_fixed": "The guild does not set a fixed number of review rounds.",
    "no_noun": "No engineers are hired in the fourth quarter.",
}


@pytest.mark.parametrize(
    ("question", "stated_by"),
    [
        ("how many hours of leave do I accrue?", {"hours"}),
        ("how many weeks off do new parents get?", {"weeks", "teens"}),
        ("how much is the monthly commuting subsidy?", {"money"}),
        (
            "how long does the trial period last?",
            {"hours", "year", "weeks", "range", "teens", "calls", "clause"},
        ),
        (
            "when does open enrolment start?",
            {"hours", "year", "month", "weeks", "range", "teens", "calls", "clause"},
        ),
        (
            "how much time should I set aside for it?",
            {"hours", "year", "weeks", "range", "teens", "calls", "clause"},
        ),
        (
            "how often does the committee meet?",
            {
                "hours",
                "year",
                "weeks",
                "range",
                "frequency",
                "teens",
                "biweekly",
                "calls",
                "clause",
            },
        ),
        (
            "how many mentoring calls does a hire get?",
            {"calls"},
        ),  # a hyphenated word, a comma
        ("how much does a senior analyst earn?", {"money"}),
        ("what salary does a principal designer get?", {"money"}),
        ("what's the monthly phone allowance?", {"money"}),  # words between
        ("how much conference budget does a new hire get?", {"money"}),
        ("how many engineers sit on the panel?", {"people"}),
        ("what's the usual number of engineers on a panel?", {"people"}),
        ("how many review rounds run each year?", {"no_fixed"}),  # none fixed: an answer
    ],
)
def test_only_a_figure_of_the_asked_kind_answers(question: str, stated_by: set[str]) -> None:
    """A handbook full of other numbers does not state "how many weeks"."""
    figure = asked_figure(question)
    assert figure is not None
    assert {name for name, text in PASSAGES.items() if figure.search(text)} == stated_by


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("how many weeks off do new parents get?", "number of weeks"),
        ("how many engineers sit on the panel?", "number of engineers"),
        ("how many free mentoring calls does a hire get?", "number of free mentoring calls"),
        ("how many people should sit on a panel?", "number of people"),
        ("how many times a year does the guild meet?", "frequency"),
        ("how long does the trial period last?", "duration"),
        ("how often does the committee meet?", "frequency"),
        ("what's the monthly phone allowance?", "amount"),
        ("when does open enrolment start?", "date"),
    ],
)
def test_the_kind_of_figure_asked_for_is_named(question: str, kind: str) -> None:
    """A refusal says what is missing in these words."""
    figure = asked_figure(question)
    assert figure is not None and figure.kind == kind


@pytest.mark.parametrize(
    "question",
    [
        "what does a senior engineer do?",
        "who approves a promotion?",
        "is SRE a dead end?",
        "how much autonomy does a principal engineer have?",  # a degree, not an amount
        "when am I expected to write the design doc?",  # a condition, not a date
        "are salaries set in fixed bands per grade?",  # yes or no
        "how much does a TPM code?",  # a degree
        "when does a senior engineer at a startup become a manager?",  # not "start"
        "what happens to my bonus if my team is cut?",  # a verb before the money word
        "how much does salary matter when choosing a team?",
        "does the number of direct reports matter?",  # not asked for: "what is the number"
        "what is the phone number of the people team?",  # "the" is nothing to count
    ],
)
def test_a_question_asking_for_no_figure_asks_none(question: str) -> None:
    assert asked_figure(question) is None


@pytest.mark.parametrize(
    ("question", "explicit"),
    [
        ("how much is the monthly phone allowance?", True),
        ("how many weeks off do new parents get?", True),
        ("how long does the trial period last?", True),
        ("what is the bonus structure for analysts?", False),  # may be answered in words
        ("when does a team lead start to manage people?", False),
    ],
)
def test_a_figure_asked_in_so_many_words_is_explicit(question: str, explicit: bool) -> None:
    """Only an explicit one refuses outright when no passage states it."""
    figure = asked_figure(question)
    assert figure is not None and figure.explicit is explicit
