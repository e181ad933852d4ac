"""The career Q&A page; ``career-assistant ui`` runs ``streamlit run ui/app.py``.

A thin layer over :class:`assistant.Assistant`: it asks, renders and manages uploads,
and holds no retrieval or indexing logic. One assistant (so one model and one open
index) serves the whole server per corpus/index pair. Answers live in
``st.session_state``, so a rerun that asks nothing only re-renders them and never
touches the model. Rebuilds run in a background thread (:mod:`ui.jobs`) and questions
keep working while they do. :func:`main` is the page's outline; each part has a module.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on sys.path, not the project; make `ui.*` and the
# library importable however the page is started.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from assistant import Assistant, AssistantError, Settings  # noqa: E402
from assistant.errors import BackendUnavailableError  # noqa: E402
from ui import (  # noqa: E402
    career_map,
    conversation,
    documents,
    examples,
    fit_view,
    private_session,
    question_limit,
    sidebar,
    views,
)
from ui.history import History  # noqa: E402
from ui.jobs import RebuildJob  # noqa: E402
from ui.resources import Dirs, history, load_assistant, rebuild_job  # noqa: E402

ICON = Path(__file__).with_name("static") / "icon.png"  # served locally: no icon CDN
ASK_TAB = conversation.ASK_TAB
FIT_TAB = fit_view.TAB
MAP_TAB = ":material/account_tree: Career-path map"
DOCUMENTS_TAB = ":material/folder_open: Documents"
TABS = (ASK_TAB, FIT_TAB, MAP_TAB, DOCUMENTS_TAB)


def main() -> None:
    started = time.perf_counter()
    settings = page_setup()
    dirs: Dirs = (str(settings.corpus_dir), str(settings.index_dir))
    assistant, job = load_assistant(*dirs), rebuild_job(*dirs)
    kept = history(str(settings.user_dir("conversations")), dirs[1])
    init_state(job, kept)
    ready, problem = index_state(assistant, job)
    paths = career_map.career_paths(assistant) if ready else []
    topic = conversation.topic(paths, ready and not problem)
    question_box(ready, job, topic)

    with st.sidebar:
        st.title(":material/explore: Career Q&A")
        held = held_families(assistant) if ready else None
        owners = organisations(assistant) if ready else []
        options = sidebar.answer_options(settings.k, held, owners)
        sidebar.index_panel(dirs, job, ready, problem)
        private_session.remember(st.session_state["session"])

    st.title(topic.capitalize())
    asked_before = len(st.session_state["turns"])
    notice = ask_pending(assistant, options, ready, kept)
    turns: list[conversation.Turn] = st.session_state["turns"]
    ask_tab, fit_tab, map_tab, documents_tab = st.tabs(TABS, key="tab", on_change="rerun")
    if ask_tab.open:
        with ask_tab:
            offered = examples.for_filter(assistant, paths, options.family) if ready else []
            just_asked = len(turns) > asked_before
            conversation.show(turns, paths, offered, notice, topic, just_asked)
            if turns:
                st.button(
                    "Clear conversation", key="clear", on_click=clear_conversation, args=(kept,)
                )
            question_limit.watch(settings.max_question_chars)
    if fit_tab.open:
        with fit_tab:
            fit_view.show(assistant, ready, kept, has_paths=bool(paths))
    if map_tab.open:
        with map_tab:
            career_map.show(assistant, paths, conversation.answer_paths(turns))
    if documents_tab.open:
        with documents_tab:
            documents.show(assistant, dirs, job, ready)
    # How long this script run took, for benchmarks/bench_page.py.
    st.session_state["last_run_ms"] = (time.perf_counter() - started) * 1000


def organisations(assistant: Assistant) -> list[str]:
    """The organisations the indexed documents name (the sidebar offers a filter when
    there are two or more); none when the index cannot be read."""
    try:
        return assistant.organisations()
    except AssistantError:
        return []


def held_families(assistant: Assistant) -> list[str] | None:
    """The families the filter offers; None when the index cannot be read (the sidebar
    shows why)."""
    try:
        return assistant.families()
    except AssistantError:
        return None


def page_setup() -> Settings:
    """Page config and the settings, or a stop. (No developer toolbar or "Deploy":
    ui/.streamlit/config.toml, read at server start wherever it is started from.)"""
    st.set_page_config(page_title="Career paths Q&A", page_icon=str(ICON), layout="wide")
    try:
        return Settings.from_env()
    except AssistantError as problem:
        views.error(str(problem))
        st.stop()
        raise  # st.stop() does not return; this line only tells mypy so


def init_state(job: RebuildJob, kept: History) -> None:
    """Per-session defaults, and the conversation kept under this browser's private id.

    A rebuild finished before this session began is not reported.
    """
    snap = job.snapshot()
    if "turns" not in st.session_state:  # a new browser session: a visit or a reload
        session = private_session.session_id()
        st.session_state["session"] = session
        st.session_state["turns"] = kept.load(session)
        st.session_state["fit"] = kept.load_fit(session)
    st.session_state.setdefault(
        "seen_generation", snap.generation - 1 if snap.running else snap.generation
    )


def index_state(assistant: Assistant, job: RebuildJob) -> tuple[bool, str]:
    """Whether there is an index to answer from; builds one on the very first visit."""
    try:
        ready = assistant.has_index()
    except BackendUnavailableError as error:  # the server, not the index: its own fix
        return False, str(error)
    except AssistantError as error:
        return False, f"{error.problem} — use “Update search index” to replace it"
    if not ready and job.snapshot().generation == 0:
        job.start()  # first visit: build the index (progress in the sidebar)
    return ready, ""


def question_box(ready: bool, job: RebuildJob, topic: str) -> None:
    """The chat input, on the Ask tab only; a question is queued in the session at once.

    Queued before the sidebar runs: a rebuild finishing now reruns the page from there,
    and a chat input's value does not survive a rerun.
    """
    if st.session_state.get("tab", ASK_TAB) != ASK_TAB:
        return
    waiting = "Preparing the documents…" if job.snapshot().running else "Nothing indexed yet"
    # No max_chars: the browser would drop a longer paste without a word. The count is
    # shown as the person types instead (ui/question_limit.py), and the engine refuses
    # a longer question in one line that says the limit.
    prompt = st.chat_input(
        f"Ask about {topic}…" if ready else waiting,
        disabled=not ready,
    )
    if prompt is not None:
        st.session_state["pending"] = prompt


def ask_pending(assistant: Assistant, options: sidebar.Options, ready: bool, kept: History) -> str:
    """Answer the queued question, if any; returns guidance to show instead of an answer."""
    question: str | None = st.session_state.pop("pending", None)
    if question is None:
        return ""
    if not question.strip():
        return "Type a question about career paths, or pick one of the examples."
    if not ready:
        return "The documents are not ready yet; ask again when the sidebar says so."
    turn = conversation.ask(assistant, question, options.k, options.family, options.organisation)
    st.session_state["turns"].append(turn)
    kept.append(st.session_state["session"], turn)
    return ""


def clear_conversation(kept: History) -> None:
    """Forget the conversation here and on disk: a reload does not bring it back."""
    st.session_state["turns"] = []
    st.session_state["fit"] = None
    kept.clear(st.session_state["session"])


main()
