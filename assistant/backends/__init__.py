"""Index backends behind :mod:`assistant.backend`'s protocols, chosen by configuration.

``local`` (the default) keeps builds as files under ``index_dir`` (FAISS, bm25s, SQLite);
``milvus`` keeps them in a Milvus server (``pip install 'career-assistant[milvus]'``).
Each is imported only when chosen, so the local page never needs the Milvus client.
"""

from __future__ import annotations

from ..backend import IndexBackend
from ..config import Settings
from ..errors import BadInputError


def create_backend(settings: Settings) -> IndexBackend:
    """The index backend ``settings.backend`` names."""
    if settings.backend == "milvus":
        try:
            from .milvus import MilvusBackend
        except ImportError:
            raise BadInputError(
                "the milvus backend needs the pymilvus package",
                "pip install 'career-assistant[milvus]', or unset CAREER_ASSISTANT_BACKEND",
            ) from None
        return MilvusBackend(settings)
    from .local import LocalBackend

    return LocalBackend(settings)
