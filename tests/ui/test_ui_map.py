"""The career-path map: readable groups, the latest answer lit, a document group."""

from __future__ import annotations

import json
from typing import Any

from streamlit.testing.v1 import AppTest

from assistant.taxonomy import CareerPath
from ui.app import ASK_TAB, MAP_TAB
from ui.career_map import map_data, path_question

from .test_ui_app import Point, open_tab, start, submit
from .ui_support import Built, unescape


def drawn(at: AppTest) -> dict[str, Any]:
    """The JSON the map component was given (its only input besides our fixed code)."""
    (component,) = [
        c
        for c in at.get("bidi_component")
        if c.proto.component_name.endswith("career_assistant.career_map")
    ]
    data: dict[str, Any] = json.loads(component.proto.json)
    return data


def nodes(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for group in data["groups"] for node in group["nodes"]}


def test_map_groups_paths_by_family_and_other_documents(
    small_index: Built, use_dirs: Point
) -> None:
    at = open_tab(start(small_index, use_dirs), MAP_TAB)
    data = drawn(at)
    assert [g["label"] for g in data["groups"]] == [
        "Individual Contributor", "Management", "Business / Process", "Other documents",
    ]  # fmt: skip
    shown = nodes(data)
    assert shown["engineering-manager"]["next"] == ["Director of Engineering"]
    assert shown["doc:articles/growing.md"]["label"] == "Growing after senior engineer"
    assert not any(node["lit"] for node in shown.values())  # nothing asked yet


def test_map_lights_the_latest_answer_and_shows_its_path(
    small_index: Built, use_dirs: Point
) -> None:
    at = submit(start(small_index, use_dirs), "What does a technical program manager do?")
    open_tab(at, MAP_TAB)
    shown = nodes(drawn(at))
    assert shown["technical-program-manager"]["lit"]
    assert shown["technical-program-manager"]["selected"]
    assert at.selectbox(key="map-detail").value == "technical-program-manager"
    text = unescape("\n".join(m.value for m in at.markdown))
    assert "### Technical Program Manager" in text and "coordinates several projects" in text

    at.selectbox(key="map-detail").set_value("doc:articles/growing.md").run()
    text = unescape("\n".join(m.value for m in at.markdown))
    assert "### Growing after senior engineer" in text and "Other documents" in text


def test_after_a_refusal_nothing_is_lit(small_index: Built, use_dirs: Point) -> None:
    at = submit(start(small_index, use_dirs), "What does a technical program manager do?")
    submit(at, "how do I descale a kettle")
    open_tab(at, MAP_TAB)
    assert not any(node["lit"] for node in nodes(drawn(at)).values())


def test_map_data_is_text_only_and_caps_other_documents() -> None:
    hostile = CareerPath("x", "<img src=x onerror=alert(1)>", "management")
    others = [(f"uploads/{i}.md", f"Doc {i}") for i in range(20)]
    data = map_data([hostile], others, lit=["x"], selected="")
    assert nodes(data)["x"]["label"] == "<img src=x onerror=alert(1)>"  # set as textContent
    other = data["groups"][-1]
    assert len(other["nodes"]) == 12 and other["more"].startswith("and 8 more")


def test_a_path_click_asks_what_it_does() -> None:
    assert path_question("Staff Engineer") == "What does a Staff Engineer do?"
    assert path_question("Engineering Manager") == "What does an Engineering Manager do?"


def _click_script() -> None:
    """Runs under AppTest: the map's click callback, fed what the component reports."""
    import streamlit as st

    from ui.career_map import KEY, clicked

    st.session_state[KEY] = {"clicked": st.session_state["node"]}
    clicked({"staff": "Staff Engineer", "doc:notes.md": "Notes"})


def test_the_click_callback_queues_the_question_on_the_ask_tab() -> None:
    """The browser test clicks a real node; this pins what the callback does with it."""
    at = AppTest.from_function(_click_script)
    at.session_state["node"] = "staff"
    at.run()
    assert at.session_state["pending"] == "What does a Staff Engineer do?"
    assert at.session_state["tab"] == ASK_TAB and at.session_state["map-detail"] == "staff"

    at = AppTest.from_function(_click_script)
    at.session_state["node"] = "doc:notes.md"
    at.run()
    assert "pending" not in at.session_state  # a document is shown, not asked about
    assert at.session_state["map-detail"] == "doc:notes.md"


def test_without_career_paths_the_map_is_a_list_of_ones_own_documents(
    pathless_index: Built, use_dirs: Point
) -> None:
    """No "Senior engineer can move on to…" a handbook, no talk of paths to click."""
    at = open_tab(start(pathless_index, use_dirs), MAP_TAB)
    data = drawn(at)
    assert (data["root"], data["hint"]) == ("Your documents", "click one to read it")
    assert [g["label"] for g in data["groups"]] == ["Other documents"]
    shown = unescape(" ".join(c.value for c in at.caption))
    assert "No career path is indexed" in shown and "Click a path" not in shown
    assert map_data([], [("a.md", "A")], lit=[], selected="")["root"] == "Your documents"
