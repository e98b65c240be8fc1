"""What `/ready` tells a load balancer: only the broker and the services the gateway cannot serve
without take it out of rotation; other silent services are reported as degraded."""

from __future__ import annotations

from typing import Any

from gateway.routes.health import assess

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
