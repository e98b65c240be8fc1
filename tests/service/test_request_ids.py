"""A request's id follows it: from the caller's RPC into the handling service's log lines and
into the headers of every event it causes, also when the outbox relay publishes it later."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import TypeVar

import pytest
import pytest_asyncio

from tests.support.config_helpers import call_raw, config_harness
from tests.support.tickets_helpers import QUICK_RELAY, BrokerDown, TicketsEnv, tickets_env
from tests.support.waiting import poll_until
from uts_shared.contracts import config
from uts_shared.contracts.agents import AGENT_UPDATED, AgentUpdated
from uts_shared.contracts.base import Empty
from uts_shared.errors import ValidationFailed
from uts_shared.logs import handling, request_id
from uts_shared.messaging import EventPublisher, make_event


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


H = TypeVar("H", bound=logging.Handler)


def _listening(name: str, handler: H) -> Iterator[H]:
    """`handler` on logger `name` at DEBUG for one test."""
    logger = logging.getLogger(name)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(previous)


@pytest.fixture
def seen() -> Iterator[Seen]:
    yield from _listening("tickets_service", Seen())


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


class Lines(logging.Handler):
    """Every `uts_shared.handled` line, with the request id in effect when it was written."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str | None]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.getMessage(), request_id.get()))


@pytest.fixture
def handled_lines() -> Iterator[Lines]:
    yield from _listening("uts_shared.handled", Lines())


async def test_at_debug_the_config_service_writes_a_line_per_message_with_its_request_id(
    rabbit_url: str, mongo_url: str | None, handled_lines: Lines
) -> None:
    async with config_harness(rabbit_url, mongo_url) as h:
        with handling("req-config-3"):
            await h.client.call(config.GET_CATEGORIES, Empty())
            with pytest.raises(ValidationFailed):  # malformed: refused and dead-lettered
                await call_raw(
                    h.client, config.UPDATE_CATEGORIES, {"agentId": "a", "categories": []}
                )
            with pytest.raises(ValidationFailed):  # an error reply
                await h.client.call(config.GET_HISTORY, config.HistoryQuery(key="no-such-key"))

    mine = [(line, rid) for line, rid in handled_lines.lines if rid == "req-config-3"]
    assert [line.split(" handled in ")[0] for line, _ in mine] == [
        config.GET_CATEGORIES.queue,
        config.UPDATE_CATEGORIES.queue,
        config.GET_HISTORY.queue,
    ]
    outcomes = [line.rsplit(": ", 1)[1] for line, _ in mine]
    assert outcomes == ["ok", "dead-lettered", "validation"]
    # The caller's reply queue is not a line of its own.
    assert not any("rpc.reply." in line for line, _ in handled_lines.lines)


async def test_at_debug_the_tickets_service_writes_a_line_per_event_it_handles(
    env: TicketsEnv, handled_lines: Lines
) -> None:
    renamed = AgentUpdated(
        agent_id="agent-renamed-4",
        first_name="Marta",
        last_name="Gil",
        role="agent",
        active=True,
        updated_at=datetime.now(UTC),
    )
    with handling("req-event-4"):
        await EventPublisher(env.client).publish(make_event(AGENT_UPDATED, renamed))

    def lines() -> list[str]:
        return [line for line, rid in handled_lines.lines if rid == "req-event-4"]

    await poll_until(lambda: lines() != [], what="the tickets service's line")
    [line] = lines()
    assert line.startswith(f"uts.events {AGENT_UPDATED.routing_key} handled in ")
    assert line.endswith(": ok")
