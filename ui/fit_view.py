"""The "Which path fits me?" tab: describe what you enjoy and avoid, get paths ranked.

A thin view over :meth:`assistant.Assistant.fit`: every line it shows under a path is a
quoted corpus sentence with its source; the person's own words are shown as theirs.
"""

from __future__ import annotations

import logging

import streamlit as st

from assistant import Assistant, AssistantError, FitResult
from assistant.fit import Evidence, PathFit
from assistant.taxonomy import FAMILIES
from ui import views
from ui.history import History
from ui.render import escape_inline, family_badge

log = logging.getLogger(__name__)

TAB = ":material/explore: Which path fits me?"
EXAMPLE = "I enjoy working with customers and presenting; I don't want to write code all day"
#: Paths shown with their quotes; the rest are listed by name.
SHOWN = 5


def show(assistant: Assistant, ready: bool, kept: History, has_paths: bool = True) -> None:
    """The tab; ``has_paths``: whether the index holds any career path to rank."""
    if ready and not has_paths:
        no_paths()
        return
    st.markdown(
        "Say what you enjoy and what you would rather avoid. The career paths are ranked by "
        "what the corpus says about each, and every reason is a quoted sentence."
    )
    with st.form("fit-form", border=False):
        description = st.text_area(
            "What you enjoy, and what you would rather avoid",
            placeholder=f"For example: {EXAMPLE}",
            key="fit-description",
            max_chars=assistant.settings.max_question_chars,
        )
        asked = st.form_submit_button("Rank the paths for me", type="primary", disabled=not ready)
    if asked:
        run(assistant, description, kept)
    error: str = st.session_state.get("fit-error", "")
    if error:
        views.error(error)
    result: FitResult | None = st.session_state.get("fit")
    if result is not None and not error:
        show_result(result)


def no_paths() -> None:
    """Said instead of the form when there is nothing to rank: otherwise every wish would
    be reported as something "the corpus says nothing about", which is not so."""
    families = ", ".join(f"`{slug}`" for slug in FAMILIES)
    with st.container(key="fit-no-paths"):
        st.info(
            "Your documents describe no career paths, so there is nothing to rank here. "
            "A career path is a Markdown file whose front matter names its `family` "
            f"({families}). Ask about your documents on the Ask tab.",
            icon=":material/explore_off:",
        )


def run(assistant: Assistant, description: str, kept: History) -> None:
    """Rank the paths; a refusal or failure is one line, kept until the next try."""
    st.session_state["fit-error"] = ""
    try:
        with st.spinner("Reading what the corpus says about each path…"):
            result = assistant.fit(description)
    except AssistantError as problem:
        st.session_state["fit-error"] = str(problem)
        return
    except Exception as problem:  # a library bug must not show a traceback to the user
        log.exception("fit failed")
        st.session_state["fit-error"] = views.unexpected(problem)
        return
    st.session_state["fit"] = result
    kept.save_fit(st.session_state["session"], result)


def show_result(result: FitResult) -> None:
    wants = [p.topic for p in result.preferences if p.wanted]
    avoids = [p.topic for p in result.preferences if not p.wanted]
    heard = []
    for said, topics in (("you enjoy", wants), ("you would rather avoid", avoids)):
        if topics:  # the reader's own phrases ("manage a team"): after a colon they read right
            heard.append(f"{said}: " + ", ".join(f"*{escape_inline(t)}*" for t in topics))
    st.caption("Read as: " + "; ".join(heard) + ".")
    if result.unmatched:
        with st.container(key="fit-unmatched"):
            st.info(
                "The corpus says nothing about "
                + ", ".join(f"“{escape_inline(p.topic)}”" for p in result.unmatched)
                + (
                    ", so it did not count."
                    if len(result.unmatched) == 1
                    else ", so they did not count."
                ),
                icon=":material/search_off:",
            )
    if not result.paths:
        st.warning(
            "No path's passages speak to what you described. Try other words, or ask about "
            "a path on the Ask tab.",
            icon=":material/explore_off:",
        )
        return
    shown = result.paths[:SHOWN]
    for rank, fit in enumerate(shown, start=1):
        if fit.score <= 0 and (rank == 1 or shown[rank - 2].score > 0):
            st.markdown("**Less of a fit:** the corpus says more against these than for them.")
        path_card(rank, fit)
    rest = result.paths[SHOWN:]
    if rest:
        st.caption(
            "Then: " + ", ".join(escape_inline(fit.title) for fit in rest) + " (weaker or mixed)."
        )


def path_card(rank: int, fit: PathFit) -> None:
    with st.container(border=True, key=f"fit-path-{rank}"):
        st.markdown(f"#### {rank}. {escape_inline(fit.title)} {family_badge(fit.family, FAMILIES)}")
        for quote in fit.pros:
            evidence(quote, good=True)
        for quote in fit.cons:
            evidence(quote, good=False)


def evidence(quote: Evidence, good: bool) -> None:
    """One reason: which preference it answers, and the quoted sentence with its source."""
    side = "For" if good else "Against"
    colour = "green" if good else "red"
    want = "what you enjoy:" if quote.preference.wanted else "what you would rather avoid:"
    st.markdown(
        f":{colour}-badge[{side}] {want} *{escape_inline(quote.preference.topic)}*  \n"
        f"“{escape_inline(quote.text)}”"
    )
    where = quote.section or quote.title
    st.caption(f"{escape_inline(where)} · {escape_inline(quote.source)}")
