"""Customer updates: a ticket received, taken in progress or resolved, told to its customer as
an outbound message of the ticket's conversation, worded from the configured template.

Off the write path: the tickets service consumes its own ticket events from a shared work queue,
bound only while some update is switched on (so unused, they cost the events nothing). The
message's id comes from the ticket's version, so a redelivered event sends nothing twice.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel

from tickets_service.configuration import ConfigCache
from tickets_service.messages import MessageOperations
from tickets_service.store import TicketStore
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t
from uts_shared.contracts.config import (
    UPDATE_VARIABLES,
    CustomerUpdate,
    CustomerUpdates,
    Terminology,
)

log = logging.getLogger(__name__)

S = t.TicketStatus


def render(template: str, values: dict[str, str]) -> str:
    """`template` with each known `{variable}` replaced; anything else left as written."""
    text = template
    for name in UPDATE_VARIABLES:
        text = text.replace("{" + name + "}", values.get(name, ""))
    return text


def _moment(payload: BaseModel) -> tuple[str, str, int] | None:
    """(ticket id, which update, version) an event calls for, if any."""
    if isinstance(payload, t.TicketCreated):
        return payload.ticket.ticket_id, "received", payload.version
    if isinstance(payload, t.TicketResolved):
        if payload.problem_id is not None:  # the problem's fan-out tells this customer
            return None
        return payload.ticket_id, "resolved", payload.version
    if isinstance(payload, t.TicketUpdated) and payload.new_status is not None:
        if payload.new_status is S.IN_PROGRESS:
            return payload.ticket_id, "in_progress", payload.version
        if payload.new_status is S.RESOLVED:
            return payload.ticket_id, "resolved", payload.version
    return None


_EVENTS: dict[str, Any] = {
    kind.routing_key: kind for kind in (t.TICKET_CREATED, t.TICKET_UPDATED, t.TICKET_RESOLVED)
}


class CustomerUpdater:
    def __init__(
        self, store: TicketStore, config: ConfigCache, messages: MessageOperations
    ) -> None:
        self._store = store
        self._config = config
        self._messages = messages

    async def wanted(self) -> bool:
        """Whether any update is switched on (the queue is bound only then)."""
        return (await self._config.customer_updates()).any_enabled

    async def on_event(self, routing_key: str, body: bytes) -> m.Message | None:
        """The message an event calls for, sent (None: nothing to tell)."""
        kind = _EVENTS.get(routing_key)
        if kind is None:
            return None
        moment = _moment(kind.envelope.model_validate_json(body).data)
        if moment is None:
            return None
        ticket_id, which, version = moment
        updates: CustomerUpdates = await self._config.customer_updates()
        update: CustomerUpdate = getattr(updates, which)
        if not update.enabled:
            return None
        ticket = await self._store.get_ticket(ticket_id)
        if ticket is None or ticket.conversation_id is None:
            return None
        terms: Terminology = await self._config.terminology()
        text = render(
            update.template,
            {
                "ticketSingular": terms.ticket_singular,
                "ticketPlural": terms.ticket_plural,
                "ticketId": ticket.ticket_id,
                "subject": ticket.subject,
                "agentNoun": terms.agent_noun,
            },
        )
        message = await self._messages.post(
            m.PostMessage(
                conversation_id=ticket.conversation_id,
                direction=m.Direction.OUTBOUND,
                author=m.Author.ASSISTANT,
                text=text[: m.MESSAGE_TEXT_MAX],
                ticket_id=ticket.ticket_id,
                request_key=f"update:{ticket.ticket_id}:{version}:{which}",
            )
        )
        log.debug("customer told of %s %s (%s)", which, ticket.ticket_id, message.id)
        return message
