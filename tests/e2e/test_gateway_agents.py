"""The agent directory over HTTP: admins edit, deactivate, reactivate and reset passwords; every
agent changes its own password; revoked tokens stop working on every gateway replica."""

from __future__ import annotations

import uuid

import httpx
import socketio

from tests.support.desk import AgentLogin, create_agent
from tests.support.system import System
from tests.support.waiting import until_passes


async def status_with(system: System, token: str, base: str | None = None) -> int:
    """The status a signed-in read (the directory) answers with this token."""
    async with system.api(token, base) as api:
        return (await api.get("/agents")).status_code


async def login_status(system: System, email: str, password: str) -> int:
    async with system.api() as api:
        r = await api.post("/auth/login", json={"email": email, "password": password})
    return r.status_code


def entry(directory: httpx.Response, agent_id: str) -> dict[str, object]:
    [found] = [a for a in directory.json()["agents"] if a["id"] == agent_id]
    return found  # type: ignore[no-any-return]


async def test_admin_edits_an_agents_name(
    system: System, admin_api: httpx.AsyncClient, agent: AgentLogin
) -> None:
    r = await admin_api.patch(f"/agents/{agent.id}", json={"firstName": "Anabel"})
    assert r.status_code == 200, r.text
    edited = r.json()["agent"]
    assert (edited["firstName"], edited["lastName"], edited["role"]) == ("Anabel", "Agent", "agent")
    assert entry(await admin_api.get("/agents"), agent.id)["firstName"] == "Anabel"
    assert await status_with(system, agent.token) == 200  # a new name keeps the session

    for body, field in (({}, "body"), ({"role": "owner"}, "role"), ({"email": "x@y.z"}, "email")):
        r = await admin_api.patch(f"/agents/{agent.id}", json=body)
        assert r.status_code == 422, (body, r.text)
        assert field in [d["field"] for d in r.json()["details"]], r.text
    r = await admin_api.patch("/agents/nobody", json={"firstName": "X"})
    assert r.status_code == 404, r.text


async def test_agent_management_is_for_admins_only(
    system: System, admin_api: httpx.AsyncClient, agent_api: httpx.AsyncClient
) -> None:
    colleague = await create_agent(system, admin_api)
    for method, path, body in (
        ("PATCH", f"/agents/{colleague.id}", {"firstName": "X"}),
        ("POST", f"/agents/{colleague.id}/deactivate", None),
        ("POST", f"/agents/{colleague.id}/reactivate", None),
        ("POST", f"/agents/{colleague.id}/password", {"password": "another-passphrase"}),
    ):
        r = await agent_api.request(method, path, json=body)
        assert r.status_code == 403, (path, r.text)


async def test_a_deactivated_agents_tokens_stop_working_at_once_on_every_gateway(
    system: System,
    admin_api: httpx.AsyncClient,
    agent: AgentLogin,
    second_gateway_url: str,
) -> None:
    assert await status_with(system, agent.token) == 200
    assert await status_with(system, agent.token, second_gateway_url) == 200
    socket = socketio.AsyncClient(reconnection=False)
    await socket.connect(second_gateway_url, auth={"token": agent.token}, wait_timeout=5)

    r = await admin_api.post(f"/agents/{agent.id}/deactivate")
    assert r.status_code == 200, r.text
    assert r.json()["agent"]["active"] is False
    assert await status_with(system, agent.token) == 401  # this gateway: at once

    async def refused_on_the_other_gateway() -> None:
        assert await status_with(system, agent.token, second_gateway_url) == 401
        assert not socket.connected

    await until_passes(
        refused_on_the_other_gateway, what="the revocation reached the other gateway"
    )
    assert await login_status(system, agent.email, agent.password) == 403
    assert entry(await admin_api.get("/agents"), agent.id)["active"] is False

    r = await admin_api.post(f"/agents/{agent.id}/reactivate")
    assert r.status_code == 200, r.text
    assert r.json()["agent"]["active"] is True
    fresh = await system.login(agent.email, agent.password)
    assert await status_with(system, fresh) == 200
    assert await status_with(system, fresh, second_gateway_url) == 200
    assert await status_with(system, agent.token) == 401  # tokens from before stay refused
    assert await status_with(system, agent.token, second_gateway_url) == 401


async def test_a_new_role_ends_the_old_sessions(
    system: System, admin_api: httpx.AsyncClient, agent: AgentLogin
) -> None:
    r = await admin_api.patch(f"/agents/{agent.id}", json={"role": "admin"})
    assert r.status_code == 200, r.text
    assert await status_with(system, agent.token) == 401
    token = await system.login(agent.email, agent.password)
    async with system.api(token) as api:
        r = await api.get("/agents")
        assert r.status_code == 200
        assert all("email" in a for a in r.json()["agents"])  # admins see emails now


async def test_admin_resets_a_password(
    system: System, admin_api: httpx.AsyncClient, agent: AgentLogin
) -> None:
    r = await admin_api.post(f"/agents/{agent.id}/password", json={"password": "short"})
    assert r.status_code == 422, r.text
    assert [d["field"] for d in r.json()["details"]] == ["password"]
    new_password = "reset-" + uuid.uuid4().hex[:12]
    r = await admin_api.post(f"/agents/{agent.id}/password", json={"password": new_password})
    assert r.status_code == 200, r.text
    assert await status_with(system, agent.token) == 401
    assert await login_status(system, agent.email, agent.password) == 401
    assert await login_status(system, agent.email, new_password) == 200


async def test_an_admin_resets_its_own_password_only_with_the_current_one(
    system: System, admin_api: httpx.AsyncClient
) -> None:
    """A stolen admin token must not become a permanent takeover."""
    boss = await create_agent(system, admin_api, role="admin")
    new_password = "boss-" + uuid.uuid4().hex[:12]
    async with system.api(boss.token) as api:
        for body in (
            {"password": new_password},
            {"password": new_password, "currentPassword": "not-it-at-all"},
        ):
            r = await api.post(f"/agents/{boss.id}/password", json=body)
            assert r.status_code == 422, r.text
            assert [d["field"] for d in r.json()["details"]] == ["currentPassword"]
        assert await login_status(system, boss.email, new_password) == 401
        body = {"password": new_password, "currentPassword": boss.password}
        r = await api.post(f"/agents/{boss.id}/password", json=body)
        assert r.status_code == 200, r.text
    assert await login_status(system, boss.email, new_password) == 200


async def test_every_agent_changes_its_own_password_with_the_current_one(
    system: System, agent_api: httpx.AsyncClient, agent: AgentLogin
) -> None:
    new_password = "mine-" + uuid.uuid4().hex[:12]
    for body, field in (
        ({"currentPassword": "not-it-at-all", "newPassword": new_password}, "currentPassword"),
        ({"newPassword": new_password}, "currentPassword"),
        ({"currentPassword": agent.password, "newPassword": "short"}, "newPassword"),
        ({"currentPassword": agent.password, "newPassword": agent.password}, "newPassword"),
    ):
        r = await agent_api.post("/auth/password", json=body)
        assert r.status_code == 422, (body, r.text)
        assert [d["field"] for d in r.json()["details"]] == [field], r.text
    r = await agent_api.post(
        "/auth/password", json={"currentPassword": agent.password, "newPassword": new_password}
    )
    assert r.status_code == 200, r.text
    assert await status_with(system, agent.token) == 200  # still signed in
    assert await login_status(system, agent.email, agent.password) == 401
    assert await login_status(system, agent.email, new_password) == 200
