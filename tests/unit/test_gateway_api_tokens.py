"""API tokens for integrating systems: their format and hash, the routes each scope opens, the
verification with its brief cache, revocation (here, by event, or from the database), the
once-a-minute `lastUsedAt`, and the admins' routes on the real gateway app in memory."""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import httpx
import pytest

from gateway.api_token_rules import (
    NOT_FOR_TOKENS,
    SCOPES,
    Scope,
    format_token,
    hash_matches,
    is_api_token,
    new_secret,
    new_token_id,
    refusal,
    required_scope,
    token_hash,
    token_id_of,
)
from gateway.api_tokens import ApiTokens, ApiTokenStore
from gateway.visibility import restricted_to
from tests.support.clocks import SteppedClock as Clock
from tests.support.gateway_app import PASSWORD, GatewayApp, gateway_app
from uts_shared.contracts.agents import ApiTokenCreated, ApiTokenRevoked, ApiTokenScope
from uts_shared.errors import Unauthorized
from uts_shared.mongo import private_database

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


# --- format and hashing -----------------------------------------------------------------------


def test_a_token_carries_its_prefix_and_id_and_256_random_bits() -> None:
    token_id, secret = new_token_id(), new_secret()
    token = format_token(token_id, secret)
    assert re.fullmatch(r"uts_[0-9a-f]{32}_[A-Za-z0-9_-]{43}", token), token
    assert token_id_of(token) == token_id
    assert is_api_token(token)
    assert new_secret() != secret and new_token_id() != token_id


def test_anything_but_a_well_formed_token_names_no_id() -> None:
    token = format_token(new_token_id(), new_secret())
    for bad in ("", "uts_", token[:-1], token + "x", token.replace("uts_", "utx_"), "uts_x_y"):
        assert token_id_of(bad) is None, bad
    assert token_id_of(token.upper()) is None  # ids are lower-case hex
    assert not is_api_token("eyJhbGciOiJIUzI1NiJ9.e30.x")  # an agent's JWT


def test_only_the_sha256_of_the_whole_token_is_kept_and_compared() -> None:
    token_id = new_token_id()
    token = format_token(token_id, new_secret())
    stored = token_hash(token)
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored and len(stored) == 64
    assert hash_matches(token, stored)
    assert not hash_matches(format_token(token_id, new_secret()), stored)  # same id, other secret
    assert not hash_matches(token, "")


# --- scopes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "route", "scope"),
    [
        ("GET", "/api/v2/tickets", Scope.TICKETS_READ),
        ("GET", "/api/v2/tickets/{ticket_id}", Scope.TICKETS_READ),
        ("GET", "/api/v2/tickets/stats/summary", Scope.TICKETS_READ),
        ("GET", "/api/v2/customers/{customer_id}/tickets", Scope.TICKETS_READ),
        ("GET", "/api/v2/conversations", Scope.TICKETS_READ),
        ("GET", "/api/v2/conversations/{conversation_id}", Scope.TICKETS_READ),
        ("GET", "/api/v2/conversations/{conversation_id}/tickets", Scope.TICKETS_READ),
        ("POST", "/api/v2/tickets", Scope.TICKETS_WRITE),
        ("PUT", "/api/v2/tickets/{ticket_id}", Scope.TICKETS_WRITE),
        ("POST", "/api/v2/tickets/{ticket_id}/status", Scope.TICKETS_WRITE),
        ("POST", "/api/v2/tickets/{ticket_id}/notes", Scope.TICKETS_WRITE),
        ("POST", "/api/v2/customers", Scope.CUSTOMERS_WRITE),
        ("POST", "/api/v2/conversations", Scope.CUSTOMERS_WRITE),
        ("POST", "/api/v2/conversations/{conversation_id}/customer-replied", Scope.CUSTOMERS_WRITE),
        ("POST", "/api/v2/ai/tool-calls", Scope.AI_TOOLS),
    ],
)
def test_each_route_open_to_tokens_names_its_scope(method: str, route: str, scope: Scope) -> None:
    assert required_scope(method, route) is scope
    assert required_scope(method.lower(), route.removeprefix("/api/v2")) is scope


@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("GET", "/api/v2/agents"),
        ("POST", "/api/v2/agents"),
        ("PATCH", "/api/v2/agents/{agent_id}"),
        ("POST", "/api/v2/agents/{agent_id}/deactivate"),
        ("GET", "/api/v2/api-tokens"),
        ("POST", "/api/v2/api-tokens"),
        ("DELETE", "/api/v2/api-tokens/{token_id}"),
        ("GET", "/api/v2/webhooks"),
        ("POST", "/api/v2/webhooks"),
        ("PATCH", "/api/v2/webhooks/{webhook_id}"),
        ("DELETE", "/api/v2/webhooks/{webhook_id}"),
        ("GET", "/api/v2/webhooks/{webhook_id}/deliveries"),
        ("GET", "/api/v2/auth/me"),
        ("POST", "/api/v2/auth/password"),
        ("GET", "/api/v2/config/console"),
        ("PUT", "/api/v2/config/sla"),
        ("POST", "/api/v2/config/reset/{key}"),
        ("POST", "/api/v2/ai/respond"),
        ("POST", "/api/v2/config/sync-assistant"),
        ("GET", "/api/v2/customers"),
        ("GET", "/api/v2/customers/{customer_id}"),
        ("PATCH", "/api/v2/conversations/{conversation_id}"),
        ("DELETE", "/api/v2/tickets/{ticket_id}"),
        ("GET", "/api/v2/ticketsx"),
        ("GET", ""),
    ],
)
def test_every_other_route_is_closed_to_tokens(method: str, route: str) -> None:
    assert required_scope(method, route) is None
    assert refusal(method, route, frozenset(Scope)) == NOT_FOR_TOKENS


def test_a_missing_scope_is_named_in_the_refusal() -> None:
    write = ("POST", "/api/v2/tickets")
    assert refusal(*write, frozenset({Scope.TICKETS_WRITE})) is None
    assert refusal(*write, frozenset({Scope.TICKETS_READ})) == (
        "This API token lacks the scope 'tickets:write' needed here"
    )


def test_the_gateways_scopes_are_the_contracts() -> None:
    assert (
        set(SCOPES)
        == set(get_args(ApiTokenScope))
        == {
            "tickets:read",
            "tickets:write",
            "customers:write",
            "ai:tools",
        }
    )


# --- verification, cache, revocation and lastUsedAt -------------------------------------------


class CountingStore(ApiTokenStore):
    """The real store, counting reads and `lastUsedAt` writes."""

    def __init__(self, database: Any) -> None:
        super().__init__(database)
        self.reads = 0
        self.touches = 0

    async def by_id(self, token_id: str) -> dict[str, Any] | None:
        self.reads += 1
        return await super().by_id(token_id)

    async def touch(self, token_id: str, at: datetime) -> None:
        self.touches += 1
        await super().touch(token_id, at)


class Announcements:
    """What a replica published (the `Announcer`)."""

    def __init__(self) -> None:
        self.heard: list[ApiTokenCreated | ApiTokenRevoked] = []

    async def created(self, created: ApiTokenCreated) -> None:
        self.heard.append(created)

    async def revoked(self, revoked: ApiTokenRevoked) -> None:
        self.heard.append(revoked)


def replica(clock: Clock, database: Any, *, cache_ttl: float = 5.0) -> ApiTokens:
    return ApiTokens(
        CountingStore(database),
        cache_ttl=cache_ttl,
        clock=clock.wall,
        monotonic=clock.monotonic,
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


async def test_a_token_acts_as_token_id_with_its_scopes_and_name(clock: Clock) -> None:
    tokens = replica(clock, private_database("uts_gateway"))
    token, view = await tokens.create("CRM sync", [Scope.TICKETS_READ], by="admin-1")
    principal = await tokens.principal(token)
    assert principal.id == f"token:{view.id}"
    assert principal.token_id == view.id
    assert principal.scopes == frozenset({Scope.TICKETS_READ})
    assert f"{principal.first_name} {principal.last_name}" == "CRM sync (API token)"
    assert not principal.is_admin
    assert principal.sees_every_ticket  # ticket visibility restricts agents, not tokens
    assert restricted_to(principal, "assigned_and_unassigned") is None
    assert (view.name, view.scopes, view.created_by) == (
        "CRM sync",
        [Scope.TICKETS_READ],
        "admin-1",
    )
    assert (view.created_at, view.last_used_at, view.revoked_at) == (T0, None, None)


async def test_only_the_hash_is_stored_and_lists_show_neither(clock: Clock) -> None:
    database = private_database("uts_gateway")
    tokens = replica(clock, database)
    token, view = await tokens.create("CRM", [Scope.TICKETS_READ], by="admin-1")
    [doc] = await database["api_tokens"].find({}).to_list()
    assert doc["secretHash"] == token_hash(token)
    assert token.split("_", 2)[2] not in str(doc)
    [listed] = await tokens.list()
    assert listed == view
    assert "secretHash" not in listed.model_dump(by_alias=True)


async def test_a_wrong_secret_an_unknown_id_or_a_malformed_token_is_401(clock: Clock) -> None:
    tokens = replica(clock, private_database("uts_gateway"))
    token, view = await tokens.create("CRM", [Scope.TICKETS_READ], by="admin-1")
    for bad in (
        format_token(view.id, new_secret()),
        format_token(new_token_id(), new_secret()),
        token[:-2],
        "uts_nonsense",
    ):
        with pytest.raises(Unauthorized, match="Invalid API token"):
            await tokens.principal(bad)


async def test_verified_records_are_reread_only_after_the_cache_ttl(clock: Clock) -> None:
    tokens = replica(clock, private_database("uts_gateway"), cache_ttl=5.0)
    store = tokens.store
    assert isinstance(store, CountingStore)
    token, _ = await tokens.create("CRM", [Scope.TICKETS_READ], by="admin-1")
    for _ in range(50):
        await tokens.principal(token)
    assert store.reads == 1
    clock.tick(5)
    await tokens.principal(token)
    assert store.reads == 2


async def test_last_used_at_is_written_at_most_once_a_minute(clock: Clock) -> None:
    tokens = replica(clock, private_database("uts_gateway"))
    store = tokens.store
    assert isinstance(store, CountingStore)
    token, _ = await tokens.create("CRM", [Scope.TICKETS_READ], by="admin-1")
    for _ in range(20):
        await tokens.principal(token)
        clock.tick(1)
    assert store.touches == 1
    [listed] = await tokens.list()
    assert listed.last_used_at == T0
    clock.tick(41)  # a minute after the first use
    await tokens.principal(token)
    assert store.touches == 2
    [listed] = await tokens.list()
    assert listed.last_used_at == T0 + timedelta(seconds=61)


async def test_a_revoked_token_is_refused_at_once_here_and_the_revocation_announced(
    clock: Clock,
) -> None:
    tokens = replica(clock, private_database("uts_gateway"))
    announced = Announcements()
    tokens.announce_to(announced)
    token, view = await tokens.create("CRM", [Scope.TICKETS_READ], by="admin-1")
    await tokens.principal(token)  # cached
    clock.tick(1)
    revoked = await tokens.revoke(view.id, by="admin-1")
    assert revoked.revoked_at == T0 + timedelta(seconds=1)
    with pytest.raises(Unauthorized, match="revoked"):
        await tokens.principal(token)
    again = await tokens.revoke(view.id, by="admin-2")  # changes nothing
    assert again.revoked_at == revoked.revoked_at
    kinds = [type(e).__name__ for e in announced.heard]
    assert kinds == ["ApiTokenCreated", "ApiTokenRevoked", "ApiTokenRevoked"]
    assert isinstance(announced.heard[0], ApiTokenCreated)
    assert announced.heard[0].secret_hash == token_hash(token)


async def test_revoking_an_unknown_token_is_404(clock: Clock) -> None:
    from uts_shared.errors import NotFound

    tokens = replica(clock, private_database("uts_gateway"))
    with pytest.raises(NotFound):
        await tokens.revoke(new_token_id(), by="admin-1")


async def test_another_replicas_revocation_is_refused_at_once_despite_the_cache(
    clock: Clock,
) -> None:
    shared = private_database("uts_gateway")
    here, there = replica(clock, shared), replica(clock, shared)
    announced = Announcements()
    there.announce_to(announced)
    token, view = await here.create("CRM", [Scope.TICKETS_READ], by="admin-1")
    await there.principal(token)  # cached there for 5 s
    await here.revoke(view.id, by="admin-1")
    # The event (what `ApiTokenEvents` hands over), on the other replica:
    await there.learn_revoked(
        ApiTokenRevoked(token_id=view.id, revoked_at=clock.wall(), revoked_by="admin-1")
    )
    with pytest.raises(Unauthorized, match="revoked"):
        await there.principal(token)


async def test_a_lost_revocation_event_is_noticed_after_the_cache_ttl_on_a_shared_database(
    clock: Clock,
) -> None:
    shared = private_database("uts_gateway")
    here, there = replica(clock, shared), replica(clock, shared)
    token, view = await here.create("CRM", [Scope.TICKETS_READ], by="admin-1")
    await there.principal(token)
    await here.revoke(view.id, by="admin-1")
    await there.principal(token)  # its copy is at most `cache_ttl` old
    clock.tick(5)
    with pytest.raises(Unauthorized, match="revoked"):
        await there.principal(token)


async def test_a_replica_with_a_database_of_its_own_learns_tokens_and_revocations_by_events(
    clock: Clock,
) -> None:
    here = replica(clock, private_database("uts_gateway"))
    there = replica(clock, private_database("uts_gateway"))
    announced = Announcements()
    here.announce_to(announced)
    token, view = await here.create("CRM", [Scope.CUSTOMERS_WRITE], by="admin-1")
    with pytest.raises(Unauthorized):
        await there.principal(token)  # not heard of yet
    [created] = announced.heard
    assert isinstance(created, ApiTokenCreated)
    await there.learn_created(created)
    await there.learn_created(created)  # twice: changes nothing
    clock.tick(5)
    assert (await there.principal(token)).scopes == frozenset({Scope.CUSTOMERS_WRITE})
    [listed] = await there.list()
    assert (listed.id, listed.name, listed.revoked_at) == (view.id, "CRM", None)

    await here.revoke(view.id, by="admin-1")
    revoked = announced.heard[-1]
    assert isinstance(revoked, ApiTokenRevoked)
    await there.learn_revoked(revoked)
    with pytest.raises(Unauthorized, match="revoked"):
        await there.principal(token)
    [listed] = await there.list()
    assert listed.revoked_at == revoked.revoked_at


# --- the admins' routes, and tokens refused where they don't belong (gateway app in memory) ------


@pytest.fixture
async def gw() -> AsyncIterator[GatewayApp]:
    async with gateway_app() as gw:
        yield gw


async def signed_in(gw: GatewayApp, api: httpx.AsyncClient, *, admin: bool) -> dict[str, str]:
    from gateway.agents import NewAgent
    from gateway.auth import Role
    from tests.support.factories import unique_email

    email = unique_email()
    role = Role.ADMIN if admin else Role.AGENT
    await gw.gateway.agents.create(
        NewAgent(email=email, password=PASSWORD, first_name="Ana", last_name="Ruiz", role=role)
    )
    r = await api.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def test_admins_create_list_and_revoke_tokens_shown_once(gw: GatewayApp) -> None:
    async with gw.client() as api:
        admin = await signed_in(gw, api, admin=True)
        r = await api.post(
            "/api-tokens",
            json={"name": "CRM sync", "scopes": ["tickets:read", "tickets:write", "tickets:read"]},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        created = r.json()
        assert created["success"] is True
        token = created["token"]
        assert token_id_of(token) == created["apiToken"]["id"]
        assert set(created["apiToken"]) == {
            "id",
            "name",
            "scopes",
            "createdAt",
            "createdBy",
            "lastUsedAt",
            "revokedAt",
        }
        assert created["apiToken"]["scopes"] == ["tickets:read", "tickets:write"]

        r = await api.get("/api-tokens", headers=admin)
        assert r.status_code == 200, r.text
        assert token not in r.text and token.split("_", 2)[2] not in r.text
        assert [t["id"] for t in r.json()["apiTokens"]] == [created["apiToken"]["id"]]

        r = await api.delete(f"/api-tokens/{created['apiToken']['id']}", headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["apiToken"]["revokedAt"] is not None
        r = await api.get("/tickets", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, r.text
        assert r.json()["error"] == "API token revoked"
        r = await api.delete(f"/api-tokens/{new_token_id()}", headers=admin)
        assert r.status_code == 404, r.text


async def test_unknown_or_no_scopes_and_a_missing_name_are_422_naming_the_field(
    gw: GatewayApp,
) -> None:
    async with gw.client() as api:
        admin = await signed_in(gw, api, admin=True)
        for body, field in (
            ({"name": "x", "scopes": ["tickets:delete"]}, "scopes"),
            ({"name": "x", "scopes": []}, "scopes"),
            ({"name": "x", "scopes": "tickets:read"}, "scopes"),
            ({"name": "x", "scopes": ["tickets:read"] * 5}, "scopes"),
            ({"scopes": ["tickets:read"]}, "name"),
            ({"name": "", "scopes": ["tickets:read"]}, "name"),
        ):
            r = await api.post("/api-tokens", json=body, headers=admin)
            assert r.status_code == 422, (body, r.text)
            assert [d["field"] for d in r.json()["details"]] == [field], (body, r.text)
        r = await api.post(
            "/api-tokens", json={"name": "x", "scopes": ["tickets:delete"]}, headers=admin
        )
        assert "tickets:delete" in r.json()["error"]


async def test_agents_who_are_not_admins_cannot_manage_tokens(gw: GatewayApp) -> None:
    async with gw.client() as api:
        agent = await signed_in(gw, api, admin=False)
        body = {"name": "x", "scopes": ["tickets:read"]}
        assert (await api.post("/api-tokens", json=body, headers=agent)).status_code == 403
        assert (await api.get("/api-tokens", headers=agent)).status_code == 403
        assert (await api.delete(f"/api-tokens/{new_token_id()}", headers=agent)).status_code == 403
        assert (await api.post("/api-tokens", json=body)).status_code == 401


async def test_tokens_are_refused_on_agent_management_config_and_api_tokens(
    gw: GatewayApp,
) -> None:
    async with gw.client() as api:
        admin = await signed_in(gw, api, admin=True)
        every = {"name": "all", "scopes": list(SCOPES)}
        r = await api.post("/api-tokens", json=every, headers=admin)
        bearer = {"Authorization": f"Bearer {r.json()['token']}"}
        for method, path, body in (
            ("GET", "/agents", None),
            ("POST", "/agents", {"email": "x@example.com", "password": "p" * 8}),
            ("POST", "/agents/someone/deactivate", None),
            ("GET", "/auth/me", None),
            ("GET", "/config/console", None),
            ("PUT", "/config/ticket-visibility", {"ticketVisibility": "all"}),
            ("GET", "/api-tokens", None),
            ("POST", "/api-tokens", every),
            ("DELETE", f"/api-tokens/{new_token_id()}", None),
            ("POST", "/ai/respond", {}),
        ):
            r = await api.request(method, path, json=body, headers=bearer)
            assert r.status_code == 403, (method, path, r.text)
            assert r.json()["error"] == NOT_FOR_TOKENS, (method, path, r.text)


async def test_a_token_without_the_scope_is_403_naming_it(gw: GatewayApp) -> None:
    async with gw.client() as api:
        admin = await signed_in(gw, api, admin=True)
        r = await api.post(
            "/api-tokens", json={"name": "reader", "scopes": ["tickets:read"]}, headers=admin
        )
        bearer = {"Authorization": f"Bearer {r.json()['token']}"}
        for method, path, scope in (
            ("POST", "/tickets", "tickets:write"),
            ("PUT", "/tickets/LUX-2026-000001", "tickets:write"),
            ("POST", "/customers", "customers:write"),
            ("PUT", "/customers/c1", "customers:write"),
            ("POST", "/conversations/c1/customer-replied", "customers:write"),
            ("POST", "/ai/tool-calls", "ai:tools"),
        ):
            r = await api.request(method, path, json={}, headers=bearer)
            assert r.status_code == 403, (method, path, r.text)
            assert f"'{scope}'" in r.json()["error"], (method, path, r.text)
