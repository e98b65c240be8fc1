"""Business time: how much of a span counts, and when an amount of it will have passed.

`Always` is the 24x7 calendar (wall time). `Business` counts only working hours on working days
in the policy's time zone, holidays excluded; each local day's window is converted to UTC on its
own, so daylight-saving changes shorten or lengthen that day as they do on a wall clock.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from uts_shared.contracts.sla import BusinessCalendar

HORIZON_DAYS = 3700
"""How far ahead a due time is looked for (about ten years); beyond it: never due."""


def _ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


class Calendar(Protocol):
    def between(self, start: datetime, end: datetime) -> int:
        """Business milliseconds in [start, end) (0 when end is not after start)."""
        ...

    def add(self, start: datetime, ms: int) -> datetime | None:
        """The moment `ms` business milliseconds after `start` (None: beyond the horizon)."""
        ...


class Always:
    """24x7: every millisecond counts."""

    def between(self, start: datetime, end: datetime) -> int:
        return max(0, _ms(end - start))

    def add(self, start: datetime, ms: int) -> datetime | None:
        return start + timedelta(milliseconds=max(0, ms))


class Business:
    """Working hours on working days, in one time zone, minus holidays."""

    def __init__(self, calendar: BusinessCalendar) -> None:
        self._zone = ZoneInfo(calendar.time_zone)
        self._days = frozenset(calendar.working_days)
        self._holidays = frozenset(calendar.holidays)
        self._start = calendar.working_hours.start
        self._end = calendar.working_hours.end

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The working window of a local date, in UTC; None on a day off."""
        if day.isoweekday() not in self._days or day in self._holidays:
            return None
        opens = datetime.combine(day, self._start, tzinfo=self._zone).astimezone(UTC)
        closes = datetime.combine(day, self._end, tzinfo=self._zone).astimezone(UTC)
        return opens, closes

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self._zone).date()

    def between(self, start: datetime, end: datetime) -> int:
        if end <= start:
            return 0
        total = 0
        day, last = self._local_day(start), self._local_day(end)
        while day <= last:
            window = self._window(day)
            if window is not None:
                opens, closes = max(window[0], start), min(window[1], end)
                if closes > opens:
                    total += _ms(closes - opens)
            day += timedelta(days=1)
        return total

    def add(self, start: datetime, ms: int) -> datetime | None:
        left = timedelta(milliseconds=max(0, ms))
        day = self._local_day(start)
        for _ in range(HORIZON_DAYS):
            window = self._window(day)
            if window is not None:
                opens, closes = max(window[0], start), window[1]
                if closes > opens:
                    if left <= closes - opens:
                        return opens + left
                    left -= closes - opens
            day += timedelta(days=1)
        return None


def calendar_of(policy_calendar: BusinessCalendar | str) -> Calendar:
    return Business(policy_calendar) if isinstance(policy_calendar, BusinessCalendar) else Always()
