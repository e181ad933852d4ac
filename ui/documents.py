"""The Documents tab: what the assistant searches, and adding your own files."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant import AssistantError
from ui import views
from ui.render import escape_inline
from ui.resources import index_status
from ui.uploads import MAX_UPLOAD_MB, allowed_suffixes, save_upload


def upload_controls(corpus_dir: Path) -> None:
    """The uploader; each attempt is handled in its callback and the uploader is emptied."""
    key = f"upload-{st.session_state.setdefault('uploads_seen', 0)}"
    st.file_uploader(
        f"Add a document: a {allowed_suffixes()} file, up to {MAX_UPLOAD_MB} MB",
        key=key,
        max_upload_size=MAX_UPLOAD_MB,
        on_change=handle_upload,
        args=(corpus_dir, key),
        help="Saved under uploads/ in the corpus; update the search index to search it.",
    )
    kind, message = st.session_state.get("corpus_message", ("", ""))
    if kind == "error":
        views.error(message)
    elif kind == "success":
        st.success(escape_inline(message))


def handle_upload(corpus_dir: Path, key: str) -> None:
    """Save the file (or refuse it), say so, and give the uploader a new, empty key.

    Runs as a callback, before the script: the sidebar of this very run already sees
    the new file, and the uploader never keeps a refused file listed.
    """
    uploaded = st.session_state.get(key)
    st.session_state["uploads_seen"] += 1
    if uploaded is None:
        return
    try:
        target = save_upload(corpus_dir, uploaded.name, uploaded.getvalue())
    except AssistantError as problem:
        st.session_state["corpus_message"] = ("error", str(problem))
        return
    name = target.relative_to(corpus_dir).as_posix()
    st.session_state["corpus_message"] = (
        "success",
        f"Added {name}. Update the search index to make it searchable.",
    )
    st.session_state.pop("rebuild_result", None)  # the last report is now old news
    index_status.clear()
