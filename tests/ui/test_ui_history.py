"""The conversation survives a reload and a restart, and "Clear conversation" forgets it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from streamlit.testing.v1 import AppTest

from assistant import Assistant, Settings
from ui.conversation import Turn
from ui.history import FILE_NAME, History, turn_from_json, turn_to_json

from .test_ui_app import TIMEOUT, Point, card, submit
from .ui_support import APP, Built


def visit(built: Built, point: Point, session: str | None = None) -> AppTest:
    """A browser session: a first visit, or one resuming ``session`` (as an old
    ``?session=`` link does; the browser's cookie is tested in test_browser.py)."""
    point(built)
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    if session is not None:
        at.query_params["session"] = session
    at.run()
    assert not at.exception
    return at


def test_a_reload_shows_the_same_conversation(small_index: Built, use_dirs: Point) -> None:
    first = visit(small_index, use_dirs)
    session = first.session_state["session"]
    assert "session" not in first.query_params  # private: never in the address
    submit(first, "What does a technical program manager do?")
    submit(first, "how do I descale a kettle")

    again = visit(small_index, use_dirs, session)
    assert [t.question for t in again.session_state["turns"]] == [
        "What does a technical program manager do?",
        "how do I descale a kettle",
    ]
    assert again.session_state["turns"][0].answer == first.session_state["turns"][0].answer
    assert card(again, 0, 1) == card(first, 0, 1)  # the cards render as they did
    assert again.get_by_key("t1-abstain")


def test_another_session_starts_empty(small_index: Built, use_dirs: Point) -> None:
    first = visit(small_index, use_dirs)
    submit(first, "What does a staff engineer do?")
    other = visit(small_index, use_dirs)
    assert other.session_state["session"] != first.session_state["session"]
    assert other.session_state["turns"] == []


def test_a_made_up_session_id_is_replaced(small_index: Built, use_dirs: Point) -> None:
    at = visit(small_index, use_dirs, "x' OR 1=1 --")
    assert at.session_state["session"] != "x' OR 1=1 --"
    assert "session" not in at.query_params


def test_an_old_session_link_is_adopted_and_dropped_from_the_address(
    small_index: Built, use_dirs: Point
) -> None:
    first = visit(small_index, use_dirs)
    submit(first, "What does a staff engineer do?")
    again = visit(small_index, use_dirs, first.session_state["session"])
    assert len(again.session_state["turns"]) == 1
    assert "session" not in again.query_params


def test_clear_conversation_forgets_it_on_disk(small_index: Built, use_dirs: Point) -> None:
    first = visit(small_index, use_dirs)
    session = first.session_state["session"]
    submit(first, "What does a technical program manager do?")
    first.button(key="clear").click().run()
    assert first.session_state["turns"] == []
    assert visit(small_index, use_dirs, session).session_state["turns"] == []


def test_a_restarted_server_reads_what_the_last_one_wrote(
    small_index: Built, tmp_path: Path
) -> None:
    """A new History object over the same file is what a new server process has."""
    built = small_index.copy(tmp_path)
    assistant = Assistant(Settings.from_env(corpus_dir=built.corpus, index_dir=built.index))
    answer = assistant.ask("engineering manager vs technical program manager")
    assert answer.compare is not None  # nested dataclasses round-trip too
    first = answer.passages[0]
    turn = Turn(answer.question, 5, None, answer=answer, context={(first.source, first.start): "s"})
    History(built.index).append("s" * 22, turn)
    assert History(built.index).load("s" * 22) == [turn]
    assert turn_from_json(turn_to_json(turn)) == turn


def test_rows_that_no_longer_fit_are_skipped(tmp_path: Path) -> None:
    kept = History(tmp_path)
    kept.append("a" * 22, Turn("first", 5, None, error="no index"))
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("INSERT INTO turns VALUES (?, 1, 0, ?)", ("a" * 22, '{"question": 1}'))
    kept.append("a" * 22, Turn("third", 5, "management", error="x"))
    assert [t.question for t in kept.load("a" * 22)] == ["first", "third"]


def test_an_unwritable_history_never_breaks_the_page(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    kept = History(blocker)
    kept.append("a" * 22, Turn("q", 5, None, error="e"))  # logged, not raised
    assert kept.load("a" * 22) == []


def test_old_sessions_are_dropped(tmp_path: Path) -> None:
    kept = History(tmp_path)
    kept.append("a" * 22, Turn("long ago", 5, None, error="e"))
    with sqlite3.connect(tmp_path / FILE_NAME) as db:
        db.execute("UPDATE turns SET asked_at = 0")
    kept.append("b" * 22, Turn("today", 5, None, error="e"))
    assert kept.load("a" * 22) == [] and len(kept.load("b" * 22)) == 1


def test_conversations_live_in_the_data_dir_not_the_index(
    small_index: Built, use_dirs: Point, data_dir: Path
) -> None:
    first = visit(small_index, use_dirs)
    submit(first, "What does a staff engineer do?")
    folder = Settings.from_env(corpus_dir=small_index.corpus).user_dir("conversations")
    assert folder.is_relative_to(data_dir)
    assert History(folder).load(first.session_state["session"])[0].question.startswith("What")
    assert not (small_index.index / FILE_NAME).exists()


def test_an_older_versions_conversations_are_copied_from_the_index(
    small_index: Built, use_dirs: Point, tmp_path: Path
) -> None:
    built = small_index.copy(tmp_path)
    History(built.index).append("o" * 22, Turn("What did I ask before?", 5, None, error="E."))
    again = visit(built, use_dirs, "o" * 22)
    assert [t.question for t in again.session_state["turns"]] == ["What did I ask before?"]
