"""Tracing is off unless `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and then costs nothing but an
`if`: no span, no header. On, a message's span puts its context in the message's headers and
the span handling it is that span's child; a stored `traceparent` (the outbox's) names the
parent of a later publish."""

from __future__ import annotations

from typing import Any

import pytest
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
    assert (send.name, send.kind) == ("tickets.get send", SpanKind.CLIENT)
    assert (process.name, process.kind) == ("tickets.get process", SpanKind.SERVER)
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
