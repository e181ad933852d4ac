"""Writing one build: its three collections, filled, indexed and loaded."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

import numpy as np
from pymilvus import DataType, Function, FunctionType, MilvusClient

from ...config import Settings
from ...errors import AssistantError
from ...lexical import tokenize
from ...records import Manifest, NewBuild
from .connection import Connection
from .layout import (
    BATCH,
    BM25_B,
    BM25_K1,
    DOCUMENT_PART,
    DOCUMENTS,
    MANIFEST_KEY,
    REPLACES_KEY,
    SENTENCES,
    SEPARATOR,
    TEXT_LENGTH,
)


class BuildWriter:
    """Creates the collections of one build; the backend then points the alias at it."""

    def __init__(self, connection: Connection, settings: Settings) -> None:
        self._connection = connection
        self.settings = settings

    def write(self, chunks: str, build: NewBuild, previous: str) -> None:
        """Write ``build`` as the chunks collection ``chunks`` and its two companions."""
        self._create_sentences(f"{chunks}{SEPARATOR}{SENTENCES}", build)
        self._create_documents(f"{chunks}{SEPARATOR}{DOCUMENTS}", build)
        self._create_chunks(chunks, build, previous)

    def _create(
        self,
        name: str,
        schema: Any,
        index: Callable[[Any], None],
        properties: dict[str, str],
        rows: Iterator[dict[str, Any]],
    ) -> None:
        """Create a collection, fill it, index it, load it: ready for readers."""
        self._connection.run(
            partial(
                MilvusClient.create_collection,
                collection_name=name,
                schema=schema,
                consistency_level="Strong",
                properties=properties,
            )
        )
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                self._connection.run(partial(MilvusClient.insert, collection_name=name, data=batch))
                batch = []
        if batch:
            self._connection.run(partial(MilvusClient.insert, collection_name=name, data=batch))
        self._connection.run(partial(MilvusClient.flush, collection_name=name))

        def build_indexes(client: MilvusClient) -> None:
            params = client.prepare_index_params()
            index(params)
            # pymilvus would poll each index every 0.5 s; one poll loop below waits for all.
            client.create_index(name, params, sync=False)
            wait_for_indexes(client, name, [p.index_name or p.field_name for p in params])
            client.load_collection(name)

        self._connection.run(build_indexes)

    def _dense_index(self, params: Any, manifest: Manifest) -> None:
        s = self.settings
        if manifest.index_kind == "hnsw":
            options = {"M": s.hnsw_m, "efConstruction": s.hnsw_ef_construction}
            params.add_index("dense", index_type="HNSW", metric_type="IP", params=options)
        elif manifest.index_kind == "ivf":
            options = {"nlist": max(16, int(np.sqrt(manifest.chunks)))}
            params.add_index("dense", index_type="IVF_FLAT", metric_type="IP", params=options)
        else:
            params.add_index("dense", index_type="FLAT", metric_type="IP")

    def _create_chunks(self, name: str, build: NewBuild, previous: str) -> None:
        m = build.manifest
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("chunk_id", DataType.VARCHAR, is_primary=True, max_length=128)
        for field in ("source", "family", "path", "kind", "organisation", "embed_key"):
            schema.add_field(field, DataType.VARCHAR, max_length=TEXT_LENGTH)
        for field in ("title", "section", "text"):
            schema.add_field(field, DataType.VARCHAR, max_length=TEXT_LENGTH)
        for field in ("start", "end", "sentence_first", "sentence_count"):
            schema.add_field(field, DataType.INT64)
        schema.add_field(
            "terms",
            DataType.VARCHAR,
            max_length=TEXT_LENGTH,
            enable_analyzer=True,
            analyzer_params={"tokenizer": "standard"},
        )
        schema.add_field("lexical", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=m.dimension)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["terms"],
                output_field_names=["lexical"],
            )
        )

        def index(params: Any) -> None:
            self._dense_index(params, m)
            params.add_index(
                "lexical",
                index_type="SPARSE_INVERTED_INDEX",
                metric_type="BM25",
                params={"bm25_k1": BM25_K1, "bm25_b": BM25_B},
            )
            for field in ("family", "path", "kind", "organisation", "source", "embed_key"):
                params.add_index(field, index_type="INVERTED")

        owners = {d.source: d.organisation for d in build.documents}  # a chunk's, by source
        properties = {MANIFEST_KEY: json.dumps(m.__dict__), REPLACES_KEY: previous}
        self._create(
            name,
            schema,
            index,
            properties,
            (
                {
                    "chunk_id": c.chunk_id,
                    "source": c.source,
                    "family": c.family,
                    "path": c.path,
                    "kind": c.kind,
                    "organisation": owners.get(c.source, ""),
                    "embed_key": c.embed_key,
                    "title": c.title,
                    "section": c.section,
                    "text": c.text,
                    "start": c.start,
                    "end": c.end,
                    "sentence_first": c.sentence_first,
                    "sentence_count": c.sentence_count,
                    # bm25s indexes an empty document as a placeholder token; so do we
                    "terms": " ".join(tokenize([c.lexical_text])[0]) or "_",
                    "dense": vector.tolist(),
                }
                for c, vector in zip(build.chunks, build.chunk_vectors, strict=True)
            ),
        )

    def _create_sentences(self, name: str, build: NewBuild) -> None:
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("source", DataType.VARCHAR, max_length=TEXT_LENGTH)
        schema.add_field("embed_key", DataType.VARCHAR, max_length=128)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=build.manifest.dimension)

        def index(params: Any) -> None:  # never searched: fetched by id, or by embed key
            params.add_index("dense", index_type="FLAT", metric_type="IP")
            params.add_index("embed_key", index_type="INVERTED")

        self._create(
            name,
            schema,
            index,
            {},
            (
                {
                    "id": i,
                    "source": s.source,
                    "embed_key": s.embed_key,
                    "start": s.start,
                    "end": s.end,
                    "dense": vector.tolist(),
                }
                for i, (s, vector) in enumerate(
                    zip(build.sentences, build.sentence_vectors, strict=True)
                )
            ),
        )

    def _create_documents(self, name: str, build: NewBuild) -> None:
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=TEXT_LENGTH)
        schema.add_field("source", DataType.VARCHAR, max_length=TEXT_LENGTH)
        schema.add_field("part", DataType.INT64)
        schema.add_field("info", DataType.VARCHAR, max_length=TEXT_LENGTH)
        schema.add_field("text", DataType.VARCHAR, max_length=TEXT_LENGTH)
        # Milvus requires a vector field in every collection; this one is never used.
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)

        def index(params: Any) -> None:
            params.add_index("unused", index_type="FLAT", metric_type="L2")

        def rows() -> Iterator[dict[str, Any]]:
            for d in build.documents:
                info = {
                    "sha256": d.sha256,
                    "title": d.title,
                    "kind": d.kind,
                    "family": d.family,
                    "path": d.path,
                    "aliases": list(d.aliases),
                    "next_steps": list(d.next_steps),
                    "related": list(d.related),
                    "organisation": d.organisation,
                }
                parts = range(0, max(len(d.text), 1), DOCUMENT_PART)
                for part, start in enumerate(parts):
                    yield {
                        "id": f"{d.source}#{part}",
                        "source": d.source,
                        "part": part,
                        "info": json.dumps(info) if part == 0 else "",
                        "text": d.text[start : start + DOCUMENT_PART],
                        "unused": [0.0, 0.0],
                    }

        self._create(name, schema, index, {}, rows())


def wait_for_indexes(client: MilvusClient, name: str, indexes: list[str]) -> None:
    """Wait until every index of ``name`` is built, polling from 10 ms up to 1 s."""
    pause = 0.01
    waiting = list(indexes)
    while waiting:
        state = client.describe_index(name, waiting[0]).get("state")
        if state == "Failed":
            raise AssistantError(f"Milvus could not build the index {waiting[0]} of {name}")
        if state == "Finished":
            waiting.pop(0)
            continue
        time.sleep(pause)
        pause = min(1.0, pause * 2)
