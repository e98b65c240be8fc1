"""Outbound webhooks in the tickets service over the real broker, delivered to a real local HTTP
receiver: subscriptions managed over RPC (the secret answered once), each ticket event POSTed
once and signed, retries until a 2xx with every attempt in the log, a receiver that keeps failing
switched off with the reason (and back on), two replicas delivering each event once, and private
addresses refused unless allowed. Retry timings are shortened by settings."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio

from tests.support.tickets_helpers import TicketsEnv, tickets_env
from tests.support.waiting import poll_until
from tests.support.webhook_receiver import Hit, Receiver, throwaway_tls, webhook_receiver
from tickets_service.domain import webhooks as rules
from tickets_service.webhook_store import delivery_document
from tickets_service.webhooks import WebhookSender, resolve
from uts_shared.clock import SystemClock
from uts_shared.contracts import tickets as t
from uts_shared.contracts import webhooks as w
from uts_shared.errors import NotFound, ValidationFailed
from uts_shared.messaging import EventPublisher

FAST = {
    "webhook_retry_base": 0.05,
    "webhook_retry_cap": 0.2,
    "webhook_retry_window": 1.0,
    "webhook_poll_interval": 0.05,
    "webhook_disable_after": 2,
    "webhook_timeout": 3.0,
}


@pytest_asyncio.fixture
async def env(fresh_vhost: str, mongo_url: str | None) -> AsyncIterator[TicketsEnv]:
    async with tickets_env(fresh_vhost, mongo_url, **FAST) as env:
        yield env


@pytest_asyncio.fixture
async def receiver() -> AsyncIterator[Receiver]:
    async with webhook_receiver() as receiver:
        yield receiver


async def subscribe(
    env: TicketsEnv, url: str, *event_types: str, description: str = ""
) -> w.WebhookCreated:
    request = w.CreateWebhook(
        url=url, event_types=list(event_types), description=description, by="admin-1"
    )
    created: w.WebhookCreated = await env.rpc.call(w.CREATE, request)
    return created


async def delivery_log(env: TicketsEnv, subscription_id: str) -> w.DeliveryLog:
    log: w.DeliveryLog = await env.rpc.call(
        w.DELIVERIES, w.ListDeliveries(id=subscription_id, limit=100)
    )
    return log


async def settled(env: TicketsEnv, subscription_id: str, count: int) -> list[w.WebhookDelivery]:
    """Once `count` deliveries of the subscription are no longer pending."""
    done: list[w.WebhookDelivery] = []

    async def finished() -> bool:
        nonlocal done
        log = await delivery_log(env, subscription_id)
        done = [d for d in log.deliveries if d.status != "pending"]
        return len(done) >= count

    await poll_until(finished, what=f"{count} finished deliveries", timeout=15)
    return done


def created_ticket(hit: Hit) -> str:
    return str(hit.event["data"]["ticket"]["ticketId"])


async def test_a_subscription_is_answered_with_its_secret_once_and_managed_over_rpc(
    env: TicketsEnv,
) -> None:
    created = await subscribe(
        env, "https://hooks.example.com/uts", "ticket.created", description="CRM sync"
    )
    assert created.secret.startswith("whsec_")
    sub = created.subscription
    assert (sub.url, sub.event_types, sub.description, sub.enabled, sub.created_by) == (
        "https://hooks.example.com/uts",
        ["ticket.created"],
        "CRM sync",
        True,
        "admin-1",
    )
    listed = await env.rpc.call(w.LIST, w.ListWebhooks())
    assert [s.id for s in listed.subscriptions] == [sub.id]
    assert "secret" not in listed.model_dump_json().lower()
    assert created.secret not in listed.model_dump_json()

    changed = await env.rpc.call(
        w.UPDATE,
        w.UpdateWebhook(
            id=sub.id,
            url="https://hooks.example.com/v2",
            event_types=["ticket.resolved", "ticket.escalated"],
            enabled=False,
            by="admin-2",
        ),
    )
    assert (changed.url, changed.event_types, changed.enabled) == (
        "https://hooks.example.com/v2",
        ["ticket.resolved", "ticket.escalated"],
        False,
    )
    assert (changed.disabled_reason, changed.updated_by) == ("Disabled by admin-2", "admin-2")
    assert await env.rpc.call(w.GET, w.GetWebhook(id=sub.id)) == changed

    removed = await env.rpc.call(w.DELETE, w.DeleteWebhook(id=sub.id, by="admin-1"))
    assert removed.id == sub.id
    for spec, request in [
        (w.GET, w.GetWebhook(id=sub.id)),
        (w.DELIVERIES, w.ListDeliveries(id=sub.id)),
        (w.DELETE, w.DeleteWebhook(id=sub.id, by="admin-1")),
        (w.UPDATE, w.UpdateWebhook(id=sub.id, enabled=True, by="admin-1")),
    ]:
        with pytest.raises(NotFound):
            await env.rpc.call(spec, request)


async def test_each_event_reaches_the_receiver_once_signed_even_when_the_event_comes_twice(
    env: TicketsEnv, receiver: Receiver
) -> None:
    created = await subscribe(env, receiver.url, "ticket.created")
    customer = await env.customer()
    ticket = await env.ticket(customer)

    hit = await receiver.received.first(lambda h: created_ticket(h) == ticket.ticket_id)
    payload = hit.verified(created.secret)
    event = env.recorder.of("ticket.created", ticket.ticket_id)[0]
    assert payload == event.body  # the broker's own envelope, as published
    assert hit.webhook_id == event.event_id
    assert hit.headers["content-type"] == "application/json"
    assert hit.headers["webhook-signature"].startswith("v1,")
    [delivery] = await settled(env, created.subscription.id, 1)
    assert (delivery.status, delivery.event_id, delivery.event_type) == (
        "delivered",
        event.event_id,
        "ticket.created",
    )
    assert [a.status_code for a in delivery.attempts] == [200]
    assert delivery.next_attempt_at is None

    # The same event again (a redelivery): no second delivery. A note (not subscribed) and a
    # second ticket follow it; when the second ticket has arrived, nothing else has.
    await EventPublisher(env.client).publish_raw(
        "ticket.created", json.dumps(event.body).encode(), event.event_id
    )
    await env.rpc.call(
        t.ADD_NOTE, t.AddNote(ticket_id=ticket.ticket_id, content="Called back", by="a1")
    )
    await poll_until(
        lambda: len(env.recorder.of("ticket.note_added", ticket.ticket_id)) == 1, what="the note"
    )
    second = await env.ticket(customer)
    await receiver.received.first(lambda h: created_ticket(h) == second.ticket_id)
    await settled(env, created.subscription.id, 2)
    assert [created_ticket(h) for h in receiver.received.items] == [
        ticket.ticket_id,
        second.ticket_id,
    ]


async def test_a_receiver_failing_twice_gets_three_attempts_and_the_log_shows_each(
    env: TicketsEnv, receiver: Receiver
) -> None:
    receiver.answers = [500, 500]
    created = await subscribe(env, receiver.url, "*")
    ticket = await env.ticket(await env.customer())

    hits = await receiver.received.wait_for(lambda h: True, count=3)
    assert [h.answered for h in hits] == [500, 500, 200]
    assert {h.webhook_id for h in hits} == {env.recorder.of("ticket.created")[0].event_id}
    for hit in hits:  # each attempt signed afresh
        assert created_ticket(hit) == ticket.ticket_id
        hit.verified(created.secret)
    [delivery] = await settled(env, created.subscription.id, 1)
    assert delivery.status == "delivered"
    assert delivery.attempt_count == 3
    assert [a.status_code for a in delivery.attempts] == [500, 500, 200]
    assert all(a.duration_ms >= 0 and a.error is None for a in delivery.attempts)
    times = [a.at for a in delivery.attempts]
    assert times == sorted(times)
    subscription = await env.rpc.call(w.GET, w.GetWebhook(id=created.subscription.id))
    assert (subscription.enabled, subscription.failure_count) == (True, 0)


async def test_a_receiver_that_keeps_failing_is_switched_off_with_the_reason_and_back_on(
    env: TicketsEnv, receiver: Receiver
) -> None:
    receiver.default = 503
    created = await subscribe(env, receiver.url, "ticket.created")
    sub_id = created.subscription.id
    customer = await env.customer()
    await env.ticket(customer)
    await env.ticket(customer)

    async def switched_off() -> bool:
        return not (await env.rpc.call(w.GET, w.GetWebhook(id=sub_id))).enabled

    await poll_until(switched_off, what="the subscription switched off", timeout=15)
    subscription = await env.rpc.call(w.GET, w.GetWebhook(id=sub_id))
    assert subscription.disabled_reason == (
        "2 deliveries in a row failed after every retry (the last: HTTP 503)"
    )
    assert subscription.failure_count == 2
    assert subscription.disabled_at is not None
    deliveries = (await delivery_log(env, sub_id)).deliveries
    assert [d.status for d in deliveries] == ["failed", "failed"]
    assert all(d.attempt_count >= 2 for d in deliveries)
    assert all(a.status_code == 503 for d in deliveries for a in d.attempts)

    # Off: no new deliveries. Back on: delivered again, the count and reason cleared.
    await env.ticket(customer)
    receiver.default = 200
    enabled = await env.rpc.call(w.UPDATE, w.UpdateWebhook(id=sub_id, enabled=True, by="admin-1"))
    assert (enabled.enabled, enabled.failure_count, enabled.disabled_reason) == (True, 0, None)
    later = await env.ticket(customer)
    await receiver.received.first(lambda h: created_ticket(h) == later.ticket_id)
    assert len((await delivery_log(env, sub_id)).deliveries) == 3


async def test_two_replicas_deliver_each_event_once(
    fresh_vhost: str, mongo_url: str | None, receiver: Receiver
) -> None:
    async with tickets_env(fresh_vhost, mongo_url, instances=2, **FAST) as env:
        created = await subscribe(env, receiver.url, "ticket.created")
        customer = await env.customer()
        tickets = [await env.ticket(customer) for _ in range(12)]
        delivered = await settled(env, created.subscription.id, len(tickets))
        assert {d.status for d in delivered} == {"delivered"}
        ids = [h.webhook_id for h in receiver.received.items]
        assert len(ids) == len(set(ids)) == len(tickets)
        assert {created_ticket(h) for h in receiver.received.items} == {
            ticket.ticket_id for ticket in tickets
        }


async def test_private_addresses_are_refused_unless_allowed(
    fresh_vhost: str, mongo_url: str | None, receiver: Receiver
) -> None:
    async with tickets_env(fresh_vhost, mongo_url, webhook_allow_private=False, **FAST) as env:
        for url in (receiver.url, "http://169.254.169.254/latest", "http://[::1]:8080/"):
            with pytest.raises(ValidationFailed) as refused:
                await subscribe(env, url, "*")
            assert [d.field for d in refused.value.details] == ["url"]
        # A name is checked when it is resolved, at each delivery: this machine's own name.
        name = socket.gethostname()
        try:
            [first, *_] = await resolve(name, receiver.port)
        except (OSError, ValueError):
            pytest.skip(f"this machine's name {name} does not resolve")
        created = await subscribe(env, f"http://{name}:{receiver.port}/hooks", "*")
        await env.ticket(await env.customer())
        [delivery] = await settled(env, created.subscription.id, 1)
        assert delivery.status == "failed"
        error = delivery.attempts[0].error or ""
        assert "not allowed" in error and str(first) in error, error
        assert receiver.received.items == []


async def test_the_sender_connects_to_the_address_it_resolved_and_checked(
    receiver: Receiver,
) -> None:
    asked: list[tuple[str, int]] = []

    async def resolver(host: str, port: int) -> list[rules.Address]:
        asked.append((host, port))
        # The first address takes no connection (nothing listens on 127.0.0.2): the next does.
        return [a for a in map(rules.parse_address, ["127.0.0.2", "127.0.0.1"]) if a]

    sender = WebhookSender(SystemClock(), timeout=5, allow_private=True, resolver=resolver)
    try:
        url = f"http://hooks.internal.test:{receiver.port}/in?x=1"
        outcome = await sender.post(url, '{"ok":true}', {"webhook-id": "m1"})
    finally:
        await sender.close()
    assert outcome.status_code == 200, outcome
    assert asked == [("hooks.internal.test", receiver.port)]
    [hit] = receiver.received.items
    assert hit.headers["host"] == f"hooks.internal.test:{receiver.port}"
    assert (hit.path, hit.body, hit.headers["webhook-id"]) == ("/in", b'{"ok":true}', "m1")


async def test_a_receiver_that_is_not_there_is_an_attempt_with_the_error(
    receiver: Receiver,
) -> None:
    sender = WebhookSender(SystemClock(), timeout=5, allow_private=True)
    try:
        outcome = await sender.post("http://127.0.0.1:9/", "{}", {})  # discard port: refused
    finally:
        await sender.close()
    assert outcome.status_code is None
    assert outcome.error is not None and "Connect" in outcome.error, outcome


async def test_a_delivery_held_by_a_replica_that_died_is_made_when_its_hold_ends(
    env: TicketsEnv, receiver: Receiver
) -> None:
    created = await subscribe(env, receiver.url, "ticket.created")
    store = env.service.webhook_store
    now = env.service.clock.now()
    body = json.dumps({"eventId": "ev-held", "type": "ticket.created", "data": {}})
    # As a replica leaves it when it dies mid-attempt: pending, held for another second.
    delivery = delivery_document(
        "held",
        subscription_id=created.subscription.id,
        event_id="ev-held",
        event_type="ticket.created",
        body=body,
        now=now,
    )
    held = {"leaseUntil": now + timedelta(seconds=1), "leaseToken": "a-replica-that-died"}
    await store.deliveries.insert_one(delivery | held)
    hit = await receiver.received.first(lambda h: h.webhook_id == "ev-held", timeout=10)
    assert hit.verified(created.secret) == json.loads(body)
    [delivery] = await settled(env, created.subscription.id, 1)
    assert delivery.attempts[0].at >= now + timedelta(seconds=1)


async def test_https_checks_the_certificate_against_the_name_on_the_address_checked(
    tmp_path: Path,
) -> None:
    try:
        tls = throwaway_tls(tmp_path, "hooks.test")
    except (FileNotFoundError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"no openssl to make a test certificate: {exc}")

    async def resolver(host: str, port: int) -> list[rules.Address]:
        return [a for a in [rules.parse_address("127.0.0.1")] if a]  # any name: here

    async with webhook_receiver(tls=tls.server) as receiver:
        sender = WebhookSender(
            SystemClock(), timeout=5, allow_private=True, resolver=resolver, verify=tls.client
        )
        try:
            good = await sender.post(f"https://hooks.test:{receiver.port}/in", "{}", {})
            other = await sender.post(f"https://other.test:{receiver.port}/in", "{}", {})
        finally:
            await sender.close()
    assert good.status_code == 200, good
    assert other.status_code is None and "certificate" in (other.error or "").lower(), other
    [hit] = receiver.received.items
    assert hit.headers["host"] == f"hooks.test:{receiver.port}"
