"""One pymilvus client per backend, every failure turned into a one-line error."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from pymilvus import MilvusClient, MilvusException

from ...config import Settings
from ...errors import AssistantError, BackendUnavailableError, IndexUnavailableError

# pymilvus logs every failed call with its traceback; ours are reported in one line.
logging.getLogger("pymilvus").setLevel(logging.CRITICAL)

NOT_FOUND = 100  # Milvus' error code for a collection or alias that does not exist
NOT_LOADED = 101  # ... and for one that is not loaded into memory

T = TypeVar("T")


class NotLoadedError(IndexUnavailableError):
    """A build's collection is on the server but released (e.g. after a restart)."""


class Connection:
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
