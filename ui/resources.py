"""Resources shared by every session of one server, cached per corpus/index pair.

They live in their own module, imported once per process, so the cache wrappers are
built once rather than on every script run.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant import Assistant, IndexStatus, Settings
from ui.history import History
from ui.jobs import RebuildJob

Dirs = tuple[str, str]  # (corpus_dir, index_dir): the key of every cached resource


@st.cache_resource(show_spinner=False)
def load_assistant(corpus_dir: str, index_dir: str) -> Assistant:
    """One Assistant per server and corpus/index pair; the model loads on first use."""
    return Assistant(Settings.from_env(corpus_dir=Path(corpus_dir), index_dir=Path(index_dir)))


@st.cache_resource(show_spinner=False)
def rebuild_job(corpus_dir: str, index_dir: str) -> RebuildJob:
    """One rebuild job per index, so two tabs cannot start two rebuilds."""
    return RebuildJob(load_assistant(corpus_dir, index_dir))


@st.cache_data(ttl=10, show_spinner=False)
def index_status(corpus_dir: str, index_dir: str) -> IndexStatus:
    """``status()`` hashes every corpus file; cached briefly so reruns stay cheap."""
    return load_assistant(corpus_dir, index_dir).status()


@st.cache_resource(show_spinner=False)
def history(folder: str, index_dir: str) -> History:
    """Where every session's conversation of one corpus is kept: ``folder``, in the user's
    data directory (an older version's file in ``index_dir`` is copied there once)."""
    return History(Path(folder), previous=Path(index_dir))
