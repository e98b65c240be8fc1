"""The embedded engine: databases of collections, in memory, kept on disk when given a directory."""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from uts_shared.embedded.collection import Collection
from uts_shared.embedded.indexes import IndexSpec
from uts_shared.embedded.journal import Record, Storage

log = logging.getLogger(__name__)


class Database:
    def __init__(self, name: str, directory: Path | None) -> None:
        self.name = name
        self.collections: dict[str, Collection] = {}
        self._storage: Storage | None = None
        if directory is not None:
            self._storage = Storage(directory / name)
            self._recover(self._storage)

    def _recover(self, storage: Storage) -> None:
        count = 0
        for record in storage.recover():
            collection = self.collection(record.collection)
            if record.op == "put":
                collection.load(record.payload)
            elif record.op == "delete":
                collection.unload(record.payload)
            elif record.op == "index":
                collection.create_index(IndexSpec.from_document(record.payload), log=False)
            elif record.op == "unindex":
                collection.drop_index(record.payload, log=False)
            elif record.op == "drop":
                collection.clear()
            count += 1
        if count:
            sizes = ", ".join(f"{c.name} {len(c.docs)}" for c in self.collections.values())
            log.info("database %s recovered from %s: %s", self.name, storage.directory, sizes)

    @property
    def persistent(self) -> bool:
        return self._storage is not None

    def collection(self, name: str) -> Collection:
        found = self.collections.get(name)
        if found is None:
            journal = self._journal if self._storage is not None else None
            found = self.collections[name] = Collection(name, journal)
        return found

    def drop_collection(self, name: str) -> None:
        found = self.collections.get(name)
        if found is not None:
            found.drop()

    def _journal(self, collection: str, records: Sequence[tuple[str, Any]]) -> None:
        storage = self._storage
        assert storage is not None
        storage.append([Record(collection, op, payload) for op, payload in records])
        if storage.wants_compaction():
            storage.compact(self._state())

    def _state(self) -> list[Record]:
        """Every index and document, by reference (stored documents never change in place)."""
        state: list[Record] = []
        for collection in self.collections.values():
            state.extend(
                Record(collection.name, "index", s.document()) for s in collection.index_specs()
            )
            state.extend(Record(collection.name, "put", d) for d in collection.docs.values())
        return state

    def close(self) -> None:
        if self._storage is not None:
            self._storage.close(self._state())
            self._storage = None


class Engine:
    """All databases of one process; with a directory, each database lives in a subfolder."""

    def __init__(self, directory: str | Path | None = None) -> None:
        self.directory = None if directory is None else Path(directory)
        self._databases: dict[str, Database] = {}
        self._lock = threading.Lock()

    def database(self, name: str) -> Database:
        with self._lock:
            found = self._databases.get(name)
            if found is None:
                found = self._databases[name] = Database(name, self.directory)
            return found

    def close(self) -> None:
        with self._lock:
            for database in self._databases.values():
                database.close()
            self._databases.clear()


_shared: Engine | None = None
_shared_lock = threading.Lock()


def shared_engine(directory: Path | None) -> Engine:
    """The process's engine; the first caller decides where (or whether) it keeps its data."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Engine(directory)
            if directory is not None:
                atexit.register(_shared.close)
        elif _shared.directory != directory:
            raise RuntimeError(
                f"this process already keeps its data in {_shared.directory}, not {directory}"
            )
        return _shared


def reset_shared_engine() -> None:
    """Forget the process's engine (tests start each from nothing)."""
    global _shared
    with _shared_lock:
        if _shared is not None:
            _shared.close()
        _shared = None
