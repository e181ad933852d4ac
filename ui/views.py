"""Streamlit rendering of answers, passages, comparisons and abstentions.

Every string that came from the corpus (text, titles, sections, file names) passes
through :mod:`ui.render` before reaching ``st.markdown``; nothing here enables HTML.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence

import streamlit as st

from assistant import Answer, Comparison, Passage
from assistant.errors import sentence
from assistant.taxonomy import FAMILIES, CareerPath
from ui.render import (
    HIGHLIGHT,
    card_caption,
    escape_inline,
    family_badge,
    family_label,
    highlight_markdown,
)

#: The breadcrumb separator the library uses in section labels.
SectionKey = tuple[str, int]  # (source, passage start): the section holding the passage


def unexpected(problem: Exception) -> str:
    """The one line shown for a library bug (the log keeps the traceback): what broke, and
    what the person can do about it."""
    return (
        f"Unexpected error: {type(problem).__name__}: {problem} — try again; if it "
        "happens again, the server's log has the details"
    )


def error(message: str) -> None:
    """An error line; library messages can quote file names, so they are escaped too."""
    st.error(escape_inline(sentence(message)), icon=":material/error:")


def citation(rank: int) -> str:
    return f"**\\[{rank}\\]**"


def answer_markdown(answer: Answer) -> str:
    """The extractive answer: verbatim sentences, each followed by its bold ``[n]``; a
    reader comment is quoted and labelled as that reader's view."""
    return " ".join(
        (
            f"*A reader's view ({escape_inline(s.speaker)}):* “{escape_inline(s.text)}”"
            if s.speaker
            else escape_inline(s.text)
        )
        + f" {citation(s.citation)}"
        for s in answer.sentences
    )


def example_buttons(questions: Sequence[str], key: str, pick: Callable[[str], None]) -> None:
    """Clickable example questions, wrapped onto as many rows as the width needs (never cut).

    ``pick`` queues the question for the next run.
    """
    with st.container(horizontal=True, key=f"{key}-examples"):
        for i, question in enumerate(questions):
            st.button(question, key=f"{key}-{i}", on_click=pick, args=(question,), wrap=True)


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


def show_answer(
    answer: Answer, context: Mapping[SectionKey, str], key: str, expanded: bool
) -> None:
    """Answer, optional comparison, then the passages (collapsed for older turns)."""
    with st.container(key=f"{key}-answer"):
        st.markdown(answer_markdown(answer))
    total = answer.timings_ms.get("total", 0.0)
    st.caption(f"{len(answer.passages)} passages · {total:.0f} ms")
    passages: Sequence[Passage] = answer.passages
    label = f"{len(passages)} passages"
    if answer.compare is not None:
        show_comparison(answer.compare, answer.passages, context, key)
        shown = {p.chunk_id for side in (answer.compare.left, answer.compare.right)
                 for p in side.passages}  # fmt: skip
        passages = [p for p in passages if p.chunk_id not in shown]  # each card once
        label = f"{len(passages)} other passages"
        if passages and expanded:
            st.markdown(f"**{label}:**")
    if expanded:
        show_passages(passages, context, key)
    elif passages:
        with st.expander(label):
            show_passages(passages, context, key)


def show_passages(passages: Sequence[Passage], context: Mapping[SectionKey, str], key: str) -> None:
    for passage in passages:
        passage_card(
            passage,
            f"{key}-passage-{passage.rank}",
            cite=passage.rank,
            section_text=context.get((passage.source, passage.start), ""),
        )


def passage_card(
    passage: Passage, key: str, *, cite: int | None = None, section_text: str = ""
) -> None:
    """Every quoted passage on the page: where it comes from, then its highlighted text.

    ``cite`` is the passage's number in the answer (none when the card stands alone);
    ``section_text`` adds a "Surrounding section" expander. The card shows no score:
    its place in the list is the ranking.
    """
    with st.container(border=True, key=key):
        crumb = escape_inline(passage.section or passage.title)  # the section starts with the title
        number = f"{citation(cite)} " if cite is not None else ""
        badge = family_badge(passage.family, FAMILIES) if passage.family else ""
        st.markdown(f"{number}**{crumb}** {badge}")
        st.caption(card_caption(passage.source, passage.organisation, passage.attribution))
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
            title = escape_inline(side.title)
            st.markdown(f"#### {title} {family_badge(side.family, FAMILIES)}")
            for i, passage in enumerate(side.passages):
                passage_card(
                    passage,
                    f"{key}-compare-{name}-{i}",
                    cite=ranks.get(passage.chunk_id),
                    section_text=context.get((passage.source, passage.start), ""),
                )


#: "what paths fit me?", "which role suits someone who …": the fit tab's question.
_ASKS_FIT = re.compile(r"\b(?:fits?|suits?|right for me|best for me)\b", re.IGNORECASE)


def show_abstention(
    answer: Answer,
    paths: Sequence[CareerPath],
    examples: Sequence[str],
    key: str,
    pick: Callable[[str], None],
) -> None:
    """Say plainly the corpus does not cover it, what it does cover, and what to ask
    (``examples``: for the active filter, see :mod:`ui.examples`)."""
    with st.container(key=f"{key}-abstain"):
        reason = answer.reason or "the corpus does not cover this."
        st.info(escape_inline(sentence(reason)), icon=":material/explore_off:")
        if paths and _ASKS_FIT.search(answer.question):
            st.markdown(
                "To rank the paths by what you enjoy and what you would rather avoid, "
                "describe it in the **Which path fits me?** tab."
            )
        if paths:
            st.markdown("**What it covers**, by family:")
            st.markdown(coverage_markdown(paths))
        if examples:
            st.markdown("**Questions it can answer:**")
            example_buttons(examples[:3], f"{key}-example", pick)
