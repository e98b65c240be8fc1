"""Exports and reports of the tickets service: the CSV export's pages and the admin reports.

The export is read page by page by an indexed cursor on (createdAt, ticketId), newest first,
so neither the tickets service nor the gateway ever holds more than one page of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field

from uts_shared.contracts.base import Rpc, WireModel
from uts_shared.contracts.tickets import Id, Instant, ListTickets, TicketSummary

ExportBatch = Annotated[int, Field(ge=1, le=1_000)]


class ExportTickets(ListTickets):
    """The list's filters, and where the previous page ended (none: from the newest)."""

    after_created_at: Instant | None = None
    after_ticket_id: Id | None = None
    batch: ExportBatch = 500
    window_seconds: float = Field(default=86_400.0, gt=0, le=1e10)
    """How much creation time the first read of the page spans (the last page's answer)."""


class ExportPage(WireModel):
    tickets: list[TicketSummary]
    last_created_at: datetime | None = None
    last_ticket_id: str | None = None
    """Where this page ended: the next page's `after…` (None once the export is done)."""
    window_seconds: float = 86_400.0


EXPORT = Rpc(
    "tickets.export.page",
    ExportTickets,
    ExportPage,
    "One page of the tickets matching the list's filters, newest first, by cursor",
)

RPCS: tuple[Rpc[Any, Any], ...] = (EXPORT,)
