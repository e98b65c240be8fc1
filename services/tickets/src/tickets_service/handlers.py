"""The tickets service's RPC endpoints: contract in, operation, result out (nothing else)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from faststream.rabbit import RabbitBroker, RabbitMessage

from tickets_service.conversations import ConversationOperations
from tickets_service.customer_updates import CustomerUpdater
from tickets_service.customers import CustomerOperations
from tickets_service.exports import ExportOperations
from tickets_service.library import LibraryOperations
from tickets_service.messages import MessageOperations
from tickets_service.reports import ReportOperations
from tickets_service.saved_views import SavedViewOperations
from tickets_service.ticket_map import TicketMap
from tickets_service.tickets import TicketOperations
from tickets_service.webhooks import WebhookOperations
from uts_shared.contracts import messages as m
from uts_shared.contracts import replies as r
from uts_shared.contracts import reports as rp
from uts_shared.contracts import saved_views as sv
from uts_shared.contracts import tickets as t
from uts_shared.contracts import webhooks as wh
from uts_shared.contracts.agents import AGENT_NAMES_QUEUE, AGENT_UPDATED
from uts_shared.contracts.base import Empty, HealthStatus, Rpc
from uts_shared.errors import Conflict, NotFound
from uts_shared.messaging import serve, subscribe_events, work_queue

log = logging.getLogger(__name__)


def register(  # noqa: PLR0915 (one line per endpoint)
    broker: RabbitBroker,
    ops: TicketOperations,
    customers: CustomerOperations,
    conversations: ConversationOperations,
    health: Callable[[], Awaitable[HealthStatus]],
) -> None:
    """One endpoint per tickets RPC."""
    serve(broker, t.CREATE_FROM_AGENT, ops.create_from_agent)
    serve(broker, t.CREATE_FROM_AI, ops.create_from_ai)
    serve(broker, t.CREATE_FOR_CALLER, ops.create_for_caller)
    serve(broker, t.GET, ops.get)
    serve(broker, t.GET_FOR_CUSTOMER, ops.get_for_customer)
    serve(broker, t.LIST, ops.list_tickets)
    serve(broker, t.LIST_BY_CUSTOMER, ops.list_by_customer)
    serve(broker, t.LIST_FOR_CUSTOMER, ops.list_for_customer)
    serve(broker, t.LIST_BY_CONVERSATION, ops.list_by_conversation)
    serve(broker, t.LIST_BY_AGENT, ops.list_by_agent)
    # Every write to a ticket goes one way: `ops.write` (a `TicketCommand`).
    writes: tuple[Rpc[Any, t.TicketView], ...] = (
        t.UPDATE,
        t.ASSIGN,
        t.CHANGE_STATUS,
        t.RESOLVE,
        t.ESCALATE,
        t.SUBMIT_FEEDBACK,
        t.ADD_ATTACHMENT,
    )
    for command in writes:
        serve(broker, command, ops.write)
    serve(broker, t.ADD_NOTE, ops.write_note)
    serve(broker, t.BULK, ops.bulk)
    serve(broker, t.COUNT_OPEN_BY_CATEGORY, ops.count_open_by_category)
    serve(broker, t.RECATEGORIZE_OPEN, ops.recategorize_open)

    serve(broker, t.MERGE, ops.merge)
    serve(broker, t.LINK, ops.write)
    serve(broker, t.UNLINK, ops.write)
    serve(broker, t.LINK_INCIDENTS, ops.link_incidents)
    serve(broker, t.SIMILAR, ops.similar)
    serve(broker, t.STORE_EMBEDDING, ops.store_embedding)
    serve(broker, t.STATS, ops.stats)
    serve(broker, t.LIST_CHANGES, ops.changes)
    serve(broker, t.PREVIEW_NEXT_ID, ops.preview_next_id)
    serve(broker, t.CREATE_CUSTOMER, customers.create)
    serve(broker, t.UPSERT_CUSTOMER_BY_PHONE, customers.upsert_by_phone)
    serve(broker, t.UPDATE_CUSTOMER, customers.update)
    serve(broker, t.GET_CUSTOMER, customers.get)
    serve(broker, t.GET_CUSTOMER_BY_PHONE, customers.get_by_phone)
    serve(broker, t.LIST_CUSTOMERS, customers.list)
    serve(broker, t.CREATE_CONVERSATION, conversations.create)
    serve(broker, t.OPEN_CONVERSATION, conversations.open)
    serve(broker, t.GET_CONVERSATION, conversations.get)
    serve(broker, t.LIST_CONVERSATIONS, conversations.list)
    serve(broker, t.FIND_ACTIVE_CONVERSATION, conversations.find_active)
    serve(broker, t.UPDATE_CONVERSATION_STATUS, conversations.update_status)
    serve(broker, t.CUSTOMER_REPLIED, ops.customer_replied)
    serve(broker, t.ADMIN_REINDEX_SEARCH, ops.reindex_search)
    serve(broker, t.ADMIN_REBUILD_COUNTS, ops.rebuild_counts)
    serve(broker, t.ADMIN_REPLAY_OUTBOX, ops.replay_outbox)

    async def answer_health(_: Empty) -> HealthStatus:
        return await health()

    serve(broker, t.HEALTH, answer_health)

    async def on_agent_updated(routing_key: str, body: bytes, message: RabbitMessage) -> None:
        change = AGENT_UPDATED.envelope.model_validate_json(body).data
        await ops.rename_agent(change.agent_id, change.name)

    subscribe_events(
        broker, work_queue(AGENT_NAMES_QUEUE, AGENT_UPDATED.routing_key), on_agent_updated
    )

    async def on_customer_replied(routing_key: str, body: bytes, message: RabbitMessage) -> None:
        reply = t.CONVERSATION_CUSTOMER_REPLIED.envelope.model_validate_json(body).data
        try:
            await ops.customer_replied(reply)
        except NotFound:
            log.warning("customer reply for unknown conversation %s ignored", reply.conversation_id)

    subscribe_events(
        broker,
        work_queue(t.CUSTOMER_REPLIED_QUEUE, t.CONVERSATION_CUSTOMER_REPLIED.routing_key),
        on_customer_replied,
    )


def register_library(
    broker: RabbitBroker, library: LibraryOperations, ops: TicketOperations
) -> None:
    """Canned replies and macros, and a macro applied to a ticket (a ticket command)."""
    serve(broker, t.APPLY_MACRO, ops.apply_macro)
    serve(broker, r.REPLIES_LIST, library.list_replies)
    serve(broker, r.REPLIES_CREATE, library.create_reply)
    serve(broker, r.REPLIES_UPDATE, library.update_reply)
    serve(broker, r.REPLIES_DELETE, library.delete_reply)
    serve(broker, r.REPLIES_RENDER, library.render_reply)
    serve(broker, r.MACROS_LIST, library.list_macros)
    serve(broker, r.MACROS_GET, library.get_macro)
    serve(broker, r.MACROS_CREATE, library.create_macro)
    serve(broker, r.MACROS_UPDATE, library.update_macro)
    serve(broker, r.MACROS_DELETE, library.delete_macro)


def register_messages(broker: RabbitBroker, messages: MessageOperations) -> None:
    """A conversation's messages and handoff."""
    serve(broker, m.POST_MESSAGE, messages.post)
    serve(broker, m.LIST_MESSAGES, messages.list)
    serve(broker, m.REPORT_DELIVERY, messages.report_delivery)
    serve(broker, m.HAND_OFF, messages.hand_off)


def register_saved_views(broker: RabbitBroker, views: SavedViewOperations) -> None:
    serve(broker, sv.LIST, views.list)
    serve(broker, sv.CREATE, views.create)
    serve(broker, sv.UPDATE, views.update)
    serve(broker, sv.DELETE, views.delete)


def register_customer_updates(broker: RabbitBroker, updater: CustomerUpdater) -> None:
    """The intake of the service's own ticket events that may call for a customer update."""

    async def on_ticket_event(routing_key: str, body: bytes, message: RabbitMessage) -> None:
        try:
            await updater.on_event(routing_key, body)
        except NotFound as exc:  # the ticket's conversation is gone: nobody to tell
            log.warning("customer update dropped: %s", exc)

    # Bound to the ticket events only while some update is switched on (`follow_updates`).
    subscribe_events(
        broker, work_queue(t.CUSTOMER_UPDATES_QUEUE, t.CUSTOMER_UPDATES_PARKED), on_ticket_event
    )


def register_follow_ups(broker: RabbitBroker, ops: TicketOperations) -> None:
    """The second writes of changes touching two tickets, from the first write's event."""
    kinds = {k.routing_key: k for k in (t.TICKET_MERGED, t.TICKET_LINKED, t.TICKET_RESOLVED)}

    async def on_event(routing_key: str, body: bytes, message: RabbitMessage) -> None:
        kind = kinds.get(routing_key)
        if kind is None:
            return
        try:
            await ops.follow_up(kind.envelope.model_validate_json(body).data)
        except (NotFound, Conflict) as exc:  # gone, or moved on: nothing left to follow up
            log.warning("follow-up of %s dropped: %s", routing_key, exc)

    subscribe_events(broker, work_queue(t.FOLLOW_UPS_QUEUE, t.FOLLOW_UPS_BINDINGS[0]), on_event)


def register_webhooks(broker: RabbitBroker, webhooks: WebhookOperations) -> None:
    """The webhook subscriptions' RPCs, and the intake of ticket events (a shared work queue)."""
    serve(broker, wh.CREATE, webhooks.create)
    serve(broker, wh.LIST, webhooks.list)
    serve(broker, wh.GET, webhooks.get)
    serve(broker, wh.UPDATE, webhooks.update)
    serve(broker, wh.DELETE, webhooks.delete)
    serve(broker, wh.DELIVERIES, webhooks.deliveries)

    async def on_ticket_event(routing_key: str, body: bytes, message: RabbitMessage) -> None:
        await webhooks.intake(body)

    # Declared on a key nothing publishes; bound to the ticket events only while a subscription
    # is enabled (`WebhookOperations.follow_subscriptions`).
    subscribe_events(broker, work_queue(wh.INTAKE_QUEUE, wh.INTAKE_PARKED), on_ticket_event)


def register_reports(
    broker: RabbitBroker, exports: ExportOperations, reports: ReportOperations
) -> None:
    """The CSV export's pages and the admin reports."""
    serve(broker, rp.EXPORT, exports.page)
    serve(broker, rp.REPORT, reports.report)


def register_map(broker: RabbitBroker, ticket_map: TicketMap) -> None:
    """The map's points."""
    serve(broker, t.MAP, ticket_map.points)
