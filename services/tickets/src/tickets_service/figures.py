"""The tickets behind a report's figure: the report facts that count in it, as the report
counts them, so every number of a report opens the list of exactly its tickets.

A figure that counts events (`reopened`, `breached`) lists the tickets they happened to: a
ticket reopened twice in the period is one row of a count of two.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from tickets_service.reports import ReportFacts
from uts_shared.contracts import tickets as t
from uts_shared.errors import ValidationFailed
from uts_shared.mongo import Document

FIELDS = {
    "createdAt": 1,
    "resolvedAt": 1,
    "reopenedAt": 1,
    "doneSpans": 1,
    "agent": 1,
    "assignedAt": 1,
    "firstResponseAt": 1,
    "firstResponseMet": 1,
    "resolutionMet": 1,
    "breachedAt": 1,
    "ratedAt": 1,
    "rating": 1,
}


MOMENT_OF: dict[str, tuple[str, bool]] = {
    "resolved": ("resolvedAt", False),
    "resolutionMet": ("resolvedAt", False),
    "resolutionBreached": ("resolvedAt", False),
    "firstResponded": ("firstResponseAt", False),
    "firstResponseMet": ("firstResponseAt", False),
    "firstResponseBreached": ("firstResponseAt", False),
    "rated": ("ratedAt", False),
    "assigned": ("assignedAt", False),
    "reopened": ("reopenedAt", True),
    "breached": ("breachedAt", True),
}
"""The moment (an indexed field of the facts) each figure counts, and whether it holds several."""


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    moment: datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def open_at(fact: Mapping[str, Any], moment: datetime) -> bool:
    """Created by `moment` and not resolved or closed at it (the backlog's running sum)."""
    created = _utc(fact.get("createdAt"))
    if created is None or created > moment:
        return False
    for start, end in fact.get("doneSpans") or ():
        began, ended = _utc(start), _utc(end)
        if began is not None and began <= moment and (ended is None or ended > moment):
            return False
    return True


def counts_in(
    fact: Mapping[str, Any], figure: t.ReportFigure, start: datetime, end: datetime
) -> bool:
    """Whether the ticket of `fact` counts in `figure` between `start` and `end` (inclusive)."""

    def inside(at: Any) -> bool:
        moment = _utc(at)
        return moment is not None and start <= moment <= end

    def met(field: str, moment: str, outcome: bool) -> bool:
        return inside(fact.get(moment)) and fact.get(field) is outcome

    match figure:
        case "created":
            return inside(fact.get("createdAt"))
        case "resolved":
            return inside(fact.get("resolvedAt"))
        case "reopened":
            return any(inside(at) for at in fact.get("reopenedAt") or ())
        case "backlog":
            return open_at(fact, end)
        case "assigned":
            return bool(fact.get("agent")) and inside(fact.get("assignedAt"))
        case "firstResponded":
            return inside(fact.get("firstResponseAt"))
        case "firstResponseMet":
            return met("firstResponseMet", "firstResponseAt", True)
        case "firstResponseBreached":
            return met("firstResponseMet", "firstResponseAt", False)
        case "resolutionMet":
            return met("resolutionMet", "resolvedAt", True)
        case "resolutionBreached":
            return met("resolutionMet", "resolvedAt", False)
        case "breached":
            return any(inside(at) for at in fact.get("breachedAt") or ())
        case "rated":
            return fact.get("rating") is not None and inside(fact.get("ratedAt"))


def period_of(req: t.ListTickets) -> tuple[datetime, datetime]:
    """The figure's period, checked: `figureTo` always, `figureFrom` but for the backlog."""
    if req.figure_to is None:
        raise ValidationFailed.on("figureTo", "is required with figure")
    if req.figure == "backlog":
        return req.figure_from or req.figure_to, req.figure_to
    if req.figure_from is None:
        raise ValidationFailed.on("figureFrom", "is required with figure")
    if req.figure_to < req.figure_from:
        raise ValidationFailed.on("figureTo", "is before figureFrom")
    return req.figure_from, req.figure_to


class FigureTickets:
    """Which tickets a list narrowed by a report's figure or by channel may hold."""

    def __init__(self, facts: ReportFacts) -> None:
        self._facts = facts

    async def ids(self, req: t.ListTickets) -> Sequence[str] | None:
        """The ids the list is narrowed to; None when it names no figure and no channel."""
        if req.figure is None and not req.channel:
            if req.figure_from is not None or req.figure_to is not None:
                raise ValidationFailed.on("figure", "is required with figureFrom or figureTo")
            return None
        where: Document = {}
        if req.channel:
            channels = [c.value for c in dict.fromkeys(req.channel)]
            where["channel"] = channels[0] if len(channels) == 1 else {"$in": channels}
        if req.figure is None:
            return await self._facts.ids(where)
        start, end = period_of(req)
        if req.figure == "created":  # the tickets' own creation range (`list_filter`)
            return (
                await self._facts.ids(facts_query("created", start, end, where)) if where else None
            )
        found = await self._facts.read(facts_query(req.figure, start, end, where), FIELDS)
        return [fact["_id"] for fact in found if counts_in(fact, req.figure, start, end)]


def facts_query(
    figure: t.ReportFigure, start: datetime, end: datetime, where: Document
) -> Document:
    """The facts that may count in `figure` between `start` and `end`: one range of an index
    (`counts_in` decides)."""
    if figure == "created":
        return {**where, "createdAt": {"$gte": start, "$lte": end}}
    if figure == "backlog":  # created by then, and something at or after it
        return {**where, "createdAt": {"$lte": end}, "lastAt": {"$gte": end}}
    moment, several = MOMENT_OF[figure]
    # An array's range would match bounds met by different elements: one bound, and the period
    # checked on what it finds.
    return {**where, moment: {"$gte": start} if several else {"$gte": start, "$lte": end}}
