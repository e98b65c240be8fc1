"""Ticket counts, a projection of the ticket writes: what one ticket adds to each counter.

Stats read a counter document per scope instead of aggregating every ticket. A scope is
everyone's tickets (`all`), one agent's (`agent:<id>`, `agent:` = unassigned) or one customer's
(`customer:<id>`). A write stores, with its events, the difference between the ticket's
contributions after and before it; that difference is added to each scope once per event id
(the scope marks the id applied until the entry has left the outbox) before the event is
published.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from uts_shared.contracts.tickets import (
    Priority,
    SlaAttainment,
    TicketStats,
    TicketSummary,
)

if TYPE_CHECKING:  # the aggregate uses this module: its state is named for types only
    from tickets_service.domain.ticket import TicketState

ALL = "all"
APPLIED = "applied"
"""A counter document's map of the event ids whose deltas it holds while their entries are
still in an outbox (bookkeeping, not a count): a key is tested in one lookup, and the outbox
clean-up removes it with the entry."""
FIELDS = ("status", "priority", "isEscalated", "assignedAgent", "customerId", "sla")
"""The stored fields a ticket's counts depend on."""


@dataclass(frozen=True)
class Counted:
    """What decides where one ticket is counted."""

    status: str
    priority: str
    escalated: bool
    agent: str | None
    customer: str
    sla: str = "ok"

    @classmethod
    def of(cls, ticket: TicketState | TicketSummary) -> Counted:
        return cls(
            ticket.status.value,
            ticket.priority.value,
            ticket.is_escalated,
            ticket.assigned_agent,
            ticket.customer_id,
            ticket.sla.state.value,
        )

    @classmethod
    def of_document(cls, doc: Mapping[str, Any]) -> Counted:
        return cls(
            doc["status"],
            doc["priority"],
            bool(doc.get("isEscalated")),
            doc.get("assignedAgent"),
            doc["customerId"],
            (doc.get("sla") or {}).get("state", "ok"),
        )

    def scopes(self) -> tuple[str, ...]:
        return (ALL, agent_scope(self.agent), customer_scope(self.customer))

    def fields(self) -> Counter[str]:
        """The stats fields this ticket counts in (each +1)."""
        counted = Counter({"total": 1, self.status: 1, self.priority: 1})
        if self.escalated:
            counted["escalated"] += 1
        if self.sla in ("warning", "breached"):
            counted[f"sla_{self.sla}"] += 1
        if self.sla in ("met", "breached"):
            counted[f"sla_{self.sla}_{self.priority}"] += 1
        return counted


def agent_scope(agent_id: str | None) -> str:
    return f"agent:{agent_id or ''}"


def customer_scope(customer_id: str) -> str:
    return f"customer:{customer_id}"


def changes(before: Counted | None, after: Counted | None) -> dict[str, dict[str, int]]:
    """Per scope, the non-zero increments a write from `before` to `after` makes."""
    delta: dict[str, Counter[str]] = {}
    for ticket, sign in ((after, 1), (before, -1)):
        if ticket is None:
            continue
        fields = ticket.fields()
        for scope in ticket.scopes():
            target = delta.setdefault(scope, Counter())
            for field, n in fields.items():
                target[field] += sign * n
    return {
        scope: {f: n for f, n in fields.items() if n}
        for scope, fields in delta.items()
        if any(fields.values())
    }


def recount(tickets: Iterable[Counted]) -> dict[str, Counter[str]]:
    """Every scope's counts from scratch (start-up repair, and what the counters must equal)."""
    counts: dict[str, Counter[str]] = {}
    for ticket in tickets:
        fields = ticket.fields()
        for scope in ticket.scopes():
            counts.setdefault(scope, Counter()).update(fields)
    return counts


@dataclass(frozen=True)
class Rebuilt:
    """A scope's counts rebuilt, and the ids of the pending deltas they already include."""

    fields: Counter[str]
    applied: list[str]


def rebuilt(
    tickets: Iterable[Counted], pending: Iterable[tuple[str, Mapping[str, Mapping[str, int]]]]
) -> dict[str, Rebuilt]:
    """Every scope's counts from the tickets. A delta still waiting in an outbox (`pending`:
    event id and delta) is already in its ticket, hence in the recount: its id is recorded as
    applied in each scope it touches, so the relay never adds it again."""
    counts = recount(tickets)
    applied: dict[str, list[str]] = {}
    for event_id, delta in pending:
        for scope in delta:
            applied.setdefault(scope, []).append(event_id)
    return {
        scope: Rebuilt(counts.get(scope, Counter()), applied.get(scope, []))
        for scope in {*counts, *applied}
    }


_COUNTED = [f for f in TicketStats.model_fields if f != "sla_by_priority"]


def stats(*rows: Mapping[str, Any] | None) -> TicketStats:
    """The sum of counter documents (a visibility scope may be several), with SLA attainment
    per priority: met / (met + breached), among tickets whose SLA is decided."""
    total: Counter[str] = Counter()
    for row in rows:
        for field, value in (row or {}).items():
            if field not in ("_id", APPLIED):
                total[field] += int(value)
    by_priority = {
        p: SlaAttainment.of(total[f"sla_met_{p.value}"], total[f"sla_breached_{p.value}"])
        for p in Priority
    }
    return TicketStats.model_validate(
        {**{f: total[f] for f in _COUNTED}, "sla_by_priority": by_priority}
    )
