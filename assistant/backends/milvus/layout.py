"""Names and shapes of a build's collections in Milvus, shared by writer and reader.

For the alias ``A`` (``Settings.milvus_collection``) and a build ``B``::

    A__B             chunks: chunk_id (primary key), text, offsets, family/path/kind/source/
                     organisation (filters),
                     embed_key, ``dense`` (the chunk vector), ``terms`` (our BM25 tokens;
                     a server-side BM25 function turns them into the sparse ``lexical``)
    A__B__sentences  sentences: id (dense within the build), source, offsets, embed_key,
                     ``dense`` (the sentence vector)
    A__B__documents  document text in parts, and each document's metadata (part 0)
    A__lock          exists only while a rebuild runs: the rebuild lock

The alias ``A`` names the chunks collection of the build being served; the manifest is
a property of that collection.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ...records import Filter

SEPARATOR = "__"
SENTENCES = "sentences"
DOCUMENTS = "documents"
LOCK = "lock"
MANIFEST_KEY = "career_assistant.manifest"
REPLACES_KEY = "career_assistant.replaces"
LOCK_KEY = "career_assistant.lock"
#: bm25s' defaults (the local backend), so both backends score alike.
BM25_K1, BM25_B = 1.5, 0.75
#: Rows per insert and ids per lookup: well under gRPC's and Milvus' message limits.
BATCH = 1000
#: Characters per document text part (a VARCHAR holds at most 65,535 bytes of UTF-8).
DOCUMENT_PART = 16_000
TEXT_LENGTH = 65_535


def build_id_of(collection: str, alias: str) -> str:
    """``A__20261129T145454_1a2b3c4d`` → ``20261129T145454-1a2b3c4d``."""
    return collection[len(alias) + len(SEPARATOR) :].replace("_", "-")


def collection_name(alias: str, build_id: str) -> str:
    return f"{alias}{SEPARATOR}{build_id.replace('-', '_')}"


def literal(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(value, ensure_ascii=False)


def filter_expression(where: Filter | None, ids: Sequence[str] = ()) -> str:
    """``family == "management" and path == "cto"``; "" when nothing is filtered."""
    terms = [f"{name} == {literal(value)}" for name, value in (where or Filter()).fields().items()]
    if ids:
        terms.append(f"chunk_id in [{', '.join(literal(i) for i in ids)}]")
    return " and ".join(terms)
