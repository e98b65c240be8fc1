"""The embedded engine: databases of collections, each database one LMDB environment."""

from __future__ import annotations

import atexit
import logging
import threading
import weakref
from pathlib import Path
from typing import Any

import bson
import lmdb

from uts_shared.embedded import migration
from uts_shared.embedded.collection import Collection
from uts_shared.embedded.indexes import IndexSpec
from uts_shared.embedded.storage import Environment
from uts_shared.embedded.values import CODEC

log = logging.getLogger(__name__)

_CATALOG = b"catalog"
_STATE = b"state"
_KEYS = b"keys"
KEYS_FORMAT = b"2"
"""The index keys' format: 2 puts a field holding an empty array below null (1: among arrays)."""


class Database:
    def __init__(self, name: str, directory: Path | None, *, readonly: bool = False) -> None:
        """`readonly`: beside the process that has it open (a hot backup, a check, an export);
        it neither takes the lock nor migrates."""
        self.name = name
        self.readonly = readonly
        where = None if directory is None else directory / name
        self.environment = Environment(where, readonly=readonly)
        if where is None:
            # An in-memory database nobody closes: its temporary files go when it is dropped.
            weakref.finalize(self, self.environment.close)
        env = self.environment.env
        self._catalog = env.open_db(_CATALOG, create=not readonly)
        self.collections: dict[str, Collection] = {}
        with env.begin() as txn:
            for key, raw in txn.cursor(db=self._catalog):
                state = bson.decode(raw, CODEC)
                self.collections[key.decode()] = Collection(key.decode(), self, state)
        self.unchanged_since_clean_stop = True
        """The process that had it open last closed it (every write it began finished), and
        nothing was written since it was opened (a new database too). False after a crash, a
        kill or a migration, and after the first write."""
        if readonly:
            return
        self._state = env.open_db(_STATE)
        with env.begin() as txn:
            last = txn.get(b"clean", db=self._state)
        self.unchanged_since_clean_stop = last == b"1" or (last is None and not self.collections)
        self._current_keys()
        if where is not None and migration.pending(where):
            self._migrate(where)
            self.unchanged_since_clean_stop = False
        self._mark(clean=False)

    @property
    def persistent(self) -> bool:
        return not self.environment.temporary

    @property
    def directory(self) -> Path:
        return self.environment.directory

    def collection(self, name: str) -> Collection:
        found = self.collections.get(name)
        if found is None:
            found = self.collections[name] = Collection(name, self, None)
        return found

    def collection_names(self) -> list[str]:
        """The collections made (by a write or an index) and not dropped since, emptied ones
        too, as a server lists them."""
        return [n for n, c in self.collections.items() if c.exists]

    def put_catalog(self, txn: lmdb.Transaction, name: str, state: dict[str, Any] | None) -> None:
        if state is None:
            txn.delete(name.encode(), db=self._catalog)
        else:
            txn.put(name.encode(), bson.encode(state), db=self._catalog)

    def drop_collection(self, name: str) -> None:
        found = self.collections.get(name)
        if found is not None:
            found.drop()

    def verify(self) -> list[str]:
        problems: list[str] = []
        for collection in list(self.collections.values()):
            problems.extend(collection.verify())
        return problems

    def _migrate(self, where: Path) -> None:
        state = migration.replay(where)
        env = self.environment.env
        for name, old in state.items():
            if not old.exists:  # dropped (and not made again) in the old files
                continue
            collection = self.collection(name)
            for spec in old.indexes.values():
                collection.create_index(IndexSpec.from_document(spec))
            with env.begin(write=True) as txn:
                for doc in old.documents.values():
                    collection.load(doc, txn)
                collection._catalog(txn)
        env.sync(True)
        retired = migration.retire(where)
        sizes = ", ".join(f"{n} {len(c.documents)}" for n, c in state.items())
        log.info(
            "database %s migrated to LMDB (%s); old files kept in %s", self.name, sizes, retired
        )

    def _current_keys(self) -> None:
        """Index entries written under an earlier key format are written again from the
        documents, once (the documents themselves do not change)."""
        env = self.environment.env
        with env.begin(write=True) as txn:
            if txn.get(_KEYS, db=self._state) == KEYS_FORMAT:
                return
            rebuilt = [c for c in self.collections.values() if c.indexes]
            for collection in rebuilt:
                collection.rebuild_indexes(txn)
            txn.put(_KEYS, KEYS_FORMAT, db=self._state)
        if rebuilt:
            log.info(
                "database %s: index entries written again under key format %s (%s)",
                self.name,
                KEYS_FORMAT.decode(),
                ", ".join(c.name for c in rebuilt),
            )

    def _mark(self, *, clean: bool) -> None:
        with self.environment.env.begin(write=True) as txn:
            txn.put(b"clean", b"1" if clean else b"0", db=self._state)
        if not self.environment.temporary:
            self.environment.sync()

    def close(self) -> None:
        if not self.readonly and not self.environment.closed:
            self._mark(clean=True)
        self.environment.close()


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
