"""Time comes in through a small clock so tests control timestamps and the cache TTL."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall-clock time (UTC) for `createdAt`/`updatedAt`/`changedAt` and the ID example year."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back, for cache ages."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def monotonic(self) -> float:
        return time.monotonic()
