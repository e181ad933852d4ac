"""career-assistant: grounded answers about career paths after senior engineer.

Data flow: corpus files → documents → chunks → vectors → index → ranked passages → answer.

The engine's names load on first use (PEP 562), so ``career-assistant --help`` or the
``ui`` launcher never import FAISS, bm25s or NumPy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .config import Settings
from .errors import AssistantError, BadInputError, CorpusError, IndexUnavailableError

if TYPE_CHECKING:
    from .engine import Assistant, IndexStatus
    from .indexer import RebuildReport
    from .results import Answer, Comparison, Highlight, Passage

_LAZY = {
    "Assistant": "engine",
    "IndexStatus": "engine",
    "RebuildReport": "indexer",
    "Answer": "results",
    "Comparison": "results",
    "Highlight": "results",
    "Passage": "results",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Answer",
    "Assistant",
    "AssistantError",
    "BadInputError",
    "Comparison",
    "CorpusError",
    "Highlight",
    "IndexStatus",
    "IndexUnavailableError",
    "Passage",
    "RebuildReport",
    "Settings",
]
