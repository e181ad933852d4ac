"""Streamlit rendering of answers, passages, comparisons and abstentions.

Every string that came from the corpus (text, titles, sections, file names) passes
through :mod:`ui.render` before reaching ``st.markdown``; nothing here enables HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import streamlit as st

from assistant import Answer, Comparison, Passage
from assistant.taxonomy import FAMILIES, CareerPath
from ui.render import (
    HIGHLIGHT,
    escape_inline,
    family_badge,
    family_label,
    highlight_markdown,
    relevance_bar,
)

#: Shown on a first visit and after an abstention; all answerable from the real corpus.
EXAMPLE_QUESTIONS = (
    "What does a technical program manager do?",
    "How is a staff engineer different from an architect?",
    "PM vs TPM: what is the difference?",
    "What skills does an engineering manager need?",
)

#: The breadcrumb separator the library uses in section labels.
CRUMB = " \u203a "
SectionKey = tuple[str, int]  # (source, passage start): the section holding the passage


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


def error(message: str) -> None:
    """An error line; library messages can quote file names, so they are escaped too."""
    st.error(escape_inline(message), icon=":material/error:")


def citation(rank: int) -> str:
    return f"**\\[{rank}\\]**"


def answer_markdown(answer: Answer) -> str:
    """The extractive answer: verbatim sentences, each followed by its bold ``[n]``."""
    return " ".join(f"{escape_inline(s.text)} {citation(s.citation)}" for s in answer.sentences)


def example_buttons(questions: Sequence[str], key: str, pick: Callable[[str], None]) -> None:
    """Clickable example questions; ``pick`` queues the question for the next run."""
    columns = st.columns(len(questions))
    for i, (column, question) in enumerate(zip(columns, questions, strict=True)):
        column.button(question, key=f"{key}-{i}", on_click=pick, args=(question,), width="stretch")


def coverage_markdown(paths: Sequence[CareerPath]) -> str:
    """What the corpus covers: each family and its paths, as a Markdown list."""
    by_family: dict[str, list[str]] = {}
    for path in paths:
        by_family.setdefault(path.family, []).append(path.title)
    order = [f for f in FAMILIES if f in by_family] + sorted(set(by_family) - set(FAMILIES))
    return "\n".join(
        f"- **{escape_inline(family_label(f, FAMILIES))}**: "
        + ", ".join(escape_inline(t) for t in sorted(by_family[f]))
        for f in order
    )


def show_turn(
    turn: Turn,
    index: int,
    latest: bool,
    paths: Sequence[CareerPath],
    pick: Callable[[str], None],
) -> None:
    """A question and its answer as a pair of chat messages."""
    with st.chat_message("user"):
        st.markdown(escape_inline(turn.question))
        if turn.family:
            st.caption(f"only {escape_inline(family_label(turn.family, FAMILIES))}")
    with st.chat_message("assistant"):
        if turn.error:
            error(turn.error)
        elif turn.answer is not None and turn.answer.abstained:
            show_abstention(turn.answer, paths, f"t{index}", pick)
        elif turn.answer is not None:
            show_answer(turn, f"t{index}", expanded=latest)


def show_answer(turn: Turn, key: str, expanded: bool) -> None:
    """Answer, optional comparison, then the passages (collapsed for older turns)."""
    answer = turn.answer
    assert answer is not None
    with st.container(key=f"{key}-answer"):
        st.markdown(answer_markdown(answer))
    total = answer.timings_ms.get("total", 0.0)
    st.caption(f"{len(answer.passages)} passages · {total:.0f} ms")
    if answer.compare is not None:
        show_comparison(answer.compare, answer.passages, turn.context, key)
    if expanded:
        show_passages(answer.passages, turn.context, key)
    else:
        with st.expander(f"{len(answer.passages)} passages"):
            show_passages(answer.passages, turn.context, key)


def show_passages(passages: Sequence[Passage], context: Mapping[SectionKey, str], key: str) -> None:
    for passage in passages:
        show_passage(passage, context.get((passage.source, passage.start), ""), key)


def show_passage(passage: Passage, section_text: str, key: str) -> None:
    """A card: rank, title and section, family badge, file, relevance, highlighted text."""
    with st.container(border=True, key=f"{key}-passage-{passage.rank}"):
        crumb = escape_inline(passage.title)
        if passage.section:
            crumb += CRUMB + escape_inline(passage.section)
        badge = family_badge(passage.family, FAMILIES) if passage.family else ""
        st.markdown(f"{citation(passage.rank)} **{crumb}** {badge}")
        st.caption(f"{escape_inline(passage.source)} · relevance {relevance_bar(passage.score)}")
        st.markdown(passage_markdown(passage))
        if section_text and section_text.strip() != passage.text.strip():
            with st.expander("Surrounding section"):
                st.markdown(_in_context(section_text, passage.text))


def _in_context(section_text: str, passage_text: str) -> str:
    """The section, with the passage's own text marked so the reader can find it."""
    start = section_text.find(passage_text)
    spans = [(start, start + len(passage_text))] if start >= 0 else []
    return _highlighted(section_text, tuple(spans), "blue-background")


def passage_markdown(passage: Passage) -> str:
    """The passage text, escaped, with its answering sentences highlighted."""
    spans = tuple((h.start, h.end) for h in passage.highlights)
    return _highlighted(passage.text, spans, HIGHLIGHT)


@functools.lru_cache(maxsize=512)
def _highlighted(text: str, spans: tuple[tuple[int, int], ...], style: str) -> str:
    """Memoised: every rerun re-renders the whole conversation from the same texts."""
    return highlight_markdown(text, spans, style)


def show_comparison(
    comparison: Comparison,
    passages: Sequence[Passage],
    context: Mapping[SectionKey, str],
    key: str,
) -> None:
    """The two named paths side by side, each passage cited with its source."""
    ranks = {p.chunk_id: p.rank for p in passages}
    st.markdown(
        f"**Compared:** {escape_inline(comparison.left.title)} vs "
        f"{escape_inline(comparison.right.title)}"
    )
    for column, side, name in zip(
        st.columns(2), (comparison.left, comparison.right), ("left", "right"), strict=True
    ):
        with column, st.container(key=f"{key}-compare-{name}"):
            st.markdown(f"#### {escape_inline(side.title)} {family_badge(side.family, FAMILIES)}")
            for passage in side.passages:
                with st.container(border=True):
                    st.markdown(passage_markdown(passage))
                    rank = ranks.get(passage.chunk_id)
                    cited = f" · {citation(rank)}" if rank is not None else ""
                    st.caption(
                        f"{escape_inline(passage.title)}{CRUMB}{escape_inline(passage.section)}"
                        f" · {escape_inline(passage.source)}{cited}"
                    )


def show_abstention(
    answer: Answer, paths: Sequence[CareerPath], key: str, pick: Callable[[str], None]
) -> None:
    """Say plainly the corpus does not cover it, what it does cover, and what to ask."""
    with st.container(key=f"{key}-abstain"):
        reason = answer.reason or "the corpus does not cover this."
        st.info(escape_inline(reason[:1].upper() + reason[1:]), icon=":material/explore_off:")
        if paths:
            st.markdown("**What it covers**, by family:")
            st.markdown(coverage_markdown(paths))
        st.markdown("**Questions it can answer:**")
        example_buttons(EXAMPLE_QUESTIONS[:3], f"{key}-example", pick)
