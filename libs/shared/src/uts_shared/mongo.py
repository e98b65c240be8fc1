"""The one MongoDB seam every service opens its database through.

Order (see shared/MONGODB.md): `MONGODB_URL` -> that server; a Docker engine -> a throwaway
`mongo` container (started by the app host or the test run, which then pass its URL on);
otherwise -> an in-process engine on mongomock behind the few PyMongo async calls the stores use.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import mongomock
from mongomock.collection import Collection as _MockCollection
from mongomock.filtering import filter_applies
from pymongo import AsyncMongoClient, IndexModel

Document = dict[str, Any]


@dataclass(frozen=True)
class MongoChoice:
    """Which MongoDB a process (or the whole run) uses, in words a person can read."""

    kind: str  # "server" | "container" | "in-process"
    url: str | None

    def describe(self) -> str:
        if self.kind == "in-process":
            return (
                "in-process engine (mongomock): not a server, nothing is kept after the process "
                "ends; set MONGODB_URL for a real MongoDB"
            )
        return f"{self.kind} MongoDB at {_redact(self.url or '')}"


def _redact(url: str) -> str:
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


def docker_engine_answers(timeout: float = 0.5) -> bool:
    """True when a Docker engine answers a ping within `timeout` (no minute-long hangs)."""
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            path = host.removeprefix("unix://")
            if not os.path.exists(path):
                return False
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            sock.connect(path)
        elif host.startswith("tcp://"):
            hostport = host.removeprefix("tcp://").split("/", 1)[0]
            h, _, p = hostport.partition(":")
            sock = socket.create_connection((h, int(p or 2375)), timeout=timeout)
        else:
            return False
        with sock:
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            return b" 200 " in sock.recv(256)
    except OSError:
        return False


def choose_mongo(mongodb_url: str | None) -> MongoChoice:
    """Decide without starting anything: server URL, Docker container, or in-process."""
    if mongodb_url:
        return MongoChoice("server", mongodb_url)
    if docker_engine_answers():
        return MongoChoice("container", None)
    return MongoChoice("in-process", None)


@contextlib.contextmanager
def mongo_container() -> Iterator[str]:
    """A throwaway `mongo` container via testcontainers; yields its URL."""
    from testcontainers.mongodb import MongoDbContainer

    with MongoDbContainer("mongo:7") as container:
        yield container.get_connection_url()


def describe_store(mongodb_url: str | None) -> str:
    """What `open_database(mongodb_url, ...)` connects to, for a service's startup log."""
    return MongoChoice("server" if mongodb_url else "in-process", mongodb_url).describe()


def open_database(mongodb_url: str | None, name: str) -> Any:
    """The service's own database: a real `AsyncDatabase`, or the in-process engine's."""
    if mongodb_url:
        client: AsyncMongoClient[Document] = AsyncMongoClient(mongodb_url, tz_aware=True)
        return client[name]
    return InProcessClient.shared()[name]


_scan_all: Any = _MockCollection._iter_documents
_applies: Any = filter_applies


def _iter_documents(self: Any, filter: Any) -> Any:
    """mongomock scans every document for every query, even by `_id`; a server uses its
    `_id` index. Look `_id` equality / `$in` up in the store directly, then apply the filter."""
    wanted = filter.get("_id") if isinstance(filter, Mapping) else None
    if wanted is None:
        return _scan_all(self, filter)
    if isinstance(wanted, Mapping):
        if set(wanted) != {"$in"}:
            return _scan_all(self, filter)
        ids = list(wanted["$in"])
    else:
        ids = [wanted]
    store = self._store
    try:
        candidates = [store[i] for i in dict.fromkeys(ids) if i in store]
    except TypeError:  # unhashable id (a list, a document): let mongomock handle it
        return _scan_all(self, filter)
    return (doc for doc in candidates if _applies(filter, doc))


_MockCollection._iter_documents = _iter_documents  # type: ignore[method-assign]


class InProcessClient:
    """mongomock behind the `AsyncMongoClient` calls the stores use; one per process."""

    _shared: InProcessClient | None = None

    def __init__(self) -> None:
        self._client: Any = mongomock.MongoClient(tz_aware=True)

    @classmethod
    def shared(cls) -> InProcessClient:
        if cls._shared is None:
            cls._shared = cls()
        return cls._shared

    @classmethod
    def reset(cls) -> None:
        cls._shared = None

    def __getitem__(self, name: str) -> InProcessDatabase:
        return InProcessDatabase(self._client[name])


class InProcessDatabase:
    def __init__(self, db: Any) -> None:
        self._db = db
        self.name: str = db.name

    def __getitem__(self, name: str) -> InProcessCollection:
        return InProcessCollection(self._db[name])

    def get_collection(self, name: str) -> InProcessCollection:
        return self[name]

    async def command(self, command: str | Mapping[str, Any]) -> Document:
        if command == "ping" or (isinstance(command, Mapping) and "ping" in command):
            return {"ok": 1.0}
        raise NotImplementedError(f"in-process engine: command {command!r}")

    async def drop_collection(self, name: str) -> None:
        self._db.drop_collection(name)


class InProcessCursor:
    """An async cursor over mongomock's; calls run synchronously (in-memory, atomic per call)."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    def sort(self, key: Any, direction: int | None = None) -> InProcessCursor:
        self._cursor = (
            self._cursor.sort(key, direction) if direction is not None else self._cursor.sort(key)
        )
        return self

    def skip(self, n: int) -> InProcessCursor:
        self._cursor = self._cursor.skip(n)
        return self

    def limit(self, n: int) -> InProcessCursor:
        self._cursor = self._cursor.limit(n)
        return self

    def hint(self, index: Any) -> InProcessCursor:
        return self

    async def to_list(self, length: int | None = None) -> list[Document]:
        docs = list(self._cursor)
        return docs if length is None else docs[:length]

    def __aiter__(self) -> AsyncIterator[Document]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Document]:
        for doc in self._cursor:
            yield doc


class InProcessCollection:
    def __init__(self, collection: Any) -> None:
        self._c = collection
        self.name: str = collection.name

    async def find_one(self, *args: Any, **kwargs: Any) -> Document | None:
        result: Document | None = self._c.find_one(*args, **kwargs)
        return result

    def find(self, *args: Any, **kwargs: Any) -> InProcessCursor:
        kwargs.pop("hint", None)
        return InProcessCursor(self._c.find(*args, **kwargs))

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]], **_: Any) -> InProcessCursor:
        return InProcessCursor(iter(list(self._c.aggregate(list(pipeline)))))

    async def insert_one(self, document: Document, **kwargs: Any) -> Any:
        return self._c.insert_one(document, **kwargs)

    async def insert_many(self, documents: Sequence[Document], **kwargs: Any) -> Any:
        return self._c.insert_many(list(documents), **kwargs)

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        return self._c.update_one(*args, **kwargs)

    async def update_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._c.update_many(*args, **kwargs)

    async def replace_one(self, *args: Any, **kwargs: Any) -> Any:
        return self._c.replace_one(*args, **kwargs)

    async def find_one_and_update(self, *args: Any, **kwargs: Any) -> Document | None:
        result: Document | None = self._c.find_one_and_update(*args, **kwargs)
        return result

    async def find_one_and_replace(self, *args: Any, **kwargs: Any) -> Document | None:
        result: Document | None = self._c.find_one_and_replace(*args, **kwargs)
        return result

    async def find_one_and_delete(self, *args: Any, **kwargs: Any) -> Document | None:
        result: Document | None = self._c.find_one_and_delete(*args, **kwargs)
        return result

    async def delete_one(self, *args: Any, **kwargs: Any) -> Any:
        return self._c.delete_one(*args, **kwargs)

    async def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        return self._c.delete_many(*args, **kwargs)

    async def count_documents(self, filter: Mapping[str, Any], **kwargs: Any) -> int:
        kwargs.pop("hint", None)
        return int(self._c.count_documents(filter, **kwargs))

    async def distinct(self, key: str, filter: Mapping[str, Any] | None = None) -> list[Any]:
        return list(self._c.distinct(key, filter))

    async def create_index(self, keys: Any, **kwargs: Any) -> str:
        return str(self._c.create_index(keys, **kwargs))

    async def create_indexes(self, indexes: Sequence[IndexModel]) -> list[str]:
        names = []
        for index in indexes:
            doc = dict(index.document)
            keys = list(doc.pop("key").items())
            names.append(str(self._c.create_index(keys, **doc)))
        return names

    async def drop(self) -> None:
        self._c.drop()
