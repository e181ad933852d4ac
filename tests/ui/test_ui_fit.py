"""The "Which path fits me?" tab over the small corpus, under AppTest."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.app import FIT_TAB

from .test_ui_app import Point, open_tab, start, texts
from .test_ui_history import visit
from .ui_support import Built, unescape

DESCRIPTION = (
    "I enjoy coordinating projects across many teams; I don't want to stop writing code; "
    "I love underwater basket weaving"
)


def rank(at: AppTest, description: str) -> AppTest:
    at.text_area(key="fit-description").input(description)
    at.button[0].click().run()  # the form's submit button
    assert not at.exception
    return at


def card(at: AppTest, rank: int) -> str:
    return unescape("\n".join(texts(at.get_by_key(f"fit-path-{rank}"))))


def test_paths_ranked_with_quotes_and_what_the_corpus_does_not_cover(
    small_index: Built, use_dirs: Point
) -> None:
    at = rank(open_tab(start(small_index, use_dirs), FIT_TAB), DESCRIPTION)
    result = at.session_state["fit"]
    assert len(result.paths) >= 2
    first = card(at, 1)
    assert first.startswith(f"#### 1. {result.paths[0].title}")
    quote = (result.paths[0].pros or result.paths[0].cons)[0]
    assert f"“{quote.text}”" in first and quote.source in first  # quoted and cited
    said = "what you enjoy" if quote.preference.wanted else "what you would rather avoid"
    assert f"{said}: *{quote.preference.topic}*" in unescape(first)  # the reader's phrase
    unmatched = unescape("\n".join(texts(at.get_by_key("fit-unmatched"))))
    assert "says nothing about “underwater basket weaving”" in unmatched
    assert "underwater" not in first


def test_a_description_without_preferences_is_one_line(small_index: Built, use_dirs: Point) -> None:
    at = rank(open_tab(start(small_index, use_dirs), FIT_TAB), "and, but.")
    assert len(at.error) == 1 and at.error[0].value.startswith("No likes or dislikes")


def test_the_ranking_survives_a_reload(small_index: Built, use_dirs: Point) -> None:
    at = rank(open_tab(start(small_index, use_dirs), FIT_TAB), DESCRIPTION)
    again = open_tab(visit(small_index, use_dirs, at.session_state["session"]), FIT_TAB)
    assert again.session_state["fit"] == at.session_state["fit"]
    assert card(again, 1) == card(at, 1)


def test_paths_with_more_against_than_for_are_set_apart(
    small_index: Built, use_dirs: Point
) -> None:
    at = rank(open_tab(start(small_index, use_dirs), FIT_TAB), "I hate coordinating projects")
    result = at.session_state["fit"]
    assert result.paths and all(fit.score <= 0 for fit in result.paths)
    assert any("Less of a fit" in m.value for m in at.markdown)


def test_a_corpus_without_career_paths_says_so_instead_of_ranking(
    pathless_index: Built, use_dirs: Point
) -> None:
    """Not "the corpus says nothing about mentoring" when it does, only about no path."""
    at = open_tab(start(pathless_index, use_dirs), FIT_TAB)
    said = unescape("\n".join(texts(at.get_by_key("fit-no-paths"))))
    assert "describe no career paths" in said and "`family`" in said
    assert not at.text_area  # no form that could only mislead
