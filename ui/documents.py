"""The Documents tab: what the assistant searches, and managing your own files.

Every change (add, replace, delete) is followed by an incremental rebuild. One message
slot reports the latest action, so messages replace each other instead of piling up;
the uploader gets a fresh key after each attempt, so it never keeps a refused file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from assistant import Assistant, AssistantError
from assistant.errors import sentence
from assistant.taxonomy import FAMILIES
from ui import rebuild_view, views
from ui.jobs import RebuildJob
from ui.rebuild_view import MESSAGE, UPDATING
from ui.render import escape_inline, family_label
from ui.resources import Dirs, index_status
from ui.uploads import (
    UPLOAD_DIR,
    Folders,
    UploadExistsError,
    allowed_suffixes,
    delete_document,
    limit_mb,
    save_upload,
    uploaded_here,
    where,
)

KINDS = {"path": "Career path", "article": "Article"}


@dataclass(frozen=True)
class DocumentRow:
    """One corpus file as the tab lists it."""

    source: str
    title: str
    kind: str
    family: str
    size: int
    #: "searchable", "being added" (on disk, not indexed yet) or "being removed".
    state: str
    #: Saved by the page (see :func:`ui.uploads.uploaded_here`), not put in the corpus folder.
    uploaded: bool


def show(assistant: Assistant, dirs: Dirs, job: RebuildJob, ready: bool) -> None:
    folders: Folders = (Path(dirs[0]), assistant.settings.uploads_dir)
    if job.snapshot().running:
        rebuild_view.progress(job)
    message()
    rebuild_view.last_warnings()
    max_bytes = assistant.settings.max_file_bytes
    upload_controls(folders, job, max_bytes)
    replace_offer(folders, job, max_bytes)
    rows = document_rows(assistant, dirs) if ready else []
    uploads = [row for row in rows if row.uploaded]
    shipped = [row for row in rows if not row.uploaded]
    st.subheader(f"Your uploads ({len(uploads)})")
    if not uploads:
        st.caption("Nothing uploaded yet.")
    file_list(uploads, folders, job, max_bytes)
    # The page cannot tell the shipped files from those the reader put into the folder.
    with st.expander(f"Documents in the corpus folder ({len(shipped)})"):
        file_list(shipped, folders, job, max_bytes)


# -- messages -----------------------------------------------------------------------------


def say(kind: str, text: str) -> None:
    """Replace the tab's message with this one."""
    st.session_state[MESSAGE] = (kind, text)


def message() -> None:
    kind, text = st.session_state.get(MESSAGE, ("", ""))
    if kind == "error":
        views.error(text)
    elif kind == "success":
        st.success(escape_inline(sentence(text)), icon=":material/check_circle:")
    elif kind == "info":
        st.info(escape_inline(sentence(text)), icon=":material/info:")


def changed(job: RebuildJob, text: str) -> None:
    """After a change on disk: say what happened and bring the index up to date."""
    say("success", text + UPDATING)
    st.session_state.pop("rebuild_result", None)  # the last report is now old news
    index_status.clear()
    job.request()


# -- adding and replacing -----------------------------------------------------------------


def upload_controls(folders: Folders, job: RebuildJob, max_bytes: int) -> None:
    """The uploader; each attempt is handled in its callback and the uploader is emptied.

    Its label names the accepted files; the size limit (:func:`ui.uploads.limit_mb`) is
    stated once, by the widget. A file it lets through but over ``max_bytes`` is refused
    by :func:`handle_upload` in one line naming the same limit.
    """
    key = f"upload-{st.session_state.setdefault('uploads_seen', 0)}"
    st.file_uploader(
        f"Add a document: a {allowed_suffixes()} file",
        key=key,
        max_upload_size=limit_mb(max_bytes),
        on_change=handle_upload,
        args=(folders, job, key, max_bytes),
        help="Kept in your data folder, outside the corpus, and made searchable right away.",
    )


def handle_upload(folders: Folders, job: RebuildJob, key: str, max_bytes: int) -> None:
    """Save the file (or refuse it, or offer to replace the one by that name).

    Runs as a callback, before the script: the rest of this run already sees the new
    file, and the uploader's key changes so it never keeps a refused file listed.
    """
    uploaded = st.session_state.get(key)
    st.session_state["uploads_seen"] += 1
    st.session_state.pop("replace_offer", None)
    if uploaded is None:
        return
    data = uploaded.getvalue()
    try:
        target = save_upload(folders[1], uploaded.name, data, max_bytes)
    except UploadExistsError:
        if _holds(folders[1] / uploaded.name, data):  # the same file again: nothing to ask
            say("info", f"The same file is already there as {UPLOAD_DIR}/{uploaded.name}.")
            return
        st.session_state["replace_offer"] = (uploaded.name, data)
        say("info", f"A file named {UPLOAD_DIR}/{uploaded.name} is already there: replace it?")
        return
    except AssistantError as problem:
        say("error", str(problem))
        return
    changed(job, f"Added {UPLOAD_DIR}/{target.name}.")


def _holds(path: Path, data: bytes) -> bool:
    """Whether ``path`` holds exactly ``data`` (False when it cannot be read)."""
    try:
        return path.stat().st_size == len(data) and path.read_bytes() == data
    except OSError:
        return False


def replace_offer(folders: Folders, job: RebuildJob, max_bytes: int) -> None:
    """After uploading a name that exists: replace the old file, or keep it."""
    if "replace_offer" not in st.session_state:
        return
    with st.container(horizontal=True, key="replace-offer"):
        st.button(
            "Replace it",
            key="replace-yes",
            on_click=replace_upload,
            args=(folders, job, max_bytes),
        )
        st.button("Keep the old one", key="replace-no", on_click=keep_old)


def replace_upload(folders: Folders, job: RebuildJob, max_bytes: int) -> None:
    name, data = st.session_state.pop("replace_offer")
    try:
        save_upload(folders[1], name, data, max_bytes, replace=True)
    except AssistantError as problem:
        say("error", str(problem))
        return
    changed(job, f"Replaced {UPLOAD_DIR}/{name}.")


def keep_old() -> None:
    name, _ = st.session_state.pop("replace_offer")
    say("info", f"Kept the old {UPLOAD_DIR}/{name}; your file was not saved.")


# -- the list -----------------------------------------------------------------------------


def document_rows(assistant: Assistant, dirs: Dirs) -> list[DocumentRow]:
    """Indexed files, plus files added or removed since the index was built."""
    folders = (Path(dirs[0]), assistant.settings.uploads_dir)
    try:
        documents = assistant.store().documents
        status = index_status(*dirs)
    except AssistantError:
        return []
    removed = set(status.removed)

    def row(source: str, title: str, kind: str, family: str, state: str) -> DocumentRow:
        size = _size(where(*folders, source))
        return DocumentRow(
            source, title, kind, family, size, state, uploaded_here(*folders, source)
        )

    rows = [
        row(
            d.source,
            d.title,
            d.kind,
            d.family,
            "being removed" if d.source in removed else "searchable",
        )
        for d in documents.values()
    ]
    rows += [row(source, source, "", "", "being added") for source in status.added]
    return sorted(rows, key=lambda row: row.source)


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def size_text(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def row_key(source: str) -> str:
    """A widget key for a file's row that is also a plain CSS class (st-key-…)."""
    return "doc-" + re.sub(r"[^A-Za-z0-9_-]", "_", source)


def file_list(
    rows: Sequence[DocumentRow], folders: Folders, job: RebuildJob, max_bytes: int
) -> None:
    confirming = st.session_state.get("confirm_delete")
    for row in rows:
        key = row_key(row.source)
        with st.container(border=True, key=key):
            kind = KINDS.get(row.kind, row.kind.capitalize() or "Document")
            facts = [kind, family_label(row.family, FAMILIES), size_text(row.size)]
            if row.state != "searchable":
                facts.append(row.state)
            st.markdown(f"**{escape_inline(row.title)}**  \n{escape_inline(row.source)}")
            st.caption(" · ".join(escape_inline(fact) for fact in facts))
            if row.state == "being removed":
                continue
            if confirming == row.source:
                st.warning(
                    "This document was not uploaded here: it is a file of the corpus folder. "
                    "Delete it anyway?",
                    icon=":material/warning:",
                )
            with st.container(horizontal=True):
                if confirming == row.source:
                    st.button(
                        "Delete it",
                        key=f"{key}-confirm",
                        type="primary",
                        on_click=delete,
                        args=(folders, job, row.source, True),
                    )
                    st.button("Cancel", key=f"{key}-cancel", on_click=cancel_delete)
                else:
                    st.button(
                        "Delete",
                        key=f"{key}-delete",
                        icon=":material/delete:",
                        on_click=delete,
                        args=(folders, job, row.source, False),
                    )
            if row.uploaded:
                replace_one(row, folders, job, max_bytes)


def replace_one(row: DocumentRow, folders: Folders, job: RebuildJob, max_bytes: int) -> None:
    """An uploader that replaces this upload's content, whatever the new file is named."""
    name = row.source.removeprefix(f"{UPLOAD_DIR}/")
    key = f"replace-{row_key(row.source)}-{st.session_state.setdefault('uploads_seen', 0)}"
    with st.expander(f"Replace {name} with a new version"):
        st.file_uploader(
            f"The new version of {name}",
            key=key,
            max_upload_size=limit_mb(max_bytes),
            on_change=handle_replacement,
            args=(folders, job, name, key, max_bytes),
        )


def handle_replacement(
    folders: Folders, job: RebuildJob, name: str, key: str, max_bytes: int
) -> None:
    uploaded = st.session_state.get(key)
    st.session_state["uploads_seen"] += 1
    if uploaded is None:
        return
    if Path(uploaded.name).suffix.lower() != Path(name).suffix.lower():
        say(
            "error",
            f"Refused {uploaded.name}: the new version of {name} must be a "
            f"{Path(name).suffix} file too — upload it as {Path(name).suffix}, or add it as a "
            "new document",
        )
        return
    try:
        save_upload(folders[1], name, uploaded.getvalue(), max_bytes, replace=True)
    except AssistantError as problem:
        say("error", str(problem))
        return
    changed(job, f"Replaced {UPLOAD_DIR}/{name} with {uploaded.name}.")


def delete(folders: Folders, job: RebuildJob, source: str, confirmed: bool) -> None:
    """Delete an upload at once; a file of the corpus folder only after "Delete it"
    confirms."""
    if not uploaded_here(*folders, source) and not confirmed:
        st.session_state["confirm_delete"] = source
        return
    st.session_state.pop("confirm_delete", None)
    try:
        delete_document(*folders, source, shipped_confirmed=confirmed)
    except AssistantError as problem:
        say("error", str(problem))
        return
    changed(job, f"Deleted {source}.")


def cancel_delete() -> None:
    st.session_state.pop("confirm_delete", None)
