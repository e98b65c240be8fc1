"""An event publish cut off by a lost connection is retried at the relay's pace.

When the broker connection drops, aiormq ends every publish still in flight by cancelling it: the
writer's `await` raises `asyncio.CancelledError` although its task was never cancelled (seen in
the tickets service's log during the broker-restart test: `CancelledError: [Errno 320]
CONNECTION_FORCED` raised from `Outbox.publish`). The ticket is stored with the event in its
outbox; the event must go out within a few relay ticks, as after any failed publish, not only at
the next full sweep of every outbox.

Here one tickets instance runs in-process against the real broker, and the first publish on the
events exchange is cut off exactly that way (at aio-pika's `Exchange.publish`, below the
service's own publisher).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import aio_pika.exchange
import pytest

from tests.support.factories import agent_ticket_request
from tests.support.tickets_helpers import tickets_env
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EVENTS_EXCHANGE

RETRIED_WITHIN = 8.0
"""Relay interval 1 s and grace 1 s (tests' settings): a few ticks, far below the 30 s sweep."""


async def test_an_event_cut_off_mid_publish_by_a_connection_loss_goes_out_within_seconds(
    rabbit_url: str, mongo_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        customer = await env.customer()
        cut: list[str] = []
        publish = aio_pika.exchange.Exchange.publish

        async def cut_off_once(self: aio_pika.exchange.Exchange, *args: Any, **kwargs: Any) -> Any:
            if self.name == EVENTS_EXCHANGE and not cut:
                cut.append(kwargs.get("routing_key") or str(args[1:2]))
                raise asyncio.CancelledError("[Errno 320] CONNECTION_FORCED (test)")
            return await publish(self, *args, **kwargs)

        monkeypatch.setattr(aio_pika.exchange.Exchange, "publish", cut_off_once)
        request = agent_ticket_request(customer.id, agent="agent-cut", subject="Corte de conexion")
        # The lost publish is the outbox's business: the create itself succeeds.
        created = await env.service.operations.create_from_agent(request)
        cut_at = time.monotonic()
        assert cut, "the event publish was never attempted"

        page = await env.rpc.call(t.LIST, t.ListTickets(customer_id=customer.id))
        [ticket] = page.tickets  # the write itself happened
        assert ticket.ticket_id == created.ticket.ticket_id
        [entry] = await env.service.store.outbox_of(ticket.ticket_id)

        [event] = await env.recorder.wait_one(
            t.TICKET_CREATED.routing_key, ticket.ticket_id, timeout=RETRIED_WITHIN
        )
        assert event.event_id == entry.event_id
        assert time.monotonic() - cut_at < RETRIED_WITHIN
