"""Ticket counts kept by the writes: what one ticket adds to each counter it belongs to.

Stats read a counter document per scope instead of aggregating every ticket. A scope is
everyone's tickets (`all`), one agent's (`agent:<id>`, `agent:` = unassigned) or one customer's
(`customer:<id>`). A write adds the difference between the ticket's contributions after and
before it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from uts_shared.contracts.tickets import (
    Priority,
    SlaAttainment,
    TicketStats,
    TicketSummary,
    TicketView,
)

ALL = "all"
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
    def of(cls, ticket: TicketView | TicketSummary) -> Counted:
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


_COUNTED = [f for f in TicketStats.model_fields if f != "sla_by_priority"]


def stats(*rows: Mapping[str, Any] | None) -> TicketStats:
    """The sum of counter documents (a visibility scope may be several), with SLA attainment
    per priority: met / (met + breached), among tickets whose SLA is decided."""
    total: Counter[str] = Counter()
    for row in rows:
        for field, value in (row or {}).items():
            if field != "_id":
                total[field] += int(value)
    by_priority = {
        p: SlaAttainment.of(total[f"sla_met_{p.value}"], total[f"sla_breached_{p.value}"])
        for p in Priority
    }
    return TicketStats.model_validate(
        {**{f: total[f] for f in _COUNTED}, "sla_by_priority": by_priority}
    )
