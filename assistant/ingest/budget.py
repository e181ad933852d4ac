"""Per-file budgets: the text, units and seconds one file may cost while it is parsed.

A hostile file is small and cheap to make but expensive to read: a 15 KB PDF whose pages
share one 1.9 MB content stream, a table of 10,000 columns, a table whose long labels are
repeated on every cell. Checking sizes after parsing is too late (the time and memory are
spent), so every loader asks :func:`take` before it keeps a unit of text, and stops
keeping text once it says no. The file is then indexed as far as it got, with one warning
naming the budget it ran out of (:meth:`Budget.warning`).

The budget of the file being parsed is a context variable, set by
:func:`.loaders.parse_file`: the loaders, the table model they share and the PDF reader's
drawing device all reach it without threading it through every signature. Outside a
parse (a test calling a loader directly) nothing is limited.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from ..config import INGESTION


@dataclass
class Budget:
    """What one file may still produce; ``exceeded`` names the first budget it ran out of."""

    chars: int
    units: int
    deadline: float  # time.monotonic() past which parsing stops
    spent_chars: int = 0
    spent_units: int = 0
    exceeded: str = ""
    #: A budget a loader applied to its input before parsing (it parses what is left).
    cut: str = ""

    @classmethod
    def for_size(cls, size: int) -> Budget:
        chars = max(INGESTION.min_text_chars, int(INGESTION.text_factor * size))
        return cls(
            chars=min(chars, INGESTION.max_text_chars),
            units=INGESTION.max_units,
            deadline=time.monotonic() + INGESTION.file_seconds,
        )

    def take(self, chars: int, units: int = 1) -> bool:
        """Whether ``units`` more units of ``chars`` characters may be kept; once they may
        not, nothing more is (a file is cut at one place, not thinned out)."""
        if self.exceeded or self.late():
            return False
        if self.spent_chars + chars > self.chars:
            self.exceeded = f"text budget of {self.chars:,} characters"
        elif self.spent_units + units > self.units:
            self.exceeded = f"budget of {self.units:,} paragraphs, list items and cells"
        if self.exceeded:
            return False
        self.spent_chars += chars
        self.spent_units += units
        return True

    @property
    def reason(self) -> str:
        """The budget the file ran out of ("" when it did not)."""
        return self.exceeded or self.cut

    def late(self) -> bool:
        """Whether the file's time is up (which then is the budget it ran out of)."""
        if not self.exceeded and time.monotonic() > self.deadline:
            self.exceeded = f"time budget of {INGESTION.file_seconds:g} s"
        return bool(self.exceeded) and self.exceeded.startswith("time")

    def warning(self, source: str) -> str:
        """The one-line warning of a file cut short ("" when it was not)."""
        if not self.reason:
            return ""
        return (
            f"{source}: indexed only up to its {self.reason} "
            f"({self.spent_chars:,} characters kept; the per-file budgets are in "
            "config.Ingestion); split the file to index all of it"
        )


_CURRENT: ContextVar[Budget | None] = ContextVar("ingest_budget", default=None)


@contextlib.contextmanager
def budget_for(size: int) -> Iterator[Budget]:
    """Make a fresh budget for a file of ``size`` bytes the current one while parsing it."""
    budget = Budget.for_size(size)
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def current() -> Budget | None:
    return _CURRENT.get()


def take(text: str, units: int = 1) -> bool:
    """Whether the file being parsed may keep ``text`` as ``units`` more units (always,
    outside a parse)."""
    budget = _CURRENT.get()
    return budget is None or budget.take(len(text), units)


def cut(reason: str) -> None:
    """The loader cut the file's input for ``reason``, a budget named in the warning."""
    budget = _CURRENT.get()
    if budget is not None and not budget.cut:
        budget.cut = reason


def exhausted() -> bool:
    """Whether the file being parsed has run out of a budget: loaders stop early."""
    budget = _CURRENT.get()
    return budget is not None and (budget.late() or bool(budget.exceeded))
