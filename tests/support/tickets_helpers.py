"""What the tickets service tests share: in-process instances, a config stub, an event recorder."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage, RabbitQueue

from tickets_service.main import TicketsService
from tickets_service.settings import Settings
from uts_shared.contracts import config as cfg
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty
from uts_shared.logs import REQUEST_ID_HEADER
from uts_shared.messaging import (
    EventPublisher,
    RpcClient,
    declare_topology,
    make_broker,
    make_event,
    serve,
    subscribe_events,
)
from uts_shared.mongo import open_database

log = logging.getLogger(__name__)

_phones = itertools.count(random.randrange(10**7))

LUXFREE = [
    cfg.Category(id=i, label=i)
    for i in (
        "solar_installation",
        "light_malfunction",
        "maintenance",
        "electrical_issue",
        "billing",
        "other",
    )
]


class ConfigStub:
    """Answers the config RPCs the tickets service asks (categories, id format).

    `answering` cleared -> requests get no answer (the service falls back).
    """

    def __init__(self, rabbit_url: str) -> None:
        self.categories = list(LUXFREE)
        self.id_format = cfg.TicketIdFormat(prefix="LUX")
        self.calls = 0
        self.answering = asyncio.Event()
        self.answering.set()
        self.broker = make_broker(rabbit_url, app_id="config-stub")
        self.publisher = EventPublisher(self.broker)
        serve(self.broker, cfg.GET_CATEGORIES, self._categories)
        serve(self.broker, cfg.GET_ID_FORMAT, self._id_format)

    async def _gate(self) -> None:
        self.calls += 1
        await self.answering.wait()

    async def _categories(self, _: Empty) -> cfg.Categories:
        await self._gate()
        return cfg.Categories(categories=self.categories)

    async def _id_format(self, _: Empty) -> cfg.IdFormatResult:
        await self._gate()
        return cfg.IdFormatResult(format=self.id_format)

    async def announce(self, *keys: cfg.SettingKey) -> None:
        """Publish `config.updated` for `keys`, as the config service does after a change."""
        event = make_event(
            cfg.CONFIG_UPDATED, cfg.ConfigUpdated(keys=list(keys), updated_by="test")
        )
        await self.publisher.publish(event)


@dataclass
class Recorded:
    routing_key: str
    event_id: str
    body: dict[str, Any]
    request_id: str | None = None
    """The `x-request-id` header it was published with."""

    @property
    def data(self) -> dict[str, Any]:
        data: dict[str, Any] = self.body["data"]
        return data


@dataclass
class EventRecorder:
    """Every `ticket.*` event on the events exchange, once per eventId (raw JSON)."""

    events: list[Recorded] = field(default_factory=list)
    duplicates: int = 0
    """Deliveries of an eventId already seen (dropped, as every consumer should)."""
    _seen: set[str] = field(default_factory=set)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def on_event(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        parsed = json.loads(body)
        async with self._changed:
            if parsed["eventId"] in self._seen:
                self.duplicates += 1
                return
            self._seen.add(parsed["eventId"])
            header = message.headers.get(REQUEST_ID_HEADER)
            self.events.append(Recorded(routing_key, parsed["eventId"], parsed, header))
            self._changed.notify_all()

    def of(self, routing_key: str, ticket_id: str | None = None) -> list[Recorded]:
        return [
            e
            for e in self.events
            if e.routing_key == routing_key and (ticket_id is None or _ticket_id_of(e) == ticket_id)
        ]

    async def wait_for(
        self, predicate: Callable[[list[Recorded]], bool], timeout: float = 10.0
    ) -> list[Recorded]:
        """Wait until `predicate(events)` holds (no sleeps: woken by each arrival)."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: predicate(self.events))
        return self.events

    async def wait_one(
        self, routing_key: str, ticket_id: str, timeout: float = 10.0, count: int = 1
    ) -> list[Recorded]:
        await self.wait_for(lambda _: len(self.of(routing_key, ticket_id)) >= count, timeout)
        return self.of(routing_key, ticket_id)


def _ticket_id_of(event: Recorded) -> str | None:
    data = event.data
    if "ticketId" in data:
        return str(data["ticketId"])
    ticket = data.get("ticket")
    return str(ticket["ticketId"]) if isinstance(ticket, dict) else None


@dataclass
class TicketsEnv:
    """Instances of the tickets service, a client, the config stub and the event recorder."""

    services: list[TicketsService]
    rpc: RpcClient
    client: RabbitBroker
    config: ConfigStub
    recorder: EventRecorder
    database: Any

    @property
    def service(self) -> TicketsService:
        return self.services[0]

    async def customer(self, **fields: Any) -> t.Customer:
        """A fresh customer with a unique valid (Mexican) phone number."""
        number = f"+5255{next(_phones) % 10**8:08d}"
        return await self.rpc.call(
            t.CREATE_CUSTOMER,
            t.CreateCustomer(phone_number=fields.pop("phone_number", number), **fields),
        )

    async def ticket(
        self, customer: t.Customer, *, agent: str = "agent-1", **fields: Any
    ) -> t.TicketView:
        """A ticket created by `agent` (status open) for `customer`."""
        request = t.CreateFromAgent(
            subject=fields.pop("subject", "Luminaria apagada"),
            description=fields.pop("description", "La luminaria de la calle no enciende"),
            category=fields.pop("category", "light_malfunction"),
            customer_id=customer.id,
            agent_id=agent,
            **fields,
        )
        return (await self.rpc.call(t.CREATE_FROM_AGENT, request)).ticket


def settings_for(
    rabbit_url: str, mongo_url: str | None, db_name: str, **overrides: Any
) -> Settings:
    values: dict[str, Any] = {
        "rabbitmq_url": rabbit_url,
        "mongodb_url": mongo_url,
        "mongodb_db": db_name,
        "rpc_timeout": 10.0,
        "config_timeout": 1.0,
        "config_retry_after": 30.0,
        "outbox_relay_interval": 1.0,
        "outbox_grace": 1.0,
        "log_level": "INFO",
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def tickets_env(
    rabbit_url: str,
    mongo_url: str | None,
    *,
    instances: int = 1,
    **overrides: Any,
) -> AsyncIterator[TicketsEnv]:
    """`instances` tickets services sharing one fresh database, plus client, stub, recorder."""
    db_name = f"uts_tickets_test_{uuid.uuid4().hex[:10]}"
    database = open_database(mongo_url, db_name)
    settings = settings_for(rabbit_url, mongo_url, db_name, **overrides)
    config = ConfigStub(rabbit_url)
    recorder = EventRecorder()
    client = make_broker(rabbit_url, app_id="tickets-test-client")
    rpc = RpcClient(client, timeout=30.0, name="tickets-test")
    subscribe_events(
        client,
        RabbitQueue(
            f"tickets-test-events.{uuid.uuid4().hex[:8]}",
            exclusive=True,
            auto_delete=True,
            routing_key="ticket.#",
        ),
        recorder.on_event,
    )
    services = [TicketsService(settings, database=database) for _ in range(instances)]
    await config.broker.start()
    await client.connect()
    await declare_topology(client)
    await client.start()
    for service in services:
        await service.start()
    try:
        yield TicketsEnv(services, rpc, client, config, recorder, database)
    finally:
        # A loaded broker can time a channel out mid-teardown: stop everything regardless.
        for stop in [*(s.stop for s in services), client.stop, config.broker.stop]:
            try:
                async with asyncio.timeout(20):
                    await stop()
            except Exception as exc:
                log.warning("teardown: %s failed: %r", stop, exc)
        if mongo_url is not None:
            with contextlib.suppress(Exception):
                await database.client.drop_database(db_name)
