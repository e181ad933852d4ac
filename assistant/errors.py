"""Errors a user can act on.

Every error carries a one-line message that names the problem *and* the fix, and
an exit code for the CLI. The page and the CLI show ``str(error)`` and nothing else.
"""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: a problem the user can fix, reported in one line."""

    exit_code = 1

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} — {fix}" if fix else problem)


class BadInputError(AssistantError):
    """The question, an argument or an uploaded file is unusable."""

    exit_code = 2


class CorpusError(AssistantError):
    """The corpus directory is missing, empty or holds nothing loadable."""

    exit_code = 2


class IndexUnavailableError(AssistantError):
    """The index is missing, corrupt, or built with another model or format."""

    exit_code = 3

    def __init__(self, problem: str, fix: str = "run `career-assistant index --full`") -> None:
        super().__init__(problem, fix)


class BackendUnavailableError(IndexUnavailableError):
    """The index's server cannot be used (unreachable, credentials refused): rebuilding
    would not help; the fix is the server or the settings, as the message says."""


class RebuildBusyError(AssistantError):
    """Another process holds the rebuild lock."""

    exit_code = 2


def sentence(message: str) -> str:
    """``message`` as a sentence: the library's one-line messages start in lower case so
    that they read inside a longer line (the CLI's "error: …"); shown alone (a refusal's
    reason, the page's notices) they start with a capital."""
    return message[:1].upper() + message[1:]
