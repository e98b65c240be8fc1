"""What the web console needs from the gateway: configuration and the agent directory readable
by every agent, config changes pushed over Socket.IO, and the console's build served at `/`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.desk import AgentLogin
from tests.support.sockets import Listener
from tests.support.system import System

INDEX = "<!doctype html><html><head><base href='/'></head><body><app-root></app-root></body></html>"


async def test_agents_read_categories_terminology_and_id_format(
    system: System, agent_api: httpx.AsyncClient, admin_api: httpx.AsyncClient
) -> None:
    system.require("config")
    everything = (await admin_api.get("/config/all")).json()["configurations"]
    r = await agent_api.get("/config/ticket-categories")
    assert r.status_code == 200, r.text
    assert r.json()["categories"] == everything["ticketCategories"]
    r = await agent_api.get("/config/terminology")
    assert r.json()["terminology"] == everything["terminology"]
    r = await agent_api.get("/config/ticket-id-format")
    assert r.json()["format"] == everything["ticketIdFormat"]


async def test_console_configuration_is_one_read_with_language_and_no_assistant_internals(
    system: System, agent_api: httpx.AsyncClient, admin_api: httpx.AsyncClient
) -> None:
    system.require("config")
    everything = (await admin_api.get("/config/all")).json()["configurations"]
    r = await agent_api.get("/config/console")
    assert r.status_code == 200, r.text
    console = r.json()["configuration"]
    assistant = everything["assistantConfiguration"]
    assert console == {
        "ticketCategories": everything["ticketCategories"],
        "terminology": everything["terminology"],
        "ticketIdFormat": everything["ticketIdFormat"],
        "language": assistant["language"],
        "companyName": assistant["companyName"],
    }


async def test_agents_still_cannot_change_configuration(agent_api: httpx.AsyncClient) -> None:
    r = await agent_api.put("/config/terminology", json={})
    assert r.status_code == 403
    assert (await agent_api.get("/config/assistant/rendered")).status_code == 403


async def test_every_agent_reads_the_directory_without_emails(
    agent: AgentLogin, agent_api: httpx.AsyncClient, system: System
) -> None:
    r = await agent_api.get("/agents")
    assert r.status_code == 200, r.text
    entries = r.json()["agents"]
    me = next(a for a in entries if a["id"] == agent.id)
    assert me == {
        "id": agent.id,
        "firstName": "Ana",
        "lastName": "Agent",
        "role": "agent",
        "active": True,
    }
    assert all("email" not in a and "passwordHash" not in a for a in entries)
    assert any(a["role"] == "admin" for a in entries)


async def test_admins_see_emails_in_the_directory(
    agent: AgentLogin, admin_api: httpx.AsyncClient
) -> None:
    entries = (await admin_api.get("/agents")).json()["agents"]
    me = next(a for a in entries if a["id"] == agent.id)
    assert me["email"] == agent.email
    assert all("passwordHash" not in a for a in entries)


async def test_directory_needs_a_signed_in_agent(anon_api: httpx.AsyncClient) -> None:
    assert (await anon_api.get("/agents")).status_code == 401


async def test_saved_configuration_change_reaches_open_consoles_as_config_updated(
    system: System, gateway_url: str, agent: AgentLogin, admin_api: httpx.AsyncClient
) -> None:
    system.require("config")
    terminology = (await admin_api.get("/config/terminology")).json()["terminology"]
    async with Listener(gateway_url, agent.token, events=["config_updated"]) as console:
        r = await admin_api.put("/config/terminology", json=terminology)
        assert r.status_code == 200, r.text
        event = await console.wait_for("config_updated", lambda _: True, timeout=10)
    assert event["keys"] == ["ticket_terminology"]
    assert event["eventId"] and event["occurredAt"]


# --- the console's build served at / --------------------------------------------------------


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for `web/dist/uts-console/browser`."""
    root = tmp_path_factory.mktemp("console")
    (root / "index.html").write_text(INDEX)
    (root / "main-AB12CD34.js").write_text("console.log('console')")
    (root / "favicon.ico").write_bytes(b"\0\0\1\0")
    return root


@pytest.fixture(scope="module")
async def console_gateway(system: System, build_dir: Path) -> AsyncIterator[str]:
    url = await system.start_gateway("gateway-console", CONSOLE_DIR=str(build_dir))
    yield url
    system.stop("gateway-console")


async def test_root_and_deep_links_load_the_console(console_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=console_gateway) as http:
        for path in ("/", "/tickets", "/tickets/LUX-2026-000001", "/settings/categories"):
            r = await http.get(path)
            assert r.status_code == 200, path
            assert r.text == INDEX, path
            assert r.headers["content-type"].startswith("text/html")
            assert r.headers["cache-control"] == "no-cache"


async def test_build_files_are_served_and_hashed_ones_cached_for_good(
    console_gateway: str,
) -> None:
    async with httpx.AsyncClient(base_url=console_gateway) as http:
        r = await http.get("/main-AB12CD34.js")
        assert r.status_code == 200 and "console" in r.text
        assert "immutable" in r.headers["cache-control"]
        assert (await http.get("/favicon.ico")).status_code == 200
        missing = await http.get("/main-MISSING.js")
        assert missing.status_code == 404
        assert "root:" not in (await http.get("/%2e%2e/%2e%2e/etc/passwd")).text


async def test_a_path_no_file_can_have_is_a_404_not_an_error(console_gateway: str) -> None:
    async with httpx.AsyncClient(base_url=console_gateway) as http:
        for path in ("/favicon.ico%00.html", "/main-AB12CD34.js%00", "/" + "a" * 5000 + ".js"):
            r = await http.get(path)
            assert r.status_code == 404, (path[:40], r.status_code, r.text[:200])
        assert (await http.get("/tickets%00")).status_code in (200, 404)


async def test_api_socketio_docs_and_health_are_untouched_by_the_console(
    console_gateway: str,
) -> None:
    async with httpx.AsyncClient(base_url=console_gateway) as http:
        assert (await http.get("/health")).json()["status"] == "ok"
        assert (await http.get("/ready")).status_code == 200
        assert "swagger" in (await http.get("/docs")).text.lower()
        assert (await http.get("/openapi.json")).json()["info"]["title"]
        assert (await http.get("/asyncapi.json")).json()["asyncapi"].startswith("3.")
        r = await http.get("/socket.io/", params={"EIO": "4", "transport": "polling"})
        assert r.status_code in (200, 400)  # Socket.IO answers (refusal needs auth), not index
        assert INDEX not in r.text
        unknown = await http.get("/api/v2/no-such-route")
        assert unknown.status_code == 404
        assert unknown.json()["success"] is False


async def test_missing_build_says_how_to_build_it(console_gateway: str, build_dir: Path) -> None:
    index = build_dir / "index.html"
    index.rename(build_dir / "index.html.away")
    try:
        async with httpx.AsyncClient(base_url=console_gateway) as http:
            r = await http.get("/tickets")
        assert r.status_code == 503
        assert "npm ci" in r.text and "make run" in r.text
    finally:
        (build_dir / "index.html.away").rename(index)
