"""The SLA clock, with time as a value: business calendars, pauses, re-targeting, reopening,
first response, warnings and breaches raised once, breach actions."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from tests.support.factories import agent_ticket_request
from tickets_service.domain import sla
from tickets_service.domain.calendar import Always, Business
from tickets_service.domain.ticket import Outcome, Ticket, TicketState
from uts_shared.contracts.sla import (
    BusinessCalendar,
    SlaOnBreach,
    SlaPolicy,
    SlaTarget,
    WorkingHours,
)
from uts_shared.contracts.tickets import (
    Priority,
    SlaState,
    TicketChanges,
    TicketEscalated,
    TicketSlaAlarm,
    TicketSource,
    TicketStatus,
    TicketUpdated,
)

S = TicketStatus
MEXICO = ZoneInfo("America/Mexico_City")
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)  # a Monday
MIN = timedelta(minutes=1)
HOUR = timedelta(hours=1)
POLICY = sla.Policy.of(SlaPolicy())

Decide = Callable[[TicketState, datetime], Outcome]


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MEXICO).astimezone(UTC)


def office(**changes_: object) -> BusinessCalendar:
    calendar = BusinessCalendar(
        time_zone="America/Mexico_City",
        working_days=[1, 2, 3, 4, 5],
        working_hours=WorkingHours(start=time(9), end=time(18)),
    )
    return calendar.model_copy(update=changes_)


def create(priority: Priority = Priority.MEDIUM, policy: sla.Policy = POLICY) -> TicketState:
    return Ticket.new(
        agent_ticket_request("c1", agent="a1", priority=priority),
        ticket_id="LUX-2026-000001",
        status=S.OPEN,
        source=TicketSource.AGENT,
        sla=sla.start(priority, policy, T0),
        assigned_agent="a1",
        now=T0,
    ).state


def step(
    ticket: TicketState, at: datetime, decide: Decide | None = None, policy: sla.Policy = POLICY
) -> Outcome:
    """A change decided at `at` with the clock applied, as the service does; no `decide`: the
    monitor's look. The result is what would be stored (its version bumped)."""
    decided = decide(ticket, at) if decide else Outcome(ticket)
    outcome = Ticket(ticket).clocked(decided, policy, at, note_id=f"n-{at.timestamp()}")
    stored = outcome.ticket.model_copy(update={"version": ticket.version + 1})
    return Outcome(stored, outcome.events, outcome.note, outcome.rescheduled)


def move(status: S, reason: str | None = None) -> Decide:
    return lambda ticket, now: Ticket(ticket).change_status(status, by="a1", reason=reason, now=now)


def alarms(outcome: Outcome) -> list[tuple[str, str]]:
    return [
        (kind.routing_key, payload.clock)
        for kind, payload in outcome.events
        if isinstance(payload, TicketSlaAlarm)
    ]


# --- business time --------------------------------------------------------------------------------


def test_business_time_skips_the_weekend_and_a_holiday() -> None:
    friday, tuesday = date(2026, 3, 13), date(2026, 3, 17)
    calendar = Business(office(holidays=[date(2026, 3, 16)]))  # Monday off
    assert calendar.between(local(friday, 17), local(tuesday, 10)) == 2 * 3_600_000
    assert calendar.add(local(friday, 17), 2 * 3_600_000) == local(tuesday, 10)
    assert calendar.add(local(friday, 19), 1) == local(tuesday, 9) + timedelta(milliseconds=1)


def test_business_time_counts_nothing_outside_working_hours() -> None:
    saturday = date(2026, 3, 14)
    calendar = Business(office())
    assert calendar.between(local(saturday, 9), local(saturday, 18)) == 0
    assert calendar.between(local(date(2026, 3, 12), 20), local(date(2026, 3, 13), 8)) == 0


def test_always_counts_wall_time() -> None:
    assert Always().between(T0, T0 + HOUR) == 3_600_000
    assert Always().add(T0, 90_000) == T0 + timedelta(seconds=90)


def test_a_ticket_created_on_friday_evening_is_due_on_business_time() -> None:
    policy = sla.Policy.of(SlaPolicy(calendar=office()))
    friday = date(2026, 3, 13)
    with_start = create(Priority.URGENT, policy).model_copy(
        update={"created_at": local(friday, 17, 55)}
    )
    clock = sla.start(Priority.URGENT, policy, local(friday, 17, 55))
    # 5 minutes on Friday, the other 10 on Monday at opening.
    assert clock.first_response_due_at == local(date(2026, 3, 16), 9, 10)
    assert with_start.sla.first_response_target == 15 * 60_000


# --- pauses -------------------------------------------------------------------------------------


def test_time_in_a_pausing_status_never_counts_across_several_pauses() -> None:
    ticket = step(create(), T0 + 10 * MIN, move(S.IN_PROGRESS)).ticket
    ticket = step(ticket, T0 + 20 * MIN, move(S.PENDING_CUSTOMER)).ticket
    assert ticket.sla.paused_since == T0 + 20 * MIN
    assert ticket.sla.resolution_due_at is None and ticket.sla.next_check_at is None
    ticket = step(ticket, T0 + 80 * MIN, move(S.IN_PROGRESS)).ticket
    ticket = step(ticket, T0 + 90 * MIN, move(S.PENDING_CUSTOMER)).ticket
    ticket = step(ticket, T0 + 150 * MIN, move(S.IN_PROGRESS)).ticket
    assert ticket.sla.elapsed_ms == 30 * 60_000  # 20 + 10 running, two hours paused
    assert sla.counted(ticket, POLICY, T0 + 160 * MIN) == 40 * 60_000
    assert ticket.sla.resolution_due_at == T0 + 150 * MIN + timedelta(hours=72) - 30 * MIN


def test_a_paused_clock_raises_nothing_however_long_it_waits() -> None:
    ticket = step(create(Priority.URGENT), T0 + MIN, move(S.IN_PROGRESS)).ticket
    ticket = step(ticket, T0 + 2 * MIN, move(S.PENDING_CUSTOMER)).ticket
    assert step(ticket, T0 + 48 * HOUR).events == ()
    view = sla.view(ticket, POLICY, T0 + 48 * HOUR).sla
    assert view.paused and view.remaining_ms == 4 * 3_600_000 - 2 * 60_000


# --- first response, resolution, reopening ------------------------------------------------------


def test_first_response_is_the_first_move_to_in_progress() -> None:
    ticket = step(create(Priority.URGENT), T0 + 10 * MIN, move(S.IN_PROGRESS)).ticket
    assert (ticket.sla.first_response_at, ticket.sla.first_response_met) == (T0 + 10 * MIN, True)
    ticket = step(ticket, T0 + 20 * MIN, move(S.PENDING_CUSTOMER)).ticket
    ticket = step(ticket, T0 + 30 * MIN, move(S.IN_PROGRESS)).ticket
    assert ticket.sla.first_response_at == T0 + 10 * MIN


def test_first_response_by_a_public_note_but_not_an_internal_one() -> None:
    def note(internal: bool) -> Decide:
        return lambda ticket, now: Ticket(ticket).add_note(
            "Vamos en camino", by="a1", is_internal=internal, note_id=str(now), now=now
        )

    ticket = step(create(), T0 + 5 * MIN, note(internal=True)).ticket
    assert ticket.sla.first_response_at is None
    ticket = step(ticket, T0 + 6 * MIN, note(internal=False)).ticket
    assert (ticket.sla.first_response_at, ticket.sla.first_response_met) == (T0 + 6 * MIN, True)


def test_resolving_stops_the_clock_and_a_reopen_resumes_it() -> None:
    def resolve(ticket: TicketState, now: datetime) -> Outcome:
        return Ticket(ticket).resolve("Cambio de foco", by="a1", now=now)

    ticket = step(create(), T0 + HOUR, resolve).ticket
    assert ticket.sla.resolution_met is True and ticket.sla.state is SlaState.MET
    assert ticket.sla.running_since is None and ticket.sla.next_check_at is None
    reopened = step(ticket, T0 + 5 * HOUR, move(S.OPEN, "volvió a fallar")).ticket
    assert reopened.sla.resolution_met is None and reopened.sla.state is SlaState.OK
    assert reopened.sla.elapsed_ms == 3_600_000  # the four resolved hours did not count
    assert reopened.sla.resolution_due_at == T0 + 5 * HOUR + timedelta(hours=71)


def test_a_priority_change_retargets_from_the_original_start() -> None:
    medium = step(create(Priority.MEDIUM), T0 + 30 * MIN).ticket  # nothing due at 30 min
    assert medium.sla.first_response_due_at == T0 + 4 * HOUR

    def urgent(ticket: TicketState, now: datetime) -> Outcome:
        return Ticket(ticket).update(changes_for(Priority.URGENT), by="a1", now=now)

    outcome = step(medium, T0 + 30 * MIN, urgent)
    clock = outcome.ticket.sla
    assert (clock.first_response_target, clock.resolution_target) == (15 * 60_000, 4 * 3_600_000)
    assert alarms(outcome) == [("ticket.sla_breached", "first_response")]  # 30 min > 15 min
    assert clock.state is SlaState.BREACHED
    assert clock.resolution_due_at == T0 + 4 * HOUR


def changes_for(priority: Priority) -> TicketChanges:
    return TicketChanges(priority=priority)


# --- warnings and breaches ------------------------------------------------------------------------


def test_a_warning_then_a_breach_each_raised_once() -> None:
    ticket = create(Priority.URGENT)  # first response 15 min: warning at 11:15
    assert ticket.sla.next_check_at == T0 + timedelta(minutes=11, seconds=15)
    assert step(ticket, T0 + 11 * MIN).events == ()
    warned = step(ticket, T0 + 12 * MIN)
    assert alarms(warned) == [("ticket.sla_warning", "first_response")]
    assert warned.ticket.sla.state is SlaState.WARNING
    assert warned.ticket.sla.next_check_at == T0 + 15 * MIN
    assert step(warned.ticket, T0 + 13 * MIN).events == ()  # already warned
    breached = step(warned.ticket, T0 + 16 * MIN)
    assert alarms(breached) == [("ticket.sla_breached", "first_response")]
    [(_, payload)] = breached.events
    assert isinstance(payload, TicketSlaAlarm)
    assert (payload.due_at, payload.target_ms, payload.version) == (T0 + 15 * MIN, 900_000, 3)
    assert step(breached.ticket, T0 + 17 * MIN).events == ()


def test_a_breach_overtaking_its_warning_is_raised_alone() -> None:
    outcome = step(create(Priority.URGENT), T0 + 20 * MIN)
    assert alarms(outcome) == [("ticket.sla_breached", "first_response")]
    assert outcome.ticket.sla.first_response_warned_at == T0 + 20 * MIN


def test_a_late_resolution_raises_its_breach_in_the_same_write() -> None:
    def resolve(ticket: TicketState, now: datetime) -> Outcome:
        return Ticket(ticket).resolve("Listo", by="a1", now=now)

    responded = step(create(Priority.URGENT), T0 + MIN, move(S.IN_PROGRESS)).ticket
    outcome = step(responded, T0 + 5 * HOUR, resolve)
    assert alarms(outcome) == [("ticket.sla_breached", "resolution")]
    assert outcome.ticket.sla.resolution_met is False
    assert outcome.ticket.sla.state is SlaState.BREACHED


def test_a_policy_moving_the_moment_later_reschedules_without_an_event() -> None:
    ticket = create(Priority.URGENT)
    later = sla.Policy.of(
        SlaPolicy(
            targets={
                Priority.URGENT: SlaTarget(first_response_ms=3_600_000, resolution_ms=7_200_000)
            }
        )
    )
    urgent = ticket.model_copy(
        update={
            "sla": ticket.sla.model_copy(
                update={"first_response_target": 3_600_000, "resolution_target": 7_200_000}
            )
        }
    )
    outcome = step(urgent, T0 + 12 * MIN, policy=later)
    assert outcome.events == () and outcome.rescheduled
    assert outcome.ticket.sla.next_check_at == T0 + 45 * MIN


def test_a_breach_escalates_and_raises_the_priority_when_the_policy_says_so() -> None:
    policy = sla.Policy.of(
        SlaPolicy(on_breach=SlaOnBreach(escalate=True, to_agent_id="lead", raise_priority=True))
    )
    outcome = step(create(Priority.HIGH, policy), T0 + 2 * HOUR, policy=policy)
    kinds = [kind.routing_key for kind, _ in outcome.events]
    assert kinds == ["ticket.sla_breached", "ticket.escalated", "ticket.updated"]
    escalated, raised = outcome.events[1][1], outcome.events[2][1]
    assert isinstance(escalated, TicketEscalated) and escalated.to_agent == "lead"
    assert isinstance(raised, TicketUpdated) and raised.updates == {"priority": "urgent"}
    ticket = outcome.ticket
    assert ticket.is_escalated and ticket.assigned_agent == "lead"
    assert ticket.priority is Priority.URGENT
    assert ticket.sla.first_response_target == 15 * 60_000
    [note] = ticket.notes
    assert note.agent_id == "sla" and note.is_internal
    assert "first response" in note.content and "priority raised to urgent" in note.content


# --- the policy -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"calendar": {"timeZone": "Mars/Olympus"}}, "timeZone"),
        ({"calendar": {"workingHours": {"start": "18:00", "end": "09:00"}}}, "workingHours"),
        ({"warningAt": 1.5}, "warningAt"),
        ({"pauseStatuses": ["closed"]}, "pauseStatuses"),
        ({"targets": {"urgent": {"firstResponseMs": 0, "resolutionMs": 1000}}}, "firstResponseMs"),
    ],
)
def test_a_policy_the_clocks_cannot_run_is_refused_naming_the_field(
    value: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        SlaPolicy.model_validate(value)
    assert field in str(caught.value)


def test_the_default_policy_is_the_plans_table_around_the_clock() -> None:
    policy = SlaPolicy()
    hours = {
        p: (t.first_response_ms / 3_600_000, t.resolution_ms / 3_600_000)
        for p, t in policy.targets.items()
    }
    assert hours == {
        Priority.URGENT: (0.25, 4),
        Priority.HIGH: (1, 24),
        Priority.MEDIUM: (4, 72),
        Priority.LOW: (24, 168),
    }
    assert (policy.calendar, policy.pause_statuses, policy.warning_at) == (
        "24x7",
        [S.PENDING_CUSTOMER],
        0.75,
    )
