"""The career-path map tab: families → paths → next steps, and one path's description."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from assistant import Assistant, AssistantError
from assistant.taxonomy import FAMILIES, CareerPath
from ui.render import career_map_dot, document_markdown, escape_inline, family_badge


def career_paths(assistant: Assistant) -> list[CareerPath]:
    """The indexed paths in map order: family as in ``FAMILIES``, then title."""
    try:
        paths = assistant.career_paths()
    except AssistantError:
        return []
    order = {slug: i for i, slug in enumerate(FAMILIES)}
    return sorted(paths, key=lambda p: (order.get(p.family, len(order)), p.family, p.title))


def show(assistant: Assistant, paths: Sequence[CareerPath], highlighted: Sequence[str]) -> None:
    """Families → paths → next steps; the latest answer's paths in orange."""
    if not paths:
        st.info("No career-path files are indexed yet.")
        return
    by_slug = {p.slug: p for p in paths}
    slugs = list(by_slug)
    first = slugs.index(highlighted[0]) if highlighted and highlighted[0] in by_slug else 0
    graph, details = st.columns([3, 2])
    with details:
        slug = st.selectbox(
            "Career path", slugs, index=first, format_func=lambda s: by_slug[s].title
        )
        path_details(assistant, by_slug[slug])
    with graph:
        st.graphviz_chart(career_map_dot(paths, FAMILIES, highlighted, slug), width="stretch")
        st.caption(
            "Orange: paths the latest answer quotes. Bold border: the path shown on the "
            "right. Dashed: next steps named in each path file."
        )


def path_details(assistant: Assistant, path: CareerPath) -> None:
    st.markdown(f"### {escape_inline(path.title)} {family_badge(path.family, FAMILIES)}")
    facts = []
    if path.aliases:
        facts.append("Also called: " + ", ".join(escape_inline(a) for a in path.aliases))
    if path.next_steps:
        facts.append("Next steps: " + " → ".join(escape_inline(s) for s in path.next_steps))
    if facts:
        st.caption("  \n".join(facts))
    try:
        text = assistant.document_text(path.source)
    except AssistantError:
        text = ""
    if text:
        st.markdown(document_markdown(text))
        st.caption(f"Source: {escape_inline(path.source)}")
