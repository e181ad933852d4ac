"""The real page script under Streamlit's AppTest, over a small real corpus and model."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Block

from assistant import Assistant, Settings
from assistant.engine import shared_embedder
from ui.resources import rebuild_job
from ui.sidebar import ALL_FAMILIES

from .ui_support import APP, Built, unescape, write_corpus

TIMEOUT = 60  # the first question in the process loads the model
Point = Callable[[Built], Built]

NEW_ARTICLE = b"""---
title: Open source maintainer
---
# Open source maintainer

## Funding

A senior engineer can become a full-time open source maintainer, paid by sponsorships,
foundation grants and support contracts from the companies that depend on the project.
"""


def start(built: Built, point: Point) -> AppTest:
    point(built)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    return at


def open_tab(at: AppTest, label: str) -> AppTest:
    """Switch tabs as a click on the tab does: only the open tab's content runs."""
    at.session_state["tab"] = label
    at.run()
    assert not at.exception
    return at


def submit(at: AppTest, question: str) -> AppTest:
    at.chat_input[0].set_value(question).run()
    assert not at.exception
    return at


def texts(node: Any) -> list[str]:
    """Every Markdown/caption/alert body inside an element or block, in order."""
    if isinstance(node, Block):
        return [text for child in node.children.values() for text in texts(child)]
    value = getattr(node, "value", None)
    return [value] if isinstance(value, str) else []


def _has_key(at: AppTest, key: str) -> bool:
    try:
        at.get_by_key(key)
    except KeyError:
        return False
    return True


def card(at: AppTest, turn: int, rank: int) -> str:
    return "\n".join(texts(at.get_by_key(f"t{turn}-passage-{rank}")))


def passages(at: AppTest, turn: int = -1) -> tuple[Any, ...]:
    answer = at.session_state["turns"][turn].answer
    assert answer is not None
    return tuple(answer.passages)


def all_markdown(at: AppTest) -> list[Any]:
    return [*at.markdown, *at.caption, *at.info, *at.error, *at.warning, *at.success]


def wait_for_rebuild(at: AppTest, seconds: float = 60) -> None:
    """Rerun the page until the rebuild job has reported (the browser polls instead)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        at.run()
        if at.session_state["seen_generation"] > 0 and "rebuild_result" in at.session_state:
            return
        time.sleep(0.2)
    raise AssertionError("the rebuild did not finish")


def test_question_shows_passages_with_sources_and_highlights(
    small_index: Built, use_dirs: Point
) -> None:
    at = submit(start(small_index, use_dirs), "What does a technical program manager do?")
    assert not at.error
    found = passages(at)
    assert found and found[0].source == "paths/technical-program-manager.md"
    first = card(at, 0, 1)
    assert "**\\[1\\]**" in first
    assert "Technical Program Manager" in unescape(first)
    assert "paths/technical-program-manager.md" in unescape(first)
    assert ":orange-background[" in first  # the answering sentence is highlighted
    answer = "\n".join(texts(at.get_by_key("t0-answer")))
    assert "**\\[1\\]**" in answer
    assert unescape(found[0].highlights[0].text) in unescape(answer)


def test_off_topic_question_abstains_and_says_what_is_covered(
    small_index: Built, use_dirs: Point
) -> None:
    at = submit(start(small_index, use_dirs), "how do I descale a kettle")
    assert not at.error
    shown = unescape("\n".join(texts(at.get_by_key("t0-abstain"))))
    assert "does not cover" in shown
    for covered in ("Management", "Technical Program Manager", "Staff Engineer"):
        assert covered in shown
    assert at.button(key="t0-example-0").label  # questions it can answer, clickable
    assert at.session_state["turns"][0].answer.abstained
    with pytest.raises(KeyError):
        at.get_by_key("t0-passage-1")


def test_a_refused_question_about_fit_points_to_the_fit_tab(
    small_index: Built, use_dirs: Point
) -> None:
    at = submit(start(small_index, use_dirs), "I love baking sourdough, which path suits me?")
    assert at.session_state["turns"][0].answer.abstained
    shown = unescape("\n".join(texts(at.get_by_key("t0-abstain"))))
    assert "Which path fits me?" in shown
    plain = submit(start(small_index, use_dirs), "how do I descale a kettle")
    assert "Which path fits me?" not in unescape("\n".join(texts(plain.get_by_key("t0-abstain"))))


@pytest.mark.parametrize("question", ["", "   \n\t "])
def test_empty_question_shows_guidance_not_error(
    small_index: Built, use_dirs: Point, question: str
) -> None:
    at = submit(start(small_index, use_dirs), question)
    assert not at.error
    assert any("Type a question" in info.value for info in at.info)
    assert at.session_state["turns"] == []


def test_bad_input_is_a_one_line_error(small_index: Built, use_dirs: Point) -> None:
    """Invisible format characters pass the page's blank check; the library refuses them."""
    at = submit(start(small_index, use_dirs), "\u200b\u200b\u2060")
    assert len(at.error) == 1
    assert "question is empty" in at.error[0].value and "\n" not in at.error[0].value


def test_an_over_long_question_is_refused_in_one_line_not_dropped(
    small_index: Built, use_dirs: Point
) -> None:
    """The chat box has no max_chars: the browser would drop a longer paste silently."""
    at = submit(start(small_index, use_dirs), "what does a TPM do? " * 150)
    assert not at.chat_input[0].max_chars  # 0: no limit in the browser
    assert len(at.error) == 1 and "the limit is 2,000" in unescape(at.error[0].value)
    assert unescape(at.error[0].value).startswith("The question is 2,999 characters")


def test_example_question_button_asks_it(small_index: Built, use_dirs: Point) -> None:
    at = start(small_index, use_dirs)
    example = at.button(key="welcome-0")
    example.click().run()
    assert not at.exception and not at.error
    assert at.session_state["turns"][0].question == example.label
    assert passages(at)


def test_family_filter_narrows_results(small_index: Built, use_dirs: Point) -> None:
    question = "What do I need to move into management?"
    at = submit(start(small_index, use_dirs), question)
    assert len({p.family for p in passages(at)}) > 1
    at.selectbox(key="family").set_value("management").run()
    submit(at, question)
    narrowed = passages(at)
    assert narrowed and {p.family for p in narrowed} == {"management"}
    badges = [card(at, 1, p.rank) for p in narrowed]
    assert all(":violet-badge[Management]" in b for b in badges)


def test_html_in_a_passage_is_rendered_as_text(small_index: Built, use_dirs: Point) -> None:
    at = submit(
        start(small_index, use_dirs), "What does the quarterly office snack budget pay for?"
    )
    rank = next(p.rank for p in passages(at) if p.section.endswith("Snacks"))
    shown = card(at, 0, rank)
    literal = unescape(shown)
    assert "<script>" not in literal  # raw HTML is dropped at ingestion, never rendered
    # a javascript: link target is dropped at ingestion; its text stays, never a link
    assert "the snack policy" in literal and "javascript:" not in literal
    assert ":red[never]" in literal and "$5" in literal and "cookies" in literal
    for element in all_markdown(at):
        assert "<script>" not in element.value
        assert not getattr(element.proto, "allow_html", False)
    assert not at.get("html")


def test_rerun_that_asks_nothing_does_not_touch_the_model(
    small_index: Built, use_dirs: Point, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = submit(start(small_index, use_dirs), "What does a staff engineer do?")
    answer = at.session_state["turns"][0].answer
    settings = Settings.from_env()
    embedder = shared_embedder(settings.model_path, settings.embed_backend, settings.onnx_cache_dir)
    calls: list[str] = []

    def counted(text: str) -> np.ndarray:
        calls.append(text)
        raise AssertionError("a rerun embedded a query")

    monkeypatch.setattr(embedder, "embed_query", counted)
    monkeypatch.setattr(embedder, "embed", counted)
    at.run()
    at.slider(key="k").set_value(3).run()  # changing settings does not re-ask either
    assert not at.exception and calls == []
    assert at.session_state["turns"][0].answer is answer  # rendered from state, not re-asked


def test_compare_shows_both_paths_side_by_side(small_index: Built, use_dirs: Point) -> None:
    at = submit(start(small_index, use_dirs), "engineering manager vs technical program manager")
    compare = at.session_state["turns"][0].answer.compare
    assert compare is not None
    left = unescape("\n".join(texts(at.get_by_key("t0-compare-left"))))
    right = unescape("\n".join(texts(at.get_by_key("t0-compare-right"))))
    assert compare.left.title in left and compare.right.title in right
    assert compare.left.passages[0].source in left  # each side's passages are cited
    assert compare.right.passages[0].source in right
    # Each card once: the list under the columns holds only passages they do not show.
    answer = at.session_state["turns"][0].answer
    beside = {p.chunk_id for p in [*compare.left.passages, *compare.right.passages]}
    listed = {p.rank for p in answer.passages if _has_key(at, f"t0-passage-{p.rank}")}
    assert listed == {p.rank for p in answer.passages if p.chunk_id not in beside}


def test_a_question_asked_as_a_rebuild_finishes_is_not_lost(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    """The run that reports the finished rebuild reruns the page; the question survives it."""
    built = small_index.copy(tmp_path)
    at = start(built, use_dirs)
    write_corpus(built.corpus, {"notes/extra.md": "# Extra\n\nA short extra note."})
    at.button(key="rebuild").click().run()
    job = rebuild_job(str(built.corpus), str(built.index))
    deadline = time.monotonic() + 60
    while job.snapshot().running and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not job.snapshot().running
    submit(at, "What does a technical program manager do?")  # this run sees it finished
    assert not at.error and passages(at, 0)
    assert "rebuild_result" in at.session_state


def test_corrupt_index_shows_a_one_line_error(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built = small_index.copy(tmp_path)
    for vectors in built.index.glob("builds/*/vectors.npy"):
        vectors.write_bytes(vectors.read_bytes()[:100])
    at = start(built, use_dirs)
    submit(at, "What does a technical program manager do?")
    assert at.error
    for error in at.error:
        assert "\n" not in error.value and "Traceback" not in error.value
    assert "Update search index" in at.session_state["turns"][0].error


def test_missing_index_is_built_on_first_visit(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"paths/x.md": "", **_files(small_index)})
    at = start(Built(corpus, tmp_path / "index"), use_dirs)
    assert at.chat_input[0].disabled  # until the index exists
    wait_for_rebuild(at)
    assert not at.chat_input[0].disabled
    submit(at, "What does a technical program manager do?")
    assert passages(at)
    assert any("skipped paths/x.md" in unescape(m.value) for m in at.markdown)  # a warning


def test_empty_corpus_reports_the_problem(use_dirs: Point, tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    at = start(Built(tmp_path / "corpus", tmp_path / "index"), use_dirs)
    wait_for_rebuild(at)
    assert any("holds no readable" in e.value for e in at.error)
    assert not at.exception


def _files(built: Built) -> dict[str, str]:
    return {
        p.relative_to(built.corpus).as_posix(): p.read_text() for p in built.corpus.rglob("*.md")
    }


def test_family_box_always_shows_a_choice(small_index: Built, use_dirs: Point) -> None:
    """ "All families" is a real option value: a None value shows "Choose an option"."""
    at = submit(start(small_index, use_dirs), "What does a staff engineer do?")
    family = at.selectbox(key="family")
    assert family.value == ALL_FAMILIES and family.index == 0
    assert at.session_state["turns"][0].family is None  # no filter reaches the library
    submit(at, "What does an engineering manager do?")
    assert at.selectbox(key="family").value == ALL_FAMILIES


def test_cards_show_no_score_only_their_order(small_index: Built, use_dirs: Point) -> None:
    at = submit(start(small_index, use_dirs), "What does a technical program manager do?")
    for passage in passages(at):
        shown = card(at, 0, passage.rank)
        assert f"{passage.score:.2f}" not in shown and "relevance" not in shown.lower()


def test_sidebar_speaks_plainly(small_index: Built, use_dirs: Point) -> None:
    at = start(small_index, use_dirs)
    shown = unescape(" ".join(texts(at.sidebar)))
    assert "documents" in shown and "passages" in shown
    assert at.button(key="rebuild").label == "Update search index"
    assert at.slider(key="k").label == "Passages per answer"
    for jargon in ("Chunks", "chunks", "Re-embed", "embedding"):
        assert jargon not in shown


def test_family_box_offers_only_the_families_the_corpus_holds(
    small_index: Built, pathless_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    """A family without a document could only ever be refused ("not in Management")."""
    built = small_index.copy(tmp_path)
    at = start(built, use_dirs)  # no Business and Sales path in the small corpus
    assert at.selectbox(key="family").options == [
        "All families",
        "Individual Contributor",
        "Management",
        "Business / Process",
        "Other documents",
    ]
    at.selectbox(key="family").set_value("management").run()
    (built.corpus / "paths" / "engineering-manager.md").unlink()  # its only path goes
    Assistant(Settings.from_env(corpus_dir=built.corpus, index_dir=built.index)).rebuild()
    at.run()
    assert not at.exception
    family = at.selectbox(key="family")
    assert family.value == ALL_FAMILIES and "Management" not in family.options

    at = start(pathless_index, use_dirs)  # a company's own documents, no career path
    assert at.selectbox(key="family").options == ["All families", "Other documents"]


def test_other_documents_is_a_family_choice(small_index: Built, use_dirs: Point) -> None:
    at = start(small_index, use_dirs)
    family = at.selectbox(key="family")
    assert family.options[-1] == "Other documents"
    family.set_value("other").run()
    submit(at, "What comes next after senior engineer?")
    assert {p.family for p in passages(at)} == {""}
    assert "only Other documents" in unescape(" ".join(c.value for c in at.caption))


def test_two_documents_compared_are_named_as_they_write_themselves(
    pathless_index: Built, use_dirs: Point
) -> None:
    """Not "Compared: handbook vs promotion guide", as the question was read."""
    at = submit(start(pathless_index, use_dirs), "handbook vs promotion guide")
    compare = at.session_state["turns"][0].answer.compare
    assert compare is not None
    shown = unescape(" ".join(m.value for m in at.markdown))
    assert "**Compared:** Handbook vs Promotion guide" in shown
    assert "#### Handbook" in shown and "#### Promotion guide" in shown


def test_files_not_indexed_are_listed_after_a_restart(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    """A fresh page (no rebuild in this session) still says which files were skipped."""
    built = small_index.copy(tmp_path)
    (built.corpus / "notes" / "empty.md").parent.mkdir()
    (built.corpus / "notes" / "empty.md").write_text("")
    at = start(built, use_dirs)
    expander = next(e for e in at.sidebar.expander if "not indexed" in e.label)
    assert expander.label == "1 file not indexed"
    assert any(
        "skipped notes/empty.md: the file is empty" in unescape(c.value) for c in expander.caption
    )
    assert not any("changed since" in w.value for w in at.sidebar.warning)


def test_a_corpus_without_career_paths_is_offered_as_ones_documents(
    pathless_index: Built, small_index: Built, use_dirs: Point
) -> None:
    """A handbook's page does not call itself "career paths after senior engineer"."""
    at = start(pathless_index, use_dirs)
    assert at.title[0].value == "Your documents"
    assert at.chat_input[0].placeholder == "Ask about your documents…"
    shipped = start(small_index, use_dirs)
    assert shipped.title[0].value == "Career paths after senior engineer"


def test_a_page_still_building_its_index_keeps_the_default_title(
    pathless_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    """Until an index says the corpus has no career paths, the page does not say so."""
    at = start(Built(pathless_index.corpus, tmp_path / "index"), use_dirs)
    assert at.chat_input[0].disabled
    assert at.title[0].value == "Career paths after senior engineer"
    wait_for_rebuild(at)
    assert at.title[0].value == "Your documents"


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("¿Qué hace un gerente de ingeniería?", "The question looks like Spanish, not English"),
        ("https://example.com/staff-guide.html", "drop the file instead"),
    ],
)
def test_another_language_or_a_web_address_is_told_in_english(
    small_index: Built, use_dirs: Point, question: str, said: str
) -> None:
    at = submit(start(small_index, use_dirs), question)
    assert len(at.error) == 1 and said in unescape(at.error[0].value)
    assert at.session_state["turns"][-1].answer is None  # nothing was searched


def test_cards_name_their_organisation_and_the_box_filters_by_it(
    small_index: Built, use_dirs: Point
) -> None:
    """The small corpus's documents belong to the folders they were dropped in."""
    at = start(small_index, use_dirs)
    box = at.selectbox(key="organisation")
    assert box.options[0] == "All organisations" and len(box.options) >= 3
    submit(at, "What does the quarterly office snack budget pay for?")
    found = passages(at)
    assert all(p.organisation for p in found)
    first = found[0]
    assert f"{first.organisation} · {first.source}" in unescape(card(at, 0, first.rank))
    submit(at, "What does a TPM do?")
    owner = passages(at)[0].organisation
    at.selectbox(key="organisation").set_value(owner).run()
    submit(at, "What does a TPM do?")
    assert {p.organisation for p in passages(at)} == {owner}
