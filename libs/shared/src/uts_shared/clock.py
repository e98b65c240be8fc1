"""Time and identifiers come in through here, so tests control them (one clock, every service)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """Wall-clock time, UTC."""
        ...

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (cache ages, leases)."""
        ...


class SystemClock:
    """UTC now, truncated to milliseconds (what MongoDB keeps), so what is read equals what was
    written."""

    def now(self) -> datetime:
        return utc_now()

    def monotonic(self) -> float:
        return time.monotonic()


def utc_now() -> datetime:
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def new_id() -> str:
    return uuid.uuid4().hex
