"""Benchmark: one bulk assignment of 500 tickets (`tickets.bulk`, what `POST /tickets/bulk`
calls), the tickets service in-process on the real broker and the embedded store.

Each ticket is its own command (conditional write, events in the outbox, published); the 500
are loaded in one read. Prints the whole call's time and the time per ticket; then the same
for a filter ("all matching", capped at 500).

    uv run python bench/bulk.py
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.infra import DEFAULT_RABBIT, vhost  # noqa: E402
from tests.support.tickets_helpers import tickets_env  # noqa: E402
from uts_shared.contracts import tickets as t  # noqa: E402

COUNT = t.MAX_BULK


async def run(rabbit_url: str) -> None:
    async with tickets_env(rabbit_url, None, log_level="WARNING") as env:
        customer = await env.customer()
        tag = f"bench{uuid.uuid4().hex[:6]}"
        ids = [(await env.ticket(customer, tags=[tag])).ticket_id for _ in range(COUNT)]
        by_ids = t.BulkTickets(
            ticket_ids=ids, action=t.BulkAssign(agent_id="ag-ana"), by="lead", request_key="b1"
        )
        started = time.perf_counter()
        result = await env.rpc.call(t.BULK, by_ids, timeout=120)
        took = time.perf_counter() - started
        print(
            f"bulk assign, {result.done} of {COUNT} ticket ids: {took:.2f} s "
            f"({took / COUNT * 1000:.2f} ms a ticket)"
        )
        by_filter = t.BulkTickets(
            filter=t.ListTickets(tag=tag),
            action=t.BulkPriority(priority=t.Priority.URGENT),
            by="lead",
        )
        started = time.perf_counter()
        result = await env.rpc.call(t.BULK, by_filter, timeout=120)
        took = time.perf_counter() - started
        print(
            f"bulk priority, {result.done} of {result.matched} matching: {took:.2f} s "
            f"({took / COUNT * 1000:.2f} ms a ticket)"
        )


def main() -> None:
    with vhost(os.environ.get("RABBITMQ_URL", DEFAULT_RABBIT)) as (url, _):
        asyncio.run(run(url))


if __name__ == "__main__":
    main()
