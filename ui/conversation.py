"""The Ask tab: questions, their answers, and the welcome shown before the first one.

Answers are computed once, when asked, and kept as :class:`Turn` values; every other
rerun only renders them again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import streamlit as st

from assistant import Answer, Assistant, AssistantError, IndexUnavailableError
from assistant.errors import BackendUnavailableError
from assistant.question_checks import check_question
from assistant.taxonomy import FAMILIES, CareerPath
from ui import scroll, views
from ui.render import escape_inline, family_label

log = logging.getLogger(__name__)

SectionKey = views.SectionKey
#: The tab's label, also its value in ``st.session_state["tab"]``.
ASK_TAB = ":material/forum: Ask"


@dataclass(frozen=True)
class Turn:
    """One question and what came back; kept in ``st.session_state`` and never recomputed."""

    question: str
    k: int
    family: str | None
    answer: Answer | None = None
    error: str = ""
    #: The whole section each shown passage comes from, fetched once when asked.
    context: Mapping[SectionKey, str] = field(default_factory=dict)


def pick_question(question: str) -> None:
    """Button callback: ask ``question`` on the run this click triggers, on the Ask tab."""
    st.session_state["pending"] = question
    st.session_state["tab"] = ASK_TAB


def ask(
    assistant: Assistant,
    question: str,
    k: int,
    family: str | None,
    organisation: str | None = None,
) -> Turn:
    """Ask the library; every failure becomes a one-line message on the turn."""
    try:
        check_question(question)  # another language, or a web address: said at once
        with st.spinner("Searching the corpus…"):
            answer = assistant.ask(question, k=k, family=family, organisation=organisation)
    except BackendUnavailableError as problem:  # the server, not the index: its own fix
        return Turn(question, k, family, error=str(problem))
    except IndexUnavailableError as problem:
        message = f"{problem.problem} — use “Update search index” in the sidebar"
        return Turn(question, k, family, error=message)
    except AssistantError as problem:
        return Turn(question, k, family, error=str(problem))
    except Exception as problem:  # a library bug must not show a traceback to the user
        log.exception("ask failed")
        return Turn(question, k, family, error=views.unexpected(problem))
    return Turn(question, k, family, answer=answer, context=section_context(assistant, answer))


def section_context(assistant: Assistant, answer: Answer) -> dict[SectionKey, str]:
    """The section around each passage, fetched once now rather than on every rerun."""
    passages = list(answer.passages)
    if answer.compare is not None:
        passages += [*answer.compare.left.passages, *answer.compare.right.passages]
    context: dict[SectionKey, str] = {}
    for passage in passages:
        key = (passage.source, passage.start)
        if key not in context:
            try:
                context[key] = assistant.section_text(*key)
            except AssistantError:
                context[key] = ""
    return context


def answer_paths(turns: Sequence[Turn]) -> list[str]:
    """Career-path slugs the latest answer quotes, best-ranked first, for the map.

    Only the latest turn counts: after a refusal or an error nothing is highlighted.
    """
    answer = turns[-1].answer if turns else None
    if answer is None or answer.abstained:
        return []
    found = [p.path for p in answer.passages if p.path]
    if answer.compare is not None:
        found += [answer.compare.left.path, answer.compare.right.path]
    return list(dict.fromkeys(found))


def show(
    turns: Sequence[Turn],
    paths: Sequence[CareerPath],
    examples: Sequence[str],
    notice: str,
    about: str,
    just_asked: bool = False,
) -> None:
    """The conversation so far, or the welcome when there is none; ``examples`` are the
    questions to offer under the active family filter, ``about`` what the page answers
    about (:func:`topic`); ``just_asked``: the newest turn was asked on this run, so it
    is brought into view."""
    if not turns:
        welcome(paths, examples, about)
    for i, turn in enumerate(turns):
        show_turn(turn, i, i == len(turns) - 1, paths, examples)
    if just_asked and turns:
        scroll.bring_into_view(f"t{len(turns) - 1}")
    if notice:
        st.info(notice, icon=":material/lightbulb:")


def topic(paths: Sequence[CareerPath], ready: bool) -> str:
    """What the page offers to answer about: the career paths, when the corpus describes
    any (or while no index says otherwise), else the documents a user added (a handbook
    is not "career paths after …")."""
    return "career paths after senior engineer" if paths or not ready else "your documents"


def welcome(paths: Sequence[CareerPath], examples: Sequence[str], about: str) -> None:
    st.markdown(
        f"Ask about {about}. Every answer is quoted from the corpus, with its "
        "source, and the assistant says so when the corpus has no answer."
    )
    views.example_buttons(examples, "welcome", pick_question)
    if paths:
        with st.expander("What the corpus covers"):
            st.markdown(views.coverage_markdown(paths))


def show_turn(
    turn: Turn, index: int, latest: bool, paths: Sequence[CareerPath], examples: Sequence[str]
) -> None:
    """A question and its answer as a pair of chat messages."""
    key = f"t{index}"
    with st.container(key=scroll.question_key(key)), st.chat_message("user"):
        st.markdown(escape_inline(turn.question))
        if turn.family:
            st.caption(f"only {escape_inline(family_label(turn.family, FAMILIES))}")
    with st.chat_message("assistant"):
        if turn.error:
            views.error(turn.error)
        elif turn.answer is not None and turn.answer.abstained:
            views.show_abstention(turn.answer, paths, examples, key, pick_question)
        elif turn.answer is not None:
            views.show_answer(turn.answer, turn.context, key, expanded=latest)
