"""Gateway over HTTP: liveness, readiness, docs, sign-in, tokens, roles and agents."""

from __future__ import annotations

import uuid

import httpx

from tests.support.desk import AgentLogin, create_agent
from tests.support.system import System


async def test_health_answers_without_authentication(gateway_url: str) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{gateway_url}/health")
    assert r.status_code == 200
    assert r.json()["success"] is True and r.json()["status"] == "ok"


async def test_ready_reports_broker_and_every_required_service(system: System) -> None:
    async with httpx.AsyncClient() as client:
        r = await client.get(f"{system.gateway_url}/ready")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["broker"] == "ok"
    assert set(body["services"]) == set(system.backends)
    assert all(s["ok"] for s in body["services"].values())
    assert "config" in body["services"]
    assert (body["status"], body["degraded"]) == ("ready", [])
    assert [n for n, s in body["services"].items() if s["critical"]] == ["tickets"]


async def test_api_docs_and_asyncapi_are_served(gateway_url: str) -> None:
    async with httpx.AsyncClient(base_url=gateway_url) as client:
        docs, openapi, spec, page = [
            await client.get(p) for p in ("/docs", "/openapi.json", "/asyncapi.json", "/asyncapi")
        ]
    assert docs.status_code == 200 and "swagger" in docs.text.lower()
    assert "/api/v2/config/ticket-categories" in openapi.json()["paths"]
    assert spec.status_code == 200
    assert spec.json()["asyncapi"].startswith("3.")
    assert "config.categories.get" in spec.text
    assert page.status_code == 200 and "asyncapi.json" in page.text
    # The page is the document itself, rendered here: nothing to fetch from the internet.
    assert "<script" not in page.text and "http" not in page.text.split("</style>")[0]
    assert "tickets.create_from_agent" in page.text and "ticket_sla_breached" in page.text


async def test_admin_signs_in_and_gets_a_token_and_profile_without_hash(
    system: System, anon_api: httpx.AsyncClient
) -> None:
    r = await anon_api.post(
        "/auth/login", json={"email": system.admin_email.upper(), "password": system.admin_password}
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["success"] is True and body["token"].count(".") == 2
    agent = body["agent"]
    assert agent["email"] == system.admin_email and agent["role"] == "admin"
    assert agent["active"] is True and "createdAt" in agent
    assert not {"password", "passwordHash"} & set(agent)


async def test_me_returns_the_signed_in_agent(admin_api: httpx.AsyncClient, system: System) -> None:
    r = await admin_api.get("/auth/me")
    assert r.status_code == 200
    assert r.json()["agent"]["email"] == system.admin_email


async def test_wrong_password_and_unknown_email_get_the_same_401(
    system: System, anon_api: httpx.AsyncClient
) -> None:
    wrong = await anon_api.post(
        "/auth/login", json={"email": system.admin_email, "password": "not-the-password"}
    )
    unknown = await anon_api.post(
        "/auth/login", json={"email": "nobody@e2e.example.com", "password": "whatever1"}
    )
    for r in (wrong, unknown):
        assert r.status_code == 401
        assert r.json() == {
            "success": False,
            "error": "Invalid credentials",
            "reason": "invalid_credentials",
            "params": {},
        }


async def test_login_body_is_validated(anon_api: httpx.AsyncClient) -> None:
    r = await anon_api.post("/auth/login", json={"email": "a@b.co"})
    assert r.status_code == 422
    assert r.json()["details"] == [{"field": "password", "reason": "Field required"}]


async def test_repeated_failed_logins_for_one_account_are_rate_limited(
    system: System, admin_api: httpx.AsyncClient, anon_api: httpx.AsyncClient
) -> None:
    victim = await create_agent(system, admin_api)
    for _ in range(5):
        r = await anon_api.post(
            "/auth/login", json={"email": victim.email, "password": "guess-123"}
        )
        assert r.status_code == 401
    r = await anon_api.post(
        "/auth/login", json={"email": victim.email, "password": victim.password}
    )
    assert r.status_code == 429
    assert 1 <= int(r.headers["retry-after"]) <= 60
    assert r.json()["success"] is False and "Too many login attempts" in r.json()["error"]


async def test_forwarded_for_is_ignored_from_untrusted_peers(
    system: System, admin_api: httpx.AsyncClient, anon_api: httpx.AsyncClient
) -> None:
    victim = await create_agent(system, admin_api)
    for n in range(5):
        forged = {"X-Forwarded-For": f"198.51.100.{n}", "Forwarded": f"for=198.51.100.{n}"}
        r = await anon_api.post(
            "/auth/login", json={"email": victim.email, "password": "guess-123"}, headers=forged
        )
        assert r.status_code == 401
    r = await anon_api.post(
        "/auth/login",
        json={"email": victim.email, "password": victim.password},
        headers={"X-Forwarded-For": "203.0.113.1"},
    )
    assert r.status_code == 429, r.text
    assert int(r.headers["retry-after"]) >= 1


async def test_missing_malformed_forged_or_foreign_tokens_are_401(
    system: System, anon_api: httpx.AsyncClient, admin_token: str
) -> None:
    header, payload, _ = admin_token.split(".")
    for headers in (
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic YWRtaW46YWRtaW4="},
        {"Authorization": "Bearer not.a.token"},
        {"Authorization": f"Bearer {header}.{payload}.AAAA"},
    ):
        r = await anon_api.get("/auth/me", headers=headers)
        assert r.status_code == 401, headers
        assert r.json()["success"] is False
        assert r.headers["www-authenticate"] == "Bearer"
        r = await anon_api.get("/config/all", headers=headers)
        assert r.status_code == 401, headers


async def test_agents_get_403_on_admin_routes(agent_api: httpx.AsyncClient) -> None:
    # Reading the agent directory and the ticket configuration is open to agents (issue 11).
    for method, path in (
        ("POST", "/agents"),
        ("GET", "/config/all"),
        ("GET", "/config/assistant"),
        ("GET", "/config/instructions-template"),
        ("GET", "/config/presets"),
        ("GET", "/config/history"),
        ("PUT", "/config/ticket-categories"),
        ("PUT", "/config/terminology"),
        ("PUT", "/config/ticket-id-format"),
        ("POST", "/config/presets/restaurant/apply"),
    ):
        r = await agent_api.request(method, path, json={})
        assert r.status_code == 403, (method, path, r.text)
        assert r.json() == {"success": False, "error": "Admin access required"}


async def test_agent_signs_in_and_sees_its_own_profile(
    agent: AgentLogin, agent_api: httpx.AsyncClient
) -> None:
    r = await agent_api.get("/auth/me")
    assert r.status_code == 200
    me = r.json()["agent"]
    assert (me["id"], me["email"], me["role"]) == (agent.id, agent.email, "agent")


async def test_admin_creates_and_lists_agents(system: System, admin_api: httpx.AsyncClient) -> None:
    email = f"Mixed.Case-{uuid.uuid4().hex[:6]}@E2E.example.com"
    r = await admin_api.post(
        "/agents",
        json={
            "email": email,
            "password": "long-enough-phrase",
            "firstName": "Bea",
            "lastName": "Admin",
            "role": "admin",
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()["agent"]
    assert created["email"] == email.lower() and created["role"] == "admin"
    assert not {"password", "passwordHash"} & set(created)

    listed = (await admin_api.get("/agents")).json()
    assert listed["success"] is True
    assert created["id"] in {a["id"] for a in listed["agents"]}
    assert all("passwordHash" not in a for a in listed["agents"])

    # the new admin can work right away
    token = await system.login(email, "long-enough-phrase")
    async with system.api(token) as new_admin:
        assert (await new_admin.get("/agents")).status_code == 200


async def test_duplicate_agent_email_is_409(
    admin_api: httpx.AsyncClient, agent: AgentLogin
) -> None:
    r = await admin_api.post(
        "/agents",
        json={
            "email": agent.email.upper(),
            "password": "long-enough-phrase",
            "firstName": "X",
            "lastName": "Y",
        },
    )
    assert r.status_code == 409
    assert r.json() == {
        "success": False,
        "error": "An agent with this email already exists",
        "reason": "agent_email_taken",
        "params": {"email": agent.email},
    }


async def test_invalid_agent_bodies_are_422_naming_the_field(admin_api: httpx.AsyncClient) -> None:
    good = {
        "email": "new@e2e.example.com",
        "password": "long-enough-phrase",
        "firstName": "A",
        "lastName": "B",
    }
    cases = {
        "email": {**good, "email": "not-an-email"},
        "password": {**good, "password": "short"},
        "firstName": {**good, "firstName": "  "},
        "role": {**good, "role": "superuser"},
        "lastName": {k: v for k, v in good.items() if k != "lastName"},
    }
    for field, body in cases.items():
        r = await admin_api.post("/agents", json=body)
        assert r.status_code == 422, (field, r.text)
        assert field in {d["field"] for d in r.json()["details"]}, (field, r.json())


async def test_unknown_route_is_a_json_404(admin_api: httpx.AsyncClient) -> None:
    r = await admin_api.get("/no-such-thing")
    assert r.status_code == 404
    assert r.json()["success"] is False
