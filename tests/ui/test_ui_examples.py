"""Example questions follow the family filter, on the page and in the choice behind it."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from assistant import Assistant, Settings
from assistant.taxonomy import OTHER_FAMILY, CareerPath
from ui.examples import MAX_EXAMPLES, USUAL, choose

from .test_ui_app import Point, passages, start, submit
from .ui_support import Built

FIXTURE_DOCUMENT = "Growing after senior engineer"  # the small corpus's only other document


def offered(at: AppTest, key: str = "welcome") -> list[str]:
    return [b.label for b in at.button if b.key and b.key.startswith(f"{key}-")]


def named_families(built: Built, question: str) -> set[str]:
    """The families of the paths a question names, as the index reads it."""
    store = Assistant(Settings.from_env(corpus_dir=built.corpus, index_dir=built.index)).store()
    return {m.path.family for m in store.taxonomy.mentions(question)}


def test_management_filter_offers_only_management_paths_and_keeps_the_filter(
    small_index: Built, use_dirs: Point
) -> None:
    at = start(small_index, use_dirs)
    unfiltered = offered(at)
    assert {f for q in unfiltered for f in named_families(small_index, q)} > {"management"}
    at.selectbox(key="family").set_value("management").run()
    examples = offered(at)
    assert examples
    for question in examples:
        assert named_families(small_index, question) == {"management"}, question

    at.button(key="welcome-0").click().run()
    assert not at.exception and not at.error
    turn = at.session_state["turns"][0]
    assert (turn.question, turn.family) == (examples[0], "management")
    assert not turn.answer.abstained
    assert {p.family for p in passages(at)} == {"management"}
    assert at.selectbox(key="family").value == "management"


def test_other_documents_filter_offers_the_documents_titles(
    small_index: Built, use_dirs: Point
) -> None:
    at = start(small_index, use_dirs)
    at.selectbox(key="family").set_value(OTHER_FAMILY).run()
    examples = offered(at)
    assert examples and all(FIXTURE_DOCUMENT in q for q in examples)
    assert all(not named_families(small_index, q) for q in examples)

    at.button(key="welcome-0").click().run()
    turn = at.session_state["turns"][0]
    assert (turn.question, turn.family) == (examples[0], OTHER_FAMILY)
    assert {p.family for p in passages(at)} == {""}


def test_a_refusal_offers_examples_of_the_active_filter(
    small_index: Built, use_dirs: Point
) -> None:
    at = start(small_index, use_dirs)
    at.selectbox(key="family").set_value("management").run()
    submit(at, "how do I descale a kettle")
    assert at.session_state["turns"][0].answer.abstained
    examples = offered(at, "t0-example")
    assert examples
    assert all(named_families(small_index, q) == {"management"} for q in examples)


def test_without_a_filter_the_usual_examples_stay_only_if_the_index_holds_their_paths(
    small_index: Built, use_dirs: Point
) -> None:
    """The small corpus has a TPM, an engineering manager and a staff engineer, but no
    architect and no product manager."""
    examples = offered(start(small_index, use_dirs))
    usual = {e.question for e in USUAL}
    assert "What does a technical program manager do?" in examples
    assert "What skills does an engineering manager need?" in examples
    assert "How is a staff engineer different from an architect?" not in examples
    assert "PM vs TPM: what is the difference?" not in examples
    assert [q for q in examples if q not in usual]  # the free places are filled from the index
    assert len(examples) == MAX_EXAMPLES


def test_choose_compares_two_paths_of_one_family_and_never_repeats() -> None:
    paths = [
        CareerPath("a", "Alpha Lead", "management"),
        CareerPath("b", "Beta Engineer", "individual-contributor"),
        CareerPath("c", "Gamma Engineer", "individual-contributor"),
    ]
    assert choose(paths, ["Notes"], ["what does an alpha lead do?"]) == [
        "what does an alpha lead do?",  # the kept question; the same one made again is dropped
        "Beta Engineer or Gamma Engineer?",
        "What does a Beta Engineer do?",
        "What does a Gamma Engineer do?",
    ]
    assert choose([], ["Notes", "Plans"], []) == [
        "What is “Notes” about?",
        "What is “Plans” about?",
    ]
