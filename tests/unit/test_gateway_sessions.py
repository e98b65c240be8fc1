"""Revoked tokens: refused at once here, by events from other replicas, or from the database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gateway.agents import AgentStore
from gateway.auth import Agent, Role, Tokens
from gateway.sessions import Sessions
from tests.support.clocks import SteppedClock as Clock
from uts_shared.errors import Unauthorized
from uts_shared.mongo import private_database

SECRET = "unit-test-secret-that-is-at-least-32-bytes-long"
T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ANA = Agent(id="ana", email="ana@example.com", first_name="Ana", last_name="Ruiz", role=Role.AGENT)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def store() -> AgentStore:
    store = AgentStore(private_database("uts_gateway"))
    await store.ensure_indexes()
    return store


def sessions_of(clock: Clock, store: AgentStore) -> tuple[Sessions, Tokens]:
    tokens = Tokens(SECRET, expires_minutes=60, clock=clock.wall)
    return Sessions(tokens, store, recheck=30, monotonic=clock.monotonic), tokens


async def test_tokens_issued_until_a_revocation_are_refused_at_once(
    clock: Clock, store: AgentStore
) -> None:
    sessions, tokens = sessions_of(clock, store)
    old = tokens.issue(ANA)
    assert (await sessions.agent(old)).id == "ana"  # verified, and remembered
    clock.tick(1)
    disconnected: list[str] = []

    async def disconnect(agent_id: str) -> None:
        disconnected.append(agent_id)

    sessions.on_revoked(disconnect)
    await sessions.revoke("ana", clock.now)
    with pytest.raises(Unauthorized, match="revoked"):
        await sessions.agent(old)
    assert disconnected == ["ana"]
    clock.tick(0.001)  # a sign-in a moment later gets a token that works
    assert (await sessions.agent(tokens.issue(ANA))).id == "ana"


async def test_late_or_repeated_events_change_nothing(clock: Clock, store: AgentStore) -> None:
    sessions, tokens = sessions_of(clock, store)
    deactivated_at = clock.now
    sessions.set_active("ana", False, as_of=deactivated_at)
    await sessions.revoke("ana", deactivated_at)
    clock.tick(1)
    sessions.set_active("ana", True, as_of=clock.now)  # reactivated here
    sessions.set_active("ana", False, as_of=deactivated_at)  # the old event, arriving late
    await sessions.revoke("ana", deactivated_at)
    clock.tick(1)
    assert (await sessions.agent(tokens.issue(ANA))).id == "ana"


async def test_the_database_backs_a_lost_event(clock: Clock, store: AgentStore) -> None:
    sessions, tokens = sessions_of(clock, store)
    await store.insert({"_id": "ana", "email": ANA.email, "active": True, "createdAt": T0})
    token = tokens.issue(ANA)
    assert (await sessions.agent(token)).id == "ana"
    clock.tick(1)
    # Another replica deactivated ana; its event never came here.
    await store.update(
        "ana", {"active": False, "tokensRevokedAt": clock.now, "updatedAt": clock.now}
    )
    assert (await sessions.agent(token)).id == "ana"  # not read again yet
    clock.tick(30)
    with pytest.raises(Unauthorized, match="disabled"):
        await sessions.agent(token)


async def test_a_deactivated_agent_is_refused_when_first_seen(
    clock: Clock, store: AgentStore
) -> None:
    sessions, tokens = sessions_of(clock, store)
    token = tokens.issue(ANA)
    clock.tick(1)
    await store.insert(
        {"_id": "ana", "email": ANA.email, "active": False, "createdAt": T0, "updatedAt": T0}
    )
    with pytest.raises(Unauthorized):
        await sessions.agent(token)


async def test_an_agent_this_database_does_not_hold_is_judged_by_events_only(
    clock: Clock, store: AgentStore
) -> None:
    sessions, tokens = sessions_of(clock, store)
    token = tokens.issue(ANA)  # signed by a replica with a database of its own
    assert (await sessions.agent(token)).id == "ana"
    clock.tick(1)
    await sessions.revoke("ana", clock.now)
    with pytest.raises(Unauthorized):
        await sessions.agent(token)
