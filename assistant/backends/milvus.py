"""The Milvus backend: every build is a set of collections, published by moving an alias.

For the alias ``A`` (``Settings.milvus_collection``) and a build ``B``::

    A__B             chunks: chunk_id (primary key), text, offsets, family/path/kind/source,
                     embed_key, ``dense`` (the chunk vector), ``terms`` (our BM25 tokens;
                     a server-side BM25 function turns them into the sparse ``lexical``)
    A__B__sentences  sentences: id (dense within the build), source, offsets, embed_key,
                     ``dense`` (the sentence vector)
    A__B__documents  document text in parts, and each document's metadata (part 0)
    A__lock          exists only while a rebuild runs: the rebuild lock

The alias ``A`` names the chunks collection of the build being served; the manifest is
a property of that collection. Publishing builds all three collections, loads them, then
moves the alias in one call, so a reader sees the old build or the new one, never a mix;
a reader keeps the collection it opened until the alias moves (checked before each
question), and the build it replaced is kept until the next rebuild for readers still
on it. A rebuild killed before the alias moved leaves collections the alias never named:
the next rebuild drops them.

Sentences live in their own collection rather than in a field of their chunk: the
overlapping windows of one section share sentences, which are stored once, and every
read is a point lookup by id (a chunk's sentences are a contiguous id range).

BM25 runs on the server over *our* tokens (lower-cased, stop words dropped, Snowball
stemmed; :func:`assistant.lexical.tokenize`) with bm25s' k1 and b, so its scores are the
local backend's up to Milvus' constant factor (k1 + 1), divided out here: the abstention
thresholds calibrated on BM25 scores hold on both backends.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any, TypeVar

import numpy as np
from pymilvus import DataType, Function, FunctionType, MilvusClient, MilvusException

from ..backend import VECTOR_TABLES, check_compatible
from ..config import Settings
from ..errors import (
    AssistantError,
    BackendUnavailableError,
    IndexUnavailableError,
    RebuildBusyError,
)
from ..lexical import tokenize
from ..records import (
    FORMAT_VERSION,
    DocumentInfo,
    Filter,
    Hit,
    Manifest,
    NewBuild,
    StoredChunk,
    StoredSentence,
)
from ..taxonomy import CareerPath, Taxonomy

# pymilvus logs every failed call with its traceback; ours are reported in one line.
logging.getLogger("pymilvus").setLevel(logging.CRITICAL)

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
NOT_FOUND = 100  # Milvus' error code for a collection or alias that does not exist
NOT_LOADED = 101  # ... and for one that is not loaded into memory

T = TypeVar("T")


def _build_id(collection: str, alias: str) -> str:
    """``A__20261129T145454_1a2b3c4d`` → ``20261129T145454-1a2b3c4d``."""
    return collection[len(alias) + len(SEPARATOR) :].replace("_", "-")


def _collection(alias: str, build_id: str) -> str:
    return f"{alias}{SEPARATOR}{build_id.replace('-', '_')}"


def _literal(value: str) -> str:
    """A string literal for a Milvus filter expression."""
    return json.dumps(value, ensure_ascii=False)


def filter_expression(where: Filter | None, ids: Sequence[str] = ()) -> str:
    """``family == "management" and path == "cto"``; "" when nothing is filtered."""
    terms = [f"{name} == {_literal(value)}" for name, value in (where or Filter()).fields().items()]
    if ids:
        terms.append(f"chunk_id in [{', '.join(_literal(i) for i in ids)}]")
    return " and ".join(terms)


class NotLoadedError(IndexUnavailableError):
    """A build's collection is on the server but released (e.g. after a restart)."""


class _Connection:
    """One MilvusClient per backend, with every failure turned into a one-line error."""

    def __init__(self, settings: Settings) -> None:
        self.uri = settings.milvus_uri
        self._token = settings.milvus_token
        self._timeout = settings.milvus_timeout
        self._client: MilvusClient | None = None
        self._lock = threading.Lock()

    def client(self) -> MilvusClient:
        with self._lock:
            if self._client is None:
                self._client = self.call(
                    lambda: MilvusClient(uri=self.uri, token=self._token, timeout=self._timeout)
                )
            return self._client

    def run(self, action: Callable[[MilvusClient], T]) -> T:
        """``action(client)``, reconnecting next time if the server went away."""
        client = self.client()
        try:
            return self.call(lambda: action(client))
        except IndexUnavailableError:
            with self._lock:
                if self._client is client:
                    self._client = None
            raise

    def call(self, action: Callable[[], T]) -> T:
        try:
            return action()
        except MilvusException as error:
            raise self.explain(error.code, error.message) from None
        except Exception as error:  # grpc and socket errors surface under several types
            if isinstance(error, AssistantError):
                raise
            raise self.explain(None, f"{type(error).__name__}: {error}") from None

    def explain(self, code: int | None, message: str) -> IndexUnavailableError:
        text = message.lower()
        if any(w in text for w in ("auth", "credential", "password", "token", "permission")):
            return BackendUnavailableError(
                f"Milvus at {self.uri} refused the credentials ({message})",
                "set CAREER_ASSISTANT_MILVUS_TOKEN to a valid user:password or API key",
            )
        if code == NOT_LOADED or "not loaded" in text or "released" in text:
            return NotLoadedError(
                f"a collection in Milvus at {self.uri} is not loaded ({message})",
                "load it, or rebuild with `career-assistant index`",
            )
        if code == 2 or any(w in text for w in ("unavailable", "connect", "deadline", "timed")):
            return BackendUnavailableError(
                f"cannot reach Milvus at {self.uri}",
                "start the server or fix CAREER_ASSISTANT_MILVUS_URI; "
                "questions work again once it is back",
            )
        return IndexUnavailableError(
            f"Milvus at {self.uri} failed: {message}",
            "check the server; rebuild with `career-assistant index --full` if it persists",
        )


class MilvusBackend:
    """Builds as collections on a Milvus server, the current one named by an alias."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.alias = settings.milvus_collection
        self._connection = _Connection(settings)

    def describe(self) -> str:
        return f"Milvus at {self._connection.uri} (collection {self.alias})"

    # -- reading ----------------------------------------------------------------------

    def _current_collection(self) -> str | None:
        def resolve(client: MilvusClient) -> str | None:
            try:
                return str(client.describe_alias(self.alias)["collection_name"])
            except MilvusException as error:
                if error.code == NOT_FOUND or "not exist" in error.message:
                    return None
                raise

        return self._connection.run(resolve)

    def current(self) -> str | None:
        collection = self._current_collection()
        return _build_id(collection, self.alias) if collection else None

    def open(self, verify: bool = False) -> MilvusBuild:
        collection = self._current_collection()
        if collection is None:
            raise IndexUnavailableError(
                f"there is no index in {self.describe()}", "run `career-assistant index`"
            )
        return MilvusBuild(self._connection, collection, self.settings, verify)

    def index_kind(self, chunks: int) -> str:
        """Exact search ("flat") below ``ivf_threshold`` chunks, HNSW past it ("auto")."""
        kind = self.settings.index_kind
        if kind == "auto":
            return "hnsw" if chunks >= self.settings.ivf_threshold else "flat"
        return kind

    # -- the rebuild lock -------------------------------------------------------------

    @contextmanager
    def rebuild_lock(self, timeout: float) -> Iterator[None]:
        lock = _LockRecord(self._connection, f"{self.alias}{SEPARATOR}{LOCK}", self.settings)
        lock.acquire(timeout, self.describe())
        try:
            yield
        finally:
            lock.release()

    # -- writing ----------------------------------------------------------------------

    def _builds(self) -> dict[str, list[str]]:
        """Every collection of every build under this alias, by build id."""
        prefix = self.alias + SEPARATOR
        names = self._connection.run(lambda client: client.list_collections())
        builds: dict[str, list[str]] = {}
        for name in names:
            if name.startswith(prefix) and name != prefix + LOCK:
                chunks = name.split(SEPARATOR)[:2]
                builds.setdefault(_build_id(SEPARATOR.join(chunks), self.alias), []).append(name)
        return builds

    def remove_leftovers(self) -> None:
        """Drop builds the alias never named (a rebuild that died before publishing)."""
        current = self._current_collection()
        keep: set[str] = set()
        if current is not None:
            keep = {_build_id(current, self.alias), self._replaced(current)}
        self.prune(keep)

    def _replaced(self, collection: str) -> str:
        properties = self._connection.run(
            lambda client: client.describe_collection(collection).get("properties", {})
        )
        return str(properties.get(REPLACES_KEY, ""))

    def prune(self, keep: set[str]) -> None:
        for build_id, names in self._builds().items():
            if build_id not in keep:
                for name in names:
                    self._connection.run(
                        partial(MilvusClient.drop_collection, collection_name=name)
                    )

    def publish(self, build: NewBuild) -> None:
        """Write the build's collections, then move the alias to it in one call."""
        m = build.manifest
        chunks = _collection(self.alias, m.build_id)
        previous = self.current() or ""
        self._create_sentences(f"{chunks}{SEPARATOR}{SENTENCES}", build)
        self._create_documents(f"{chunks}{SEPARATOR}{DOCUMENTS}", build)
        self._create_chunks(chunks, build, previous)

        def point(client: MilvusClient) -> None:
            if previous:
                client.alter_alias(chunks, self.alias)
            else:
                client.create_alias(chunks, self.alias)

        self._connection.run(point)

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
            _wait_for_indexes(client, name, [p.index_name or p.field_name for p in params])
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
        for field in ("source", "family", "path", "kind", "embed_key"):
            schema.add_field(field, DataType.VARCHAR, max_length=1024)
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
        schema.add_field("source", DataType.VARCHAR, max_length=1024)
        schema.add_field("embed_key", DataType.VARCHAR, max_length=128)
        schema.add_field("start", DataType.INT64)
        schema.add_field("end", DataType.INT64)
        schema.add_field("dense", DataType.FLOAT_VECTOR, dim=build.manifest.dimension)

        def index(params: Any) -> None:  # never searched: fetched by id only
            params.add_index("dense", index_type="FLAT", metric_type="IP")

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
        schema.add_field("id", DataType.VARCHAR, is_primary=True, max_length=2048)
        schema.add_field("source", DataType.VARCHAR, max_length=1024)
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


def _wait_for_indexes(client: MilvusClient, name: str, indexes: list[str]) -> None:
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


class _LockRecord:
    """The rebuild lock: a collection that exists only while a rebuild runs.

    Creating a collection is atomic on the server; the lock's schema names its owner, so
    a second rebuild's create fails even on a server that treats re-creating an identical
    collection as a no-op. The owner renews a lease (a collection property) while it
    works; a lock whose lease ran out, or whose owner process on this host is dead
    (SIGKILL), is taken over.
    """

    def __init__(self, connection: _Connection, name: str, settings: Settings) -> None:
        self._connection = connection
        self.name = name
        self._lease = settings.milvus_lock_lease
        self.owner = f"o_{uuid.uuid4().hex}"
        self._host = socket.gethostname()
        self._stop = threading.Event()
        self._renewer: threading.Thread | None = None

    def _record(self) -> dict[str, str]:
        record = {
            "owner": self.owner,
            "host": self._host,
            "pid": str(os.getpid()),
            "expires": str(time.time() + self._lease),
        }
        return {LOCK_KEY: json.dumps(record)}

    def _create(self, client: MilvusClient) -> bool:
        schema = MilvusClient.create_schema(auto_id=False)
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field(self.owner, DataType.BOOL)
        schema.add_field("unused", DataType.FLOAT_VECTOR, dim=2)
        try:
            client.create_collection(self.name, schema=schema, properties=self._record())
        except MilvusException as error:
            if "exist" in error.message or "duplicate" in error.message:
                return False
            raise
        return True

    def _holder(self, client: MilvusClient) -> dict[str, str] | None:
        try:
            properties = client.describe_collection(self.name).get("properties", {})
        except MilvusException as error:
            if error.code == NOT_FOUND or "not exist" in error.message:
                return None
            raise
        try:
            holder: dict[str, str] = json.loads(properties.get(LOCK_KEY, ""))
        except ValueError:
            return {"owner": "", "expires": "0"}  # half-created by a killed rebuild
        return holder

    def _stale(self, holder: dict[str, str]) -> bool:
        if float(holder.get("expires", 0)) < time.time():
            return True
        if holder.get("host") == self._host:
            try:
                os.kill(int(holder.get("pid", 0)), 0)
            except ProcessLookupError:
                return True
            except (PermissionError, ValueError):
                return False
        return False

    def acquire(self, timeout: float, where: str) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self._connection.run(self._create):
                break
            holder = self._connection.run(self._holder)
            if holder is not None and self._stale(holder):
                again = self._connection.run(self._holder)
                if again is not None and again.get("owner") == holder.get("owner"):
                    self._connection.run(lambda client: client.drop_collection(self.name))
                continue
            if time.monotonic() >= deadline:
                raise RebuildBusyError(
                    f"another rebuild of {where} is running",
                    "wait for it to finish (its result will be served), then retry",
                )
            time.sleep(min(0.5, max(0.0, deadline - time.monotonic())))
        self._renewer = threading.Thread(target=self._renew, daemon=True)
        self._renewer.start()

    def _renew(self) -> None:
        while not self._stop.wait(self._lease / 3):
            try:
                self._connection.run(
                    lambda client: client.alter_collection_properties(self.name, self._record())
                )
            except AssistantError:
                continue  # the rebuild itself will report the lost server

    def release(self) -> None:
        self._stop.set()
        if self._renewer is not None:
            self._renewer.join()
        try:
            holder = self._connection.run(self._holder)
            if holder is not None and holder.get("owner") == self.owner:
                self._connection.run(lambda client: client.drop_collection(self.name))
        except AssistantError:
            pass  # the lease runs out by itself


class MilvusBuild:
    """One published build, read through the collections it was opened on."""

    def __init__(
        self, connection: _Connection, collection: str, settings: Settings, verify: bool = False
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
            manifest = Manifest(**{name: values[name] for name in Manifest.__dataclass_fields__})
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

    def document_text(self, source: str) -> str:
        rows = self._scan(self._documents, f"source == {_literal(source)}", ["part", "text"])
        return "".join(row["text"] for row in sorted(rows, key=lambda r: int(r["part"])))

    def stored_vectors(self, table: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        if table not in VECTOR_TABLES:
            raise ValueError(table)
        collection = self.collection if table == "chunks" else self._sentences
        wanted = list(dict.fromkeys(keys))
        vectors: dict[str, np.ndarray] = {}
        for start in range(0, len(wanted), BATCH):
            batch = wanted[start : start + BATCH]
            expression = f"embed_key in [{', '.join(_literal(k) for k in batch)}]"
            rows = self._scan(collection, expression, ["embed_key", "dense"])
            for row in rows:
                vectors[row["embed_key"]] = np.asarray(row["dense"], dtype=np.float32)
        return vectors

    def close(self) -> None:
        """Nothing to release: the connection belongs to the backend."""
