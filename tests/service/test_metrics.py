"""Every process exposes Prometheus metrics: RPC latency per queue and outcome on both sides,
events published, the outbox backlog, broker traffic (FastStream's), served over HTTP on its
own METRICS_PORT beside its liveness and readiness probes."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
from prometheus_client import REGISTRY, Histogram

from tests.support.tickets_helpers import tickets_env
from uts_shared import healthcheck
from uts_shared.contracts import tickets as t
from uts_shared.errors import NotFound
from uts_shared.metrics import exposition, queue_label, stable_destination
from uts_shared.probes import Probed, ProbesApp, ProbeServer, bind


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
        # The caller counts an error reply as that error, not as a reply like any other.
        assert sample("uts_rpc_call_seconds_count", queue="tickets.get", outcome="ok") >= 1
        assert sample("uts_rpc_call_seconds_count", queue="tickets.get", outcome="not_found") >= 1
        await env.recorder.wait_one("ticket.created", ticket.ticket_id)
        assert sample("uts_events_published_total", type="ticket.created") == created_before + 1
        assert REGISTRY.get_sample_value("uts_outbox_pending") is not None


async def test_metrics_and_probes_are_served_over_http_on_the_metrics_port(
    rabbit_url: str, mongo_url: str | None
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env, probes_of(env.service) as base:
        await env.rpc.call(t.STATS, t.StatsQuery())
        async with httpx.AsyncClient(base_url=base, timeout=5) as http:
            text = await http.get("/metrics")
            open_metrics = await http.get(
                "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
            )
            live = await http.get("/health/live")
            ready = await http.get("/health/ready")
            await env.service.stop()  # stopping: no longer ready, still alive
            stopped = await http.get("/health/ready")
            still_live = await http.get("/health/live")

    assert text.headers["content-type"].startswith("text/plain")
    assert "uts_rpc_handled_seconds_bucket" in text.text
    assert "faststream_received_messages_total" in text.text
    series = {line.split("{")[0].split(" ")[0] for line in text.text.splitlines()}
    assert not [n for n in series if n.endswith("_created")]  # creation times are off
    # No label value names an instance: a restarted replica continues the same series.
    assert env.service.instance not in text.text
    assert 'app_name="tickets"' in text.text
    assert open_metrics.headers["content-type"].startswith("application/openmetrics-text")
    assert open_metrics.text.endswith("# EOF\n")
    assert live.status_code == 200 and live.json()["instances"] == [env.service.instance]
    assert ready.status_code == 200, ready.text
    [checks] = ready.json()["instances"]
    assert checks == {
        "instance": env.service.instance,
        "started": "ok",
        "broker": "ok",
        "store": "ok",
    }
    assert stopped.status_code == 503 and stopped.json()["status"] == "unavailable"
    assert still_live.status_code == 200


@contextlib.asynccontextmanager
async def probes_of(*services: Probed, port: int = 0) -> AsyncIterator[str]:
    server = ProbeServer(ProbesApp("tickets", lambda: services), "127.0.0.1", port)
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop()


async def test_port_zero_picks_a_free_port_and_prints_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with probes_of() as base:
        printed = capsys.readouterr().out
        answer = await httpx.AsyncClient().get(f"{base}/health/live", timeout=5)
    assert f"tickets: metrics and probes at {base}" in printed
    assert not base.endswith(":0") and answer.status_code == 200
    # An instance-less process is alive but not ready.
    async with probes_of() as base:
        assert (await httpx.AsyncClient().get(f"{base}/health/ready")).status_code == 503


def test_a_metrics_port_in_use_is_refused_in_one_line_naming_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(SystemExit) as refused:
            bind("127.0.0.1", port)
    assert refused.value.code == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert f"METRICS_PORT={port}" in line and "0 for any free one" in line


def test_only_families_this_process_recorded_are_exported() -> None:
    untouched = Histogram("uts_test_untouched_seconds", "never observed", ["queue"])
    try:
        assert "uts_test_untouched_seconds" not in exposition(None)[0].decode()
        untouched.labels("q").observe(0.1)
        assert "uts_test_untouched_seconds_count" in exposition(None)[0].decode()
    finally:
        REGISTRY.unregister(untouched)


def test_label_values_name_no_instance() -> None:
    assert queue_label("rpc.reply.gateway-1a2b3c4d.0123456789ab") == "rpc.reply"
    assert queue_label("gateway.relay.1a2b3c4d", exclusive=True) == "gateway.relay"
    assert queue_label("tickets.get") == "tickets.get"
    assert stable_destination("default.rpc.reply.tickets.0123456789ab") == "default.rpc.reply"
    assert stable_destination("uts.events.ticket.created") == "uts.events.ticket.created"


async def test_the_container_healthcheck_asks_this_processs_own_probe(
    rabbit_url: str, mongo_url: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with tickets_env(rabbit_url, mongo_url) as env, probes_of(env.service) as base:
        monkeypatch.setenv("METRICS_HOST", "0.0.0.0")
        monkeypatch.setenv("METRICS_PORT", base.rsplit(":", 1)[1])
        ready = await asyncio.to_thread(healthcheck.main, ["ready"])
        live = await asyncio.to_thread(healthcheck.main, ["live"])
        await env.service.stop()
        stopped = await asyncio.to_thread(healthcheck.main, ["ready"])
        still_live = await asyncio.to_thread(healthcheck.main, ["live"])
    monkeypatch.delenv("METRICS_PORT")
    unset = healthcheck.main(["ready"])

    assert (ready, live, stopped, still_live, unset) == (0, 0, 1, 0, 1)
