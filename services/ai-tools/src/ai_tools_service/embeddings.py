"""Ticket texts embedded for the tickets service's similar tickets by meaning.

A new ticket, or one whose words changed or that was reopened, is embedded with OpenAI's
embeddings API and the vector handed to the tickets service, which keeps it only while the
ticket still reads as it was embedded and is open. A failure (OpenAI or the tickets service
unreachable after the SDK's retries) dead-letters the event, to be replayed; similarity by
words and place works meanwhile.
"""

from __future__ import annotations

import logging

from faststream.rabbit.message import RabbitMessage
from openai import AsyncOpenAI

from uts_shared.contracts import tickets as t
from uts_shared.messaging import RpcClient

log = logging.getLogger(__name__)

REWORDING = frozenset({"subject", "description", "location"})
DONE = frozenset({t.TicketStatus.RESOLVED, t.TicketStatus.CLOSED})


def _reopened(event: t.TicketUpdated) -> bool:
    return event.old_status in DONE and event.new_status not in (None, *DONE)


class Embedder:
    def __init__(self, openai: AsyncOpenAI, rpc: RpcClient, *, model: str, dimensions: int) -> None:
        self._openai = openai
        self._rpc = rpc
        self._model = model
        self._dimensions = dimensions

    async def on_event(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        ticket = await self._ticket_to_embed(routing_key, body)
        if ticket is None or ticket.status in DONE:
            return
        address = ticket.location.address if ticket.location else None
        text = t.embedding_text(ticket.subject, ticket.description, address)
        answer = await self._openai.embeddings.create(
            model=self._model, input=text, dimensions=self._dimensions
        )
        request = t.StoreEmbedding(
            ticket_id=ticket.ticket_id,
            text=text,
            model=self._model,
            vector=answer.data[0].embedding,
        )
        stored = await self._rpc.call(t.STORE_EMBEDDING, request)
        if not stored.stored:
            log.info("embedding of %s not kept: %s", ticket.ticket_id, stored.reason)

    async def _ticket_to_embed(self, routing_key: str, body: bytes) -> t.TicketView | None:
        if routing_key == t.TICKET_CREATED.routing_key:
            return t.TICKET_CREATED.envelope.model_validate_json(body).data.ticket
        if routing_key != t.TICKET_UPDATED.routing_key:
            return None
        event = t.TICKET_UPDATED.envelope.model_validate_json(body).data
        if not (REWORDING & set(event.updates or {}) or _reopened(event)):
            return None
        return await self._rpc.call(t.GET, t.GetTicket(ticket_id=event.ticket_id))
