"""The career-path map tab: senior engineer → families → paths → next steps, clickable.

The map is an ``st.components.v2`` component built into Streamlit: plain HTML laid out by
CSS grid, so it fits its container and its text stays 14–15 px on a phone as on a
desktop (a Graphviz picture was scaled down to 5–9 px). Clicking a path asks "What does
a <path> do?" on the Ask tab; clicking another document shows it below the map.

The component's JavaScript is ours and fixed; corpus titles reach it only as JSON data
and are set with ``textContent``, never as HTML.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import streamlit as st

from assistant import Assistant, AssistantError
from assistant.taxonomy import FAMILIES, OTHER_FAMILY, OTHER_LABEL, CareerPath
from ui.conversation import pick_question
from ui.render import document_markdown, escape_inline, family_badge, family_label

KEY = "career-map"
DETAIL_KEY = "map-detail"
DOC_PREFIX = "doc:"
#: Documents outside the families shown on the map; the Documents tab lists them all.
MAX_OTHER_DOCUMENTS = 12
ACCENTS = {
    "individual-contributor": "#1c83e1",
    "management": "#803df5",
    "business-process": "#21c354",
    "business-sales": "#ff8700",
    OTHER_FAMILY: "#808495",
}

_CSS = """
.map { font: inherit; color: var(--st-text-color, inherit); }
.root { display: flex; align-items: center; gap: .6rem; margin-bottom: .75rem; }
.root b { border: 2px solid var(--st-text-color, #31333f); border-radius: 999px;
          padding: .35rem .9rem; font-size: 15px; }
.root span { font-size: 14px; opacity: .75; }
.families { display: grid; gap: .75rem;
            grid-template-columns: repeat(auto-fit, minmax(12.5rem, 1fr)); }
.family { border-top: 4px solid var(--accent); border-radius: .5rem; padding: .5rem .6rem;
          background: var(--st-secondary-background-color, #f0f2f6); }
.family h4 { margin: .1rem 0 .5rem; font-size: 14px; font-weight: 700; }
.family ul { list-style: none; margin: 0; padding: 0; display: grid; gap: .4rem; }
.node { width: 100%; text-align: left; font: inherit; font-size: 15px; line-height: 1.3;
        padding: .45rem .6rem; border-radius: .4rem; cursor: pointer;
        border: 1px solid rgba(49, 51, 63, .2); background: var(--st-background-color, #fff);
        color: inherit; }
.node:hover, .node:focus-visible { border-color: var(--accent); outline: none; }
.node.lit { background: #ffbd45; border-color: #e07b00; color: #31333f; }
.node.selected { box-shadow: 0 0 0 2px var(--accent); }
.next { margin: .2rem 0 0 .6rem; font-size: 13px; opacity: .8; }
.next span { display: inline-block; border: 1px dashed rgba(49, 51, 63, .4);
             border-radius: .3rem; padding: 0 .35rem; margin: .15rem .2rem 0 0; }
.more { font-size: 13px; opacity: .75; }
"""

_JS = """
export default function ({ data, parentElement, setTriggerValue }) {
  let map = parentElement.querySelector(".map");
  if (!map) {
    map = document.createElement("div");
    map.className = "map";
    parentElement.appendChild(map);
  }
  const el = (tag, cls, text) => {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  };
  map.replaceChildren();
  const root = el("div", "root");
  root.append(el("b", "", data.root), el("span", "", data.hint));
  map.append(root);
  const families = el("div", "families");
  for (const group of data.groups) {
    const section = el("section", "family");
    section.style.setProperty("--accent", group.accent);
    section.dataset.group = group.id;
    section.append(el("h4", "", group.label));
    const list = el("ul");
    for (const item of group.nodes) {
      const li = el("li");
      const button = el("button", "node", item.label);
      if (item.lit) button.classList.add("lit");
      if (item.selected) button.classList.add("selected");
      button.dataset.node = item.id;
      button.title = item.hint;
      button.onclick = () => setTriggerValue("clicked", item.id);
      li.append(button);
      if (item.next.length) {
        const next = el("div", "next", "→ ");
        for (const step of item.next) next.append(el("span", "", step));
        li.append(next);
      }
      list.append(li);
    }
    if (group.more) list.append(el("li", "more", group.more));
    section.append(list);
    families.append(section);
  }
  map.append(families);
}
"""

_MAP = st.components.v2.component("career_assistant.career_map", css=_CSS, js=_JS)


def career_paths(assistant: Assistant) -> list[CareerPath]:
    """The indexed paths in map order: family as in ``FAMILIES``, then title."""
    try:
        paths = assistant.career_paths()
    except AssistantError:
        return []
    order = {slug: i for i, slug in enumerate(FAMILIES)}
    return sorted(paths, key=lambda p: (order.get(p.family, len(order)), p.family, p.title))


def other_documents(assistant: Assistant) -> list[tuple[str, str]]:
    """(source, title) of the indexed documents outside the families, by title."""
    try:
        documents = assistant.store().documents.values()
    except AssistantError:
        return []
    return sorted(((d.source, d.title) for d in documents if not d.path and not d.family),
                  key=lambda item: item[1].casefold())  # fmt: skip


def path_question(title: str) -> str:
    """The question a click on a path asks."""
    article = "an" if title[:1].upper() in "AEIOU" else "a"
    return f"What does {article} {title} do?"


def map_data(
    paths: Sequence[CareerPath],
    others: Sequence[tuple[str, str]],
    lit: Sequence[str],
    selected: str,
) -> dict[str, Any]:
    """What the component draws: JSON only, so corpus text is never HTML."""
    by_family: dict[str, list[CareerPath]] = {}
    for path in paths:
        by_family.setdefault(path.family, []).append(path)
    groups: list[dict[str, Any]] = []
    for family, members in by_family.items():
        groups.append(
            {
                "id": family,
                "label": family_label(family, FAMILIES),
                "accent": ACCENTS.get(family, ACCENTS[OTHER_FAMILY]),
                "nodes": [
                    {
                        "id": p.slug,
                        "label": p.title,
                        "hint": path_question(p.title),
                        "lit": p.slug in lit,
                        "selected": p.slug == selected,
                        "next": list(p.next_steps),
                    }
                    for p in members
                ],
                "more": "",
            }
        )
    if others:
        shown = others[:MAX_OTHER_DOCUMENTS]
        more = len(others) - len(shown)
        groups.append(
            {
                "id": OTHER_FAMILY,
                "label": OTHER_LABEL,
                "accent": ACCENTS[OTHER_FAMILY],
                "nodes": [
                    {
                        "id": DOC_PREFIX + source,
                        "label": title,
                        "hint": "Show this document",
                        "lit": False,
                        "selected": DOC_PREFIX + source == selected,
                        "next": [],
                    }
                    for source, title in shown
                ],
                "more": f"and {more} more: see the Documents tab" if more else "",
            }
        )
    if not paths:  # one's own documents only: nobody "moves on to" a handbook
        return {"root": "Your documents", "hint": "click one to read it", "groups": groups}
    return {"root": "Senior engineer", "hint": "can move on to…", "groups": groups}


def clicked(titles: dict[str, str]) -> None:
    """Component callback: a path asks its question, another document is shown."""
    node = (st.session_state.get(KEY) or {}).get("clicked")
    if not node:
        return
    st.session_state[DETAIL_KEY] = node
    if node in titles and not node.startswith(DOC_PREFIX):
        pick_question(path_question(titles[node]))


def show(assistant: Assistant, paths: Sequence[CareerPath], lit: Sequence[str]) -> None:
    """The map, and below it the path or document picked (the latest answer's first)."""
    others = other_documents(assistant)
    if not paths and not others:
        st.info("Nothing is indexed yet.")
        return
    titles = {p.slug: p.title for p in paths} | {DOC_PREFIX + s: t for s, t in others}
    choices = list(titles)
    if st.session_state.get(DETAIL_KEY) not in titles:
        st.session_state[DETAIL_KEY] = lit[0] if lit and lit[0] in titles else choices[0]
    detail = st.session_state[DETAIL_KEY]
    _MAP(
        key=KEY,
        data=map_data(paths, others, lit, detail),
        on_clicked_change=functools.partial(clicked, titles),
    )
    st.caption(
        "Click a path to ask what it does. Orange: paths the latest answer quotes. "
        "Dashed: next steps named in each path's file."
        if paths
        else "No career path is indexed (a career path is a Markdown file whose front "
        "matter names its `family`); click a document to read it below."
    )
    with st.container(border=True, key="map-details"):
        detail = st.selectbox("Read about", choices, format_func=titles.__getitem__, key=DETAIL_KEY)
        if detail.startswith(DOC_PREFIX):
            document_details(assistant, detail.removeprefix(DOC_PREFIX), titles[detail])
        else:
            path_details(assistant, next(p for p in paths if p.slug == detail))


def path_details(assistant: Assistant, path: CareerPath) -> None:
    st.markdown(f"### {escape_inline(path.title)} {family_badge(path.family, FAMILIES)}")
    facts = []
    if path.aliases:
        facts.append("Also called: " + ", ".join(escape_inline(a) for a in path.aliases))
    if path.next_steps:
        facts.append("Next steps: " + " → ".join(escape_inline(s) for s in path.next_steps))
    if facts:
        st.caption("  \n".join(facts))
    document_body(assistant, path.source)


def document_details(assistant: Assistant, source: str, title: str) -> None:
    st.markdown(f"### {escape_inline(title)} {family_badge('', FAMILIES)}")
    document_body(assistant, source)


def document_body(assistant: Assistant, source: str) -> None:
    try:
        text = assistant.document_text(source)
    except AssistantError:
        text = ""
    if text:
        st.markdown(document_markdown(text))
        st.caption(f"Source: {escape_inline(source)}")
