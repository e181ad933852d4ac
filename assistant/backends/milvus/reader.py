"""Reading one published build: searches and fetches by id, through its collections."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar

import numpy as np
from pymilvus import MilvusClient

from ...backend import VECTOR_TABLES, check_compatible
from ...config import Settings
from ...errors import IndexUnavailableError
from ...lexical import tokenize
from ...records import (
    FORMAT_VERSION,
    DocumentInfo,
    Filter,
    Hit,
    Manifest,
    StoredChunk,
    StoredSentence,
)
from ...taxonomy import CareerPath, Taxonomy
from .connection import Connection, NotLoadedError
from .layout import (
    BATCH,
    BM25_K1,
    DOCUMENTS,
    MANIFEST_KEY,
    SENTENCES,
    SEPARATOR,
    filter_expression,
    literal,
)

T = TypeVar("T")


class MilvusBuild:
    """One published build, read through the collections it was opened on."""

    def __init__(
        self, connection: Connection, collection: str, settings: Settings, verify: bool = False
    ) -> None:
        self._connection = connection
        self.collection = collection
        self._settings = settings
        self._sentences = f"{collection}{SEPARATOR}{SENTENCES}"
        self._documents = f"{collection}{SEPARATOR}{DOCUMENTS}"
        self.manifest = self._read_manifest()
        self.documents = self._read_documents()
        if verify:
            self._verify()

    def _run(self, action: Callable[[MilvusClient], T]) -> T:
        """``action(client)``; a build released meanwhile (a restarted server does not
        reload what it served) is loaded again, once, and the action retried."""
        try:
            return self._connection.run(action)
        except NotLoadedError:
            for name in (self.collection, self._sentences, self._documents):
                self._connection.run(partial(MilvusClient.load_collection, collection_name=name))
            return self._connection.run(action)

    def _read_manifest(self) -> Manifest:
        described = self._run(lambda client: client.describe_collection(self.collection))
        try:
            values = json.loads(described.get("properties", {})[MANIFEST_KEY])
            manifest = Manifest.from_values(values)
        except (KeyError, TypeError, ValueError):
            raise IndexUnavailableError(
                f"the collection {self.collection} in Milvus is not a career-assistant build"
            ) from None
        if manifest.format_version != FORMAT_VERSION:
            raise IndexUnavailableError(
                f"the index format {manifest.format_version} in Milvus is not "
                f"{FORMAT_VERSION}, the one this version understands"
            )
        dense = [f for f in described.get("fields", []) if f.get("name") == "dense"]
        dimension = dense[0].get("params", {}).get("dim") if dense else None
        if dimension is not None and int(dimension) != manifest.dimension:
            raise IndexUnavailableError(
                f"the collection {self.collection} holds {dimension}-d vectors "
                f"but its manifest says {manifest.dimension}"
            )
        return manifest

    def _scan(self, collection: str, expression: str, fields: list[str]) -> list[dict[str, Any]]:
        def scan(client: MilvusClient) -> list[dict[str, Any]]:
            iterator = client.query_iterator(
                collection, batch_size=BATCH, filter=expression, output_fields=fields
            )
            rows: list[dict[str, Any]] = []
            try:
                while batch := iterator.next():
                    rows.extend(batch)
            finally:
                iterator.close()
            return rows

        return self._run(scan)

    def _read_documents(self) -> dict[str, DocumentInfo]:
        rows = self._scan(self._documents, "part == 0", ["source", "info"])
        documents = {}
        for row in sorted(rows, key=lambda r: str(r["source"])):
            info = json.loads(row["info"])
            documents[row["source"]] = DocumentInfo(
                source=row["source"],
                sha256=info["sha256"],
                title=info["title"],
                kind=info["kind"],
                family=info["family"],
                path=info["path"],
                aliases=tuple(info["aliases"]),
                next_steps=tuple(info["next_steps"]),
                related=tuple(info["related"]),
                organisation=str(info["organisation"]),
            )
        return documents

    def _count(self, collection: str) -> int:
        rows = self._run(
            lambda client: client.query(collection, filter="", output_fields=["count(*)"])
        )
        return int(rows[0]["count(*)"])

    def _verify(self) -> None:
        m = self.manifest
        facts = {
            "chunks": (m.chunks, self._count(self.collection)),
            "sentences": (m.sentences, self._count(self._sentences)),
            "files": (m.files, len(self.documents)),
        }
        for name, values in facts.items():
            if len(set(values)) != 1:
                raise IndexUnavailableError(
                    f"the build {self.collection} in Milvus is inconsistent ({name}: {values})"
                )

    @functools.cached_property
    def taxonomy(self) -> Taxonomy:
        return Taxonomy(CareerPath.of(d) for d in self.documents.values() if d.path)

    def check_compatible(self, model: str, dimension: int | None = None) -> None:
        check_compatible(self.manifest, model, dimension)

    # -- searching --------------------------------------------------------------------

    def dense_search(self, query: np.ndarray, k: int, where: Filter | None = None) -> list[Hit]:
        if k <= 0:
            return []
        found = self._run(
            lambda client: client.search(
                self.collection,
                data=[query.astype(np.float32).tolist()],
                anns_field="dense",
                limit=k,
                filter=filter_expression(where),
                output_fields=["chunk_id"],
                search_params=self._dense_params(k),
            )
        )
        return [Hit(str(hit["chunk_id"]), float(hit["distance"])) for hit in found[0]]

    def _dense_params(self, k: int) -> dict[str, Any]:
        kind = self.manifest.index_kind
        if kind == "hnsw":
            return {"metric_type": "IP", "params": {"ef": max(self._settings.hnsw_ef, k)}}
        if kind == "ivf":
            return {"metric_type": "IP", "params": {"nprobe": self._settings.ivf_nprobe}}
        return {"metric_type": "IP"}

    def _lexical(self, queries: list[str], k: int, expression: str) -> list[list[Hit]]:
        """BM25 top-``k`` for each of ``queries`` (our tokens, joined), best first."""
        found = self._run(
            lambda client: client.search(
                self.collection,
                data=queries,
                anns_field="lexical",
                limit=k,
                filter=expression,
                output_fields=["chunk_id"],
                search_params={"metric_type": "BM25"},
            )
        )
        # Milvus scores BM25 with a (k1 + 1) factor bm25s leaves out; milvus-lite reports
        # it as a negative distance. The magnitude over (k1 + 1) is bm25s' score.
        return [
            [Hit(str(h["chunk_id"]), abs(float(h["distance"])) / (BM25_K1 + 1)) for h in hits]
            for hits in found
        ]

    def lexical_search(self, query: str, k: int, where: Filter | None = None) -> list[Hit]:
        tokens = tokenize([query])[0]
        if not tokens or k <= 0:
            return []
        hits = self._lexical([" ".join(tokens)], k, filter_expression(where))[0]
        return [hit for hit in hits if hit.score > 0]

    def lexical_scores(self, query: str, chunk_ids: Sequence[str]) -> np.ndarray:
        tokens = tokenize([query])[0]
        scores = np.zeros(len(chunk_ids), dtype=np.float32)
        if not tokens or not chunk_ids:
            return scores
        expression = filter_expression(None, chunk_ids)
        hits = self._lexical([" ".join(tokens)], len(chunk_ids), expression)[0]
        by_id = {hit.chunk_id: hit.score for hit in hits}
        for i, chunk_id in enumerate(chunk_ids):
            scores[i] = by_id.get(chunk_id, 0.0)
        return scores

    def known_words(self, text: str) -> list[str]:
        """A word is known when every token of it occurs in some chunk (one search each,
        sent as one request)."""
        words = text.split()
        tokens = tokenize(words)
        distinct = sorted({t for ts in tokens for t in ts})
        known: set[str] = set()
        if distinct:
            results = self._lexical(distinct, 1, "")
            known = {token for token, hits in zip(distinct, results, strict=True) if hits}
        return [w for w, ts in zip(words, tokens, strict=True) if all(t in known for t in ts)]

    # -- fetching by id ---------------------------------------------------------------

    def _get(self, collection: str, ids: Sequence[Any], fields: list[str]) -> dict[Any, Any]:
        rows: dict[Any, Any] = {}
        for start in range(0, len(ids), BATCH):
            batch = list(ids[start : start + BATCH])
            found = self._run(
                partial(
                    MilvusClient.get, collection_name=collection, ids=batch, output_fields=fields
                )
            )
            rows.update({row[fields[0]]: row for row in found})
        return rows

    def chunks(self, chunk_ids: Sequence[str]) -> list[StoredChunk]:
        fields = [
            "chunk_id",
            "source",
            "title",
            "section",
            "family",
            "path",
            "organisation",
            "start",
            "end",
            "text",
            "sentence_first",
            "sentence_count",
            "dense",
        ]
        rows = self._get(self.collection, list(dict.fromkeys(chunk_ids)), fields)
        return [
            StoredChunk(
                chunk_id=str(rows[chunk_id]["chunk_id"]),
                source=str(rows[chunk_id]["source"]),
                title=str(rows[chunk_id]["title"]),
                section=str(rows[chunk_id]["section"]),
                family=str(rows[chunk_id]["family"]),
                path=str(rows[chunk_id]["path"]),
                start=int(rows[chunk_id]["start"]),
                end=int(rows[chunk_id]["end"]),
                text=str(rows[chunk_id]["text"]),
                sentence_first=int(rows[chunk_id]["sentence_first"]),
                sentence_count=int(rows[chunk_id]["sentence_count"]),
                vector=np.asarray(rows[chunk_id]["dense"], dtype=np.float32),
                organisation=str(rows[chunk_id]["organisation"]),
            )
            for chunk_id in chunk_ids
        ]

    def sentences(self, ids: Sequence[int]) -> list[StoredSentence]:
        fields = ["id", "source", "start", "end", "dense"]
        rows = self._get(self._sentences, [int(i) for i in dict.fromkeys(ids)], fields)
        return [
            StoredSentence(
                int(i),
                rows[i]["source"],
                int(rows[i]["start"]),
                int(rows[i]["end"]),
                np.asarray(rows[i]["dense"], dtype=np.float32),
            )
            for i in ids
        ]

    def sentence_vectors_of(self, ids: Sequence[int]) -> np.ndarray:
        if not ids:
            return np.empty((0, self.manifest.dimension), dtype=np.float32)
        rows = self._get(self._sentences, [int(i) for i in dict.fromkeys(ids)], ["id", "dense"])
        return np.array([rows[i]["dense"] for i in ids], dtype=np.float32)

    def document_text(self, source: str) -> str:
        rows = self._scan(self._documents, f"source == {literal(source)}", ["part", "text"])
        return "".join(row["text"] for row in sorted(rows, key=lambda r: int(r["part"])))

    def stored_vectors(self, table: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        if table not in VECTOR_TABLES:
            raise ValueError(table)
        collection = self.collection if table == "chunks" else self._sentences
        wanted = set(keys)
        if not wanted:
            return {}
        # A few keys are looked up (an indexed field); many are picked from one pass over
        # the collection, rather than a lookup per thousand keys.
        expression = ""
        if len(wanted) <= BATCH:
            expression = f"embed_key in [{', '.join(literal(k) for k in sorted(wanted))}]"
        return {
            row["embed_key"]: np.asarray(row["dense"], dtype=np.float32)
            for row in self._scan(collection, expression, ["embed_key", "dense"])
            if row["embed_key"] in wanted
        }

    def close(self) -> None:
        """Nothing to release: the connection belongs to the backend."""
