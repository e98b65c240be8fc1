"""`GET /tickets/export`: the list's filters as a CSV file for spreadsheets, streamed.

The tickets service answers pages by an indexed cursor; each page is written out as it
arrives, so neither process holds more than a page of a 100,000-row export. The file is UTF-8
with a byte-order mark (spreadsheets then read accents right), one row per ticket, with names
(category labels, agents' names, status and priority words) rather than ids.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from gateway.auth import CurrentAgent, current_agent
from gateway.routes.envelope import unique_query_keys_but
from gateway.routes.tickets import MULTI_VALUE_FILTERS, TicketListQuery
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import config
from uts_shared.contracts import reports as r
from uts_shared.contracts.base import Empty
from uts_shared.contracts.tickets import TicketSummary
from uts_shared.messaging import RpcClient

router = APIRouter(prefix="/tickets", tags=["tickets"], dependencies=[Depends(current_agent)])

Language = Literal["es", "en"]
BOM = "\ufeff"
BATCH = 500

COLUMNS: dict[Language, tuple[str, ...]] = {
    "en": (
        "Ticket", "Subject", "Status", "Priority", "Category", "Subcategory", "Customer",
        "Phone", "Assigned to", "Source", "Created", "First response", "Resolved", "Closed",
        "SLA", "Rating", "Comment", "Tags", "Escalated",
    ),
    "es": (
        "Folio", "Asunto", "Estado", "Prioridad", "Categoría", "Subcategoría", "Cliente",
        "Teléfono", "Asignado a", "Origen", "Creado", "Primera respuesta", "Resuelto", "Cerrado",
        "SLA", "Calificación", "Comentario", "Etiquetas", "Escalado",
    ),
}  # fmt: skip
WORDS: dict[Language, dict[str, str]] = {
    "en": {
        "new": "New", "open": "Open", "in_progress": "In progress",
        "pending_customer": "Waiting on customer", "waiting_internal": "Waiting internally",
        "resolved": "Resolved", "closed": "Closed", "low": "Low", "medium": "Medium",
        "high": "High", "urgent": "Urgent", "ok": "On time", "warning": "At risk",
        "breached": "Breached", "paused": "Paused", "met": "Met", "ai": "Assistant",
        "agent": "Agent", "whatsapp": "WhatsApp", "web": "Web", "yes": "Yes", "no": "No",
    },
    "es": {
        "new": "Nuevo", "open": "Abierto", "in_progress": "En progreso",
        "pending_customer": "Esperando al cliente", "waiting_internal": "En espera interna",
        "resolved": "Resuelto", "closed": "Cerrado", "low": "Baja", "medium": "Media",
        "high": "Alta", "urgent": "Urgente", "ok": "A tiempo", "warning": "En riesgo",
        "breached": "Vencido", "paused": "En pausa", "met": "Cumplido", "ai": "Asistente",
        "agent": "Agente", "whatsapp": "WhatsApp", "web": "Web", "yes": "Sí", "no": "No",
    },
}  # fmt: skip


class ExportQuery(TicketListQuery):
    """The list's filters (`page`, `limit` and the sort are ignored: newest first, every
    match); `lang` words the header, statuses and priorities (default: the configured
    language)."""

    lang: Language | None = None


def _when(at: datetime | None) -> str:
    return at.isoformat().replace("+00:00", "Z") if at else ""


class Rows:
    """Tickets as CSV rows in one language, categories by their labels."""

    def __init__(self, language: Language, categories: Sequence[config.Category]) -> None:
        self.language = language
        self.words = WORDS[language]
        self.categories = {
            c.id: (c.label_en or c.label) if language == "en" else c.label for c in categories
        }

    def word(self, value: str | None) -> str:
        return "" if value is None else self.words.get(value, value)

    def header(self) -> tuple[str, ...]:
        return COLUMNS[self.language]

    def row(self, ticket: TicketSummary) -> tuple[Any, ...]:
        customer = ticket.customer
        feedback = ticket.customer_feedback
        return (
            ticket.ticket_id,
            ticket.subject,
            self.word(ticket.status),
            self.word(ticket.priority),
            self.categories.get(ticket.category, ticket.category),
            ticket.subcategory or "",
            (customer.name or "") if customer else "",
            customer.phone_number if customer else "",
            ticket.assigned_agent_name or ticket.assigned_agent or "",
            self.word(ticket.source),
            _when(ticket.created_at),
            _when(ticket.sla.first_response_at),
            _when(ticket.resolved_at),
            _when(ticket.closed_at),
            self.word("paused" if ticket.sla.paused else ticket.sla.state),
            feedback.rating if feedback else "",
            (feedback.comment or "") if feedback else "",
            ", ".join(ticket.tags),
            self.word("yes" if ticket.is_escalated else "no"),
        )


def csv_text(rows: Sequence[Sequence[Any]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


async def export_rows(
    rpc: RpcClient, first: r.ExportTickets, rows: Rows
) -> tuple[str, AsyncIterator[str]]:
    """The first chunk (header and first page: a failing request answers its error before
    anything is sent) and the rest, page by page as they arrive."""
    page = await rpc.call(r.EXPORT, first)
    head = BOM + csv_text([rows.header(), *(rows.row(x) for x in page.tickets)])

    async def rest(page: r.ExportPage) -> AsyncIterator[str]:
        while page.last_ticket_id is not None:
            after = {
                "after_created_at": page.last_created_at,
                "after_ticket_id": page.last_ticket_id,
            }
            page = await rpc.call(r.EXPORT, first.model_copy(update=after))
            yield csv_text([rows.row(x) for x in page.tickets])

    return head, rest(page)


async def language_of(rpc: RpcClient, asked: Language | None) -> Language:
    if asked is not None:
        return asked
    assistant: config.AssistantConfig = (await rpc.call(config.GET_ASSISTANT, Empty())).config
    return assistant.language


@router.get(
    "/export",
    response_model=None,
    response_class=StreamingResponse,
    dependencies=[Depends(unique_query_keys_but(*MULTI_VALUE_FILTERS))],
    responses={
        200: {
            "description": "The matching tickets, one row each, newest first (UTF-8 with BOM)",
            "content": {"text/csv": {"schema": {"type": "string"}}},
        }
    },
)
async def export_tickets(
    query: Annotated[ExportQuery, Query()],
    agent: CurrentAgent,
    rpc: RpcDep,
    visibility: VisibilityDep,
) -> StreamingResponse:
    """Every ticket the list's filters match (the tickets the agent may see), as CSV."""
    visible_to = await visibility.restricted_to(agent)
    listed = TicketListQuery.model_construct(**dict(query)).request(agent.id, visible_to)
    request = r.ExportTickets(**listed.model_dump(exclude={"page", "limit"}), batch=BATCH)
    categories = (await rpc.call(config.GET_CATEGORIES, Empty())).categories
    rows = Rows(await language_of(rpc, query.lang), categories)
    head, rest = await export_rows(rpc, request, rows)

    async def body() -> AsyncIterator[bytes]:
        yield head.encode()
        async for chunk in rest:
            yield chunk.encode()

    return StreamingResponse(
        body(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="tickets.csv"'},
    )
