"""Login attempt limits: in memory per address and account+address, and per account from every
address in the agents database (the in-process engine, no broker)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError

from gateway.proxies import TrustedProxies
from gateway.ratelimit import AccountAttempts, LoginLimiter, TooManyAttempts
from gateway.settings import GatewaySettings
from tests.support.gateway_app import PASSWORD, gateway_app
from uts_shared.mongo import private_database


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


# --- the client's address: forwarding headers only from trusted proxies -----------------------


@pytest.mark.parametrize(
    ("peer", "forwarded", "x_forwarded_for", "client"),
    [
        ("203.0.113.7", [], ["198.51.100.1"], "203.0.113.7"),  # not a trusted proxy
        ("203.0.113.7", ["for=198.51.100.1"], [], "203.0.113.7"),
        ("10.0.0.2", [], [], "10.0.0.2"),  # a trusted proxy that forwards for nobody
        ("10.0.0.2", [], ["198.51.100.1"], "198.51.100.1"),
        ("10.0.0.2", [], ["6.6.6.6, 198.51.100.1"], "198.51.100.1"),  # forged hop on the left
        ("10.0.0.2", [], ["6.6.6.6", "198.51.100.1, 10.0.0.3"], "198.51.100.1"),
        ("10.0.0.2", ['for="[2001:db8::7]:4711";proto=https'], [], "2001:db8::7"),
        ("10.0.0.2", ["for=6.6.6.6, for=198.51.100.1:80"], ["7.7.7.7"], "198.51.100.1"),
        ("10.0.0.2", ["proto=https"], ["198.51.100.1"], "198.51.100.1"),
    ],
)
def test_forwarding_headers_name_the_client_only_behind_a_trusted_proxy(
    peer: str, forwarded: list[str], x_forwarded_for: list[str], client: str
) -> None:
    proxies = TrustedProxies(["10.0.0.0/24"])
    assert proxies.client(peer, forwarded, x_forwarded_for) == client


def test_with_no_trusted_proxies_the_peer_is_always_the_client() -> None:
    assert TrustedProxies([]).client("127.0.0.1", ["for=1.2.3.4"], ["1.2.3.4"]) == "127.0.0.1"


# --- per account, from every address, shared through the agents database ----------------------


async def _fail(client: httpx.AsyncClient, email: str, address: str = "") -> httpx.Response:
    """A wrong password for `email`, said to be forwarded for `address` if given."""
    return await client.post(
        "/auth/login",
        json={"email": email, "password": "wrong-guess"},
        headers={"X-Forwarded-For": address} if address else {},
    )


async def test_no_choice_of_address_resets_the_per_account_limit() -> None:
    limits = {"forwarded_allow_ips": "127.0.0.1", "login_rate_limit_account_all_ips": "3/hour"}
    async with gateway_app(**limits) as gw, gw.client() as client:
        agent = await gw.agent()
        for n in range(3):
            assert (await _fail(client, agent.email, f"198.51.100.{n}")).status_code == 401
        refused = await client.post(
            "/auth/login",
            json={"email": agent.email.upper(), "password": PASSWORD},
            headers={"X-Forwarded-For": "203.0.113.99"},
        )
        assert refused.status_code == 429
        assert 3500 <= int(refused.headers["retry-after"]) <= 3600
        assert refused.json() == {
            "success": False,
            "error": "Too many failed sign-ins for this account; try again in 60 minutes",
        }
        # Another account is not affected.
        other = await gw.agent("bea@example.com")
        assert (await _fail(client, other.email, "198.51.100.1")).status_code == 401


async def test_replicas_sharing_a_database_share_the_per_account_limit() -> None:
    limits = {"login_rate_limit_account_all_ips": "4/hour"}
    async with gateway_app(**limits) as one, gateway_app(one.database, **limits) as two:
        agent = await one.agent()
        async with one.client("198.51.100.1") as a, two.client("198.51.100.2") as b:
            for client in (a, b, a, b):
                assert (await _fail(client, agent.email)).status_code == 401
            assert (await _fail(a, agent.email)).status_code == 429
            assert (await _fail(b, agent.email)).status_code == 429


async def test_a_successful_sign_in_resets_the_per_account_limit() -> None:
    async with gateway_app(login_rate_limit_account_all_ips="3/hour") as gw:
        agent = await gw.agent()
        async with gw.client("198.51.100.1") as a, gw.client("198.51.100.2") as b:
            for client in (a, b):
                assert (await _fail(client, agent.email)).status_code == 401
            signed_in = await a.post(
                "/auth/login", json={"email": agent.email, "password": PASSWORD}
            )
            assert signed_in.status_code == 200
            for client in (a, b, a):
                assert (await _fail(client, agent.email)).status_code == 401


async def test_the_per_account_window_reopens_when_it_is_over() -> None:
    now = [datetime(2026, 1, 1, tzinfo=UTC)]
    attempts = AccountAttempts(private_database("uts_gateway"), "2/minute", clock=lambda: now[0])
    await attempts.attempt("a@example.com")
    await attempts.attempt("a@example.com")
    with pytest.raises(TooManyAttempts) as refused:
        await attempts.attempt("a@example.com")
    assert refused.value.retry_after == 60
    now[0] += timedelta(seconds=59)
    with pytest.raises(TooManyAttempts) as refused:
        await attempts.attempt("a@example.com")
    assert refused.value.retry_after == 1
    now[0] += timedelta(seconds=1)
    await attempts.attempt("a@example.com")
    await attempts.attempt("a@example.com")
    with pytest.raises(TooManyAttempts):
        await attempts.attempt("a@example.com")


async def test_windows_kept_in_a_shared_storage_count_for_every_replica() -> None:
    # Two replicas' limiters on one storage (here one in-process store; Redis in production).
    from limits.storage import storage_from_string

    shared = storage_from_string("async+memory://")
    replicas = [
        LoginLimiter(per_account="2/minute", per_ip="100/minute", storage=shared) for _ in range(2)
    ]
    await replicas[0].attempt(email="ana@example.com", ip="10.0.0.1")
    await replicas[1].attempt(email="ana@example.com", ip="10.0.0.1")
    with pytest.raises(TooManyAttempts):
        await replicas[0].attempt(email="ana@example.com", ip="10.0.0.1")


def test_the_login_storage_must_be_an_async_limits_url() -> None:
    with pytest.raises(ValidationError, match="async"):
        GatewaySettings(login_rate_limit_storage="redis://redis:6379")
