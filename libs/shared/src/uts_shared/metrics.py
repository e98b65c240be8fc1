"""Prometheus metrics every process exposes (the gateway at `/metrics`, services on
`METRICS_PORT`): request/RPC latency per route and queue, errors by code, events published and
relayed, dead letters, the outbox backlog, Socket.IO connections. FastStream's own middleware
adds per-queue message counts and sizes (`faststream_*`).
"""

from __future__ import annotations

import logging
import threading

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

RPC_HANDLED = Histogram(
    "uts_rpc_handled_seconds",
    "Time a service took to answer one request, by queue and outcome (ok or an error code).",
    ["queue", "outcome"],
    buckets=LATENCY_BUCKETS,
)
RPC_CALLS = Histogram(
    "uts_rpc_call_seconds",
    "Time a caller waited for a reply, by queue and outcome.",
    ["queue", "outcome"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_PUBLISHED = Counter(
    "uts_events_published_total", "Events confirmed by the broker, by routing key.", ["type"]
)
EVENTS_RELAYED = Counter(
    "uts_events_relayed_total", "Events published late by an outbox relay (not the writer)."
)
DEAD_LETTERED = Counter(
    "uts_dead_lettered_total", "Messages refused and dead-lettered, by queue.", ["queue"]
)
OUTBOX_PENDING = Gauge("uts_outbox_pending", "Tickets with events not yet published.")
OUTBOX_OLDEST = Gauge(
    "uts_outbox_oldest_age_seconds", "Age of the oldest event waiting in an outbox (0: none)."
)
HTTP_REQUESTS = Histogram(
    "uts_http_request_seconds",
    "Gateway HTTP requests by method, route template and status.",
    ["method", "route", "status"],
    buckets=LATENCY_BUCKETS,
)
SOCKETS = Gauge("uts_socketio_connections", "Connected, authenticated Socket.IO clients.")
CONFIG_READS = Counter(
    "uts_config_reads_total", "Configuration values read, from a cache or not.", ["source"]
)

_served: set[int] = set()
_lock = threading.Lock()


def serve_metrics(port: int | None) -> None:
    """Expose this process's metrics over HTTP on `port` (once per process; None: not at all)."""
    if port is None:
        return
    with _lock:
        if port in _served:
            return
        start_http_server(port, registry=REGISTRY)
        _served.add(port)
    log.info("metrics at http://0.0.0.0:%d/metrics", port)
