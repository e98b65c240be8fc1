"""The CSV export's pages: the list's filters walked newest first by (createdAt, ticketId)."""

from __future__ import annotations

from datetime import timedelta

from tickets_service.domain import search
from tickets_service.store import TicketStore
from tickets_service.tickets import Narrowing, list_filter, unnarrowed
from uts_shared.contracts import reports as r
from uts_shared.contracts.tickets import TicketSummary


def _texts(ticket: TicketSummary) -> list[str]:
    return search.Searchable.of(ticket).texts()


class ExportOperations:
    def __init__(self, store: TicketStore, narrowing: Narrowing = unnarrowed) -> None:
        self._store = store
        self._narrowing = narrowing

    async def page(self, req: r.ExportTickets) -> r.ExportPage:
        """One page; the last one (fewer than `batch` read) names no next position. Quoted
        phrases are checked on the page read, so a page may hold fewer rows than it read."""
        asked = search.parse(req.q) if req.q is not None else search.Query(())
        if req.q is not None and not asked:
            return r.ExportPage(tickets=[])
        after = None
        if req.after_created_at is not None and req.after_ticket_id is not None:
            after = (req.after_created_at, req.after_ticket_id)
        window = timedelta(seconds=req.window_seconds)
        read, window = await self._store.export_page(
            list_filter(req, asked, await self._narrowing(req)), after, req.batch, window
        )
        found = [ticket for ticket in read if asked.matches(_texts(ticket))]
        if len(read) < req.batch:
            return r.ExportPage(tickets=found)
        last = read[-1]
        return r.ExportPage(
            tickets=found,
            last_created_at=last.created_at,
            last_ticket_id=last.ticket_id,
            window_seconds=window.total_seconds(),
        )
