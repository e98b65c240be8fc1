"""What the tickets service tests share: in-process instances, a config stub, an event recorder.

`ticket_ids_of` lists a customer's tickets over RPC, page by page (any level).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from faststream.rabbit import RabbitBroker, RabbitQueue

from tests.support.events import EventRecorder
from tests.support.factories import agent_ticket_request, unique_phone
from tickets_service.domain import tally
from tickets_service.fallbacks import DEFAULT_TERMINOLOGY
from tickets_service.main import TicketsService
from tickets_service.settings import Settings
from uts_shared.clock import Clock
from uts_shared.contracts import config as cfg
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty
from uts_shared.contracts.sla import SlaPolicy
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
    """Answers the config RPCs the tickets service asks (categories, id format, SLA policy).

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
        serve(self.broker, cfg.GET_SLA, self._sla)
        serve(self.broker, cfg.GET_CUSTOMER_UPDATES, self._updates)
        serve(self.broker, cfg.GET_TERMINOLOGY, self._terminology)
        serve(self.broker, cfg.GET_SIMILAR, self._similar)
        self.similar = cfg.SimilarTickets()
        serve(self.broker, cfg.GET_SURVEY, self._survey)
        self.sla = SlaPolicy()
        self.updates = cfg.CustomerUpdates()
        self.terminology = DEFAULT_TERMINOLOGY
        self.survey = cfg.SatisfactionSurvey()

    async def _gate(self) -> None:
        self.calls += 1
        await self.answering.wait()

    async def _categories(self, _: Empty) -> cfg.Categories:
        await self._gate()
        return cfg.Categories(categories=self.categories)

    async def _id_format(self, _: Empty) -> cfg.IdFormatResult:
        await self._gate()
        return cfg.IdFormatResult(format=self.id_format)

    async def _sla(self, _: Empty) -> cfg.SlaResult:
        await self._gate()
        return cfg.SlaResult(policy=self.sla)

    async def _updates(self, _: Empty) -> Any:
        await self._gate()
        return cfg.GET_CUSTOMER_UPDATES.result(updates=self.updates)

    async def _survey(self, _: Empty) -> Any:
        await self._gate()
        return cfg.GET_SURVEY.result(survey=self.survey)

    async def _terminology(self, _: Empty) -> cfg.TerminologyResult:
        await self._gate()
        return cfg.TerminologyResult(terminology=self.terminology)

    async def _similar(self, _: Empty) -> Any:
        await self._gate()
        return cfg.GET_SIMILAR.result(similar=self.similar)

    async def announce(self, *keys: cfg.SettingKey) -> None:
        """Publish `config.updated` for `keys`, as the config service does after a change."""
        event = make_event(
            cfg.CONFIG_UPDATED, cfg.ConfigUpdated(keys=list(keys), updated_by="test")
        )
        await self.publisher.publish(event)


class Published(NamedTuple):
    """One event as a publisher is handed it."""

    routing_key: str
    body: bytes
    event_id: str
    request: str | None
    traceparent: str | None


class PublisherDouble(EventPublisher):
    """An event publisher with no broker behind it: `deliver` is what becomes of each event
    (by default nothing: nobody hears it). A publish begins at once (`started` called) unless
    the double says it fails before it begins (`begins = False`)."""

    begins = True

    def __init__(self) -> None:  # no broker behind it
        pass

    async def publish_raw(
        self,
        routing_key: str,
        body: bytes,
        event_id: str,
        *,
        request: str | None = None,
        traceparent: str | None = None,
        started: Callable[[], None] | None = None,
    ) -> None:
        if self.begins and started is not None:
            started()
        await self.deliver(Published(routing_key, body, event_id, request, traceparent))

    async def deliver(self, event: Published) -> None:
        return None


class BrokerDown(PublisherDouble):
    """A tickets service's event publisher while the broker is unreachable: every publish
    fails (and is counted), as it would with the connection gone."""

    begins = False

    def __init__(self) -> None:
        self.attempts = 0

    async def deliver(self, event: Published) -> None:
        self.attempts += 1
        raise ConnectionError("broker unreachable")


class UnconfirmedUntilReleased(PublisherDouble):
    """A publisher whose every publish begins at once and is confirmed only once released
    (a broker slow to confirm: a durable queue's disk write, a busy node)."""

    def __init__(self, real: EventPublisher) -> None:  # publishes through `real` when released
        self.real = real
        self.begun: list[str] = []
        self.released = asyncio.Event()

    async def deliver(self, event: Published) -> None:
        self.begun.append(event.routing_key)
        await self.released.wait()
        await self.real.publish_raw(
            event.routing_key,
            event.body,
            event.event_id,
            request=event.request,
            traceparent=event.traceparent,
        )


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
        phone = fields.pop("phone_number", None) or unique_phone()
        return await self.rpc.call(
            t.CREATE_CUSTOMER, t.CreateCustomer(phone_number=phone, **fields)
        )

    async def ticket(
        self, customer: t.Customer, *, agent: str = "agent-1", **fields: Any
    ) -> t.TicketView:
        """A ticket created by `agent` (status open) for `customer`."""
        request = agent_ticket_request(customer.id, agent=agent, **fields)
        return (await self.rpc.call(t.CREATE_FROM_AGENT, request)).ticket


QUICK_RELAY: dict[str, Any] = {"outbox_relay_interval": 0.2, "outbox_grace": 0.2}
"""`tickets_env` overrides for tests that wait for the outbox relay: it looks every 0.2 s and
takes events 0.2 s old (a failed publish goes out again within a second)."""


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
    clock: Clock | None = None,
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
    subscribe_events(
        client,
        RabbitQueue(
            f"tickets-test-conversation-events.{uuid.uuid4().hex[:8]}",
            exclusive=True,
            auto_delete=True,
            routing_key="conversation.#",
        ),
        recorder.on_event,
    )
    services = [TicketsService(settings, database=database, clock=clock) for _ in range(instances)]
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


async def ticket_ids_of(rpc: RpcClient, customer_id: str) -> set[str]:
    """Every ticket of `customer_id`, page by page (100 a page, by ticketId)."""
    return set(await tickets_of(rpc, customer_id))


async def tickets_of(rpc: RpcClient, customer_id: str) -> dict[str, str]:
    """Every ticket of `customer_id` (id -> subject), page by page (100 a page, by ticketId)."""
    ids: dict[str, str] = {}
    page = 1
    while True:
        result = await rpc.call(
            t.LIST,
            t.ListTickets(
                customer_id=customer_id, page=page, limit=100, sort_by="ticketId", sort_order="asc"
            ),
            timeout=30.0,
        )
        ids.update((ticket.ticket_id, ticket.subject) for ticket in result.tickets)
        if page >= result.pagination.pages:
            assert len(ids) == result.pagination.total, (len(ids), result.pagination)
            return ids
        page += 1


async def recounted_scopes(database: Any) -> dict[str, Counter[str]]:
    """Every count scope as a recount of the stored tickets says it should be (empty ones left
    out)."""
    docs = await database["tickets"].find({}, dict.fromkeys(tally.FIELDS, 1)).to_list(None)
    counted = tally.recount(tally.Counted.of_document(d) for d in docs)
    return {scope: +fields for scope, fields in counted.items() if +fields}


async def kept_scopes(database: Any) -> dict[str, Counter[str]]:
    """Every count scope as the counts projection keeps it (bookkeeping and empty ones left
    out)."""
    docs = await database["ticket_counts"].find({}).to_list(None)
    kept = {
        d.pop("_id"): Counter({k: v for k, v in d.items() if k != tally.APPLIED and v})
        for d in docs
    }
    return {scope: fields for scope, fields in kept.items() if fields}
