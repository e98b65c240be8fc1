"""A request's id follows it: from the caller's RPC into the handling service's log lines and
into the headers of every event it causes, also when the outbox relay publishes it later."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from tests.support.tickets_helpers import QUICK_RELAY, BrokerDown, TicketsEnv, tickets_env
from uts_shared.logs import handling, request_id


@pytest_asyncio.fixture
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url, **QUICK_RELAY) as running:
        yield running


class Seen(logging.Handler):
    """The request id in effect when each tickets-service record was written."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.ids: list[str | None] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("tickets_service"):
            self.ids.append(request_id.get())


@pytest.fixture
def seen() -> Iterator[Seen]:
    handler = Seen()
    logger = logging.getLogger("tickets_service")
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


async def test_the_callers_request_id_reaches_the_services_logs_and_the_event(
    env: TicketsEnv, seen: Seen
) -> None:
    customer = await env.customer()
    with handling("req-follow-me-1"):
        ticket = await env.ticket(customer)
    [created] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
    assert created.request_id == "req-follow-me-1"
    assert "req-follow-me-1" in seen.ids


async def test_an_event_published_later_by_the_relay_keeps_its_request_id(env: TicketsEnv) -> None:
    customer = await env.customer()
    real = env.service.outbox.publisher
    env.service.outbox.publisher = BrokerDown()
    try:
        with handling("req-relayed-2"):
            ticket = await env.ticket(customer)
    finally:
        env.service.outbox.publisher = real  # the broker is back: the relay sends it
    [created] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
    assert created.request_id == "req-relayed-2"
