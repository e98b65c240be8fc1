"""What `/ready` tells a load balancer: only the broker and the services the gateway cannot serve
without take it out of rotation; other silent services are reported as degraded."""

from __future__ import annotations

from typing import Any

from gateway.agents import AgentChanges
from gateway.auth import Role
from gateway.routes.health import assess
from tests.support.gateway_app import PASSWORD, gateway_app
from tests.support.processes import free_port

CRITICAL = ["tickets"]


def health(**ok: bool) -> dict[str, dict[str, Any]]:
    return {name: {"ok": up} for name, up in ok.items()}


def test_everything_answering_is_ready() -> None:
    report = assess(
        True, health(config=True, tickets=True, **{"ai-tools": True}), critical=CRITICAL
    )
    assert (report.status, report.success, report.degraded) == ("ready", True, [])
    assert {n: s["critical"] for n, s in report.services.items()} == {
        "config": False,
        "tickets": True,
        "ai-tools": False,
    }


def test_a_silent_config_or_ai_tools_service_is_degraded_not_down() -> None:
    report = assess(
        True, health(config=False, tickets=True, **{"ai-tools": False}), critical=CRITICAL
    )
    assert (report.status, report.success) == ("degraded", False)
    assert report.degraded == ["config", "ai-tools"]


def test_a_silent_tickets_service_or_broker_takes_it_out_of_rotation() -> None:
    assert assess(True, health(config=True, tickets=False), critical=CRITICAL).status == (
        "unavailable"
    )
    down = assess(False, health(config=False, tickets=False), critical=CRITICAL)
    assert (down.status, down.broker, down.degraded) == ("unavailable", "down", ["config"])


async def test_ready_gives_its_detail_only_to_this_machine_or_an_admin() -> None:
    """A load balancer needs the status; the services, their instances and data paths are for
    the operators (the Ingress reaches `/ready` from the internet)."""
    async with gateway_app(ready_timeout=0.2) as gw:
        admin = await gw.agent("boss@example.com")
        await gw.gateway.agents.edit(admin.id, AgentChanges(role=Role.ADMIN), by="test")
        agent = await gw.agent("ana@example.com")
        async with gw.client(peer="203.0.113.5") as outside:
            tokens = {}
            for who in (admin, agent):
                r = await outside.post(
                    "/auth/login", json={"email": who.email, "password": PASSWORD}
                )
                tokens[who.id] = {"Authorization": f"Bearer {r.json()['token']}"}
            plain = await outside.get("http://gateway/ready")
            as_agent = await outside.get("http://gateway/ready", headers=tokens[agent.id])
            as_admin = await outside.get("http://gateway/ready", headers=tokens[admin.id])
        async with gw.client() as local:
            here = await local.get("http://gateway/ready")
    for summary in (plain, as_agent):
        assert set(summary.json()) == {"success", "status"}, summary.text
        assert summary.status_code == here.status_code
    for detailed in (as_admin, here):
        assert {"broker", "services", "degraded"} <= set(detailed.json()), detailed.text


async def test_metrics_leave_the_public_port_when_they_have_a_port_of_their_own() -> None:
    async with gateway_app() as gw, gw.client() as api:
        assert (await api.get("http://gateway/metrics")).status_code == 200
    async with gateway_app(metrics_port=free_port()) as gw, gw.client() as api:
        assert (await api.get("http://gateway/metrics")).status_code == 404
