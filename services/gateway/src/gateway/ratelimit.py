"""Login attempt limits (moving window, in this process's memory) per account+IP and per IP.

Every attempt counts, so a burst of parallel guesses is cut off before the slow password check;
a successful sign-in clears its account+IP window. Each gateway replica counts on its own: with N
replicas behind a balancer an attacker gets at most N times the limit.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Annotated

from fastapi import Depends, Request
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)


class TooManyAttempts(Exception):
    """Raised when a limit is exhausted; the gateway answers 429 with `Retry-After`."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class LoginLimiter:
    def __init__(self, *, per_account: str, per_ip: str) -> None:
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._per_account: RateLimitItem = parse(per_account)
        self._per_ip: RateLimitItem = parse(per_ip)

    async def attempt(self, *, email: str, ip: str) -> None:
        """Count one login attempt; `TooManyAttempts` when either window is full."""
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

    async def succeeded(self, *, email: str, ip: str) -> None:
        await self._limiter.clear(self._per_account, "login-account", email.strip().lower(), ip)

    async def _retry_after(self, item: RateLimitItem, *keys: str) -> int:
        stats = await self._limiter.get_window_stats(item, *keys)
        return max(1, math.ceil(stats.reset_time - time.time()))


async def get_login_limiter(request: Request) -> LoginLimiter:
    limiter: LoginLimiter = request.app.state.login_limiter
    return limiter


LoginLimiterDep = Annotated[LoginLimiter, Depends(get_login_limiter)]
