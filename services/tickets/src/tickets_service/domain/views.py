"""The ticket's views, each built from the aggregate's state by one mapper: as agents see it,
as its customer sees it, as an event carries it. What the state has and a view does not name
never reaches the wire; what a view works out (allowed next statuses) is worked out here."""

from __future__ import annotations

from tickets_service.domain import ticket as aggregate
from uts_shared.contracts import tickets as t

_AGENT_FIELDS = frozenset(t.TicketView.model_fields) - {"allowed_next_statuses", "score"}

_CUSTOMER_FIELDS = tuple(
    f
    for f in t.CustomerTicketView.model_fields
    if f not in {"notes", "status_history", "expected_resolution_at"}
)
_CUSTOMER_SUMMARY_FIELDS = tuple(t.CustomerTicketSummary.model_fields)


def agent_view(state: aggregate.TicketState, *, sla: t.Sla | None = None) -> t.TicketView:
    """The full ticket for agents (internal notes included), with the statuses it may move
    to; `sla`: its clock as read (`sla.shown`), else the state's as written."""
    # Validated from the state's attributes the view names (nested models pass as they are):
    # in pydantic-core several times cheaper than `model_construct`, and every answer does it.
    fields = {k: v for k, v in vars(state).items() if k in _AGENT_FIELDS}
    fields["allowed_next_statuses"] = list(aggregate.TRANSITIONS[state.status])
    if sla is not None:
        fields["sla"] = sla
    return t.TicketView.model_validate(fields)


def event_view(state: aggregate.TicketState) -> t.TicketView:
    """The ticket as `ticket.created` carries it: the agents' view of the state as written
    (no live SLA time: an event is read later)."""
    return agent_view(state)


def customer_view(state: aggregate.TicketState) -> t.CustomerTicketView:
    """What the ticket's customer may see: no internal notes, SLA or escalation internals."""
    fields = {f: getattr(state, f) for f in _CUSTOMER_FIELDS}
    timeline = [
        t.CustomerStatusChange(from_=c.from_, to=c.to, timestamp=c.timestamp)
        for c in state.status_history
    ]
    public = [
        t.CustomerNote(id=n.id, content=n.content, agent_name=n.agent_name, timestamp=n.timestamp)
        for n in state.notes
        if not n.is_internal
    ]
    return t.CustomerTicketView.model_construct(
        **fields,
        status_history=timeline,
        notes=public,
        expected_resolution_at=state.sla.resolution_due_at,
    )


def customer_summary(ticket: t.TicketSummary) -> t.CustomerTicketSummary:
    """A line of a customer's list, from the agents' list line (no notes, SLA, escalation)."""
    return t.CustomerTicketSummary.model_construct(
        **{f: getattr(ticket, f) for f in _CUSTOMER_SUMMARY_FIELDS}
    )
