"""Real services for the tests: RabbitMQ (own vhost per run) and MongoDB (see docs/STORAGE.md)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from uts_shared.mongo import choose_mongo, docker_engine_answers, mongo_container

DEFAULT_RABBIT = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass
class Infra:
    rabbit_url: str
    rabbit_description: str
    mongo_url: str | None
    mongo_description: str

    @property
    def real_mongo(self) -> bool:
        return self.mongo_url is not None


def with_vhost(url: str, vhost: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(vhost, safe=""), "", ""))


def _ctl(*args: str) -> None:
    subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True, timeout=60)


@contextlib.contextmanager
def vhost(base_url: str) -> Iterator[tuple[str, str]]:
    """A throwaway vhost on the local broker so runs never see each other's messages."""
    name = f"uts-test-{uuid.uuid4().hex[:10]}"
    user = urlsplit(base_url).username or "guest"
    if shutil.which("rabbitmqctl") is None:
        yield base_url, f"RabbitMQ at {base_url} (default vhost: rabbitmqctl not found)"
        return
    _ctl("add_vhost", name)
    try:
        _ctl("set_permissions", "-p", name, user, ".*", ".*", ".*")
        yield with_vhost(base_url, name), f"RabbitMQ at {urlsplit(base_url).hostname}, vhost {name}"
    finally:
        with contextlib.suppress(Exception):
            _ctl("delete_vhost", name)


@contextlib.contextmanager
def own_vhost(infra: Infra) -> Iterator[str]:
    """A vhost of its own on the run's local broker, deleted afterwards; a throwaway broker
    container is already isolated, so its URL is given as is."""
    if not infra.rabbit_description.startswith("RabbitMQ at"):
        yield infra.rabbit_url
        return
    with vhost(os.environ.get("RABBITMQ_URL", DEFAULT_RABBIT)) as (url, _):
        yield url


@contextlib.contextmanager
def rabbit() -> Iterator[tuple[str, str]]:
    if os.environ.get("RABBITMQ_URL") is None and docker_engine_answers():
        from testcontainers.rabbitmq import RabbitMqContainer

        with RabbitMqContainer("rabbitmq:3-management") as container:
            params = container.get_connection_params()
            url = f"amqp://guest:guest@{params.host}:{params.port}/"
            yield url, f"RabbitMQ testcontainer at {params.host}:{params.port}"
        return
    with vhost(os.environ.get("RABBITMQ_URL", DEFAULT_RABBIT)) as pair:
        yield pair


@contextlib.contextmanager
def mongo() -> Iterator[tuple[str | None, str]]:
    choice = choose_mongo(os.environ.get("MONGODB_URL"))
    if choice.kind == "container":
        with mongo_container() as url:
            yield url, f"MongoDB testcontainer ({url.split('@')[-1]})"
        return
    yield choice.url, choice.describe()


@contextlib.contextmanager
def infra() -> Iterator[Infra]:
    with rabbit() as (rabbit_url, rabbit_desc), mongo() as (mongo_url, mongo_desc):
        yield Infra(rabbit_url, rabbit_desc, mongo_url, mongo_desc)
