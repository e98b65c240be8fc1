"""The broker's durable topology in one table: the exchanges, every request queue, the shared
work queues with their bindings, and the dead-letter queue. The AsyncAPI document, the
`uts-admin queues` commands and the topology test read it; the services declare the same names
through `uts_shared.messaging`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from uts_shared.contracts import agents, ai_tools, notifications, tickets, webhooks
from uts_shared.contracts.base import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    EVENTS_EXCHANGE,
    EventType,
    Rpc,
    health_rpc,
)

CONTRACT_MODULES = (
    "config",
    "tickets",
    "messages",
    "ai_tools",
    "agents",
    "webhooks",
    "replies",
    "saved_views",
    "notifications",
    "reports",
)
SERVICES = ("config", "tickets", "ai-tools")
"""The services that answer a health RPC (`<service>.health`)."""


@dataclass(frozen=True)
class SharedQueue:
    """A durable queue bound to an exchange, consumed by one service's replicas."""

    name: str
    exchange: str
    bindings: tuple[str, ...]
    """Bound whenever the queue exists."""
    consumer: str
    description: str
    optional_bindings: tuple[str, ...] = ()
    """Bound by its service only while it has a use for them (it restores them at start)."""


SHARED_QUEUES: tuple[SharedQueue, ...] = (
    SharedQueue(
        webhooks.INTAKE_QUEUE,
        EVENTS_EXCHANGE,
        (webhooks.INTAKE_PARKED,),
        "tickets",
        "Ticket events becoming outbound webhook deliveries (`ticket.#` bound only while a "
        "subscription is enabled)",
        optional_bindings=(webhooks.INTAKE_BINDING,),
    ),
    SharedQueue(
        agents.AGENT_NAMES_QUEUE,
        EVENTS_EXCHANGE,
        (agents.AGENT_UPDATED.routing_key,),
        "tickets",
        "Agent renames the tickets service copies onto its tickets",
    ),
    SharedQueue(
        tickets.CUSTOMER_REPLIED_QUEUE,
        EVENTS_EXCHANGE,
        (tickets.CONVERSATION_CUSTOMER_REPLIED.routing_key,),
        "tickets",
        "A customer's reply moves their waiting tickets back to in_progress",
    ),
    SharedQueue(
        tickets.FOLLOW_UPS_QUEUE,
        EVENTS_EXCHANGE,
        tickets.FOLLOW_UPS_BINDINGS,
        "tickets",
        "The second write of a change touching two tickets (a merge's survivor, a link's "
        "other side, a resolved problem's incidents), redone idempotently from the first's event",
    ),
    SharedQueue(
        tickets.CUSTOMER_UPDATES_QUEUE,
        EVENTS_EXCHANGE,
        (tickets.CUSTOMER_UPDATES_PARKED,),
        "tickets",
        "Ticket events worded as updates to their customers (bound only while an update is "
        "switched on in the configuration)",
        optional_bindings=tickets.CUSTOMER_UPDATES_BINDINGS,
    ),
    SharedQueue(
        ai_tools.WEBHOOK_QUEUE,
        EVENTS_EXCHANGE,
        (ai_tools.WEBHOOK_BINDING,),
        "ai-tools",
        "Verified OpenAI webhooks the gateway accepted",
    ),
    SharedQueue(
        ai_tools.EMBEDDINGS_QUEUE,
        EVENTS_EXCHANGE,
        (ai_tools.EMBEDDINGS_PARKED,),
        "ai-tools",
        "New and reworded tickets embedded for similar tickets by meaning (bound only while "
        "an OpenAI key is configured)",
        optional_bindings=ai_tools.EMBEDDINGS_BINDINGS,
    ),
    SharedQueue(
        notifications.QUEUE,
        EVENTS_EXCHANGE,
        notifications.BINDINGS,
        "gateway",
        "Ticket and conversation events made into agents' notifications",
    ),
    SharedQueue(
        DEAD_LETTER_QUEUE,
        DEAD_LETTER_EXCHANGE,
        ("#",),
        "operators (uts-admin dead-letters)",
        "Messages rejected as malformed or over-size, and requests that expired unanswered",
    ),
)


def contracts() -> tuple[list[Rpc[Any, Any]], list[EventType[Any]]]:
    """Every RPC and event type the contract modules define."""
    rpcs: list[Rpc[Any, Any]] = []
    events: list[EventType[Any]] = []
    for name in CONTRACT_MODULES:
        module = importlib.import_module(f"uts_shared.contracts.{name}")
        # `RPCS` too: a setting's RPCs live in its entry of the settings table, not in a name.
        for value in (*vars(module).values(), *getattr(module, "RPCS", ())):
            if isinstance(value, Rpc) and value not in rpcs:
                rpcs.append(value)
            elif isinstance(value, EventType) and value not in events:
                events.append(value)
    return rpcs, events


def request_queues() -> list[str]:
    """Every durable request queue: the contracts' RPCs and each service's health."""
    rpcs, _ = contracts()
    names = {spec.queue for spec in rpcs} | {health_rpc(s).queue for s in SERVICES}
    return sorted(names)


def durable_queues() -> list[str]:
    """Every queue RABBITMQ_QUEUE_TYPE applies to."""
    return request_queues() + [queue.name for queue in SHARED_QUEUES]
