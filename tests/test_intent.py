"""Reading exclusions and comparisons from the question's own words."""

from __future__ import annotations

import pytest

from assistant.intent import analyse
from assistant.taxonomy import Names

from .conftest import SAMPLE_PATHS

TITLES = Names(
    [
        ("Data Director", "m6.html"),
        ("Senior Data Director", "m7.html"),
        ("Handbook", "handbook.md"),
    ]
)


@pytest.mark.parametrize(
    ("question", "families", "paths"),
    [
        ("I don't want to manage people, what else is there?", {"management"}, set()),
        ("what are the options besides management", {"management"}, set()),
        ("I don't want to be a manager. What are my options?", {"management"}, {"em"}),
        ("no people management for me", {"management"}, set()),
        ("I'd rather not go into sales; what else?", set(), set()),
        ("not interested in sales, what fits an engineer?", {"business-sales"}, set()),
        ("I do not want to be a product manager", set(), {"pm"}),  # PM is not management
        ("is management for me?", set(), set()),
        ("how do managers grow?", set(), set()),
        ("How do I avoid burnout as a manager?", set(), set()),  # about burnout
        ("not interested in becoming an engineering manager", {"management"}, {"em"}),
    ],
)
def test_exclusions(question: str, families: set[str], paths: set[str]) -> None:
    intent = analyse(question, SAMPLE_PATHS)
    assert (set(intent.excluded_families), set(intent.excluded_paths)) == (families, paths)


@pytest.mark.parametrize(
    ("question", "left", "right"),
    [
        ("EM or staff?", {"em"}, {"staff"}),
        ("sre vs devops – which won't corner me?", {"sre"}, {"devops"}),
        ("PM versus EM", {"pm"}, {"em"}),
        ("should I do product management or stay a staff engineer", {"pm"}, {"staff"}),
        ("what's the difference between a sales engineer and a CTO?", {"sales"}, {"cto"}),
        ("is it just become a manager or become staff?", {"em"}, {"staff"}),
    ],
)
def test_comparisons_of_two_paths(question: str, left: set[str], right: set[str]) -> None:
    comparison = analyse(question, SAMPLE_PATHS).comparison
    assert comparison is not None
    assert (set(comparison[0].paths), set(comparison[1].paths)) == (left, right)


@pytest.mark.parametrize(
    "question",
    [
        "principle engineer vs staf engineer",  # one path under two names
        "is being a manager fun? or is it stressful",  # "or" across clauses
        "would a coder enjoy product work or is it a poor match?",
        "how do I become staff",
    ],
)
def test_no_comparison(question: str) -> None:
    assert analyse(question, SAMPLE_PATHS).comparison is None


def test_comparison_of_two_documents_by_their_titles() -> None:
    comparison = analyse(
        "data director vs senior data director - who sets the budget?", SAMPLE_PATHS, TITLES
    ).comparison
    assert comparison is not None
    assert (set(comparison[0].sources), set(comparison[1].sources)) == ({"m6.html"}, {"m7.html"})


def test_the_search_text_drops_what_is_ruled_out_and_names_the_families_left() -> None:
    question = "I don't want to manage people, what else is there?"
    text = analyse(question, SAMPLE_PATHS).search_text(question)
    assert "manage" not in text and text.startswith("I , what else is there?")
    assert "Individual Contributor" in text and "Management" not in text
    assert analyse("what does an EM do?", SAMPLE_PATHS).search_text("what does an EM do?") == (
        "what does an EM do?"
    )


def test_an_ordinary_word_is_not_a_side_for_a_long_path_name() -> None:
    """ "stay technical" names no path: one word of "technical program manager" is not it."""
    comparison = analyse("should I become an engineering manager or stay technical?", SAMPLE_PATHS)
    assert comparison.comparison is None, comparison.comparison


def test_a_level_code_names_every_page_of_that_level() -> None:
    titles = Names(
        [
            ("IC3 Software Engineer", "ic3-swe.html"),
            ("IC3 SDET", "ic3-sdet.html"),
            ("IC4 Software Engineer", "ic4-swe.html"),
            ("IC4 SDET", "ic4-sdet.html"),
        ]
    )
    comparison = analyse("IC3 vs IC4 - what changes?", SAMPLE_PATHS, titles).comparison
    assert comparison is not None
    assert [set(side.sources) for side in comparison] == [
        {"ic3-swe.html", "ic3-sdet.html"},
        {"ic4-swe.html", "ic4-sdet.html"},
    ]
