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
from tickets_service.domain.ticket import TicketState
from tickets_service.messages import MessageOperations
from tickets_service.store import TicketStore
from uts_shared.contracts import messages as m
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EventType
from uts_shared.contracts.config import (
    UPDATE_VARIABLES,
    CustomerUpdate,
    CustomerUpdates,
    SatisfactionSurvey,
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
        """Whether any update or the survey is switched on (the queue is bound only then)."""
        if (await self._config.customer_updates()).any_enabled:
            return True
        return (await self._config.survey()).enabled

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
        told = await self._tell(ticket_id, which, version, update) if update.enabled else None
        if which == "resolved":
            await self._ask_rating(ticket_id, version)
        return told

    async def _words(self, ticket: TicketState, template: str) -> str:
        terms: Terminology = await self._config.terminology()
        text = render(
            template,
            {
                "ticketSingular": terms.ticket_singular,
                "ticketPlural": terms.ticket_plural,
                "ticketId": ticket.ticket_id,
                "subject": ticket.subject,
                "agentNoun": terms.agent_noun,
            },
        )
        return text[: m.MESSAGE_TEXT_MAX]

    async def _tell(
        self, ticket_id: str, which: str, version: int, update: CustomerUpdate
    ) -> m.Message | None:
        ticket = await self._store.get_ticket(ticket_id)
        if ticket is None or ticket.conversation_id is None:
            return None
        message = await self._messages.post(
            m.PostMessage(
                conversation_id=ticket.conversation_id,
                direction=m.Direction.OUTBOUND,
                author=m.Author.ASSISTANT,
                text=await self._words(ticket, update.template),
                ticket_id=ticket.ticket_id,
                request_key=f"update:{ticket.ticket_id}:{version}:{which}",
            )
        )
        log.debug("customer told of %s %s (%s)", which, ticket.ticket_id, message.id)
        return message

    async def _ask_rating(self, ticket_id: str, version: int) -> m.Message | None:
        """The satisfaction survey's question, with `ticket.survey_requested` in the message's
        own outbox; once per ticket (a reopened and resolved again ticket is not asked twice,
        nor a rated one)."""
        survey: SatisfactionSurvey = await self._config.survey()
        if not survey.enabled:
            return None
        ticket = await self._store.get_ticket(ticket_id)
        if ticket is None or ticket.conversation_id is None or ticket.customer_feedback:
            return None
        conversation = await self._store.get_conversation(ticket.conversation_id)
        channel = conversation.channel.value if conversation else None
        if not survey.asks(channel, ticket.source.value):
            return None
        conversation_id = ticket.conversation_id

        def requested(message: m.Message) -> list[tuple[EventType[Any], BaseModel]]:
            payload = t.TicketSurveyRequested(
                ticket_id=ticket_id,
                customer_id=ticket.customer_id,
                conversation_id=conversation_id,
                message_id=message.id,
                assigned_agent=ticket.assigned_agent,
                version=version,
            )
            return [(t.TICKET_SURVEY_REQUESTED, payload)]

        message = await self._messages.post(
            m.PostMessage(
                conversation_id=conversation_id,
                direction=m.Direction.OUTBOUND,
                author=m.Author.ASSISTANT,
                text=await self._words(ticket, survey.template),
                ticket_id=ticket_id,
                request_key=f"survey:{ticket_id}",
            ),
            also=requested,
        )
        log.debug("customer asked to rate %s (%s)", ticket_id, message.id)
        return message
