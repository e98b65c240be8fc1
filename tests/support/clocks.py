"""A clock for the gateway's time-keeping parts (sessions, API tokens): wall time and monotonic
seconds that move only when told to."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class SteppedClock:
    def __init__(self, start: datetime = T0) -> None:
        self.now = start
        self.seconds = 0.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.seconds

    def tick(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.seconds += seconds
