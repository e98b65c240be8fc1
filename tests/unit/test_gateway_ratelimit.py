"""Login attempt limits (no I/O: the limiter counts in memory)."""

from __future__ import annotations

import pytest

from gateway.ratelimit import LoginLimiter, TooManyAttempts


async def test_sixth_attempt_for_one_account_within_a_minute_is_refused_with_retry_after() -> None:
    limiter = LoginLimiter(per_account="5/minute", per_ip="20/minute")
    for _ in range(5):
        await limiter.attempt(email="a@example.com", ip="10.0.0.1")
    with pytest.raises(TooManyAttempts, match="this account") as refused:
        await limiter.attempt(email="A@Example.com ", ip="10.0.0.1")
    assert 1 <= refused.value.retry_after <= 60


async def test_account_limit_is_per_client_address() -> None:
    limiter = LoginLimiter(per_account="2/minute", per_ip="20/minute")
    for _ in range(2):
        await limiter.attempt(email="a@example.com", ip="10.0.0.1")
    await limiter.attempt(email="a@example.com", ip="10.0.0.2")
    with pytest.raises(TooManyAttempts):
        await limiter.attempt(email="a@example.com", ip="10.0.0.1")


async def test_one_address_trying_many_accounts_hits_the_address_limit() -> None:
    limiter = LoginLimiter(per_account="5/minute", per_ip="3/minute")
    for n in range(3):
        await limiter.attempt(email=f"user{n}@example.com", ip="10.0.0.9")
    with pytest.raises(TooManyAttempts, match="this address") as refused:
        await limiter.attempt(email="fresh@example.com", ip="10.0.0.9")
    assert refused.value.retry_after >= 1
    await limiter.attempt(email="fresh@example.com", ip="10.0.0.10")


async def test_successful_sign_in_clears_the_account_window() -> None:
    limiter = LoginLimiter(per_account="2/minute", per_ip="20/minute")
    for _ in range(2):
        await limiter.attempt(email="a@example.com", ip="10.0.0.1")
    await limiter.succeeded(email="a@example.com", ip="10.0.0.1")
    await limiter.attempt(email="a@example.com", ip="10.0.0.1")
