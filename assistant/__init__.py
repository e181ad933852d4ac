"""career-assistant: grounded answers about career paths after senior engineer.

Data flow: corpus files → documents → chunks → vectors → index → ranked passages → answer.

The engine's names load on first use (PEP 562), so ``career-assistant --help`` or the
``ui`` launcher never import FAISS, bm25s or NumPy.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

# Nothing may phone home, and these switches are read when each library loads, so they are
# set here, before any module of this package can import one. Without the first, ONNX
# Runtime writes a device id, the Python path, OS and CPU to
# ~/.cache/Microsoft/DeveloperTools/.onnxruntime/ on import and sends them to Microsoft.
os.environ["ORT_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_HUB_OFFLINE"] = "1"  # the model is on local disk: never reach a hub
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from .config import Settings
from .errors import AssistantError, BadInputError, CorpusError, IndexUnavailableError

if TYPE_CHECKING:
    from .engine import Assistant, IndexStatus
    from .fit import FitResult
    from .indexer import RebuildReport
    from .results import Answer, Comparison, Highlight, Passage

_LAZY = {
    "Assistant": "engine",
    "IndexStatus": "engine",
    "FitResult": "fit",
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
    "FitResult",
    "Highlight",
    "IndexStatus",
    "IndexUnavailableError",
    "Passage",
    "RebuildReport",
    "Settings",
]
