"""The career Q&A page; ``career-assistant ui`` runs ``streamlit run ui/app.py``.

A thin layer over :class:`assistant.Assistant`: it asks, renders and uploads, and holds
no retrieval or indexing logic. One assistant (so one model and one open index) serves
the whole server per corpus/index pair. Answers live in ``st.session_state``, so a rerun
that asks nothing only re-renders them and never touches the model. Rebuilds run in a
background thread (:mod:`ui.jobs`) and questions keep working while they do.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

# `streamlit run ui/app.py` puts ui/ on sys.path, not the project; make `ui.*` and the
# library importable however the page is started.
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from assistant import (  # noqa: E402
    Answer,
    Assistant,
    AssistantError,
    IndexStatus,
    IndexUnavailableError,
    Settings,
)
from assistant.taxonomy import FAMILIES, CareerPath  # noqa: E402
from ui import views  # noqa: E402
from ui.jobs import JobSnapshot, RebuildJob  # noqa: E402
from ui.render import (  # noqa: E402
    built_at_text,
    career_map_dot,
    document_markdown,
    escape_inline,
    family_badge,
    rebuild_summary,
)
from ui.resources import Dirs, index_status, load_assistant, rebuild_job  # noqa: E402
from ui.uploads import MAX_UPLOAD_MB, allowed_suffixes, save_upload  # noqa: E402

log = logging.getLogger(__name__)


# -- session state -------------------------------------------------------------------------


def init_state(job: RebuildJob) -> None:
    """Per-session defaults; a rebuild finished before this session began is not reported."""
    snap = job.snapshot()
    st.session_state.setdefault("turns", [])
    st.session_state.setdefault("handled_uploads", set())
    st.session_state.setdefault(
        "seen_generation", snap.generation - 1 if snap.running else snap.generation
    )


def pick_question(question: str) -> None:
    """Button callback: ask ``question`` on the run this click triggers."""
    st.session_state["pending"] = question


def clear_conversation() -> None:
    st.session_state["turns"] = []


# -- asking --------------------------------------------------------------------------------


def ask(assistant: Assistant, question: str, k: int, family: str | None) -> views.Turn:
    """Ask the library; every failure becomes a one-line message on the turn."""
    try:
        with st.spinner("Searching the corpus…"):
            answer = assistant.ask(question, k=k, family=family)
    except IndexUnavailableError as problem:
        message = f"{problem.problem} — use “Rebuild index” in the sidebar"
        return views.Turn(question, k, family, error=message)
    except AssistantError as problem:
        return views.Turn(question, k, family, error=str(problem))
    except Exception as problem:  # a library bug must not show a traceback to the user
        log.exception("ask failed")
        message = f"unexpected error: {type(problem).__name__}: {problem}"
        return views.Turn(question, k, family, error=message)
    context = section_context(assistant, answer)
    return views.Turn(question, k, family, answer=answer, context=context)


def section_context(assistant: Assistant, answer: Answer) -> dict[views.SectionKey, str]:
    """The section around each passage, fetched once now rather than on every rerun."""
    passages = list(answer.passages)
    if answer.compare is not None:
        passages += [*answer.compare.left.passages, *answer.compare.right.passages]
    context: dict[views.SectionKey, str] = {}
    for passage in passages:
        key = (passage.source, passage.start)
        if key not in context:
            try:
                context[key] = assistant.section_text(*key)
            except AssistantError:
                context[key] = ""
    return context


def answer_paths(turns: list[views.Turn]) -> list[str]:
    """Career-path slugs the latest answer quotes, best-ranked first, for the map."""
    for turn in reversed(turns):
        answer = turn.answer
        if answer is not None and not answer.abstained:
            found = [p.path for p in answer.passages if p.path]
            if answer.compare is not None:
                found += [answer.compare.left.path, answer.compare.right.path]
            return list(dict.fromkeys(found))
    return []


# -- sidebar: search settings, index status, rebuild, upload -------------------------------


def search_controls(default_k: int) -> tuple[int, str | None]:
    st.header("Search")
    k = st.slider("Passages per answer (k)", 1, 20, min(max(default_k, 1), 20), key="k")
    family: str | None = st.selectbox(
        "Family",
        [None, *FAMILIES],
        format_func=lambda slug: "All families" if slug is None else FAMILIES[slug],
        key="family",
    )
    return k, family


def status_panel(dirs: Dirs, ready: bool, problem: str, building: bool) -> IndexStatus | None:
    """Files, chunks, model, build time; a visible warning when the corpus changed since."""
    st.header("Index")
    if problem:
        views.error(problem)
        return None
    if not ready:
        st.info("No index yet: building it now." if building else "No index yet.")
        return None
    try:
        status = index_status(*dirs)
    except AssistantError as problem:
        views.error(str(problem))
        return None
    files, chunks = st.columns(2)
    files.metric("Files", f"{status.files:,}")
    chunks.metric("Chunks", f"{status.chunks:,}")
    st.caption(
        f"Model {escape_inline(status.model)} · {escape_inline(status.index_kind)} index  \n"
        f"Built {escape_inline(built_at_text(status.built_at))}"
    )
    if status.stale:
        st.warning(
            f"The corpus changed since this index was built ({len(status.added)} added, "
            f"{len(status.changed)} changed, {len(status.removed)} removed). "
            "Rebuild to search the new content.",
            icon=":material/warning:",
        )
    return status


def start_rebuild(job: RebuildJob) -> None:
    """Button callback: runs before the script, so the page already shows the job running."""
    if job.start(full=bool(st.session_state.get("full"))):
        st.session_state.pop("rebuild_result", None)


def rebuild_controls(job: RebuildJob, stale: bool) -> None:
    running = job.snapshot().running
    st.checkbox("Re-embed everything", key="full", help="Ignore reusable vectors (slower).")
    st.button(
        "Rebuild index",
        key="rebuild",
        type="primary" if stale and not running else "secondary",
        disabled=running,
        width="stretch",
        on_click=start_rebuild,
        args=(job,),
    )
    st.fragment(rebuild_progress, run_every=0.5 if running else None)(job)
    result: JobSnapshot | None = st.session_state.get("rebuild_result")
    if result is not None:
        if result.error:
            views.error(result.error)
        elif result.report is not None:
            st.success(
                escape_inline(rebuild_summary(result.report)), icon=":material/check_circle:"
            )
            if result.report.warnings:
                with st.expander(f"{len(result.report.warnings)} warnings"):
                    for message in result.report.warnings:
                        st.markdown(f"- {escape_inline(message)}")


def rebuild_progress(job: RebuildJob) -> None:
    """Polled while a rebuild runs; when it ends, rerun the page to show the new index."""
    snap = job.snapshot()
    if snap.running:
        text = (
            f"Embedding {snap.done:,}/{snap.total:,} texts · {snap.elapsed:.0f} s"
            if snap.total
            else f"Preparing: reading the corpus · {snap.elapsed:.0f} s"
        )
        st.progress(snap.fraction, text=text)
        st.caption("Questions are answered from the current index until this finishes.")
    elif snap.generation > st.session_state["seen_generation"]:
        st.session_state["seen_generation"] = snap.generation
        st.session_state["rebuild_result"] = snap
        if not snap.error:
            st.session_state.pop("upload_message", None)  # "rebuild to search it" is done
        index_status.clear()
        st.rerun()


def upload_controls(corpus_dir: Path) -> None:
    """Save each newly uploaded file once; refusals are shown, never written."""
    st.header("Add to corpus")
    uploaded = st.file_uploader(
        f"A {allowed_suffixes()} file, up to {MAX_UPLOAD_MB} MB",
        key="upload",
        max_upload_size=MAX_UPLOAD_MB,
        help="Saved under uploads/ in the corpus; rebuild the index to search it.",
    )
    handled: set[str] = st.session_state["handled_uploads"]
    if uploaded is not None and uploaded.file_id not in handled:
        handled.add(uploaded.file_id)
        try:
            target = save_upload(corpus_dir, uploaded.name, uploaded.getvalue())
        except AssistantError as problem:
            st.session_state["upload_message"] = ("error", str(problem))
        else:
            name = target.relative_to(corpus_dir).as_posix()
            st.session_state["upload_message"] = (
                "success",
                f"Added {name}. Rebuild the index to make it searchable.",
            )
            st.session_state.pop("rebuild_result", None)  # the last report is now old news
            index_status.clear()
    kind, message = st.session_state.get("upload_message", ("", ""))
    if kind == "error":
        views.error(message)
    elif kind == "success":
        st.success(escape_inline(message))


# -- main area -----------------------------------------------------------------------------


def welcome(paths: list[CareerPath]) -> None:
    st.markdown(
        "Ask about career paths after senior engineer. Every answer is quoted from the "
        "corpus, with its source, and the assistant says so when the corpus has no answer."
    )
    views.example_buttons(views.EXAMPLE_QUESTIONS, "welcome", pick_question)
    if paths:
        with st.expander("What the corpus covers"):
            st.markdown(views.coverage_markdown(paths))


def conversation(paths: list[CareerPath], notice: str) -> None:
    turns: list[views.Turn] = st.session_state["turns"]
    if not turns:
        welcome(paths)
    for i, turn in enumerate(turns):
        views.show_turn(turn, i, i == len(turns) - 1, paths, pick_question)
    if notice:
        st.info(notice, icon=":material/lightbulb:")
    if turns:
        st.button("Clear conversation", key="clear", on_click=clear_conversation)


def career_map(assistant: Assistant, paths: list[CareerPath], highlighted: list[str]) -> None:
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


def career_paths(assistant: Assistant) -> list[CareerPath]:
    """The indexed paths in map order: family as in ``FAMILIES``, then title."""
    try:
        paths = assistant.career_paths()
    except AssistantError:
        return []
    order = {slug: i for i, slug in enumerate(FAMILIES)}
    return sorted(paths, key=lambda p: (order.get(p.family, len(order)), p.family, p.title))


def main() -> None:
    started = time.perf_counter()
    st.set_page_config(page_title="Career paths Q&A", page_icon=":material/explore:", layout="wide")
    try:
        settings = Settings.from_env()
    except AssistantError as problem:
        views.error(str(problem))
        st.stop()
    dirs: Dirs = (str(settings.corpus_dir), str(settings.index_dir))
    assistant = load_assistant(*dirs)
    job = rebuild_job(*dirs)
    init_state(job)
    index_problem = ""
    try:
        ready = assistant.has_index()
    except AssistantError as error:
        ready = False
        index_problem = f"{error.problem} — use “Rebuild index” to replace it"
    if not ready and job.snapshot().generation == 0:
        job.start()  # first visit: build the index (progress in the sidebar)

    building = job.snapshot().running
    waiting = "Building the index…" if building else "No index yet: see the sidebar"
    prompt = st.chat_input(
        "Ask about career paths after senior engineer…" if ready else waiting,
        max_chars=settings.max_question_chars,
        disabled=not ready,
    )
    if prompt is not None:
        # Kept in the session before the sidebar runs: a rebuild finishing now reruns the
        # page from there, and a chat input's value does not survive a rerun.
        st.session_state["pending"] = prompt

    with st.sidebar:
        st.title(":material/explore: Career Q&A")
        search_box, index_box, upload_box = st.container(), st.container(), st.container()
    with upload_box:
        upload_controls(settings.corpus_dir)  # first, so the status below sees the new file
    with index_box:
        status = status_panel(dirs, ready, index_problem, building)
        rebuild_controls(job, stale=status is not None and status.stale)
    with search_box:
        k, family = search_controls(settings.k)

    st.title("Career paths after senior engineer")
    question: str | None = st.session_state.pop("pending", None)
    notice = ""
    if question is not None and not question.strip():
        notice = "Type a question about career paths, or pick one of the examples."
    elif question is not None and not ready:
        notice = "The index is not ready yet; ask again when the sidebar says it is built."
    elif question is not None:
        st.session_state["turns"].append(ask(assistant, question, k, family))

    paths = career_paths(assistant) if ready else []
    ask_tab, map_tab = st.tabs([":material/forum: Ask", ":material/account_tree: Career-path map"])
    with ask_tab:
        conversation(paths, notice)
    with map_tab:
        career_map(assistant, paths, answer_paths(st.session_state["turns"]))
    # How long this script run took, for benchmarks/bench_page.py.
    st.session_state["last_run_ms"] = (time.perf_counter() - started) * 1000


main()
