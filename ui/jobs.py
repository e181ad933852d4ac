"""The index rebuild as a background job, so the page stays usable while it runs.

Streamlit interrupts a script run whenever the user interacts, so a rebuild run inside
the script would be aborted by the next question. Instead one thread per index runs
:meth:`Assistant.rebuild`; the page only reads snapshots of its progress. Questions keep
being answered from the previous build, and the library swaps in the new one when done.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, replace

from assistant import Assistant, AssistantError, RebuildReport
from assistant.progress import ProgressClock, time_left
from ui.views import unexpected

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobSnapshot:
    """The job's state at one moment; ``generation`` counts rebuilds started (0: none yet)."""

    generation: int = 0
    running: bool = False
    #: Passages embedded so far, of ``total`` that need the model; ``reported`` turns
    #: true with the first report, once the documents are read and chunked.
    done: int = 0
    total: int = 0
    reported: bool = False
    #: Seconds left at the pace measured so far (None: no estimate yet).
    remaining: float | None = None
    report: RebuildReport | None = None
    error: str = ""
    started: float = 0.0
    finished: float = 0.0

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def message(self) -> str:
        """What the rebuild is doing, in passages, with the time left when known."""
        if not self.reported:
            return f"Reading your documents… {self.elapsed:.0f} s"
        if self.done < self.total:
            left = time_left(self.remaining)
            return f"Preparing passages for search: {self.done:,} of {self.total:,}" + (
                f" · {left}" if left else ""
            )
        return "Saving the search index…"

    @property
    def elapsed(self) -> float:
        end = self.finished if not self.running else time.monotonic()
        return max(0.0, end - self.started)


class RebuildJob:
    """At most one rebuild at a time for one :class:`Assistant`; thread-safe."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant
        self._lock = threading.Lock()
        self._state = JobSnapshot()
        self._clock = ProgressClock()
        self._again = False
        self._thread: threading.Thread | None = None

    def snapshot(self) -> JobSnapshot:
        with self._lock:
            if not self._state.running:
                return self._state
            return replace(self._state, remaining=self._clock.remaining())

    def start(self, full: bool = False) -> bool:
        """Start a rebuild; False (and nothing started) if one is already running."""
        with self._lock:
            if self._state.running:
                return False
            self._state = JobSnapshot(
                generation=self._state.generation + 1,
                running=True,
                started=time.monotonic(),
            )
            self._clock = ProgressClock()
            self._thread = threading.Thread(
                target=self._run, args=(full,), name="career-assistant-rebuild", daemon=True
            )
            self._thread.start()
            return True

    def request(self) -> None:
        """Bring the index up to date after a change: start now, or once the running
        rebuild ends (it may have read the corpus before the change)."""
        with self._lock:
            if self._state.running:
                self._again = True
                return
        self.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current rebuild ends (for tests and benchmarks); True if it did."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return not self.snapshot().running

    def _progress(self, done: int, total: int) -> None:
        with self._lock:
            self._clock.update(done, total)
            self._state = replace(self._state, done=done, total=total, reported=True)

    def _run(self, full: bool) -> None:
        while True:
            report, error = self._rebuild(full)
            with self._lock:
                if not self._again:
                    self._state = replace(
                        self._state,
                        running=False,
                        report=report,
                        error=error,
                        finished=time.monotonic(),
                    )
                    return
                self._again, full = False, False  # a change arrived meanwhile: once more
                self._state = replace(self._state, done=0, total=0, reported=False)
                self._clock = ProgressClock()

    def _rebuild(self, full: bool) -> tuple[RebuildReport | None, str]:
        try:
            return self.assistant.rebuild(progress=self._progress, full=full), ""
        except AssistantError as problem:
            return None, str(problem)
        except Exception as problem:  # the page shows one line; the log keeps the trace
            log.exception("rebuild failed")
            return None, unexpected(problem)
