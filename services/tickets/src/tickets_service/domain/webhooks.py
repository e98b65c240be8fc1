"""Outbound webhooks, the pure part: which subscriptions an event goes to, the Standard Webhooks
signature, when a failed delivery is tried again (exponential backoff, full jitter) and when it
has failed for good, when a subscription is switched off, and which addresses may be reached.

Randomness (`rand`, a number in [0, 1)), secrets' bytes and time come in as arguments.
"""

from __future__ import annotations

import base64
import ipaddress
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, Protocol, TypeVar

from standardwebhooks.webhooks import Webhook

from uts_shared.contracts.webhooks import EVERY_EVENT

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
MIN_SECRET_BYTES = 24
"""Standard Webhooks asks for 24 to 64 bytes of randomness."""

ERROR_MAX = 300
"""Characters of an error kept in the delivery log."""

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


# --- secrets and signatures -------------------------------------------------------------------


def new_secret(raw: bytes) -> str:
    """`whsec_` + base64 of `raw` (random bytes, 24 at least)."""
    if len(raw) < MIN_SECRET_BYTES:
        raise ValueError(f"a webhook secret needs {MIN_SECRET_BYTES} random bytes at least")
    return SECRET_PREFIX + base64.b64encode(raw).decode()


def signature_headers(secret: str, message_id: str, at: datetime, body: str) -> dict[str, str]:
    """The three Standard Webhooks headers for `body` sent at `at`: `webhook-signature` is
    `v1,` + base64 of HMAC-SHA256(secret's bytes, "{id}.{timestamp}.{body}")."""
    at = at.astimezone(UTC)
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


# --- which subscriptions an event goes to -----------------------------------------------------


class Subscriber(Protocol):
    @property
    def enabled(self) -> bool: ...

    @property
    def event_types(self) -> Sequence[str]: ...


S = TypeVar("S", bound=Subscriber)


def wants(event_types: Sequence[str], event_type: str) -> bool:
    return EVERY_EVENT in event_types or event_type in event_types


def recipients(subscriptions: Iterable[S], event_type: str) -> list[S]:
    """The enabled subscriptions that asked for `event_type`."""
    return [s for s in subscriptions if s.enabled and wants(s.event_types, event_type)]


# --- retries ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    base: float = 5.0
    """Seconds: the ceiling of the first wait, doubled after each failure ..."""
    cap: float = 3600.0
    """... up to this."""
    window: float = 86_400.0
    """Seconds after the first attempt within which retries are made; then the delivery fails."""
    disable_after: int = 5
    """Deliveries in a row that fail for good switch the subscription off."""


@dataclass(frozen=True)
class Outcome:
    """What one attempt got: a status code, or an error and no answer."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300

    @property
    def gone(self) -> bool:
        """410 Gone: the receiver asks for no more (Standard Webhooks: disable the endpoint)."""
        return self.status_code == 410

    def describe(self) -> str:
        if self.status_code is not None:
            return f"HTTP {self.status_code}"
        return self.error or "no answer"


def failure(error: str, duration_ms: int) -> Outcome:
    return Outcome(None, error[:ERROR_MAX], duration_ms)


def retry_delay(failed_attempts: int, policy: RetryPolicy, rand: float) -> float:
    """Seconds to wait after the `failed_attempts`-th failure: full jitter, uniform in
    [0, min(cap, base * 2^(failed_attempts - 1)))."""
    exponent = min(max(failed_attempts - 1, 0), 62)
    return rand * min(policy.cap, policy.base * 2.0**exponent)


DeliveryState = Literal["pending", "delivered", "failed"]


@dataclass(frozen=True)
class Verdict:
    status: DeliveryState
    next_attempt_at: datetime | None = None


def after_attempt(
    outcome: Outcome,
    *,
    attempt_count: int,
    first_attempt_at: datetime,
    now: datetime,
    policy: RetryPolicy,
    rand: float,
) -> Verdict:
    """What becomes of a delivery after its `attempt_count`-th attempt: delivered on a 2xx;
    failed on a 410 or when the next try would fall past the window; else pending until the
    next try."""
    if outcome.ok:
        return Verdict("delivered")
    if outcome.gone:
        return Verdict("failed")
    next_at = now + timedelta(seconds=retry_delay(attempt_count, policy, rand))
    if next_at > first_attempt_at + timedelta(seconds=policy.window):
        return Verdict("failed")
    return Verdict("pending", next_at)


def disable_reason(failures_in_a_row: int, last: Outcome, policy: RetryPolicy) -> str | None:
    """Why a subscription is switched off after a delivery failed for good (None: it stays)."""
    if last.gone:
        return "The endpoint answered 410 Gone"
    if failures_in_a_row >= policy.disable_after:
        return (
            f"{failures_in_a_row} deliveries in a row failed after every retry "
            f"(the last: {last.describe()})"
        )
    return None


# --- addresses --------------------------------------------------------------------------------


_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


def _embedded(address: Address) -> Address:
    """The IPv4 address an IPv6 one carries (mapped, NAT64, 6to4, the old compatible form):
    what a packet to it reaches, so what the address rules judge."""
    if not isinstance(address, ipaddress.IPv6Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def parse_address(host: str) -> Address | None:
    """`host` as an IP address (brackets of an IPv6 literal allowed), or None for a name."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
    return _embedded(address)


def address_allowed(address: Address, *, allow_private: bool) -> bool:
    """Only public (globally routable, unicast) addresses, unless private ones are allowed:
    no loopback, private networks, link-local (cloud metadata), shared or reserved space."""
    if allow_private:
        return True
    address = _embedded(address)
    return address.is_global and not address.is_multicast


_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


def numeric_spelling(name: str) -> bool:
    """A name made of numbers only (`127.1`, `2130706433`, `0x7f000001`, `010.0.0.1`): no DNS
    name ends in a number, and resolvers read these as IPv4 addresses."""
    labels = name.split(".")
    return all(_NUMERIC_LABEL.match(label) for label in labels)


LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def refused_host(host: str, *, allow_private: bool) -> str | None:
    """Why a URL's host may not be registered, when that is plain from the host itself (an IP
    literal or a name of this machine); names are checked again, resolved, at each delivery."""
    name = host.lower().rstrip(".")
    if parse_address(name) is None and numeric_spelling(name):
        return "an IP address must be written the usual way (a.b.c.d)"
    if allow_private:
        return None
    if name in LOCAL_NAMES or name.endswith(".localhost"):
        return "must not point at this machine"
    address = parse_address(name)
    if address is not None and not address_allowed(address, allow_private=False):
        return "must not point at a private, loopback or link-local address"
    return None
