"""The Milvus backend: every build is a set of collections, published by moving an alias.

Publishing builds all three collections of a build (:mod:`.layout`), loads them, then
moves the alias in one call, so a reader sees the old build or the new one, never a mix;
a reader keeps the collections it opened until the alias moves (checked before each
question), and the build it replaced is kept until the next rebuild for readers still
on it. A rebuild killed before the alias moved leaves collections the alias never named:
the next rebuild drops them.

Sentences live in their own collection rather than in a field of their chunk: the
overlapping windows of one section share sentences, which are stored once, and every
read is a point lookup by id (a chunk's sentences are a contiguous id range).

BM25 runs on the server over *our* tokens (lower-cased, stop words dropped, Snowball
stemmed; :func:`assistant.lexical.tokenize`) with bm25s' k1 and b, so its scores are the
local backend's up to Milvus' constant factor (k1 + 1), divided out when read: the
abstention thresholds calibrated on BM25 scores hold on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial

from pymilvus import MilvusClient, MilvusException

from ...config import Settings
from ...errors import IndexUnavailableError
from ...records import NewBuild
from .connection import NOT_FOUND, Connection
from .layout import LOCK, REPLACES_KEY, SEPARATOR, build_id_of, collection_name
from .lock import LockRecord
from .reader import MilvusBuild
from .writer import BuildWriter


class MilvusBackend:
    """Builds as collections on a Milvus server, the current one named by an alias."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.alias = settings.milvus_collection
        self._connection = Connection(settings)

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
        return build_id_of(collection, self.alias) if collection else None

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
        lock = LockRecord(self._connection, f"{self.alias}{SEPARATOR}{LOCK}", self.settings)
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
                builds.setdefault(build_id_of(SEPARATOR.join(chunks), self.alias), []).append(name)
        return builds

    def remove_leftovers(self) -> None:
        """Drop builds the alias never named (a rebuild that died before publishing)."""
        current = self._current_collection()
        keep: set[str] = set()
        if current is not None:
            keep = {build_id_of(current, self.alias), self._replaced(current)}
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
        chunks = collection_name(self.alias, build.manifest.build_id)
        previous = self.current() or ""
        BuildWriter(self._connection, self.settings).write(chunks, build, previous)

        def point(client: MilvusClient) -> None:
            if previous:
                client.alter_alias(chunks, self.alias)
            else:
                client.create_alias(chunks, self.alias)

        self._connection.run(point)
