"""Every HTTP answer carries its request id (the caller's, or a new one) and gets an access-log
line with method, path, status, duration and agent, never a token or a query string."""

from __future__ import annotations

import logging

import pytest

from tests.support.gateway_app import PASSWORD, gateway_app


async def test_a_callers_request_id_is_echoed_and_a_missing_one_is_made() -> None:
    async with gateway_app() as gw, gw.client() as api:
        given = await api.get("/auth/me", headers={"X-Request-ID": "trace-abc.123"})
        assert given.headers["x-request-id"] == "trace-abc.123"
        made = await api.get("/auth/me")
        assert len(made.headers["x-request-id"]) == 32
        junk = await api.get("/auth/me", headers={"X-Request-ID": "bad id\twith spaces"})
        assert junk.headers["x-request-id"] != "bad id\twith spaces"


async def test_the_access_log_names_the_agent_and_never_the_token(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with gateway_app() as gw, gw.client() as api:
        agent = await gw.agent()
        token = (
            await api.post("/auth/login", json={"email": agent.email, "password": PASSWORD})
        ).json()["token"]
        with caplog.at_level(logging.INFO, logger="gateway.access"):
            r = await api.get(
                "/auth/me?secret=1",
                headers={"Authorization": f"Bearer {token}", "X-Request-ID": "req-1"},
            )
        assert r.status_code == 200
    [message] = [
        rec.getMessage()
        for rec in caplog.records
        if rec.name == "gateway.access" and "/auth/me" in rec.getMessage()
    ]
    assert message.startswith("GET /api/v2/auth/me 200 ")
    assert f"agent={agent.id}" in message
    assert token not in message and "secret" not in message


async def test_metrics_count_requests_by_route_template_not_raw_path() -> None:
    async with gateway_app() as gw, gw.client() as api:
        await api.get("/tickets/LUX-2026-000001")  # 401 without a token: still one request
        text = (await api.get("http://gateway/metrics")).text
    assert 'route="/tickets/{ticket_id}"' in text
    assert "LUX-2026-000001" not in text


async def test_the_access_log_caps_a_long_path(caplog: pytest.LogCaptureFixture) -> None:
    async with gateway_app() as gw, gw.client() as api:
        with caplog.at_level(logging.INFO, logger="gateway.access"):
            await api.get("/x" + "y" * 5000)
    [message] = [r.getMessage() for r in caplog.records if r.name == "gateway.access"]
    assert len(message) < 400
    assert message.startswith("GET /api/v2/xyyy") and "(5009 characters)" in message
