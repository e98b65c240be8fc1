"""A silent service is a prompt 504, never a hang; the gateway itself stays up and says so."""

from __future__ import annotations

import time

import httpx

from tests.support.system import System


async def test_stopped_config_service_is_504_within_the_rpc_timeout_then_recovers(
    system: System, second_gateway_url: str
) -> None:
    system.require("config")
    token = await system.login(system.admin_email, system.admin_password, base=second_gateway_url)
    replicas = system.names("config")
    async with system.api(token, base=second_gateway_url) as api:
        try:
            for name in replicas:
                system.stop(name)
            started = time.monotonic()
            r = await api.get("/config/ticket-categories")
            elapsed = time.monotonic() - started
            assert r.status_code == 504, r.text
            assert r.json() == {
                "success": False,
                "error": "the service behind 'config.categories.get' did not answer within 1.5s",
            }
            assert 1.4 <= elapsed < 3.0

            async with httpx.AsyncClient(base_url=second_gateway_url) as root:
                assert (await root.get("/health")).status_code == 200
                ready = await root.get("/ready")
            # Sign-in and tickets work without config: still in rotation, reported degraded.
            assert ready.status_code == 200, ready.text
            assert ready.json()["status"] == "degraded"
            assert ready.json()["degraded"] == ["config"]
            assert ready.json()["services"]["config"]["ok"] is False
            r = await api.get("/tickets", params={"limit": 1})
            assert r.status_code == 200, r.text
        finally:
            for name in replicas:
                await system.restart(name)

        r = await api.get("/config/ticket-categories")
        assert r.status_code == 200, r.text
