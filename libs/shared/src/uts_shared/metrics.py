"""Prometheus metrics every process exposes (the gateway at `/metrics` on its own port unless
`METRICS_PORT` is set, services on `METRICS_PORT` beside their probes, `uts_shared.probes`):
request/RPC latency per queue and outcome, events published, dead letters, configuration reads.
Metrics only one service has live in that service (the outbox's in the tickets service, HTTP and
Socket.IO in the gateway). FastStream's own middleware adds per-queue message counts and sizes
(`faststream_*`).

What is served (`exported`): each process only its own metrics, the families it has recorded
something in (a labelled histogram no request of this process touched is left out, so the
config service does not list the gateway's HTTP routes); no `_created` series; no label value
that names an instance (`stable_destination`, `queue_label`): a replica that restarts under a
new id continues the same series.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import prometheus_client
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from faststream.message import StreamMessage
    from faststream.prometheus import ConsumeAttrs
    from faststream.rabbit.response import RabbitPublishCommand

# Counters' and histograms' creation times are one series more each, and nobody graphs them.
prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

RPC_HANDLED = Histogram(
    "uts_rpc_handled_seconds",
    "Time a service took to answer one request, by queue and outcome (ok or an error code).",
    ["queue", "outcome"],
    buckets=LATENCY_BUCKETS,
)
RPC_CALLS = Histogram(
    "uts_rpc_call_seconds",
    "Time a caller waited for a reply, by queue and outcome (ok, the error reply's code, "
    "timeout or unavailable).",
    ["queue", "outcome"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_PUBLISHED = Counter(
    "uts_events_published_total", "Events confirmed by the broker, by routing key.", ["type"]
)
DEAD_LETTERED = Counter(
    "uts_dead_lettered_total", "Messages refused and dead-lettered, by queue.", ["queue"]
)
CONFIG_READS = Counter(
    "uts_config_reads_total", "Configuration values read, from a cache or not.", ["source"]
)

REPLY_QUEUES = "rpc.reply."
"""How every caller's own reply queue begins (`rpc.reply.<caller>.<random>`)."""


def queue_label(name: str, *, exclusive: bool = False) -> str:
    """A queue's name as a label value: a process's own queue (exclusive, named
    `<purpose>.<instance>`) by its purpose, a reply queue as `rpc.reply`."""
    if name.startswith(REPLY_QUEUES):
        return REPLY_QUEUES.rstrip(".")
    if exclusive and "." in name:
        return name.rsplit(".", 1)[0]
    return name


def stable_destination(name: str) -> str:
    """FastStream's `<exchange>.<routing key>` label with a reply queue's random name left out."""
    exchange, _, key = name.partition(".")
    return f"{exchange}.{queue_label(key)}" if key.startswith(REPLY_QUEUES) else name


class _OwnFamilies(Collector):
    """The default registry's families that hold a sample (see the module docstring)."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self._registry = registry

    def collect(self) -> Iterable[Metric]:
        return (family for family in self._registry.collect() if family.samples)


exported = CollectorRegistry(auto_describe=False)
exported.register(_OwnFamilies(REGISTRY))
"""What `/metrics` serves: this process's families with something in them."""


def exposition(accept: str | None) -> tuple[bytes, str]:
    """The exported metrics in the format `accept` asks for (OpenMetrics or Prometheus text)."""
    encoder, content_type = choose_encoder(accept or "")
    return encoder(exported), content_type


def metrics_app() -> Any:
    """prometheus_client's ASGI app over `exported` (content negotiation, gzip)."""
    return prometheus_client.make_asgi_app(registry=exported)


def broker_metrics(app_name: str) -> Any:
    """FastStream's Prometheus middleware for a broker of the service `app_name`, its
    destination labels free of reply queues' random names."""
    from faststream.prometheus.middleware import PrometheusMiddleware
    from faststream.rabbit.prometheus.provider import RabbitMetricsSettingsProvider

    class StableNames(RabbitMetricsSettingsProvider):
        def get_consume_attrs_from_message(self, msg: StreamMessage[Any]) -> ConsumeAttrs:
            attrs = super().get_consume_attrs_from_message(msg)
            attrs["destination_name"] = stable_destination(attrs["destination_name"])
            return attrs

        def get_publish_destination_name_from_cmd(self, cmd: RabbitPublishCommand) -> str:
            return stable_destination(super().get_publish_destination_name_from_cmd(cmd))

    return PrometheusMiddleware(
        settings_provider_factory=lambda _: StableNames(),
        registry=REGISTRY,
        app_name=app_name,
    )
