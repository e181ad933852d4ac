"""The rebuild as the page shows it: the polled progress bar, and what happened after.

Shown in the sidebar and on the Documents tab (the sidebar is hidden on a phone); the
first of them to see the rebuild end reruns the page once for the new index.
"""

from __future__ import annotations

import streamlit as st

from ui import views
from ui.jobs import JobSnapshot, RebuildJob
from ui.render import escape_inline, rebuild_summary
from ui.resources import index_status

#: The Documents tab's one message slot: (kind, text).
MESSAGE = "corpus_message"
#: How a message about a change ends while the rebuild it started runs.
UPDATING = " Updating the search index…"


def start_rebuild(job: RebuildJob) -> None:
    """Button callback: runs before the script, so the page already shows the job running."""
    if job.start(full=bool(st.session_state.get("full"))):
        st.session_state.pop("rebuild_result", None)


def progress(job: RebuildJob) -> None:
    """The rebuild's progress bar, polled twice a second while it runs."""
    st.fragment(rebuild_progress, run_every=0.5 if job.snapshot().running else None)(job)


def rebuild_progress(job: RebuildJob) -> None:
    """Polled while a rebuild runs; when it ends, rerun the page to show the new index."""
    snap = job.snapshot()
    if snap.running:
        st.progress(snap.fraction, text=escape_inline(snap.message))
        st.caption("Answers come from the documents as they were until this finishes.")
    elif snap.generation > st.session_state["seen_generation"]:
        st.session_state["seen_generation"] = snap.generation
        st.session_state["rebuild_result"] = snap
        _settle_message(snap)
        index_status.clear()
        st.rerun()


def _settle_message(snap: JobSnapshot) -> None:
    """The change's message, now that the index is (or failed to be) up to date."""
    kind, text = st.session_state.get(MESSAGE, ("", ""))
    if not text.endswith(UPDATING):
        return
    done = text.removesuffix(UPDATING)
    if snap.error:
        st.session_state[MESSAGE] = (
            "error",
            f"{done} Updating the search index failed: {snap.error}",
        )
    else:
        st.session_state[MESSAGE] = (kind, f"{done} The search index is up to date.")


def last_result() -> None:
    """The last rebuild's summary (or its one-line error) and its warnings."""
    result: JobSnapshot | None = st.session_state.get("rebuild_result")
    if result is None:
        return
    if result.error:
        views.error(result.error)
    elif result.report is not None:
        st.success(escape_inline(rebuild_summary(result.report)), icon=":material/check_circle:")
        last_warnings()


def last_warnings() -> None:
    """The last rebuild's warnings, folded (also on the Documents tab: a phone hides the
    sidebar, and the warnings are about the files uploaded there)."""
    result: JobSnapshot | None = st.session_state.get("rebuild_result")
    warnings = result.report.warnings if result and result.report else []
    if warnings:
        with st.expander(f"{len(warnings)} warning{'s' if len(warnings) > 1 else ''}"):
            for message in warnings:
                st.markdown(f"- {escape_inline(message)}")
