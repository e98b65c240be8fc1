"""The SLA clock of a ticket: business time counted, pauses, due times, warnings and breaches.

One counter of business time runs from creation; it stops counting while the ticket is in a
pausing status and when it is resolved or closed (a reopen resumes it). Two targets are read
against it: first response (met by the first move to in_progress or the first public note)
and resolution. `follow` is applied after every decided change, and by the monitor with no
change at all: it counts the time up to now, re-targets on a priority change, raises each
warning and breach once (the flags travel with the ticket, so the conditional write that
stores them is also what makes them happen once), stops and resumes the clocks, and schedules
the next moment the monitor must look.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from tickets_service.domain.calendar import Calendar, calendar_of
from uts_shared.contracts.sla import SlaOnBreach, SlaPolicy, SlaTarget
from uts_shared.contracts.tickets import (
    Priority,
    Sla,
    SlaClockName,
    SlaState,
    TicketStatus,
)

if TYPE_CHECKING:  # the aggregate uses this module: its state is named for types only
    from tickets_service.domain.ticket import TicketState

S = TicketStatus
STOPPED = (S.RESOLVED, S.CLOSED)


@dataclass(frozen=True)
class Policy:
    """The policy as the clocks use it (the calendar ready to count)."""

    targets: dict[Priority, SlaTarget]
    calendar: Calendar
    pause_statuses: frozenset[TicketStatus]
    warning_at: float
    on_breach: SlaOnBreach

    @classmethod
    def of(cls, policy: SlaPolicy) -> Policy:
        return cls(
            targets=policy.targets,
            calendar=calendar_of(policy.calendar),
            pause_statuses=frozenset(policy.pause_statuses),
            warning_at=policy.warning_at,
            on_breach=policy.on_breach,
        )


@dataclass(frozen=True)
class Alarm:
    """A clock reached its warning share (`breached` False) or its target."""

    clock: SlaClockName
    breached: bool
    target_ms: int
    elapsed_ms: int
    due_at: datetime | None


def start(priority: Priority, policy: Policy, now: datetime) -> Sla:
    """The clock of a ticket created now: running, due times scheduled."""
    target = policy.targets[priority]
    sla = Sla(
        first_response_target=target.first_response_ms,
        resolution_target=target.resolution_ms,
        running_since=now,
    )
    return _schedule(sla, policy, now)


def _running_since(ticket: TicketState) -> datetime | None:
    """When the clock last started counting; None while paused or stopped. Tickets stored
    before clocks were kept count from their creation."""
    sla = ticket.sla
    if ticket.status in STOPPED or sla.paused_since is not None:
        return None
    return sla.running_since or ticket.created_at


def counted(ticket: TicketState, policy: Policy, now: datetime) -> int:
    """Business milliseconds counted by `now`."""
    since = _running_since(ticket)
    extra = policy.calendar.between(since, now) if since is not None else 0
    return ticket.sla.elapsed_ms + extra


def _pending(sla: Sla) -> list[SlaClockName]:
    """The clocks still running against their target."""
    clocks: list[SlaClockName] = []
    if sla.first_response_at is None:
        clocks.append("first_response")
    if sla.resolution_met is None:
        clocks.append("resolution")
    return clocks


def _target(sla: Sla, clock: SlaClockName) -> int:
    return sla.first_response_target if clock == "first_response" else sla.resolution_target


def _flags(sla: Sla, clock: SlaClockName) -> tuple[datetime | None, datetime | None]:
    if clock == "first_response":
        return sla.first_response_warned_at, sla.first_response_breached_at
    return sla.resolution_warned_at, sla.resolution_breached_at


def _set_flags(
    sla: Sla, clock: SlaClockName, warned: datetime | None, breached: datetime | None
) -> Sla:
    return sla.model_copy(update={f"{clock}_warned_at": warned, f"{clock}_breached_at": breached})


def _warning_ms(target: int, policy: Policy) -> int:
    return math.ceil(target * policy.warning_at)


def retarget(sla: Sla, priority: Priority, policy: Policy) -> Sla:
    """New targets, counted from the original start; a flag whose threshold the new target
    moves into the future is cleared, so the new deadline gets its own warning and breach."""
    target = policy.targets[priority]
    sla = sla.model_copy(
        update={
            "first_response_target": target.first_response_ms,
            "resolution_target": target.resolution_ms,
        }
    )
    for clock in _pending(sla):
        warned, breached = _flags(sla, clock)
        goal = _target(sla, clock)
        if breached is not None and sla.elapsed_ms < goal:
            breached = None
        if warned is not None and sla.elapsed_ms < _warning_ms(goal, policy):
            warned = None
        sla = _set_flags(sla, clock, warned, breached)
    return sla


def _alarms(sla: Sla, policy: Policy, now: datetime) -> tuple[Sla, list[Alarm]]:
    """Raise what the counted time has reached and was not raised yet (a breach without the
    warning it overtook: one message, the one that matters)."""
    alarms: list[Alarm] = []
    for clock in _pending(sla):
        goal = _target(sla, clock)
        warned, breached = _flags(sla, clock)
        due_at = sla.first_response_due_at if clock == "first_response" else sla.resolution_due_at
        if breached is None and sla.elapsed_ms >= goal:
            alarms.append(Alarm(clock, True, goal, sla.elapsed_ms, due_at))
            sla = _set_flags(sla, clock, warned or now, now)
        elif warned is None and sla.elapsed_ms >= _warning_ms(goal, policy):
            alarms.append(Alarm(clock, False, goal, sla.elapsed_ms, due_at))
            sla = _set_flags(sla, clock, now, breached)
    return sla, alarms


def _schedule(sla: Sla, policy: Policy, now: datetime) -> Sla:
    """Due times and the monitor's next moment, for a clock running since `now`."""
    update: dict[str, object] = {"next_check_at": None}
    moments: list[datetime] = []
    for clock in _pending(sla):
        goal = _target(sla, clock)
        warned, breached = _flags(sla, clock)
        left = goal - sla.elapsed_ms
        if left > 0:
            update[f"{clock}_due_at"] = policy.calendar.add(now, left)
        if breached is None:
            moments.append(policy.calendar.add(now, max(left, 0)) or now)
        if warned is None:
            warning_left = max(_warning_ms(goal, policy) - sla.elapsed_ms, 0)
            moments.append(policy.calendar.add(now, warning_left) or now)
    if moments:
        update["next_check_at"] = min(moments)
    return sla.model_copy(update=update)


def _state(sla: Sla, status: TicketStatus) -> SlaState:
    if sla.first_response_breached_at is not None or sla.resolution_breached_at is not None:
        return SlaState.BREACHED
    if status in STOPPED:
        return SlaState.MET if sla.resolution_met else SlaState.OK
    if any(_flags(sla, clock)[0] is not None for clock in _pending(sla)):
        return SlaState.WARNING
    return SlaState.OK


def _first_public_note(before: TicketState, after: TicketState) -> bool:
    added = after.notes[len(before.notes) :]
    return any(not note.is_internal for note in added)


def follow(
    before: TicketState, after: TicketState, policy: Policy, now: datetime
) -> tuple[TicketState, list[Alarm]]:
    """The clock of `after` (a change decided on `before`, or `before` itself for the monitor)
    brought to `now`, with the alarms it raised. See the module docstring."""
    sla = after.sla
    since = _running_since(before)
    if since is not None:
        sla = sla.model_copy(
            update={"elapsed_ms": sla.elapsed_ms + policy.calendar.between(since, now)}
        )
    if after.priority != before.priority:
        sla = retarget(sla, after.priority, policy)
    sla, alarms = _alarms(sla, policy, now)

    responded = (after.status is S.IN_PROGRESS and before.status is not S.IN_PROGRESS) or (
        _first_public_note(before, after)
    )
    if sla.first_response_at is None and responded:
        sla = sla.model_copy(
            update={
                "first_response_at": now,
                "first_response_elapsed_ms": sla.elapsed_ms,
                "first_response_met": sla.first_response_breached_at is None
                and sla.elapsed_ms <= sla.first_response_target,
            }
        )
    if after.status is S.RESOLVED and before.status is not S.RESOLVED:
        sla = sla.model_copy(
            update={
                "resolution_met": sla.resolution_breached_at is None
                and sla.elapsed_ms <= sla.resolution_target
            }
        )
    if before.status is S.RESOLVED and after.status not in STOPPED:
        sla = sla.model_copy(update={"resolution_met": None})

    if after.status in STOPPED:
        sla = sla.model_copy(
            update={"running_since": None, "paused_since": None, "next_check_at": None}
        )
    elif after.status in policy.pause_statuses:
        paused_since = before.sla.paused_since if since is None else now
        sla = sla.model_copy(
            update={
                "running_since": None,
                "paused_since": paused_since or now,
                "first_response_due_at": None,
                "resolution_due_at": None,
                "next_check_at": None,
            }
        )
    else:
        running = sla.model_copy(update={"running_since": now, "paused_since": None})
        sla = _schedule(running, policy, now)
    sla = sla.model_copy(
        update={"state": _state(sla, after.status), "paused": sla.paused_since is not None}
    )
    return after.model_copy(update={"sla": sla}), alarms


def shown(ticket: TicketState, policy: Policy, now: datetime) -> Sla:
    """The ticket's clock as read: remaining business time to its next target, and whether
    paused (what a view shows; the state keeps the clock as written)."""
    sla = ticket.sla
    pending = _pending(sla)
    remaining = None
    if pending and ticket.status not in STOPPED:
        remaining = _target(sla, pending[0]) - counted(ticket, policy, now)
    return sla.model_copy(
        update={"remaining_ms": remaining, "paused": sla.paused_since is not None}
    )


def view(ticket: TicketState, policy: Policy, now: datetime) -> TicketState:
    """The ticket with its clock as read (`shown`)."""
    return ticket.model_copy(update={"sla": shown(ticket, policy, now)})
