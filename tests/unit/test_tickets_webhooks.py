"""Outbound webhooks, the pure part: which subscriptions an event goes to, the Standard Webhooks
signature (checked with the spec's own algorithm), backoff with full jitter within its bounds,
when a delivery fails for good and a subscription is switched off, which addresses may be
reached, and what a subscription request accepts."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from tickets_service.domain import webhooks as rules
from tickets_service.domain.webhooks import Outcome, RetryPolicy
from tickets_service.webhook_store import WebhookStore
from tickets_service.webhooks import WebhookOperations
from uts_shared.clock import SystemClock
from uts_shared.contracts import webhooks as w
from uts_shared.mongo import private_database

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
POLICY = RetryPolicy(base=5, cap=3600, window=86_400, disable_after=5)


def subscription(event_types: list[str], *, enabled: bool = True) -> w.WebhookSubscription:
    return w.WebhookSubscription(
        id=f"wh-{len(event_types)}-{enabled}",
        url="https://hooks.example.com/in",
        event_types=event_types,
        enabled=enabled,
        created_at=T0,
        created_by="admin",
    )


# --- matching ---------------------------------------------------------------------------------


def test_an_event_goes_to_enabled_subscriptions_that_asked_for_its_type_or_for_every_type() -> None:
    created = subscription(["ticket.created"])
    every = subscription(["*"])
    resolved = subscription(["ticket.resolved", "ticket.escalated"])
    off = subscription(["*"], enabled=False)
    subs = [created, every, resolved, off]
    assert rules.recipients(subs, "ticket.created") == [created, every]
    assert rules.recipients(subs, "ticket.escalated") == [every, resolved]
    assert rules.recipients(subs, "ticket.sla_breached") == [every]


# --- signing ----------------------------------------------------------------------------------


def spec_signature(secret: str, message_id: str, timestamp: str, body: str) -> str:
    """The Standard Webhooks algorithm, written out: HMAC-SHA256 over "{id}.{timestamp}.{body}"
    keyed with the base64-decoded part of the secret after `whsec_`."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def test_a_secret_is_whsec_and_the_base64_of_its_random_bytes() -> None:
    raw = bytes(range(32))
    secret = rules.new_secret(raw)
    assert secret.startswith("whsec_")
    assert base64.b64decode(secret.removeprefix("whsec_")) == raw
    with pytest.raises(ValueError, match="24 random bytes"):
        rules.new_secret(bytes(16))


def test_the_signature_headers_verify_with_the_specs_algorithm() -> None:
    secret = rules.new_secret(bytes(range(7, 39)))
    body = '{"eventId":"e1","type":"ticket.created","data":{"ticketId":"LUX-2026-000001"}}'
    at = T0 + timedelta(seconds=0.75)
    headers = rules.signature_headers(secret, "e1", at, body)
    assert headers["webhook-id"] == "e1"
    assert headers["webhook-timestamp"] == str(int(T0.timestamp()))
    assert headers["webhook-signature"] == spec_signature(
        secret, "e1", headers["webhook-timestamp"], body
    )
    other = rules.signature_headers(secret, "e1", at, body.replace("000001", "000002"))
    assert other["webhook-signature"] != headers["webhook-signature"]


def test_the_signature_headers_verify_with_the_reference_library_when_fresh() -> None:
    secret = rules.new_secret(bytes(range(1, 33)))
    body = '{"eventId":"e2"}'
    headers = rules.signature_headers(secret, "e2", datetime.now(UTC), body)
    assert Webhook(secret).verify(body, headers) == {"eventId": "e2"}


# --- retries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("failed", [1, 2, 3, 5, 8, 10, 11, 12, 20, 100, 10_000])
def test_each_wait_lies_between_zero_and_the_doubled_ceiling_capped_at_an_hour(
    failed: int,
) -> None:
    ceiling = min(3600.0, 5.0 * 2 ** min(failed - 1, 20))
    assert rules.retry_delay(failed, POLICY, 0.0) == 0.0
    assert rules.retry_delay(failed, POLICY, 0.5) == pytest.approx(ceiling / 2)
    assert rules.retry_delay(failed, POLICY, 0.999999) <= ceiling
    assert rules.retry_delay(failed, POLICY, 0.999999) == pytest.approx(ceiling, rel=1e-5)


def test_the_ceilings_are_5_10_20_seconds_and_so_on_up_to_an_hour() -> None:
    ceilings = [rules.retry_delay(n, POLICY, 1.0) for n in range(1, 14)]
    assert ceilings[:4] == [5, 10, 20, 40]
    assert ceilings[-3:] == [3600, 3600, 3600]
    assert ceilings == sorted(ceilings)


def test_a_2xx_delivers() -> None:
    for status in (200, 201, 202, 204, 299):
        verdict = rules.after_attempt(
            Outcome(status, None, 12),
            attempt_count=3,
            first_attempt_at=T0,
            now=T0 + timedelta(minutes=1),
            policy=POLICY,
            rand=0.5,
        )
        assert verdict == rules.Verdict("delivered")


@pytest.mark.parametrize(
    "outcome",
    [Outcome(500, None, 40), Outcome(302, None, 3), Outcome(404, None, 5), rules.failure("x", 1)],
)
def test_anything_else_is_tried_again_after_the_jittered_wait(outcome: Outcome) -> None:
    now = T0 + timedelta(seconds=30)
    verdict = rules.after_attempt(
        outcome, attempt_count=2, first_attempt_at=T0, now=now, policy=POLICY, rand=0.25
    )
    assert verdict == rules.Verdict("pending", now + timedelta(seconds=2.5))


def test_a_delivery_fails_once_the_next_try_would_fall_past_a_day_after_the_first() -> None:
    late = T0 + timedelta(hours=23, minutes=50)

    def verdict(rand: float) -> rules.Verdict:
        return rules.after_attempt(
            Outcome(503, None, 8),
            attempt_count=30,
            first_attempt_at=T0,
            now=late,
            policy=POLICY,
            rand=rand,
        )

    assert verdict(0.1).status == "pending"  # 6 minutes: still within the day
    assert verdict(0.9) == rules.Verdict("failed")  # 54 minutes: past it


def test_a_410_fails_at_once_and_switches_the_subscription_off() -> None:
    gone = Outcome(410, None, 4)
    verdict = rules.after_attempt(
        gone, attempt_count=1, first_attempt_at=T0, now=T0, policy=POLICY, rand=0.5
    )
    assert verdict == rules.Verdict("failed")
    assert rules.disable_reason(1, gone, POLICY) == "The endpoint answered 410 Gone"


def test_a_subscription_is_switched_off_after_five_deliveries_in_a_row_failed_for_good() -> None:
    last = rules.failure("ConnectError: connection refused", 3)
    assert [rules.disable_reason(n, last, POLICY) for n in range(1, 5)] == [None] * 4
    reason = rules.disable_reason(5, last, POLICY)
    assert reason == (
        "5 deliveries in a row failed after every retry "
        "(the last: ConnectError: connection refused)"
    )
    assert "HTTP 500" in str(rules.disable_reason(6, Outcome(500, None, 3), POLICY))


# --- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.10",
        "172.16.5.4",
        "169.254.169.254",  # cloud metadata
        "100.64.0.1",
        "0.0.0.0",
        "[::1]",
        "::ffff:127.0.0.1",
        "fd00::1",
        "fe80::1",
        "localhost",
        "LOCALHOST.",
        "api.localhost",
        "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
        "[64:ff9b::a9fe:a9fe]",  # NAT64 of the cloud metadata address
        "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
        "[::127.0.0.1]",  # IPv4-compatible (deprecated) loopback
    ],
)
def test_private_loopback_and_link_local_hosts_are_refused_unless_allowed(host: str) -> None:
    assert rules.refused_host(host, allow_private=False) is not None
    assert rules.refused_host(host, allow_private=True) is None


@pytest.mark.parametrize(
    "host", ["127.1", "2130706433", "0x7f000001", "017700000001", "0", "0x08.0x08.8.8", "010.0.0.1"]
)
def test_addresses_in_legacy_numeric_spellings_are_refused_everywhere(host: str) -> None:
    """A resolver reads these as IPv4 addresses (127.1 is 127.0.0.1): an address is written
    the usual way (a.b.c.d) or not at all."""
    for allow_private in (False, True):
        reason = rules.refused_host(host, allow_private=allow_private)
        assert reason is not None and "a.b.c.d" in reason, host


@pytest.mark.parametrize("host", ["8.8.8.8", "2001:4860:4860::8888", "hooks.example.com"])
def test_public_addresses_and_names_are_accepted(host: str) -> None:
    assert rules.refused_host(host, allow_private=False) is None


def test_resolved_addresses_are_checked_the_same_way() -> None:
    for text, allowed in [("93.184.216.34", True), ("10.0.0.1", False), ("::ffff:10.0.0.1", False)]:
        address = rules.parse_address(text)
        assert address is not None
        assert rules.address_allowed(address, allow_private=False) is allowed
        assert rules.address_allowed(address, allow_private=True)
    assert rules.parse_address("hooks.example.com") is None


# --- what a subscription request accepts -------------------------------------------------------


def create(**fields: object) -> w.CreateWebhook:
    return w.CreateWebhook.model_validate(
        {"url": "https://hooks.example.com/in", "eventTypes": ["*"], "by": "admin", **fields}
    )


def rejected_fields(**fields: object) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        create(**fields)
    return [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]


@pytest.mark.parametrize(
    "url",
    [
        "ftp://hooks.example.com/in",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "hooks.example.com/in",
        "https:///no-host",
        "https://hooks.example.com:99999/in",
        "http://hooks example.com/",
        "https://" + "a" * 2048 + ".com/",
        "http://127.0.0.1%2e:8080/",
        "http://-hooks.example.com/",
        "http://hooks..example.com/",
        "http://hooks_example.com/",
        "http://" + "a" * 64 + ".example.com/",
        "http://hooks.example.com%00/",
    ],
)
def test_only_http_and_https_urls_with_a_host_are_accepted(url: str) -> None:
    assert rejected_fields(url=url) == ["url"]


def test_the_scheme_and_host_are_kept_in_lower_case() -> None:
    assert create(url="HTTPS://Hooks.Example.COM/In?A=B").url == "https://hooks.example.com/In?A=B"
    assert create(url="https://bücher.example/in").url == "https://xn--bcher-kva.example/in"


def test_event_types_are_ticket_and_conversation_events_or_every_one() -> None:
    assert create(eventTypes=["ticket.created", "ticket.created"]).event_types == ["ticket.created"]
    assert create(eventTypes=["ticket.created", "*"]).event_types == ["*"]
    assert rejected_fields(eventTypes=["ticket.deleted"]) == ["eventTypes"]
    assert rejected_fields(eventTypes=["config.updated"]) == ["eventTypes"]
    assert rejected_fields(eventTypes=["conversation.customer_replied"]) == ["eventTypes"]
    assert rejected_fields(eventTypes=[]) == ["eventTypes"]
    assert set(w.EVENT_TYPES) == {
        "ticket.created",
        "ticket.updated",
        "ticket.assigned",
        "ticket.note_added",
        "ticket.resolved",
        "ticket.escalated",
        "ticket.sla_warning",
        "ticket.sla_breached",
        "ticket.merged",
        "ticket.linked",
        "ticket.cluster_detected",
        "ticket.survey_requested",
        "conversation.message_created",
        "conversation.message_updated",
        "conversation.handed_off",
    }


async def test_ticket_events_are_taken_in_only_while_a_webhook_is_enabled() -> None:
    listening: list[bool] = []

    async def listen(wanted: bool) -> None:
        listening.append(wanted)

    store = WebhookStore(private_database("webhook-binding"))
    await store.ensure_indexes()
    ops = WebhookOperations(store, SystemClock(), allow_private=True, listen=listen)
    await ops.follow_subscriptions()  # a service starting with none
    created = await ops.create(
        w.CreateWebhook(url="https://crm.example.com/hook", event_types=["*"], by="admin")
    )
    hook = created.subscription.id
    await ops.update(w.UpdateWebhook(id=hook, enabled=False, by="admin"))
    await ops.update(w.UpdateWebhook(id=hook, enabled=True, by="admin"))
    await ops.delete(w.DeleteWebhook(id=hook, by="admin"))
    assert listening == [False, True, False, True, False]
