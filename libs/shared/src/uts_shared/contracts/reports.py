"""Exports and reports of the tickets service: the CSV export's pages and the admin reports.

The export is read page by page by an indexed cursor on (createdAt, ticketId), newest first,
so neither the tickets service nor the gateway ever holds more than one page of it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field

from uts_shared.contracts.base import Rpc, WireModel
from uts_shared.contracts.tickets import Id, Instant, ListTickets, Priority, TicketSummary

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


# --- reports -------------------------------------------------------------------------------------

ReportKind = Literal["times", "volume", "agents", "satisfaction"]
GroupBy = Literal["day", "week"]
MAX_REPORT_DAYS = 366


class ReportQuery(WireModel):
    """A period (`from`..`to`, local dates, both included) in a time zone (default: the SLA
    calendar's), grouped by day or week (weeks start on Monday), and the tickets' filters."""

    kind: ReportKind
    from_: date = Field(alias="from")
    to: date
    time_zone: str | None = None
    group_by: GroupBy = "day"
    agent: list[Id] | None = None
    category: list[Id] | None = None
    priority: list[Priority] | None = None
    channel: list[Id] | None = None
    source: list[Id] | None = None


class Durations(WireModel):
    """Times in milliseconds: how many, their median and 90th percentile (nearest rank: the
    value at rank ceil(p * count) of the sorted times), wall clock and business time."""

    count: int = 0
    median_ms: int | None = None
    p90_ms: int | None = None
    business_median_ms: int | None = None
    business_p90_ms: int | None = None


class Attainment(WireModel):
    met: int = 0
    breached: int = 0
    attainment: float | None = None
    """met / (met + breached); None when nothing was measured."""


class Bucket(WireModel):
    """One day or week (`start`, a local date) of the period."""

    start: date
    created: int = 0
    resolved: int = 0
    reopened: int = 0
    backlog: int = 0
    """Tickets open (neither resolved nor closed) at the end of the bucket's last day."""
    first_response: Durations = Field(default_factory=Durations)
    resolution: Durations = Field(default_factory=Durations)
    first_response_sla: Attainment = Field(default_factory=Attainment)
    resolution_sla: Attainment = Field(default_factory=Attainment)
    breaches: int = 0
    ratings: int = 0
    rating_average: float | None = None


class AgentRow(WireModel):
    agent_id: str
    agent_name: str | None = None
    assigned: int = 0
    """Tickets assigned to the agent in the period (their current assignee)."""
    resolved: int = 0
    first_response: Durations = Field(default_factory=Durations)
    resolution: Durations = Field(default_factory=Durations)
    open_now: int = 0


class RatingComment(WireModel):
    ticket_id: str
    rating: int
    comment: str
    submitted_at: datetime


class Satisfaction(WireModel):
    count: int = 0
    average: float | None = None
    satisfied_share: float | None = None
    """The share of ratings of 4 or 5."""
    by_rating: dict[str, int] = Field(default_factory=dict)
    comments: list[RatingComment] = Field(default_factory=list)
    """The latest comments of the period (at most 50), newest first."""


class Report(WireModel):
    kind: ReportKind
    from_: date = Field(alias="from")
    to: date
    time_zone: str
    group_by: GroupBy
    totals: Bucket
    """The whole period (backlog: at its end)."""
    buckets: list[Bucket] = Field(default_factory=list)
    agents: list[AgentRow] = Field(default_factory=list)
    satisfaction: Satisfaction = Field(default_factory=Satisfaction)


REPORT = Rpc(
    "tickets.reports.get",
    ReportQuery,
    Report,
    "Response and resolution times, SLA attainment, volume and backlog, agents, satisfaction",
)

RPCS: tuple[Rpc[Any, Any], ...] = (EXPORT, REPORT)
