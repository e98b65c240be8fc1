"""Which agents an event notifies, and how `@name` in an internal note names an agent.

Plain functions of the event's payload (and, for mentions, of the directory of active agents):
no I/O here. `gateway.notification_events` consumes the events and stores what these decide.

A mention is `@` followed by letters, digits, `.`, `_` or `-`, compared without case or accents
(`@Jose` names José). It names the active agent whose email's local part, or whose first and
last name joined (`@ana.ruiz`, `@anaruiz`, `@ana_ruiz`, `@ana-ruiz`), it is; else the one
active agent with that first name (`@ana`), and nobody when several share it. The note's author
is never notified of its own mention.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel

from uts_shared.contracts import messages, tickets
from uts_shared.contracts.notifications import NotificationKind

EXCERPT_CHARS = 140
_MENTION = re.compile(r"(?<![\w@])@(\w[\w.\-]*)")


@dataclass(frozen=True)
class Draft:
    """A notification to store for one agent."""

    agent_id: str
    kind: NotificationKind
    ticket_id: str
    by: str | None = None
    by_name: str | None = None
    excerpt: str | None = None
    clock: str | None = None


@dataclass(frozen=True)
class DirectoryAgent:
    id: str
    email: str
    first_name: str
    last_name: str


def fold(text: str) -> str:
    """Case- and accent-insensitive form (`José` -> `jose`)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"


def mentioned_names(text: str) -> list[str]:
    """The folded names after each `@` (trailing dots and dashes dropped), in order, once each."""
    names = (fold(m.group(1)).rstrip(".-") for m in _MENTION.finditer(text))
    return list(dict.fromkeys(name for name in names if name))


def _full_names(agent: DirectoryAgent) -> set[str]:
    first = fold(agent.first_name).replace(" ", "")
    last = fold(agent.last_name).replace(" ", "")
    return {first + sep + last for sep in ("", ".", "_", "-")} if last else set()


def resolve_mentions(text: str, agents: Iterable[DirectoryAgent]) -> list[str]:
    """Ids of the agents `text` mentions (see the module docstring), in order of mention."""
    names = mentioned_names(text)
    if not names:
        return []
    exact: dict[str, set[str]] = {}
    by_first: dict[str, set[str]] = {}
    for agent in agents:
        keys = {fold(agent.email.split("@", 1)[0]), *_full_names(agent)}
        for key in keys:
            exact.setdefault(key, set()).add(agent.id)
        by_first.setdefault(fold(agent.first_name).replace(" ", ""), set()).add(agent.id)
    found: list[str] = []
    for name in names:
        ids = exact.get(name) or by_first.get(name, set())
        if len(ids) == 1:
            found.extend(ids)
    return list(dict.fromkeys(found))


def _sla_kind(routing_key: str) -> NotificationKind:
    if routing_key == tickets.TICKET_SLA_BREACHED.routing_key:
        return NotificationKind.SLA_BREACHED
    return NotificationKind.SLA_WARNING


def ticket_event_drafts(routing_key: str, data: BaseModel) -> list[Draft]:
    """Notifications a ticket event makes, mentions aside (`mention_drafts`)."""
    drafts: list[Draft] = []
    if isinstance(data, tickets.TicketAssigned):
        by = data.assigned_by
        if data.agent_id != by:
            drafts.append(Draft(data.agent_id, NotificationKind.ASSIGNED, data.ticket_id, by))
        if data.previous_agent not in (None, data.agent_id, by):
            assert data.previous_agent is not None
            away = NotificationKind.REASSIGNED_AWAY
            drafts.append(Draft(data.previous_agent, away, data.ticket_id, by))
    elif isinstance(data, tickets.TicketEscalated):
        by = data.from_agent
        if data.to_agent != by:
            drafts.append(Draft(data.to_agent, NotificationKind.ASSIGNED, data.ticket_id, by))
        if data.previous_agent not in (None, data.to_agent, by):
            assert data.previous_agent is not None
            away = NotificationKind.REASSIGNED_AWAY
            drafts.append(Draft(data.previous_agent, away, data.ticket_id, by))
    elif isinstance(data, tickets.TicketSlaAlarm) and data.assigned_agent:
        kind = _sla_kind(routing_key)
        drafts.append(Draft(data.assigned_agent, kind, data.ticket_id, clock=data.clock))
    return drafts


def mention_drafts(data: tickets.TicketNoteAdded, mentioned: Iterable[str]) -> list[Draft]:
    """One `mentioned` notification per agent an internal note names (its author aside)."""
    note = data.note
    if not note.is_internal or note.by_customer:
        return []
    return [
        Draft(
            agent_id,
            NotificationKind.MENTIONED,
            data.ticket_id,
            by=note.agent_id,
            by_name=note.agent_name,
            excerpt=excerpt(note.content),
        )
        for agent_id in mentioned
        if agent_id != note.agent_id
    ]


def is_customer_message(data: BaseModel) -> bool:
    return (
        isinstance(data, messages.MessageEvent)
        and data.message.direction is messages.Direction.INBOUND
    )


CLOSED = frozenset({tickets.TicketStatus.RESOLVED, tickets.TicketStatus.CLOSED})


def reply_drafts(message: messages.Message, linked: Iterable[tickets.TicketSummary]) -> list[Draft]:
    """`customer_replied` for the assignee of each not-yet-resolved ticket of the conversation."""
    return [
        Draft(
            ticket.assigned_agent,
            NotificationKind.CUSTOMER_REPLIED,
            ticket.ticket_id,
            by=message.customer_id,
            excerpt=excerpt(message.text),
        )
        for ticket in linked
        if ticket.assigned_agent and ticket.status not in CLOSED
    ]
