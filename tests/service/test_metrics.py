"""Every process exposes Prometheus metrics: RPC latency per queue and outcome, events
published, the outbox backlog, broker traffic (FastStream's), served over HTTP on METRICS_PORT."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import REGISTRY

from tests.support.processes import free_port
from tests.support.tickets_helpers import tickets_env
from uts_shared.contracts import tickets as t
from uts_shared.errors import NotFound
from uts_shared.metrics import serve_metrics


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_rpc_latency_errors_and_events_are_counted(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env:
        ok_before = sample("uts_rpc_handled_seconds_count", queue="tickets.get", outcome="ok")
        missing_before = sample(
            "uts_rpc_handled_seconds_count", queue="tickets.get", outcome="not_found"
        )
        created_before = sample("uts_events_published_total", type="ticket.created")
        ticket = await env.ticket(await env.customer())
        await env.rpc.call(t.GET, t.GetTicket(ticket_id=ticket.ticket_id))
        with pytest.raises(NotFound):
            await env.rpc.call(t.GET, t.GetTicket(ticket_id="LUX-1900-000001"))
        assert sample("uts_rpc_handled_seconds_count", queue="tickets.get", outcome="ok") == (
            ok_before + 1
        )
        assert sample(
            "uts_rpc_handled_seconds_count", queue="tickets.get", outcome="not_found"
        ) == (missing_before + 1)
        assert sample("uts_rpc_call_seconds_count", queue="tickets.get", outcome="replied") >= 2
        await env.recorder.wait_one("ticket.created", ticket.ticket_id)
        assert sample("uts_events_published_total", type="ticket.created") == created_before + 1
        assert REGISTRY.get_sample_value("uts_outbox_pending") is not None


def test_metrics_are_served_over_http_on_the_metrics_port() -> None:
    port = free_port()
    serve_metrics(port)
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert "uts_rpc_handled_seconds_bucket" in text
    assert "faststream_received_messages_total" in text
