"""The rebuild lock: a collection that exists only while a rebuild runs."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid

from pymilvus import DataType, MilvusClient, MilvusException

from ...config import Settings
from ...errors import AssistantError, RebuildBusyError
from .connection import NOT_FOUND, Connection
from .layout import LOCK_KEY


class LockRecord:
    """The rebuild lock: a collection that exists only while a rebuild runs.

    Creating a collection is atomic on the server; the lock's schema names its owner, so
    a second rebuild's create fails even on a server that treats re-creating an identical
    collection as a no-op. The owner renews a lease (a collection property) while it
    works; a lock whose lease ran out, or whose owner process on this host is dead
    (SIGKILL), is taken over.
    """

    def __init__(self, connection: Connection, name: str, settings: Settings) -> None:
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
