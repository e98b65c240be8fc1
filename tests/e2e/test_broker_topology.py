"""The AsyncAPI document names the whole topology the running system declares: its queues
(exclusive, auto-named ones aside), its exchanges and their bindings, as RabbitMQ lists them
for the system's vhost (`rabbitmqctl list_queues / list_exchanges / list_bindings`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.conftest import BACKENDS
from tests.support.broker import listed, vhost_of
from tests.support.system import System, open_system
from uts_shared.asyncapi import asyncapi_document

Binding = tuple[str, str, str]
"""exchange, queue, routing key"""


@pytest.fixture(scope="module")
async def running(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[System]:
    """The whole system on a vhost of this module's own (nothing else declares anything)."""
    async with open_system("topology", rabbit_url, mongo_url) as system:
        for service in BACKENDS:
            system.start(service, service)
        await system.start_gateway(required=BACKENDS)
        for service in BACKENDS:
            await system.wait_service(service)
        yield system


def documented() -> tuple[set[str], set[str], set[Binding], set[Binding]]:
    """Queues, exchanges, bindings always made, bindings made while in use."""
    doc = asyncapi_document()
    queues, exchanges, always, sometimes = set(), set(), set(), set()
    for channel in doc["channels"].values():
        amqp: dict[str, Any] = channel.get("bindings", {}).get("amqp", {})
        if amqp.get("is") == "queue":
            queues.add(amqp["queue"]["name"])
            for binding in channel.get("x-bindings", []):
                made = (binding["exchange"], amqp["queue"]["name"], binding["routingKey"])
                (always if binding["always"] else sometimes).add(made)
        elif "exchange" in amqp:
            exchanges.add(amqp["exchange"]["name"])
    return queues, exchanges, always, sometimes


async def test_the_document_names_every_queue_exchange_and_binding_the_system_declares(
    running: System,
) -> None:
    vhost = vhost_of(running.rabbit_url)
    queue_rows = await listed("queues", vhost, "name", "exclusive")
    queues = {row["name"] for row in queue_rows if not row["exclusive"]}
    exclusive = {row["name"] for row in queue_rows if row["exclusive"]}
    exchanges = {
        row["name"]
        for row in await listed("exchanges", vhost, "name")
        if row["name"] and not row["name"].startswith("amq.")
    }
    bindings = {
        (row["source_name"], row["destination_name"], row["routing_key"])
        for row in await listed(
            "bindings", vhost, "source_name", "destination_name", "destination_kind", "routing_key"
        )
        if row["source_name"]
        and row["destination_kind"] == "queue"
        and row["destination_name"] not in exclusive
    }
    doc_queues, doc_exchanges, always, sometimes = documented()

    assert queues == doc_queues, {
        "declared, not documented": sorted(queues - doc_queues),
        "documented, not declared": sorted(doc_queues - queues),
    }
    assert exchanges == doc_exchanges
    assert always <= bindings, sorted(always - bindings)
    assert bindings <= always | sometimes, sorted(bindings - always - sometimes)
    for name in (
        "tickets.webhook-intake",
        "tickets.agent-names",
        "tickets.customer-replied",
        "ai-tools.openai-webhooks",
        "uts.dead-letters",
    ):
        assert name in queues
    assert {"uts.dlx", "uts.events"} <= exchanges
