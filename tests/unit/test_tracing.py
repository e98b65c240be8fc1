"""Tracing is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and then costs nothing but an
`if`: no span, no header. On, a message's span puts its context in the message's headers and
the span handling it is that span's child; a stored `traceparent` (the outbox's) names the
parent of a later publish."""

from __future__ import annotations

import os
from typing import Any

import pytest
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.propagators.textmap import TextMapPropagator
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from uts_shared import tracing


def test_without_an_otlp_endpoint_tracing_stays_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(tracing.ENDPOINT_VARIABLE, raising=False)
    assert tracing.provider_from_environment("tickets") is None
    assert tracing.configure_tracing("tickets") is False
    assert tracing.provider() is None


def test_an_otlp_endpoint_makes_a_provider_named_after_the_service(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(tracing.ENDPOINT_VARIABLE, "http://127.0.0.1:4318")
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    named = tracing.provider_from_environment("tickets")
    monkeypatch.setenv("OTEL_SERVICE_NAME", "tickets-eu")
    renamed = tracing.provider_from_environment("tickets")
    assert named is not None and renamed is not None
    try:
        assert named.resource.attributes["service.name"] == "tickets"
        assert renamed.resource.attributes["service.name"] == "tickets-eu"
    finally:
        named.shutdown()
        renamed.shutdown()


def test_off_no_span_no_header_nothing_stored() -> None:
    assert tracing.provider() is None
    headers: dict[str, Any] = {"x-request-id": "r1"}
    with tracing.rpc_call("tickets.get", headers) as sent:
        assert sent is None
    with tracing.event_publish("uts.events", "ticket.created", "e1", headers, "00-ab") as pub:
        assert pub is None
    with tracing.rpc_handle("tickets.get", headers) as handled:
        assert handled is None
        assert tracing.current_traceparent() is None
    assert headers == {"x-request-id": "r1"}


def test_the_handling_span_is_the_child_of_the_sending_one(
    spans: InMemorySpanExporter,
) -> None:
    headers: dict[str, Any] = {}
    with tracing.rpc_call("tickets.get", headers):
        pass
    assert tracing.TRACEPARENT in headers
    with tracing.rpc_handle("tickets.get", headers):
        inside = tracing.current_traceparent()
    send, process = spans.get_finished_spans()
    assert (send.name, send.kind) == ("send tickets.get", SpanKind.CLIENT)
    assert (process.name, process.kind) == ("process tickets.get", SpanKind.SERVER)
    assert process.parent is not None and send.context is not None
    assert process.parent.span_id == send.context.span_id
    assert process.context is not None
    assert inside is not None and inside.split("-")[2] == f"{process.context.span_id:016x}"
    assert tracing.current_traceparent() is None  # the handling span is current only inside


def test_a_stored_traceparent_is_the_parent_of_a_later_publish(
    spans: InMemorySpanExporter,
) -> None:
    with tracing.rpc_handle("tickets.create_from_agent", {}):
        stored = tracing.current_traceparent()
    assert stored is not None
    provider = tracing.provider()
    assert provider is not None
    with provider.get_tracer("test").start_as_current_span("relay pass"):
        headers: dict[str, Any] = {}
        with tracing.event_publish("uts.events", "ticket.created", "e1", headers, stored):
            pass
    process, publish, _relay = spans.get_finished_spans()
    assert publish.kind == SpanKind.PRODUCER
    assert publish.parent is not None and process.context is not None
    assert publish.parent.span_id == process.context.span_id
    assert publish.attributes is not None
    assert publish.attributes["messaging.message.id"] == "e1"


def test_failures_mark_the_span_and_error_replies_say_their_code(
    spans: InMemorySpanExporter,
) -> None:
    with pytest.raises(TimeoutError), tracing.rpc_call("tickets.get", {}):
        raise TimeoutError
    for code in ("not_found", "internal"):
        with tracing.rpc_handle("tickets.get", {}) as span:
            assert span is not None
            tracing.answered_with_error(span, code)
    timed_out, not_found, internal = spans.get_finished_spans()
    assert timed_out.status.status_code == StatusCode.ERROR
    assert not_found.status.status_code == StatusCode.UNSET
    assert not_found.attributes is not None
    assert not_found.attributes["error.type"] == "not_found"
    assert internal.status.status_code == StatusCode.ERROR


def test_spans_are_named_operation_then_destination_with_the_messaging_attributes(
    spans: InMemorySpanExporter,
) -> None:
    headers: dict[str, Any] = {}
    with tracing.rpc_call("tickets.get", headers):
        pass
    with tracing.rpc_handle("tickets.get", headers):
        pass
    with tracing.event_publish("uts.events", "ticket.created", "e1", headers):
        pass
    with tracing.event_process("uts.events", "ticket.created", "gateway.relay.x", "e1", headers):
        pass
    found = {s.name: (s.kind, dict(s.attributes or {})) for s in spans.get_finished_spans()}
    expected = {
        "send tickets.get": (SpanKind.CLIENT, "send", "send", "tickets.get"),
        "process tickets.get": (SpanKind.SERVER, "process", "process", "tickets.get"),
        "publish ticket.created": (SpanKind.PRODUCER, "publish", "send", "uts.events"),
        "process ticket.created": (SpanKind.CONSUMER, "process", "process", "uts.events"),
    }
    assert set(found) == set(expected)
    for name, (kind, operation, operation_type, destination) in expected.items():
        span_kind, attributes = found[name]
        assert span_kind == kind, name
        assert attributes["messaging.system"] == "rabbitmq", name
        assert attributes["messaging.operation.name"] == operation, name
        assert attributes["messaging.operation.type"] == operation_type, name
        assert attributes["messaging.destination.name"] == destination, name
        assert name == f"{operation} {attributes['messaging.rabbitmq.destination.routing_key']}"


def test_an_error_reply_fails_the_callers_span_whatever_its_code(
    spans: InMemorySpanExporter,
) -> None:
    with tracing.rpc_call("tickets.get", {}) as span:
        assert span is not None
        tracing.answered_with_error(span, "not_found", caller=True)
    [call] = spans.get_finished_spans()
    assert call.status.status_code == StatusCode.ERROR
    assert call.attributes is not None and call.attributes["error.type"] == "not_found"


class _OwnHeader(TextMapPropagator):
    """A propagator of the test's own, as OTEL_PROPAGATORS would install (b3, jaeger, ...)."""

    FIELD = "x-test-trace"

    def inject(self, carrier: Any, context: Any = None, setter: Any = None) -> None:
        ctx = trace.get_current_span(context).get_span_context()
        carrier[self.FIELD] = f"{ctx.trace_id:032x}:{ctx.span_id:016x}"

    def extract(self, carrier: Any, context: Any = None, getter: Any = None) -> Any:
        value = carrier.get(self.FIELD)
        if not value:
            return context or otel_context.Context()
        trace_id, span_id = (int(part, 16) for part in value.split(":"))
        sampled = trace.TraceFlags(trace.TraceFlags.SAMPLED)
        parent = trace.SpanContext(trace_id, span_id, is_remote=True, trace_flags=sampled)
        return trace.set_span_in_context(trace.NonRecordingSpan(parent), context)

    @property
    def fields(self) -> set[str]:
        return {self.FIELD}


def test_messages_carry_the_context_in_the_propagators_otel_propagators_names(
    spans: InMemorySpanExporter,
) -> None:
    configured = propagate.get_global_textmap()  # what OTEL_PROPAGATORS made at start-up
    propagate.set_global_textmap(_OwnHeader())
    try:
        headers: dict[str, Any] = {}
        with tracing.rpc_call("tickets.get", headers):
            pass
        with tracing.rpc_handle("tickets.get", headers):
            pass
    finally:
        propagate.set_global_textmap(configured)
    assert set(headers) == {_OwnHeader.FIELD}  # no traceparent: only the configured format
    send, process = spans.get_finished_spans()
    assert process.parent is not None and send.context is not None
    assert process.parent.span_id == send.context.span_id


def test_the_resource_names_the_service_and_its_instance(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(tracing.ENDPOINT_VARIABLE, "http://127.0.0.1:4318")
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    provider = tracing.provider_from_environment("tickets", "tickets-7f3a")
    assert provider is not None
    try:
        attributes = provider.resource.attributes
        assert (attributes["service.name"], attributes["service.instance.id"]) == (
            "tickets",
            "tickets-7f3a",
        )
    finally:
        provider.shutdown()


def test_tracing_on_asks_for_the_stable_http_conventions_unless_chosen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(tracing.SEMCONV_OPT_IN, "database")
    tracing.stable_http_conventions()
    assert os.environ[tracing.SEMCONV_OPT_IN] == "database,http"
    monkeypatch.setenv(tracing.SEMCONV_OPT_IN, "http/dup")
    tracing.stable_http_conventions()
    assert os.environ[tracing.SEMCONV_OPT_IN] == "http/dup"
