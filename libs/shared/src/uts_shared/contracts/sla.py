"""The SLA policy (a config-service setting the tickets service runs its clocks by).

Targets per priority, the business calendar the clocks count in, the statuses that pause them,
when to warn, and what a breach does. Validation here is the whole of it: a policy that parses
is one the clocks can run.
"""

from __future__ import annotations

import re
from datetime import date, time
from importlib import resources
from typing import Annotated, Any, Literal

from pydantic import (
    BeforeValidator,
    Field,
    PlainSerializer,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    field_validator,
)

from uts_shared.contracts.base import Id, OneOf, WireModel, example
from uts_shared.contracts.states import Priority, TicketStatus

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
MAX_TARGET_MS = 366 * DAY_MS

TargetMs = Annotated[int, Field(ge=1000, le=MAX_TARGET_MS)]
"""A target in milliseconds of business time: at least a second, at most a year."""


class SlaTarget(WireModel):
    first_response_ms: TargetMs
    resolution_ms: TargetMs


DEFAULT_TARGETS: dict[Priority, SlaTarget] = {
    Priority.URGENT: SlaTarget(first_response_ms=15 * MINUTE_MS, resolution_ms=4 * HOUR_MS),
    Priority.HIGH: SlaTarget(first_response_ms=HOUR_MS, resolution_ms=24 * HOUR_MS),
    Priority.MEDIUM: SlaTarget(first_response_ms=4 * HOUR_MS, resolution_ms=72 * HOUR_MS),
    Priority.LOW: SlaTarget(first_response_ms=24 * HOUR_MS, resolution_ms=7 * DAY_MS),
}
"""The plans' table: urgent 15 min / 4 h, high 1 h / 24 h, medium 4 h / 72 h, low 24 h / 7 d."""


PAUSABLE = sorted(
    frozenset(TicketStatus) - {TicketStatus.RESOLVED, TicketStatus.CLOSED, TicketStatus.NEW}
)
"""The statuses a clock may pause in (the document's enum; one error names the list)."""


HH_MM = r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$"


def _hh_mm(value: Any) -> Any:
    if isinstance(value, str) and not re.match(HH_MM, value):
        raise ValueError('must be a time of day as HH:MM, e.g. "09:00"')
    return value


ClockTime = Annotated[
    time,
    BeforeValidator(_hh_mm),
    PlainSerializer(lambda value: value.strftime("%H:%M"), return_type=str),
    WithJsonSchema({"type": "string", "pattern": HH_MM, "minLength": 5, "maxLength": 5}),
]
"""A local time of day on the wire as HH:MM (24 h), no seconds, no zone."""


class WorkingHours(WireModel):
    start: ClockTime
    """Local time the working day starts, e.g. "09:00"."""
    end: ClockTime
    """Local time it ends ("18:00"); after `start`, the same day."""

    @field_validator("end")
    @classmethod
    def _after_start(cls, value: time, info: ValidationInfo) -> time:
        start = info.data.get("start")  # absent when `start` itself was invalid
        if start is not None and value <= start:
            raise ValueError("end must be after start (a working day ends the day it starts)")
        return value


def _time_zones() -> frozenset[str]:
    """The IANA zones of the pinned `tzdata` (its list, not the host's): the document names
    the same ones wherever it is built, and each of them loads (`zoneinfo` falls back to
    `tzdata` when the host has no zone files)."""
    listed = resources.files("tzdata").joinpath("zones").read_text(encoding="utf-8")
    return frozenset(name for name in listed.split() if name)


TIME_ZONE = OneOf(
    _time_zones(), "unknown time zone '{value}': use an IANA name such as America/Mexico_City"
)


class BusinessCalendar(WireModel):
    """When the clocks run: working days (ISO weekdays, 1 = Monday) and hours in a time zone,
    minus holidays (local dates)."""

    time_zone: Annotated[str, Field(min_length=1, max_length=64), TIME_ZONE] = "UTC"
    working_days: Annotated[
        list[Annotated[int, Field(ge=1, le=7)]], Field(min_length=1, max_length=7)
    ] = [1, 2, 3, 4, 5]
    working_hours: WorkingHours = WorkingHours(start=time(9), end=time(18))
    holidays: Annotated[list[date], Field(max_length=1000)] = []

    @field_validator("working_days")
    @classmethod
    def _distinct_days(cls, value: list[int]) -> list[int]:
        return sorted(set(value))


ALWAYS: Literal["24x7"] = "24x7"


class SlaOnBreach(WireModel):
    """What a breach does besides its event: escalate (to `toAgentId`, else the assignee) and
    raise the priority one level."""

    escalate: bool = False
    to_agent_id: Id | None = None
    raise_priority: bool = False


class SlaPolicy(WireModel):
    model_config = example(
        {
            "targets": {"urgent": {"firstResponseMs": 900000, "resolutionMs": 14400000}},
            "calendar": {
                "timeZone": "America/Mexico_City",
                "workingDays": [1, 2, 3, 4, 5],
                "workingHours": {"start": "09:00", "end": "18:00"},
                "holidays": ["2026-12-25"],
            },
            "pauseStatuses": ["pending_customer"],
            "warningAt": 0.75,
            "onBreach": {"escalate": True, "raisePriority": False},
        }
    )

    targets: dict[Priority, SlaTarget] = Field(default_factory=lambda: dict(DEFAULT_TARGETS))
    calendar: BusinessCalendar | Literal["24x7"] = ALWAYS
    pause_statuses: Annotated[
        list[Annotated[TicketStatus, WithJsonSchema({"type": "string", "enum": PAUSABLE})]],
        Field(max_length=len(TicketStatus)),
    ] = [TicketStatus.PENDING_CUSTOMER]
    warning_at: float = Field(default=0.75, gt=0, lt=1)
    """The share of a target after which a warning is sent."""
    on_breach: SlaOnBreach = SlaOnBreach()

    @field_validator("calendar", mode="wrap")
    @classmethod
    def _one_calendar(cls, value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        """Either `24x7` or a business calendar, whose errors then name its own fields
        (`calendar.timeZone`) rather than both alternatives of the union."""
        if value == ALWAYS or isinstance(value, BusinessCalendar):
            return handler(value)
        if not isinstance(value, dict):
            raise ValueError(f"must be '{ALWAYS}' or a business calendar object")
        return BusinessCalendar.model_validate(value)

    @field_validator("targets")
    @classmethod
    def _every_priority(cls, value: dict[Priority, SlaTarget]) -> dict[Priority, SlaTarget]:
        """Priorities left out keep the built-in targets."""
        return {**DEFAULT_TARGETS, **value}

    @field_validator("pause_statuses")
    @classmethod
    def _pausable(cls, value: list[TicketStatus]) -> list[TicketStatus]:
        wrong = [s.value for s in value if s not in PAUSABLE]
        if wrong:
            raise ValueError(
                f"{', '.join(wrong)} cannot pause a clock: resolving and closing stop it, "
                "and a new ticket's clock is running"
            )
        return list(dict.fromkeys(value))
