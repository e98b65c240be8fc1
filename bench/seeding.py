"""What the benchmarks that fill a store share: a few tickets made by the tickets service's own
create (so every stored field is as a real write leaves it), then copies of them under new ids
and times, written straight to the store (a hundred thousand creates would take an hour)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.support.factories import unique_phone
from tests.support.tickets_helpers import LUXFREE, ConfigStub, settings_for
from tickets_service.main import TicketsService
from uts_shared.contracts import tickets as t
from uts_shared.embedded import EmbeddedDatabase

START = datetime(2026, 1, 1, tzinfo=UTC)


async def templates(
    rabbit_url: str,
    database: EmbeddedDatabase,
    rnd: random.Random,
    count: int,
    *,
    subject: str,
    self_assign_half: bool = False,
) -> list[dict[str, Any]]:
    """`count` tickets created by a tickets service of `database`'s (`subject` formatted with
    `n`, the ticket's number, and `street`), as stored."""
    config = ConfigStub(rabbit_url)
    service = TicketsService(settings_for(rabbit_url, None, database.name), database=database)
    await config.broker.start()
    await service.start()
    try:
        customers = [
            await service.customers.create(
                t.CreateCustomer(phone_number=unique_phone(), first_name="Ana")
            )
            for _ in range(10)
        ]
        for n in range(count):
            await service.operations.create_from_agent(
                t.CreateFromAgent(
                    subject=subject.format(n=n, street=rnd.randrange(300)),
                    description="La luminaria no enciende desde hace tres noches " * 3,
                    category=rnd.choice(LUXFREE).id,
                    priority=rnd.choice(list(t.Priority)),
                    customer_id=rnd.choice(customers).id,
                    agent_id=f"agent-{n % 6}",
                    agent_name=f"Agente {n % 6}",
                    assign_to_self=self_assign_half and n % 2 == 0,
                    tags=["noche"],
                )
            )
    finally:
        await service.stop()
        await config.broker.stop()
    return list(await database["tickets"].find({}).to_list(None))


def copies(
    made: list[dict[str, Any]], rnd: random.Random, numbers: range
) -> Iterator[dict[str, Any]]:
    """A copy of a random template for each number: its own id, created 7 s after the last."""
    for n in numbers:
        copy = dict(rnd.choice(made))
        copy["_id"] = copy["ticketId"] = f"LUX-1999-{n:06d}"
        copy["createdAt"] = copy["updatedAt"] = START + timedelta(seconds=n * 7)
        copy["outbox"] = []
        yield copy
