"""The sidebar, in a career-seeker's words: answer options, and the search index's state.

Engineering details (model, index kind, re-embedding everything) sit in a collapsed
"Advanced" expander.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import streamlit as st

from assistant import AssistantError, IndexStatus
from assistant.taxonomy import FAMILIES, OTHER_FAMILY, OTHER_LABEL
from ui import rebuild_view, views
from ui.jobs import RebuildJob
from ui.render import built_at_text, escape_inline
from ui.resources import Dirs, index_status

#: The family select box's "no filter" value. A real string, not None: Streamlit shows a
#: select box whose value is None as empty ("Choose an option"), which it did at times.
ALL_FAMILIES = "all"
#: The organisation box's "no filter" value (a name no document has: names are not empty).
ALL_ORGANISATIONS = ""


@dataclass(frozen=True)
class Options:
    """What the reader chose for the next answers."""

    k: int
    family: str | None
    #: Only this organisation's documents (``Assistant.ask(organisation=…)``); None: all.
    organisation: str | None = None


def family_choices(held: Sequence[str] | None) -> dict[str, str]:
    """The family box's options (value → label): "All families", then the families
    ``held`` by the index, in ``FAMILIES`` order, with Other documents last.

    ``held`` are the family values of the indexed documents ("other" for those outside
    the families); None while there is no index to ask, when every family is offered.
    A family the corpus has no document of could only ever be refused.
    """
    offered = {**FAMILIES, OTHER_FAMILY: OTHER_LABEL}
    if held is not None:
        offered = {value: label for value, label in offered.items() if value in held}
    return {ALL_FAMILIES: "All families", **offered}


def _filter_box(label: str, choices: dict[str, str], key: str, every: str, help: str) -> str:
    """A select box over ``choices`` (value → label); a value that left the corpus since
    the reader chose it falls back to ``every`` (no filter)."""
    if st.session_state.get(key, every) not in choices:
        st.session_state[key] = every
    value: str = st.selectbox(
        label, list(choices), format_func=choices.__getitem__, key=key, help=help
    )
    return value


def organisation_choices(held: Sequence[str]) -> dict[str, str]:
    """The organisation box's options (value → label): "All organisations", then each
    organisation the indexed documents name, alphabetically."""
    names = sorted({name for name in held if name}, key=str.casefold)
    return {ALL_ORGANISATIONS: "All organisations", **{name: name for name in names}}


def answer_options(
    default_k: int, held: Sequence[str] | None = None, organisations: Sequence[str] = ()
) -> Options:
    """The reader's choices; ``held``: the families the index holds (see family_choices);
    ``organisations``: those its documents name (a box only when there are two or more)."""
    st.header("Answers")
    k = st.slider(
        "Passages per answer",
        1,
        20,
        min(max(default_k, 1), 20),
        key="k",
        help="How many passages of the corpus each answer shows.",
    )
    family = _filter_box(
        "Career family",
        family_choices(held),
        "family",
        ALL_FAMILIES,
        "Only quote passages about paths in this family.",
    )
    chosen = None
    owners = organisation_choices(organisations)
    if len(owners) > 2:
        chosen = _filter_box(
            "Organisation",
            owners,
            "organisation",
            ALL_ORGANISATIONS,
            "Only quote passages of this organisation's documents.",
        )
    return Options(
        k,
        None if family in (None, ALL_FAMILIES) else family,
        chosen or None,
    )


def index_panel(dirs: Dirs, job: RebuildJob, ready: bool, problem: str) -> None:
    """What the assistant can search, whether it is up to date, and the update button."""
    st.header("Documents searched")
    status = _status(dirs, ready, problem, job.snapshot().running)
    stale = status is not None and status.stale
    running = job.snapshot().running
    st.button(
        "Update search index",
        key="rebuild",
        type="primary" if stale and not running else "secondary",
        disabled=running,
        width="stretch",
        on_click=rebuild_view.start_rebuild,
        args=(job,),
        help="Read the documents again and make new or changed text searchable.",
    )
    rebuild_view.progress(job)
    rebuild_view.last_result()
    with st.expander("Advanced"):
        st.checkbox(
            "Rebuild from scratch",
            key="full",
            help="Re-read every passage with the model instead of reusing what is unchanged "
            "(slower; only needed after changing the model).",
        )
        if status is not None:
            st.caption(
                f"Model {escape_inline(status.model)} · {escape_inline(status.index_kind)} "
                "vector index"
            )


def _status(dirs: Dirs, ready: bool, problem: str, building: bool) -> IndexStatus | None:
    if problem:
        views.error(problem)
        return None
    if not ready:
        st.info("Preparing the documents for search…" if building else "Nothing indexed yet.")
        return None
    try:
        status = index_status(*dirs)
    except AssistantError as error:
        views.error(str(error))
        return None
    st.markdown(f"**{status.files:,}** documents · **{status.chunks:,}** passages")
    st.caption(f"Updated {escape_inline(built_at_text(status.built_at))}")
    if status.stale and not building:
        st.warning(
            f"Your documents changed since the last update ({len(status.added)} added, "
            f"{len(status.changed)} changed, {len(status.removed)} removed). "
            "Update the search index to search them.",
            icon=":material/warning:",
        )
    if status.skipped:
        count = len(status.skipped)
        with st.expander(f"{count} file{'s' if count > 1 else ''} not indexed"):
            for problem in status.skipped:
                st.caption(escape_inline(problem))
    return status
