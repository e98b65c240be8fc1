"""OpenTelemetry traces: one ticket created over HTTP is one trace, from the gateway's request
through the RPC, the tickets service's handling and its event to the gateway's relay, each span
the child of the one before; an event the outbox relay publishes later still joins the trace of
the write that caused it; with tracing off no message carries a `traceparent`."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from tests.support.factories import ticket_body
from tests.support.gateway_app import PASSWORD, gateway_app
from tests.support.tickets_helpers import QUICK_RELAY, BrokerDown, TicketsEnv, tickets_env
from tests.support.waiting import poll_until
from uts_shared import tracing
from uts_shared.contracts import tickets as t
from uts_shared.errors import NotFound


@pytest_asyncio.fixture
async def env(rabbit_url: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(rabbit_url, mongo_url, **QUICK_RELAY) as running:
        yield running


def named(exporter: InMemorySpanExporter, name: str, kind: SpanKind) -> list[ReadableSpan]:
    return [s for s in exporter.get_finished_spans() if s.name == name and s.kind == kind]


def relay_spans(exporter: InMemorySpanExporter) -> list[ReadableSpan]:
    """The gateway relay's handling of `ticket.created` (its queue is `gateway.relay.<id>`)."""
    return [
        s
        for s in named(exporter, "process ticket.created", SpanKind.CONSUMER)
        if str((s.attributes or {}).get("messaging.destination.subscription.name", "")).startswith(
            "gateway.relay."
        )
    ]


def assert_chain(chain: list[ReadableSpan]) -> None:
    """One trace; each span the child of the one before it, started no earlier."""
    trace_ids = {s.context.trace_id for s in chain if s.context is not None}
    assert len(trace_ids) == 1, [(s.name, s.context) for s in chain]
    for parent, child in itertools.pairwise(chain):
        assert child.parent is not None, f"{child.name} has no parent"
        assert parent.context is not None
        assert child.parent.span_id == parent.context.span_id, (
            f"{child.name}'s parent is not {parent.name}"
        )
        assert (child.start_time or 0) >= (parent.start_time or 0)


async def test_one_ticket_created_over_http_is_one_trace_from_the_request_to_the_relay(
    spans: InMemorySpanExporter, env: TicketsEnv, rabbit_url: str
) -> None:
    customer = await env.customer()
    async with gateway_app(rabbitmq_url=rabbit_url, admin_password="admin-password-1") as gw:
        await gw.gateway.start()
        try:
            agent = await gw.agent()
            async with gw.client() as api:
                login = await api.post(
                    "/auth/login", json={"email": agent.email, "password": PASSWORD}
                )
                auth = {"Authorization": f"Bearer {login.json()['token']}"}
                created = await api.post("/tickets", json=ticket_body(customer.id), headers=auth)
            assert created.status_code == 201, created.text
            ticket_id = created.json()["ticket"]["ticketId"]
            [event] = await env.recorder.wait_one("ticket.created", ticket_id)
            await poll_until(lambda: relay_spans(spans) != [], what="the relay's span")
        finally:
            await gw.gateway.stop()

    [http] = named(spans, "POST /api/v2/tickets", SpanKind.SERVER)
    [send] = named(spans, f"send {t.CREATE_FROM_AGENT.queue}", SpanKind.CLIENT)
    [process] = named(spans, f"process {t.CREATE_FROM_AGENT.queue}", SpanKind.SERVER)
    [publish] = named(spans, "publish ticket.created", SpanKind.PRODUCER)
    [relayed] = relay_spans(spans)
    assert http.parent is None  # the request is the trace's root
    assert http.attributes is not None  # and names its request id, as the logs do
    assert list(http.attributes["http.response.header.x_request_id"]) == [
        created.headers["x-request-id"]
    ]
    # The stable HTTP conventions, not the old `http.method` / `http.status_code`.
    assert http.attributes["http.request.method"] == "POST"
    assert http.attributes["http.route"] == "/api/v2/tickets"
    assert http.attributes["http.response.status_code"] == 201
    assert "http.method" not in http.attributes and "http.status_code" not in http.attributes
    assert_chain([http, send, process, publish, relayed])
    # The event carries the publish span's context; every consumer's span is its child.
    assert publish.context is not None
    assert event.headers[tracing.TRACEPARENT].split("-")[2] == f"{publish.context.span_id:016x}"
    consumers = named(spans, "process ticket.created", SpanKind.CONSUMER)
    assert {s.parent.span_id for s in consumers if s.parent} == {publish.context.span_id}
    # One connected trace: every span in it (config lookups, the reply, ...) has its parent
    # in it, and the HTTP request is its only root.
    assert http.context is not None
    in_trace = [
        s
        for s in spans.get_finished_spans()
        if s.context is not None and s.context.trace_id == http.context.trace_id
    ]
    ids = {s.context.span_id for s in in_trace if s.context is not None}
    assert [s.name for s in in_trace if s.parent is None] == [http.name]
    assert all(s.parent.span_id in ids for s in in_trace if s.parent is not None)
    assert publish.attributes is not None
    assert publish.attributes["messaging.system"] == "rabbitmq"
    assert publish.attributes["messaging.destination.name"] == "uts.events"
    assert publish.attributes["messaging.rabbitmq.destination.routing_key"] == "ticket.created"


async def test_an_event_the_outbox_relay_publishes_later_joins_the_trace_of_its_write(
    spans: InMemorySpanExporter, env: TicketsEnv
) -> None:
    customer = await env.customer()
    provider = tracing.provider()
    assert provider is not None
    real = env.service.outbox.publisher
    env.service.outbox.publisher = BrokerDown()
    try:
        with provider.get_tracer("test").start_as_current_span("caller"):
            ticket = await env.ticket(customer)
        [stored] = await env.service.store.outbox_of(ticket.ticket_id)
        assert stored.traceparent is not None
    finally:
        env.service.outbox.publisher = real  # the broker is back: the relay sends it
    [event] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
    await poll_until(
        lambda: named(spans, "process ticket.created", SpanKind.CONSUMER) != [],
        what="the recorder's span",
    )

    [caller] = named(spans, "caller", SpanKind.INTERNAL)
    [send] = named(spans, f"send {t.CREATE_FROM_AGENT.queue}", SpanKind.CLIENT)
    [process] = named(spans, f"process {t.CREATE_FROM_AGENT.queue}", SpanKind.SERVER)
    [publish] = named(spans, "publish ticket.created", SpanKind.PRODUCER)
    [recorded] = named(spans, "process ticket.created", SpanKind.CONSUMER)
    assert env.service.outbox.relayed >= 1
    assert (publish.start_time or 0) > (process.end_time or 0)  # by the relay, after the reply
    assert_chain([caller, send, process, publish, recorded])
    assert event.headers[tracing.TRACEPARENT] != stored.traceparent  # the publish span's own


async def test_without_tracing_no_message_carries_a_traceparent(env: TicketsEnv) -> None:
    assert tracing.provider() is None
    customer = await env.customer()
    real = env.service.outbox.publisher
    env.service.outbox.publisher = BrokerDown()
    try:
        ticket = await env.ticket(customer)
        [stored] = await env.service.store.outbox_of(ticket.ticket_id)
        assert stored.traceparent is None
        assert "traceparent" not in stored.to_document()
    finally:
        env.service.outbox.publisher = real
    [event] = await env.recorder.wait_one("ticket.created", ticket.ticket_id)
    assert tracing.TRACEPARENT not in event.headers


@pytest.mark.real_mongo
async def test_with_a_real_mongodb_the_stores_commands_are_spans_of_the_handling(
    spans: InMemorySpanExporter, env: TicketsEnv
) -> None:
    # `env` opened its MongoDB client after tracing was on: PyMongo's listeners are copied
    # into each client when it is made.
    customer = await env.customer()
    await env.ticket(customer)
    [process] = named(spans, f"process {t.CREATE_FROM_AGENT.queue}", SpanKind.SERVER)
    assert process.context is not None
    commands = [
        s
        for s in spans.get_finished_spans()
        if s.kind == SpanKind.CLIENT and (s.attributes or {}).get("db.system") == "mongodb"
    ]
    assert commands, "no MongoDB command spans"
    mine = [s for s in commands if s.parent and s.parent.span_id == process.context.span_id]
    assert mine, [s.name for s in commands]
    # Only commands inside a trace are spans: background polling starts no traces.
    assert all(s.parent is not None for s in commands)


async def test_an_error_reply_fails_the_callers_span_and_names_its_code(
    spans: InMemorySpanExporter, env: TicketsEnv
) -> None:
    with pytest.raises(NotFound):
        await env.rpc.call(t.GET, t.GetTicket(ticket_id="LUX-1900-000001"))

    [call] = named(spans, f"send {t.GET.queue}", SpanKind.CLIENT)
    [answer] = named(spans, f"process {t.GET.queue}", SpanKind.SERVER)
    assert call.status.status_code == StatusCode.ERROR
    assert call.attributes is not None and call.attributes["error.type"] == "not_found"
    # The service answered as it should: a caller's mistake is not the service's failure.
    assert answer.status.status_code == StatusCode.UNSET
    assert answer.attributes is not None and answer.attributes["error.type"] == "not_found"
    assert answer.attributes["messaging.operation.name"] == "process"
