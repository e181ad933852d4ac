"""The conversation, kept on this machine so it survives a reload and a server restart.

A browser's conversation is named by a random id the browser keeps in a cookie, never
shown in the URL (:mod:`ui.private_session`); its turns are rows of a small SQLite file in
the user's data directory, one per corpus (``Settings.user_dir("conversations")``), never
in the checkout; the file an older version kept in the index directory is copied there
once, so the move loses nothing. Each turn is stored as JSON — never pickled — and
rebuilt into the library's own dataclasses on load; a row that no longer fits them
(written by an older version) is skipped rather than failing the page.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import re
import secrets
import sqlite3
import time
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

from assistant import Answer, FitResult
from ui.conversation import Turn

log = logging.getLogger(__name__)

FILE_NAME = "page-history.sqlite"
#: Turns kept per session; older ones are dropped as new ones are asked.
MAX_TURNS = 200
#: Whatever was asked longer ago than this is dropped, so the file does not grow forever.
KEEP_DAYS = 90
#: What a session id may look like (ours are 22 URL-safe characters).
_SESSION_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS turns (
    session TEXT NOT NULL, seq INTEGER NOT NULL, asked_at REAL NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (session, seq)
);
CREATE TABLE IF NOT EXISTS fits (
    session TEXT PRIMARY KEY, asked_at REAL NOT NULL, data TEXT NOT NULL
);
"""
T = TypeVar("T")


def new_session_id() -> str:
    return secrets.token_urlsafe(16)


def valid_session_id(value: str) -> bool:
    return _SESSION_ID.fullmatch(value) is not None


class History:
    """The turns of every session of one index directory. Thread- and process-safe."""

    def __init__(self, folder: Path, previous: Path | None = None) -> None:
        """Conversations in ``folder``; ``previous``: a folder an older version kept the
        file in, copied on first use when ``folder`` has none yet."""
        self.path = folder / FILE_NAME
        if previous is not None and (previous / FILE_NAME).is_file() and not self.path.exists():
            self._adopt(previous / FILE_NAME)

    def _adopt(self, old: Path) -> None:
        """Copy ``old`` here with SQLite's backup (its write-ahead log included)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with (
                contextlib.closing(sqlite3.connect(old, timeout=5)) as source,
                contextlib.closing(sqlite3.connect(self.path)) as target,
            ):
                source.backup(target)
        except (OSError, sqlite3.Error) as error:
            log.warning("conversations of %s not copied to %s: %s", old, self.path, error)

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        connection = sqlite3.connect(self.path, timeout=5)
        try:
            with connection:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.executescript(_SCHEMA)
                yield connection
        finally:
            connection.close()

    def load(self, session: str) -> list[Turn]:
        """The session's turns, oldest first; unreadable rows are skipped."""
        if not self.path.exists():  # a visit that only reads creates nothing
            return []
        try:
            with self._connect() as db:
                rows = db.execute(
                    "SELECT data FROM turns WHERE session = ? ORDER BY seq", (session,)
                ).fetchall()
        except (OSError, sqlite3.Error) as error:
            log.warning("conversation history unreadable (%s): %s", self.path, error)
            return []
        turns = []
        for (data,) in rows:
            try:
                turns.append(turn_from_json(json.loads(data)))
            except (ValueError, TypeError, KeyError) as error:
                log.warning("skipped a stored turn that no longer fits: %s", error)
        return turns

    def append(self, session: str, turn: Turn) -> None:
        """Store one turn; a failure to write is logged, never shown as a page error."""
        try:
            with self._connect() as db:
                (last,) = db.execute(
                    "SELECT COALESCE(MAX(seq), -1) FROM turns WHERE session = ?", (session,)
                ).fetchone()
                db.execute(
                    "INSERT INTO turns VALUES (?, ?, ?, ?)",
                    (session, last + 1, time.time(), json.dumps(turn_to_json(turn))),
                )
                db.execute(
                    "DELETE FROM turns WHERE (session = ? AND seq <= ?) OR asked_at < ?",
                    (session, last + 1 - MAX_TURNS, time.time() - KEEP_DAYS * 86400),
                )
        except (OSError, sqlite3.Error) as error:
            log.warning("conversation not saved (%s): %s", self.path, error)

    def clear(self, session: str) -> None:
        try:
            with self._connect() as db:
                db.execute("DELETE FROM turns WHERE session = ?", (session,))
                db.execute("DELETE FROM fits WHERE session = ?", (session,))
        except (OSError, sqlite3.Error) as error:
            log.warning("conversation not cleared (%s): %s", self.path, error)

    def save_fit(self, session: str, result: FitResult) -> None:
        """Keep the session's latest "which path fits me?" result (one per session)."""
        try:
            with self._connect() as db:
                db.execute(
                    "INSERT OR REPLACE INTO fits VALUES (?, ?, ?)",
                    (session, time.time(), json.dumps(dataclasses.asdict(result))),
                )
                db.execute(
                    "DELETE FROM fits WHERE asked_at < ?", (time.time() - KEEP_DAYS * 86400,)
                )
        except (OSError, sqlite3.Error) as error:
            log.warning("ranking not saved (%s): %s", self.path, error)

    def load_fit(self, session: str) -> FitResult | None:
        if not self.path.exists():
            return None
        try:
            with self._connect() as db:
                row = db.execute("SELECT data FROM fits WHERE session = ?", (session,)).fetchone()
            return None if row is None else from_json(FitResult, json.loads(row[0]))
        except (OSError, sqlite3.Error, ValueError, TypeError, KeyError) as error:
            log.warning("stored ranking skipped (%s): %s", self.path, error)
            return None


# -- JSON ------------------------------------------------------------------------------


def turn_to_json(turn: Turn) -> dict[str, Any]:
    return {
        "question": turn.question,
        "k": turn.k,
        "family": turn.family,
        "error": turn.error,
        "answer": None if turn.answer is None else dataclasses.asdict(turn.answer),
        "context": [[source, start, text] for (source, start), text in turn.context.items()],
    }


def turn_from_json(data: dict[str, Any]) -> Turn:
    answer = data["answer"]
    return Turn(
        question=str(data["question"]),
        k=int(data["k"]),
        family=data["family"],
        answer=None if answer is None else from_json(Answer, answer),
        error=str(data["error"]),
        context={(str(s), int(start)): str(text) for s, start, text in data["context"]},
    )


def from_json(cls: type[T], data: Any) -> T:
    """Rebuild a (nested, frozen) dataclass from :func:`dataclasses.asdict` output.

    Fields are read by the class's own type hints, so a field the engine adds later
    with a default still loads old rows; keys the class no longer has are ignored.
    """
    return typing.cast(T, _value(cls, data))


def _value(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        hints = typing.get_type_hints(hint)
        return hint(
            **{
                f.name: _value(hints[f.name], data[f.name])
                for f in dataclasses.fields(hint)
                if f.name in data
            }
        )
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        real = [a for a in args if a is not type(None)]
        return _value(real[0], data)
    if origin is tuple:
        return tuple(_value(args[0], item) for item in data)
    if origin is list:
        return [_value(args[0], item) for item in data]
    if origin is dict:
        return {str(k): _value(args[1], v) for k, v in data.items()}
    return data
