"""Progress in passages, with an estimate of the time left, for the CLI and the page.

A rebuild reports ``(done, total)`` passages (see :func:`assistant.indexer.rebuild`);
:class:`ProgressClock` turns those reports into an estimate that counts down between
reports instead of jumping, and :func:`time_left` words it for a person.
:class:`TerminalProgress` is the CLI's one-line bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

#: No estimate before this many seconds of measured work: the first batch also pays for
#: warming the model up, and an estimate from it alone would be far off.
MIN_MEASURED_SECONDS = 1.0


@dataclass
class ProgressClock:
    """Measures the pace of (done, total) reports from the first one with a total."""

    clock: Callable[[], float] = time.monotonic
    done: int = 0
    total: int = 0
    _started: float | None = None
    _start_done: int = 0
    _last: float = 0.0

    def update(self, done: int, total: int) -> None:
        now = self.clock()
        if total and self._started is None:
            self._started, self._start_done = now, done
        self.done, self.total, self._last = done, total, now

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    def remaining(self) -> float | None:
        """Seconds left at the measured pace, or None while there is nothing to go on."""
        if self._started is None or self.done <= self._start_done:
            return None
        spent = self._last - self._started
        if spent < MIN_MEASURED_SECONDS:
            return None
        per_item = spent / (self.done - self._start_done)
        at_last_report = per_item * (self.total - self.done)
        return max(0.0, at_last_report - (self.clock() - self._last))


def time_left(seconds: float | None) -> str:
    """ "about 40 s left", "about 3 min left", or "" when there is no estimate yet."""
    if seconds is None:
        return ""
    if seconds < 5:
        return "a few seconds left"
    if seconds < 90:
        return f"about {round(seconds / 5) * 5:.0f} s left"
    return f"about {round(seconds / 60):.0f} min left"


class TerminalProgress:
    """A one-line progress bar for a terminal: files to index, passages embedded, time left.

    ``career-assistant index`` shows it on stderr only when stderr is a terminal and
    ``--json`` is not given: piped output and JSON get nothing extra.
    """

    WIDTH = 30

    def __init__(self, stream: TextIO, clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.clock = ProgressClock(clock)
        self._files = ""

    def files(self, indexing: int, total: int) -> None:
        """The rebuild's plan: ``indexing`` new or changed files of ``total``."""
        self._files = f"{indexing:,} of {total:,} files · "

    def __call__(self, done: int, total: int) -> None:
        self.clock.update(done, total)
        if total:
            filled = int(self.WIDTH * self.clock.fraction)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            left = time_left(self.clock.remaining()) if done < total else "saving the index"
            line = f"{self._files}passages [{bar}] {done:,}/{total:,}"
            line += f" · {left}" if left else ""
            self.stream.write(f"\r{line:<{self.WIDTH + 70}}")
            self.stream.flush()

    def done(self) -> None:
        if self.clock.total:
            self.stream.write("\n")
