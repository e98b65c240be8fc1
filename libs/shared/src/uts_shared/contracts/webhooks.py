"""Outbound webhooks: contracts of the tickets service's subscriptions and their delivery log.

Admins register URLs with the ticket event types they want (`["*"]`: every one); the tickets
service posts each matching event (the broker's own envelope, `{eventId, type, occurredAt,
data}`) signed with Standard Webhooks headers (`webhook-id` = the eventId, `webhook-timestamp`,
`webhook-signature`), retries failures with backoff for a day, keeps a delivery log per
subscription, and disables a subscription whose deliveries keep failing (the reason shown).

The secret (`whsec_` + base64 of 32 random bytes) is answered once, by the create; nothing else
shows it.
"""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from uts_shared.contracts.base import SPACE, Id, OneOf, Rpc, Shape, Text, Url, WireModel
from uts_shared.contracts.messages import EVENTS as CONVERSATION_EVENTS
from uts_shared.contracts.tickets import EVENTS as TICKET_EVENTS

EVENT_TYPES: tuple[str, ...] = tuple(e.routing_key for e in (*TICKET_EVENTS, *CONVERSATION_EVENTS))
"""What a subscription may ask for: the ticket events' and the conversation events' routing
keys (messages, their delivery, handoffs)."""
EVERY_EVENT = "*"

MAX_WEBHOOKS = 100
"""Subscriptions the service keeps at most (a create beyond is a 409)."""
DELIVERIES_PAGE_MAX = 100
"""Most deliveries one look at a subscription's log answers."""

INTAKE_QUEUE = "tickets.webhook-intake"
"""The tickets service's work queue (replicas share it) for `ticket.#`: each event becomes one
delivery per matching subscription."""
INTAKE_BINDING = "ticket.#"
"""Bound only while some subscription is enabled: unused, webhooks cost the events nothing."""
INTAKE_BINDINGS: tuple[str, ...] = (
    INTAKE_BINDING,
    *(e.routing_key for e in CONVERSATION_EVENTS),
)
"""Every key the intake is bound to (the conversation events one by one: the channel
system's own `conversation.customer_replied` is no webhook event)."""
INTAKE_PARKED = "webhooks.parked"
"""The key the queue is declared with (nothing publishes it)."""


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def _host(hostname: str) -> str:
    """A host as DNS knows it: an IP literal, or a name of letters, digits and hyphens (labels
    of 1-63, at most 253 in all) in lower case, international names in their xn-- form. Anything
    else (`127.0.0.1%2e`, `a..b`, `hooks_x`) is refused before any lookup is made of it."""
    try:
        return str(ipaddress.ip_address(hostname))
    except ValueError:
        pass
    try:
        ascii_name = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError("must name a valid host") from None
    labels = ascii_name.removesuffix(".").split(".")
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in labels):
        raise ValueError("must name a valid host (letters, digits, hyphens and dots)")
    return ascii_name


def _web_url(value: str) -> str:
    """An absolute http(s) URL with a valid host, scheme and host in lower case (the address
    rules are the service's)."""
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port that is no number or out of range
    except ValueError:
        raise ValueError("must be an absolute http:// or https:// URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValueError("must be an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("must name a host")
    if any(c.isspace() for c in value):
        raise ValueError("must not contain spaces")
    host = _host(parts.hostname)
    userinfo, _, _ = parts.netloc.rpartition("@")
    netloc = (f"{userinfo}@" if userinfo else "") + (f"[{host}]" if ":" in host else host)
    if port is not None:
        netloc += f":{port}"
    return urlunsplit((scheme, netloc, parts.path, parts.query, parts.fragment))


def _event_types(value: Any) -> Any:
    """Known ticket event types, each once; `*` alone means every one."""
    if not isinstance(value, list):
        return value
    unknown = [str(v) for v in value if v != EVERY_EVENT and v not in EVENT_TYPES]
    if unknown:
        raise ValueError(
            f"unknown event type '{unknown[0][:40]}': use {EVERY_EVENT} or {', '.join(EVENT_TYPES)}"
        )
    if len(value) > len(EVENT_TYPES) + 1:  # as the document's maxItems says, repeats counted
        raise ValueError(f"at most {len(EVENT_TYPES) + 1} event types")
    if EVERY_EVENT in value:
        return [EVERY_EVENT]
    return list(dict.fromkeys(value))


_LABEL_TEXT = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,39}[A-Za-z0-9])?"
_LAST_LABEL = "[A-Za-z](?:[A-Za-z0-9-]{0,39}[A-Za-z0-9])?"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_LATIN = "A-Za-z0-9\u00c0-\u024f"
_IDN_LABEL = f"[{_LATIN}](?:[{_LATIN}-]{{0,10}}[{_LATIN}])?"
_NAME = rf"(?:{_LABEL_TEXT}\.){{0,5}}{_LAST_LABEL}"
_IDN_NAME = rf"(?:{_IDN_LABEL}\.){{0,3}}[A-Za-z\u00c0-\u024f](?:[{_LATIN}-]{{0,10}}[{_LATIN}])?"
_H16 = "[0-9A-Fa-f]{1,4}"
_IPV6 = "|".join(
    (
        rf"(?:{_H16}:){{7}}{_H16}",
        rf"(?:{_H16}:){{1,7}}:",
        *(rf"(?:{_H16}:){{1,{7 - n}}}(?::{_H16}){{1,{n}}}" for n in range(1, 7)),
        rf":(?::{_H16}){{1,7}}",
        "::",
    )
)
_HOST = rf"(?:{_NAME}|{_IDN_NAME}|{_OCTET}(?:\.{_OCTET}){{3}}|\[(?:{_IPV6})\])"
_PORT = "(?:[0-9]{1,4}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])"
WEB_URL = rf"^[Hh][Tt][Tt][Pp][Ss]?://{_HOST}(?::{_PORT})?(?:[/?#][^{SPACE}]*)?$"
"""The URLs the document promises to take: http(s) (any case); a host name of up to six labels
of 1-41 letters, digits or hyphens (within DNS's 253), the last one starting with a letter (a
name of numbers only reads as an IP address), or an international one (up to four labels of 1-12
letters of the Latin alphabets, digits or hyphens), an IPv4 address a.b.c.d, or an IPv6 one in
brackets; an optional port; anything after it but spaces. Where the tickets service refuses
private addresses (`WEBHOOK_ALLOW_PRIVATE` off), a 422 naming `url` says so."""

WebhookUrl = Annotated[
    Url, Shape(WEB_URL, "must be an http:// or https:// URL"), AfterValidator(_web_url)
]
EventTypeName = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=64),
    OneOf((EVERY_EVENT, *EVENT_TYPES), "unknown event type '{value}'"),
]
EventTypes = Annotated[
    list[EventTypeName],
    BeforeValidator(_event_types),
    Field(min_length=1, max_length=len(EVENT_TYPES) + 1),
]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class WebhookSubscription(WireModel):
    """A subscription as admins see it (never its secret)."""

    id: str
    url: str
    event_types: list[str]
    description: str = ""
    enabled: bool
    created_at: datetime
    created_by: str
    updated_at: datetime | None = None
    updated_by: str | None = None
    disabled_reason: str | None = None
    """Why it is off: repeated failures (with the last one), a 410 Gone, or an admin."""
    disabled_at: datetime | None = None
    failure_count: int = 0
    """Deliveries in a row that failed for good (every retry spent); a delivery resets it."""


class CreateWebhook(WireModel):
    url: WebhookUrl
    event_types: EventTypes
    description: Text = ""
    by: Id


class WebhookCreated(WireModel):
    subscription: WebhookSubscription
    secret: str
    """`whsec_<base64>`: the only time it is shown."""


class ListWebhooks(WireModel):
    """Every subscription, oldest first."""


class WebhookList(WireModel):
    subscriptions: list[WebhookSubscription]


class GetWebhook(WireModel):
    id: Id


class UpdateWebhook(WireModel):
    """Only the fields given change; `enabled: true` re-enables a disabled subscription (its
    failure count and reason are cleared)."""

    id: Id
    url: WebhookUrl | None = None
    event_types: EventTypes | None = None
    description: Text | None = None
    enabled: bool | None = None
    by: Id


class DeleteWebhook(WireModel):
    id: Id
    by: Id


class ListDeliveries(WireModel):
    id: Id
    limit: Annotated[int, Field(ge=1, le=DELIVERIES_PAGE_MAX)] = 20


class DeliveryAttempt(WireModel):
    at: datetime
    status_code: int | None = None
    """The receiver's HTTP status; None when no answer came (see `error`)."""
    error: str | None = None
    """Why it failed: a status that is not 2xx, a refused connection, a timeout, an address
    that is not allowed."""
    duration_ms: int


class WebhookDelivery(WireModel):
    """One event for one subscription: pending until a 2xx, failed once retries are spent."""

    id: str
    subscription_id: str
    event_id: str
    event_type: str
    status: DeliveryStatus
    attempts: list[DeliveryAttempt]
    """The latest attempts, oldest first (`attemptCount` counts every one)."""
    attempt_count: int
    created_at: datetime
    next_attempt_at: datetime | None = None
    finished_at: datetime | None = None


class DeliveryLog(WireModel):
    subscription: WebhookSubscription
    deliveries: list[WebhookDelivery]
    """Newest first."""


CREATE = Rpc(
    "tickets.webhooks.create",
    CreateWebhook,
    WebhookCreated,
    "Register a URL for ticket event types; answers the signing secret once",
)
LIST = Rpc("tickets.webhooks.list", ListWebhooks, WebhookList, "Every webhook subscription")
GET = Rpc("tickets.webhooks.get", GetWebhook, WebhookSubscription, "One subscription")
UPDATE = Rpc(
    "tickets.webhooks.update",
    UpdateWebhook,
    WebhookSubscription,
    "Change url, event types, description, enabled (re-enables a disabled one)",
)
DELETE = Rpc("tickets.webhooks.delete", DeleteWebhook, WebhookSubscription, "Remove one")
DELIVERIES = Rpc(
    "tickets.webhooks.deliveries",
    ListDeliveries,
    DeliveryLog,
    "A subscription's latest deliveries with their attempts",
)

RPCS: tuple[Rpc[Any, Any], ...] = (CREATE, LIST, GET, UPDATE, DELETE, DELIVERIES)
