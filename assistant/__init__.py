"""career-assistant: grounded answers about career paths after senior engineer.

Data flow: corpus files → documents → chunks → vectors → index → ranked passages → answer.
"""

from .config import Settings
from .engine import Assistant, IndexStatus
from .errors import AssistantError, BadInputError, CorpusError, IndexUnavailableError
from .indexer import RebuildReport
from .results import Answer, Comparison, Highlight, Passage

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
