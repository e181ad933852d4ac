"""The organisation on the page: the sidebar's filter box and the card's caption."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from ui.render import card_caption
from ui.sidebar import organisation_choices


def _sidebar_script() -> None:
    import streamlit as st

    from ui.sidebar import answer_options

    owners = st.session_state.get("owners", [])
    options = answer_options(5, ["management", "other"], owners)
    st.write(f"organisation={options.organisation!r}")


def _page(owners: list[str]) -> AppTest:
    at = AppTest.from_function(_sidebar_script, default_timeout=30)
    at.session_state["owners"] = owners
    return at.run()


def test_the_filter_box_lists_the_organisations_and_chooses_one() -> None:
    at = _page(["Globex", "Acme Robotics", ""])
    box = next(box for box in at.selectbox if box.label == "Organisation")
    assert box.options == ["All organisations", "Acme Robotics", "Globex"]
    assert "organisation=None" in at.markdown[-1].value
    box.select("Globex").run()
    assert "organisation='Globex'" in at.markdown[-1].value


def test_one_organisation_needs_no_box() -> None:
    at = _page(["Acme Robotics"])
    assert [box.label for box in at.selectbox] == ["Career family"]
    assert organisation_choices(["Acme", "", "acme"]) == {
        "": "All organisations",
        "Acme": "Acme",
        "acme": "acme",
    }


def test_the_card_caption_names_the_organisation_escaped() -> None:
    assert card_caption("acme/ladder.md", "Acme Robotics") == r"Acme Robotics · acme\/ladder\.md"
    assert card_caption("notes.md") == r"notes\.md"
    caption = card_caption("c.md", "[Evil](javascript:x)", "reader comment by Dale")
    assert "](" not in caption and caption.endswith("reader comment by Dale")
