"""The one MongoDB seam every service opens its database through.

Order (see docs/STORAGE.md): `MONGODB_URL` -> that server; a Docker engine -> a throwaway
`mongo` container (started by the app host or the test run, which then pass its URL on);
otherwise -> the embedded engine (`uts_shared.embedded`, on LMDB) behind the PyMongo async
calls the stores use: in a private temporary directory, or kept under `UTS_DATA_DIR`.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import parse_qsl, urlsplit

from pymongo import AsyncMongoClient

from uts_shared.embedded import EmbeddedDatabase, Engine, reset_shared_engine, shared_engine
from uts_shared.store_types import Database

Document = dict[str, Any]

ReadPreferenceName = Literal[
    "primary", "primaryPreferred", "secondary", "secondaryPreferred", "nearest"
]


@dataclass(frozen=True)
class MongoChoice:
    """Which MongoDB a process (or the whole run) uses, in words a person can read."""

    kind: str  # "server" | "container" | "in-process"
    url: str | None
    data_dir: Path | None = None

    def describe(self) -> str:
        if self.kind == "in-process":
            where = (
                f"data kept in {self.data_dir}"
                if self.data_dir is not None
                else "in memory only, nothing is kept after the process ends"
            )
            return (
                f"in-process embedded engine ({where}): one machine only; set MONGODB_URL for a "
                "real MongoDB"
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


def choose_mongo(mongodb_url: str | None, data_dir: Path | None = None) -> MongoChoice:
    """Decide without starting anything: server URL, Docker container, or in-process."""
    if mongodb_url:
        return MongoChoice("server", mongodb_url)
    if docker_engine_answers():
        return MongoChoice("container", None)
    return MongoChoice("in-process", None, data_dir)


@contextlib.contextmanager
def mongo_container() -> Iterator[str]:
    """A throwaway `mongo` container via testcontainers; yields its URL."""
    from testcontainers.mongodb import MongoDbContainer

    with MongoDbContainer("mongo:7") as container:
        yield container.get_connection_url()


def describe_store(mongodb_url: str | None, data_dir: Path | None = None) -> str:
    """What `open_database(mongodb_url, ...)` connects to, for a service's startup log."""
    kind = "server" if mongodb_url else "in-process"
    return MongoChoice(kind, mongodb_url, None if mongodb_url else data_dir).describe()


def server_options(mongodb_url: str, read_preference: ReadPreferenceName) -> dict[str, Any]:
    """What a client of a server defaults to: writes acknowledged by a majority of a replica
    set (so a failover does not roll them back), retried once on a failover, reads where
    `read_preference` says. An option the URL names itself wins."""
    named = {key.lower() for key, _ in parse_qsl(urlsplit(mongodb_url).query)}
    defaults = {"w": "majority", "retryWrites": True, "readPreference": read_preference}
    return {key: value for key, value in defaults.items() if key.lower() not in named}


def open_database(
    mongodb_url: str | None,
    name: str,
    *,
    data_dir: Path | None = None,
    read_preference: ReadPreferenceName = "primary",
) -> Database:
    """The service's own database: a real `AsyncDatabase`, or the embedded engine's (both
    answer the calls `store_types.Database` names)."""
    if mongodb_url:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
            mongodb_url, tz_aware=True, **server_options(mongodb_url, read_preference)
        )
        return cast(Database, client[name])
    return cast(Database, EmbeddedDatabase(shared_engine(data_dir).database(name)))


def unchanged_since_clean_stop(database: Database) -> bool:
    """Whether the database is exactly as a clean stop left it (every write it began had
    finished): only the embedded engine can tell; a server's answer is always no."""
    return isinstance(database, EmbeddedDatabase) and database.unchanged_since_clean_stop


def private_database(name: str) -> EmbeddedDatabase:
    """A fresh embedded database of its own (shared with nobody, gone with the process)."""
    return EmbeddedDatabase(Engine().database(name))


def reset_embedded() -> None:
    """Forget the process's embedded databases (a test starting from nothing)."""
    reset_shared_engine()
