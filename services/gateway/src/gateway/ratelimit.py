"""Login attempt limits: per address and per account+address (moving windows in this process's
memory, or a shared store such as Redis: `LOGIN_RATE_LIMIT_STORAGE`), and per account from every
address together (a fixed window in the gateway's database).

Every attempt counts, so a burst of parallel guesses is cut off before the slow password check;
a successful sign-in clears its account's windows. The in-memory limits are each replica's own;
the per-account one lives in the agents database, so replicas sharing it share the count, and no
choice of address (or of replica) gets an attacker more guesses at one account.
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string
from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from uts_shared.store_types import Database

log = logging.getLogger(__name__)

COLLECTION = "login_attempts"


class TooManyAttempts(Exception):
    """Raised when a limit is exhausted; the gateway answers 429 with `Retry-After`."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


def _utc_now() -> datetime:
    return datetime.now(UTC)


class AccountAttempts:
    """Sign-in attempts per account from any address: one document per account (`_id` = the
    email) holding a fixed window's start and count, changed only by single-document atomic
    updates (they behave the same on a MongoDB server and on the in-process engine)."""

    def __init__(
        self, database: Database, limit: str, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._attempts = database[COLLECTION]
        self._limit: RateLimitItem = parse(limit)
        self._window = timedelta(seconds=self._limit.get_expiry())
        self._clock = clock

    async def attempt(self, email: str) -> None:
        """Count one attempt; `TooManyAttempts` once the window holds more than the limit."""
        now = self._clock()
        doc = await self._count(email, now)
        if doc["attempts"] <= self._limit.amount:
            return
        ends = doc["windowStart"].astimezone(UTC) + self._window
        retry_after = max(1, math.ceil((ends - now).total_seconds()))
        log.warning("sign-in attempts for %s from every address over the limit", email)
        raise TooManyAttempts(
            f"Too many failed sign-ins for this account; try again in {_duration(retry_after)}",
            retry_after,
        )

    async def _count(self, email: str, now: datetime) -> dict[str, Any]:
        # Equality filters, $inc/$set/$setOnInsert and upsert only: nothing the in-process
        # engine might do differently from a server.
        for _ in range(3):
            with contextlib.suppress(DuplicateKeyError):  # two first attempts raced: count again
                doc = await self._attempts.find_one_and_update(
                    {"_id": email},
                    {"$inc": {"attempts": 1}, "$setOnInsert": {"windowStart": now}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                assert doc is not None  # an upsert always answers the document
                started = doc["windowStart"]
                if started.astimezone(UTC) > now - self._window:
                    return doc
                # The window is over: open a new one, unless another attempt just did.
                reopened: dict[str, Any] | None = await self._attempts.find_one_and_update(
                    {"_id": email, "windowStart": started},
                    {"$set": {"attempts": 1, "windowStart": now}},
                    return_document=ReturnDocument.AFTER,
                )
                if reopened is not None:
                    return reopened
        raise RuntimeError(f"could not count a sign-in attempt for {email}")

    async def clear(self, email: str) -> None:
        await self._attempts.delete_one({"_id": email})


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


class LoginLimiter:
    def __init__(
        self,
        *,
        per_account: str,
        per_ip: str,
        accounts: AccountAttempts | None = None,
        storage: str | Storage = "async+memory://",
    ) -> None:
        """`storage`: a `limits` storage URL (`LOGIN_RATE_LIMIT_STORAGE`), or the storage."""
        if isinstance(storage, str):
            storage = cast(Storage, storage_from_string(storage))
        self._limiter = MovingWindowRateLimiter(storage)
        self._per_account: RateLimitItem = parse(per_account)
        self._per_ip: RateLimitItem = parse(per_ip)
        self._accounts = accounts

    async def attempt(self, *, email: str, ip: str) -> None:
        """Count one login attempt; `TooManyAttempts` when any window is full."""
        account = (email.strip().lower(), ip)
        if not await self._limiter.hit(self._per_ip, "login-ip", ip):
            log.warning("login attempts from %s over the limit (%s)", ip, self._per_ip)
            raise TooManyAttempts(
                "Too many login attempts from this address, try again later",
                await self._retry_after(self._per_ip, "login-ip", ip),
            )
        if not await self._limiter.hit(self._per_account, "login-account", *account):
            log.warning("login attempts for %s from %s over the limit", account[0], ip)
            raise TooManyAttempts(
                "Too many login attempts for this account, try again later",
                await self._retry_after(self._per_account, "login-account", *account),
            )
        if self._accounts is not None:
            await self._accounts.attempt(account[0])

    async def succeeded(self, *, email: str, ip: str) -> None:
        await self._limiter.clear(self._per_account, "login-account", email.strip().lower(), ip)
        if self._accounts is not None:
            await self._accounts.clear(email.strip().lower())

    async def _retry_after(self, item: RateLimitItem, *keys: str) -> int:
        stats = await self._limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))


async def get_login_limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


LoginLimiterDep = Annotated[LoginLimiter, Depends(get_login_limiter)]
