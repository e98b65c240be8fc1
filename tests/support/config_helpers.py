"""Start config service replicas in-process and drive them over the real broker."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitQueue
from pydantic import BaseModel, ConfigDict
from pymongo.errors import ServerSelectionTimeoutError

from config_service.main import ConfigService
from config_service.settings import Settings
from tests.support.waiting import Arrivals
from uts_shared.contracts.base import Event, Rpc
from uts_shared.contracts.config import CONFIG_UPDATED, ConfigUpdated
from uts_shared.messaging import (
    EventPublisher,
    RpcClient,
    make_broker,
    make_event,
    subscribe_events,
)
from uts_shared.mongo import open_database

# Explicit so the developer's environment (COMPANY_NAME, TICKET_PREFIX, ...) cannot leak in.
NO_INITIAL_VALUES: dict[str, Any] = {
    "company_name": None,
    "ticket_prefix": None,
    "assistant_name": None,
    "primary_service_issue": None,
    "ticket_noun": None,
    "ticket_noun_plural": None,
    "config_cache_ttl": 300.0,
}


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)) -> None:
        self._now = start
        self._monotonic = 1000.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._monotonic

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)
        self._monotonic += seconds


class RawRequest(BaseModel):
    """Any JSON object: sends what a contract model would refuse to build (bad input)."""

    model_config = ConfigDict(extra="allow")


async def call_raw(client: RpcClient, spec: Rpc[Any, Any], payload: dict[str, Any]) -> Any:
    """Send `payload` as-is to `spec`'s queue and return its result (or raise its error)."""
    raw_spec: Rpc[Any, Any] = Rpc(spec.queue, RawRequest, spec.result)
    return await client.call(raw_spec, RawRequest(**payload))


def unique_db_name() -> str:
    return f"uts_config_test_{uuid.uuid4().hex[:10]}"


def config_settings(rabbit_url: str, mongo_url: str | None, db: str, **overrides: Any) -> Settings:
    return Settings(
        rabbitmq_url=rabbit_url,
        mongodb_url=mongo_url,
        mongodb_db=db,
        **{**NO_INITIAL_VALUES, **overrides},
    )


@dataclass
class ConfigHarness:
    """Config replicas sharing one database, plus a client broker to talk to them."""

    rabbit_url: str
    mongo_url: str | None
    database: Any
    broker: RabbitBroker
    client: RpcClient
    services: list[ConfigService] = field(default_factory=list)
    events: Arrivals[Event[ConfigUpdated]] = field(
        default_factory=lambda: Arrivals("config.updated events")
    )

    def replica(self, clock: Any = None, database: Any = None, **overrides: Any) -> ConfigService:
        """A new (not yet started) replica; stopped with the harness."""
        name = getattr(self.database, "name", "uts_config")
        settings = config_settings(self.rabbit_url, self.mongo_url, name, **overrides)
        service = ConfigService(
            settings, database=self.database if database is None else database, clock=clock
        )
        self.services.append(service)
        return service

    async def settle(self, services: list[ConfigService] | None = None) -> None:
        """Wait until these (started) replicas processed every `config.updated` sent so far.

        A probe event queues up behind earlier ones (e.g. the seeding's, publisher-confirmed
        before `start()` returned), so seeing it proves they were handled: no stray
        invalidation can land in the middle of a test.
        """
        probe = f"probe-{uuid.uuid4().hex[:8]}"
        waits = [
            invalidation_seen(s, lambda keys: keys == [probe]) for s in services or self.services
        ]
        event = make_event(CONFIG_UPDATED, ConfigUpdated(keys=[probe], updated_by="tests"))
        await EventPublisher(self.broker).publish(event)
        await asyncio.wait_for(asyncio.gather(*waits), 5.0)

    async def wait_event(
        self, match: Callable[[Event[ConfigUpdated]], bool], timeout: float = 5.0
    ) -> Event[ConfigUpdated]:
        """The first `config.updated` (already seen or still to come) that `match`es."""
        return await self.events.first(match, timeout=timeout)


def invalidation_seen(
    service: ConfigService, match: Callable[[list[str]], bool]
) -> asyncio.Future[list[str]]:
    """A future set when `service` drops cache keys because of a `config.updated` event."""
    future: asyncio.Future[list[str]] = asyncio.get_running_loop().create_future()

    def listener(keys: list[str]) -> None:
        if not future.done() and match(keys):
            future.set_result(keys)

    service.config.add_invalidation_listener(listener)
    return future


@contextlib.asynccontextmanager
async def config_harness(
    rabbit_url: str,
    mongo_url: str | None,
    *,
    replicas: int = 1,
    clock: Any = None,
    start: bool = True,
    **overrides: Any,
) -> AsyncIterator[ConfigHarness]:
    """`replicas` config services on a fresh database (started together unless `start=False`)."""
    database = open_database(mongo_url, unique_db_name())
    broker = make_broker(rabbit_url, app_id="config-tests")
    client = RpcClient(broker, timeout=5.0, name="config-tests")
    harness = ConfigHarness(rabbit_url, mongo_url, database, broker, client)
    events_queue = RabbitQueue(
        f"test.config-events.{uuid.uuid4().hex[:8]}",
        durable=False,
        exclusive=True,
        auto_delete=True,
        routing_key=CONFIG_UPDATED.routing_key,
    )

    async def on_event(_: str, body: bytes, __: RabbitMessage) -> None:
        await harness.events.add(Event[ConfigUpdated].model_validate_json(body))

    subscribe_events(broker, events_queue, on_event)
    for _ in range(replicas):
        harness.replica(clock=clock, **overrides)
    try:
        await broker.start()
        if start and harness.services:
            await asyncio.gather(*(s.start() for s in harness.services))
            await harness.settle()
        yield harness
    finally:
        for service in harness.services:
            await service.stop()
        await broker.stop()
        await drop_database(database)


async def drop_database(database: Any) -> None:
    client = getattr(database, "client", None)
    if client is not None:  # a real server: leave nothing behind
        await client.drop_database(database.name)
        await client.close()


class UnreachableDatabase:
    """A database whose every call fails like an unreachable server."""

    name = "unreachable"

    def __getitem__(self, name: str) -> UnreachableDatabase:
        return self

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise ServerSelectionTimeoutError("no MongoDB server reachable (test double)")

        return fail
