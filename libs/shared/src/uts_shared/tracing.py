"""OpenTelemetry traces: one trace per request, across processes, exported over OTLP.

Off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set (`configure_tracing`, called by each `main()`):
then a `TracerProvider` with a batch processor and the OTLP/HTTP exporter (which reads the
standard `OTEL_EXPORTER_OTLP_*` variables itself; `OTEL_TRACES_SAMPLER` picks the sampler) and
the resource `service.name` and `service.instance.id` (the id the logs, `/ready` and the probes
show). Off, every helper here returns at its first `if`: no span, no header, nothing stored.

On, the trace context travels in the same AMQP headers as the request id (`uts_shared.logs`),
written and read by OpenTelemetry's global propagator (`OTEL_PROPAGATORS`; W3C `traceparent`
and baggage by default): `messaging` opens a CLIENT span around each RPC round trip, a SERVER
span around each request handled, a PRODUCER span around each event published and a CONSUMER
span around each event handled, each a child of the one whose context its message carried.
Spans follow OpenTelemetry's messaging conventions: named `<operation> <destination>`
(`send tickets.get`, `process tickets.get`, `publish ticket.created`, `process ticket.created`:
an event's routing key names it, as every event goes through the one exchange), with
`messaging.operation.name` and `.type`, and status ERROR when the operation failed (an
exception, an error reply to the caller, an internal error on the service's side). The
tickets outbox stores the W3C `traceparent` of the write with each event, so an event the relay
publishes later still joins the trace that caused it. The gateway's FastAPI instrumentation
makes the HTTP request the root; the PyMongo instrumentation adds a span per command sent to a
real MongoDB server (the embedded engine is in-process and has none).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping, MutableMapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

if TYPE_CHECKING:
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider

log = logging.getLogger(__name__)

ENDPOINT_VARIABLE = "OTEL_EXPORTER_OTLP_ENDPOINT"
TRACEPARENT = "traceparent"
SYSTEM = "rabbitmq"

_PROPAGATOR = TraceContextTextMapPropagator()
"""How the outbox stores a write's context (a `traceparent`, whatever travels in headers)."""

_provider: TracerProvider | None = None
_tracer: Tracer | None = None
"""None: tracing is off (the one thing every hot path looks at)."""
_PYMONGO = "opentelemetry.instrumentation.pymongo"
_db_tracer: Tracer | None = None
"""The tracer of the PyMongo instrumentation's spans (see `_DbTracer`)."""


def configure_tracing(service: str, instance: str | None = None) -> bool:
    """Trace this process as `service` (`instance`: its `service.instance.id`) when
    `OTEL_EXPORTER_OTLP_ENDPOINT` is set; else nothing.

    Returns whether tracing is on. The provider also becomes OpenTelemetry's global one.
    """
    provider = provider_from_environment(service, instance)
    if provider is None:
        return False
    trace.set_tracer_provider(provider)
    use_provider(provider)
    log.info("tracing on: spans of %s go to %s", service, os.environ[ENDPOINT_VARIABLE])
    return True


def provider_from_environment(service: str, instance: str | None = None) -> TracerProvider | None:
    """The OTLP-exporting provider `OTEL_EXPORTER_OTLP_ENDPOINT` asks for, or None (unset)."""
    if not os.environ.get(ENDPOINT_VARIABLE):
        return None
    # Imported only when tracing is on: a process without it never loads the SDK.
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=resource(service, instance))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    return provider


def resource(service: str, instance: str | None) -> Resource:
    """`service.name` (OTEL_SERVICE_NAME wins over the service's own) and `service.instance.id`,
    over what OTEL_RESOURCE_ATTRIBUTES adds."""
    from opentelemetry.sdk.resources import SERVICE_INSTANCE_ID, SERVICE_NAME, Resource

    named: dict[str, str] = {} if os.environ.get("OTEL_SERVICE_NAME") else {SERVICE_NAME: service}
    if instance is not None:
        named[SERVICE_INSTANCE_ID] = instance
    return Resource.create(named)


def use_provider(provider: TracerProvider | None) -> None:
    """Trace with `provider` from now on; None turns tracing off again (tests install one with
    an in-memory exporter). Brokers and clients made before keep working either way."""
    global _provider, _tracer, _db_tracer
    if provider is not None:
        stable_http_conventions()
    _provider = provider
    _tracer = None if provider is None else provider.get_tracer("uts_shared.messaging")
    _db_tracer = None if provider is None else provider.get_tracer(_PYMONGO)
    _instrument_pymongo(on=provider is not None)


SEMCONV_OPT_IN = "OTEL_SEMCONV_STABILITY_OPT_IN"


def stable_http_conventions() -> None:
    """HTTP spans with the stable semantic conventions (`http.request.method`, `url.path`,
    `http.response.status_code`), unless OTEL_SEMCONV_STABILITY_OPT_IN already chose for HTTP
    (e.g. `http/dup`). Read once, by the first instrumentation: set before any is made."""
    chosen = [v.strip() for v in os.environ.get(SEMCONV_OPT_IN, "").split(",") if v.strip()]
    if not any(v.startswith("http") for v in chosen):
        os.environ[SEMCONV_OPT_IN] = ",".join([*chosen, "http"])


def provider() -> TracerProvider | None:
    """The provider in use, None when tracing is off (e.g. for the FastAPI instrumentation)."""
    return _provider


class _DbTracer(Tracer):
    """The PyMongo instrumentation's tracer: the provider in use when a command starts (its
    listener is registered once per process, PyMongo cannot remove one). Only commands sent
    inside a trace get a span: the polling of background loops (the outbox relay, the SLA
    monitor, the webhook deliverer, every second or so) starts no traces of its own."""

    def start_span(self, *args: Any, **kwargs: Any) -> Span:
        tracer = _db_tracer
        if tracer is None or not trace.get_current_span().get_span_context().is_valid:
            return trace.INVALID_SPAN
        return tracer.start_span(*args, **kwargs)

    def start_as_current_span(self, *args: Any, **kwargs: Any) -> Any:
        return (_db_tracer or trace.NoOpTracer()).start_as_current_span(*args, **kwargs)


class _DbTracing(trace.TracerProvider):
    def get_tracer(self, *args: Any, **kwargs: Any) -> Tracer:
        return _DbTracer()


def _instrument_pymongo(*, on: bool) -> None:
    """A span per command sent to a MongoDB server, the async client's included (PyMongo calls
    its command listeners in the awaiting task, so each span is the child of the span current
    there). PyMongo copies its global listeners into each client it creates: clients opened
    before tracing was first turned on send no spans. Off, the listener returns at once."""
    from opentelemetry.instrumentation.pymongo import PymongoInstrumentor

    instrumentor = PymongoInstrumentor()
    if on:
        instrumentor.instrument(tracer_provider=_DbTracing())
    elif instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()


def current_traceparent() -> str | None:
    """The `traceparent` of the span current here (to store with work done later), if any."""
    if _tracer is None:
        return None
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get(TRACEPARENT)


# --- messaging spans ---------------------------------------------------------------------------


class _Off:
    """What every span helper returns while tracing is off: enters to None, does nothing."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


OFF = _Off()


class _Scope:
    """A span from entering to leaving; an exception leaving it marks the span failed."""

    __slots__ = ("_span",)
    _span: Span

    def __enter__(self) -> Span:
        return self._span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            failed(self._span, exc)
        self._span.end()


class _Sending(_Scope):
    """A span around sending one message; its context goes out in the message's headers."""

    __slots__ = ()

    def __init__(
        self,
        tracer: Tracer,
        name: str,
        kind: SpanKind,
        attributes: dict[str, str],
        headers: MutableMapping[str, Any],
        *,
        parent: str | None,
    ) -> None:
        caused_by = None if parent is None else _PROPAGATOR.extract({TRACEPARENT: parent})
        self._span = tracer.start_span(name, caused_by, kind, attributes)
        propagate.inject(headers, trace.set_span_in_context(self._span, caused_by))


class _Handling(_Scope):
    """A span around handling one message, the child of the span its headers name, current
    while the handler runs (what the handler calls, publishes and stores is its child)."""

    __slots__ = ("_token",)

    def __init__(
        self,
        tracer: Tracer,
        name: str,
        kind: SpanKind,
        attributes: dict[str, str],
        headers: Mapping[str, Any],
    ) -> None:
        self._span = tracer.start_span(name, propagate.extract(headers), kind, attributes)
        self._token: object = None

    def __enter__(self) -> Span:
        self._token = otel_context.attach(trace.set_span_in_context(self._span))
        return self._span

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        otel_context.detach(self._token)  # type: ignore[arg-type]
        super().__exit__(exc_type, exc, tb)


def failed(span: Span, exc: BaseException) -> None:
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))


def answered_with_error(span: Span, code: str, *, caller: bool = False) -> None:
    """A request answered with an error reply: its code as `error.type`. The caller's span
    failed whatever the code (its operation did not succeed); the service's only for an
    internal error (its own fault: a refused request is the caller's, as with HTTP's 4xx)."""
    span.set_attribute("error.type", code)
    if caller or code == "internal":
        span.set_status(Status(StatusCode.ERROR, code))


def _messaging(operation: str, kind: str, destination: str) -> dict[str, str]:
    return {
        "messaging.system": SYSTEM,
        "messaging.operation.name": operation,
        "messaging.operation.type": kind,
        "messaging.destination.name": destination,
    }


def rpc_call(queue: str, headers: MutableMapping[str, Any]) -> _Sending | _Off:
    """CLIENT span `send <queue>` around one request's round trip (publish to reply)."""
    tracer = _tracer
    if tracer is None:
        return OFF
    # The default exchange routes by queue name: the queue is where a request goes.
    attributes = _messaging("send", "send", queue)
    attributes["messaging.rabbitmq.destination.routing_key"] = queue
    return _Sending(tracer, f"send {queue}", SpanKind.CLIENT, attributes, headers, parent=None)


def rpc_handle(queue: str, headers: Mapping[str, Any]) -> _Handling | _Off:
    """SERVER span `process <queue>` around answering one request."""
    tracer = _tracer
    if tracer is None:
        return OFF
    attributes = _messaging("process", "process", queue)
    attributes["messaging.rabbitmq.destination.routing_key"] = queue
    return _Handling(tracer, f"process {queue}", SpanKind.SERVER, attributes, headers)


def event_publish(
    exchange: str,
    routing_key: str,
    event_id: str,
    headers: MutableMapping[str, Any],
    parent: str | None = None,
) -> _Sending | _Off:
    """PRODUCER span `publish <routing key>`; `parent`: a stored `traceparent` (an outbox's)
    instead of the span current here."""
    tracer = _tracer
    if tracer is None:
        return OFF
    attributes = _messaging("publish", "send", exchange)
    attributes["messaging.rabbitmq.destination.routing_key"] = routing_key
    attributes["messaging.message.id"] = event_id
    return _Sending(
        tracer, f"publish {routing_key}", SpanKind.PRODUCER, attributes, headers, parent=parent
    )


def event_process(
    exchange: str, routing_key: str, queue: str, event_id: str | None, headers: Mapping[str, Any]
) -> _Handling | _Off:
    """CONSUMER span `process <routing key>` around handling one event from `queue`."""
    tracer = _tracer
    if tracer is None:
        return OFF
    attributes = _messaging("process", "process", exchange)
    attributes["messaging.rabbitmq.destination.routing_key"] = routing_key
    attributes["messaging.destination.subscription.name"] = queue
    if event_id:
        attributes["messaging.message.id"] = event_id
    return _Handling(tracer, f"process {routing_key}", SpanKind.CONSUMER, attributes, headers)
