"""Outbound webhooks: subscriptions (admins' CRUD), intake of ticket events, and delivery.

- Intake: the work queue `tickets.webhook-intake` (bound to `ticket.#`, shared by replicas)
  hands each ticket event to one replica, which stores one pending delivery per enabled
  subscription that wants it. Deliveries are unique per (subscription, eventId): an event the
  broker or the outbox sends twice creates nothing new.
- Delivery: every replica runs a `WebhookDeliverer`. It takes due deliveries with a conditional
  write (a lease: `leaseUntil` and a token), so replicas never make the same attempt; one that
  dies holding a delivery leaves it to be taken again when the lease ends. Each attempt POSTs
  the event's envelope as it was published, signed (Standard Webhooks), and is recorded with
  its status code or error and duration. A 2xx delivers; anything else is retried with
  exponential backoff and full jitter until `webhook_retry_window` after the first attempt;
  then the delivery has failed, and `webhook_disable_after` failed deliveries in a row (or a
  410 Gone) switch the subscription off with the reason.
- Addresses: `WebhookSender` resolves the URL's host itself, refuses private, loopback and
  link-local addresses unless they are allowed, and connects to the address it checked (TLS
  still verifies the host's name), so a name cannot be re-pointed between check and use; each
  attempt has a connection of its own. Redirects are not followed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import socket
import ssl
from collections.abc import Awaitable, Callable, Mapping
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from tickets_service.domain import webhooks as rules
from tickets_service.webhook_store import ClaimedDelivery, StoredSubscription, WebhookStore
from uts_shared.clock import Clock, new_id
from uts_shared.contracts import webhooks as w
from uts_shared.errors import Conflict, NotFound, ValidationFailed

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)

USER_AGENT = "uts-webhooks/1"


class _Envelope(BaseModel):
    """What intake reads of an event: its id and type (the rest is sent as it is)."""

    model_config = ConfigDict(extra="ignore")
    event_id: str = Field(alias="eventId", min_length=1, max_length=128)
    type: str = Field(min_length=1, max_length=64)


# --- subscriptions and intake -----------------------------------------------------------------


class WebhookOperations:
    def __init__(
        self,
        store: WebhookStore,
        clock: Clock,
        *,
        allow_private: bool,
        random_bytes: Callable[[int], bytes] = secrets.token_bytes,
        on_new_deliveries: Callable[[], None] = lambda: None,
        listen: Callable[[bool], Awaitable[None]] | None = None,
    ) -> None:
        self._store = store
        self._listen = listen
        self._clock = clock
        self._allow_private = allow_private
        self._random_bytes = random_bytes
        self.on_new_deliveries = on_new_deliveries
        """Called after intake stored deliveries (this replica's deliverer starts at once)."""

    async def follow_subscriptions(self) -> None:
        """Take the ticket events in while some subscription is enabled, and only then: the
        intake queue is bound after a change that leaves one enabled, unbound when none is
        (a fresh subscription hears events from its creation on)."""
        if self._listen is not None:
            await self._listen(bool(await self._store.list_subscriptions(enabled_only=True)))

    def _check_url(self, url: str) -> None:
        reason = rules.refused_host(urlsplit(url).hostname or "", allow_private=self._allow_private)
        if reason is not None:
            raise ValidationFailed.on("url", reason)

    async def _existing(self, subscription_id: str) -> StoredSubscription:
        stored = await self._store.get_subscription(subscription_id)
        if stored is None:
            raise NotFound(f"Webhook {subscription_id} not found")
        return stored

    async def create(self, request: w.CreateWebhook) -> w.WebhookCreated:
        self._check_url(request.url)
        if await self._store.count_subscriptions() >= w.MAX_WEBHOOKS:
            raise Conflict(f"At most {w.MAX_WEBHOOKS} webhooks: delete one first")
        now = self._clock.now()
        subscription = w.WebhookSubscription(
            id=new_id(),
            url=request.url,
            event_types=request.event_types,
            description=request.description,
            enabled=True,
            created_at=now,
            created_by=request.by,
        )
        secret = rules.new_secret(self._random_bytes(rules.SECRET_BYTES))
        await self._store.insert_subscription(StoredSubscription(subscription, secret))
        await self.follow_subscriptions()
        log.info(
            "webhook %s to %s (%s) created by %s",
            subscription.id,
            urlsplit(request.url).hostname,
            ", ".join(request.event_types),
            request.by,
        )
        return w.WebhookCreated(subscription=subscription, secret=secret)

    async def list(self, _: w.ListWebhooks) -> w.WebhookList:
        stored = await self._store.list_subscriptions()
        return w.WebhookList(subscriptions=[s.subscription for s in stored])

    async def get(self, request: w.GetWebhook) -> w.WebhookSubscription:
        return (await self._existing(request.id)).subscription

    async def update(self, request: w.UpdateWebhook) -> w.WebhookSubscription:
        await self._existing(request.id)
        now = self._clock.now()
        changes: dict[str, object] = {"updatedAt": now, "updatedBy": request.by}
        if request.url is not None:
            self._check_url(request.url)
            changes["url"] = request.url
        if request.event_types is not None:
            changes["eventTypes"] = request.event_types
        if request.description is not None:
            changes["description"] = request.description
        if request.enabled is True:
            changes |= {
                "enabled": True,
                "failureCount": 0,
                "disabledReason": None,
                "disabledAt": None,
            }
        elif request.enabled is False:
            changes |= {
                "enabled": False,
                "disabledReason": f"Disabled by {request.by}",
                "disabledAt": now,
            }
        stored = await self._store.update_subscription(request.id, changes)
        if stored is None:
            raise NotFound(f"Webhook {request.id} not found")
        log.info("webhook %s changed by %s (%s)", request.id, request.by, ", ".join(changes))
        await self.follow_subscriptions()
        return stored.subscription

    async def delete(self, request: w.DeleteWebhook) -> w.WebhookSubscription:
        stored = await self._store.delete_subscription(request.id)
        if stored is None:
            raise NotFound(f"Webhook {request.id} not found")
        log.info("webhook %s deleted by %s", request.id, request.by)
        await self.follow_subscriptions()
        return stored.subscription

    async def deliveries(self, request: w.ListDeliveries) -> w.DeliveryLog:
        stored = await self._existing(request.id)
        log_entries = await self._store.log_of(request.id, request.limit)
        return w.DeliveryLog(subscription=stored.subscription, deliveries=log_entries)

    async def intake(self, body: bytes) -> int:
        """One delivery per enabled subscription wanting this event; how many were new.

        A body that is no event envelope raises pydantic's ValidationError (dead-lettered)."""
        event = _Envelope.model_validate_json(body)
        enabled = await self._store.list_subscriptions(enabled_only=True)
        targets = rules.recipients([s.subscription for s in enabled], event.type)
        created = 0
        text = body.decode()
        for subscription in targets:
            if await self._store.insert_delivery(
                new_id(),
                subscription_id=subscription.id,
                event_id=event.event_id,
                event_type=event.type,
                body=text,
                now=self._clock.now(),
            ):
                created += 1
        if created:
            log.debug("%s %s: %d webhook deliveries", event.type, event.event_id, created)
            self.on_new_deliveries()
        return created


# --- sending ----------------------------------------------------------------------------------

Resolver = Callable[[str, int], Awaitable[list[rules.Address]]]


async def resolve(host: str, port: int) -> list[rules.Address]:
    """Every address `host` resolves to, in the resolver's order, each once."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: dict[str, rules.Address] = {}
    for *_, sockaddr in infos:
        address = rules.parse_address(str(sockaddr[0]))
        if address is not None:
            found.setdefault(str(address), address)
    return list(found.values())


def _error(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class WebhookSender:
    """POSTs one signed body to a subscription's URL, on an address it has checked."""

    def __init__(
        self,
        clock: Clock,
        *,
        timeout: float,
        allow_private: bool,
        resolver: Resolver = resolve,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self._clock = clock
        self._timeout = timeout
        self._allow_private = allow_private
        self._resolve = resolver
        self._verify = verify
        """Certificates are checked against the system's authorities (tests pass their own)."""
        self._http: httpx.AsyncClient | None = None

    @property
    def _client(self) -> httpx.AsyncClient:
        if self._http is None:  # made on first use, again after a close (a service restarted)
            # Imported on first use: with its command line's libraries installed, importing
            # httpx costs the service's start about 0.3 s (click, rich, pygments).
            import httpx

            self._http = httpx.AsyncClient(
                timeout=self._timeout,
                verify=self._verify,
                follow_redirects=False,
                trust_env=False,  # a proxy from the environment would reach unchecked hosts
                headers={"user-agent": USER_AGENT},
                # Pooled by address, a connection made (and its certificate checked) for one
                # host name could carry another name's request: each attempt connects anew.
                limits=httpx.Limits(max_keepalive_connections=0),
            )
        return self._http

    async def close(self) -> None:
        http, self._http = self._http, None
        if http is not None:
            await http.aclose()

    async def post(self, url: str, body: str, headers: Mapping[str, str]) -> rules.Outcome:
        import httpx

        started = self._clock.monotonic()

        def elapsed() -> int:
            return max(0, round((self._clock.monotonic() - started) * 1000))

        try:
            async with asyncio.timeout(self._timeout):
                return await self._post(url, body, headers, elapsed)
        except TimeoutError:
            return rules.failure(f"no answer within {self._timeout:g} s", elapsed())
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            return rules.failure(_error(exc), elapsed())

    async def _post(
        self, url: str, body: str, headers: Mapping[str, str], elapsed: Callable[[], int]
    ) -> rules.Outcome:
        import httpx

        target = httpx.URL(url)
        host = target.raw_host.decode("ascii")  # IDNA-encoded: what DNS, SNI and Host carry
        literal = rules.parse_address(host)
        if literal is not None:
            addresses = [literal]
        else:
            port = target.port or (443 if target.scheme == "https" else 80)
            try:
                addresses = await self._resolve(host, port)
            except OSError as exc:
                return rules.failure(f"cannot resolve {host}: {_error(exc)}", elapsed())
        refused = [
            a for a in addresses if not rules.address_allowed(a, allow_private=self._allow_private)
        ]
        if refused:
            return rules.failure(
                f"{host} is {refused[0]}: private, loopback or link-local addresses are not "
                "allowed (WEBHOOK_ALLOW_PRIVATE)",
                elapsed(),
            )
        if not addresses:
            return rules.failure(f"{host} resolves to no address", elapsed())
        request_headers = {
            **headers,
            "content-type": "application/json",
            "host": target.netloc.decode("ascii"),
        }
        named_https = target.scheme == "https" and literal is None
        extensions = {"sni_hostname": host} if named_https else {}
        last: httpx.ConnectError | None = None
        for address in addresses:  # the first that takes the connection
            pinned = target.copy_with(host=str(address))
            try:
                async with self._client.stream(
                    "POST",
                    pinned,
                    content=body.encode(),
                    headers=request_headers,
                    extensions=extensions,
                ) as response:
                    return rules.Outcome(response.status_code, None, elapsed())
            except httpx.ConnectError as exc:
                last = exc
        assert last is not None
        return rules.failure(_error(last), elapsed())


# --- the delivery loop ------------------------------------------------------------------------


class WebhookDeliverer:
    """Makes the due deliveries, `concurrency` at once and one per subscription at a time (a
    slow receiver holds one slot, not all of them); looks again when woken (new deliveries,
    a slot freed) or every `poll_interval` seconds (retries that fell due)."""

    def __init__(
        self,
        store: WebhookStore,
        sender: WebhookSender,
        clock: Clock,
        policy: rules.RetryPolicy,
        *,
        concurrency: int,
        poll_interval: float,
        lease: float,
        retention: float,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._store = store
        self._sender = sender
        self._clock = clock
        self._policy = policy
        self._concurrency = concurrency
        self._poll_interval = poll_interval
        self._lease = timedelta(seconds=lease)
        self._retention = timedelta(seconds=retention)
        self._rand = rand
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._inflight: dict[asyncio.Task[None], str] = {}
        self._next_prune = 0.0

    def wake(self) -> None:
        self._wake.set()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="webhook-deliverer")

    async def stop(self) -> None:
        """Stop taking deliveries; attempts in flight are cut off (their leases run out and
        another replica, or the next start, makes them again: receivers de-duplicate by
        `webhook-id`)."""
        tasks = [t for t in (self._task, *self._inflight) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = None
        self._inflight.clear()
        await self._sender.close()

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.fill()
                await self._prune_now_and_then()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store hiccuped: look again next time
                log.exception("webhook deliverer: a look failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._poll_interval):
                    await self._wake.wait()

    async def fill(self) -> int:
        """Start due deliveries while slots are free; how many were started."""
        started = 0
        while len(self._inflight) < self._concurrency:
            now = self._clock.now()
            claimed = await self._store.claim(
                now, now + self._lease, new_id(), busy=set(self._inflight.values())
            )
            if claimed is None:
                break
            task = asyncio.create_task(self._deliver(claimed), name=f"webhook-{claimed.id}")
            self._inflight[task] = claimed.subscription_id
            task.add_done_callback(self._finished)
            started += 1
        return started

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(task, None)
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook delivery failed unexpectedly", exc_info=task.exception())
        self._wake.set()

    async def _prune_now_and_then(self) -> None:
        if self._clock.monotonic() < self._next_prune:
            return
        self._next_prune = self._clock.monotonic() + 600
        pruned = await self._store.prune(self._clock.now() - self._retention)
        if pruned:
            log.info("webhook log: %d finished deliveries past retention removed", pruned)

    async def _deliver(self, claimed: ClaimedDelivery) -> None:
        stored = await self._store.get_subscription(claimed.subscription_id)
        if stored is None:  # deleted meanwhile (its log went with it)
            await self._store.drop(claimed.id)
            return
        subscription = stored.subscription
        if not subscription.enabled:
            await self._store.abandon(claimed, self._clock.now())
            return
        at = self._clock.now()
        headers = rules.signature_headers(stored.secret, claimed.event_id, at, claimed.body)
        outcome = await self._sender.post(subscription.url, claimed.body, headers)
        now = self._clock.now()
        verdict = rules.after_attempt(
            outcome,
            attempt_count=claimed.attempt_count + 1,
            first_attempt_at=claimed.first_attempt_at or at,
            now=now,
            policy=self._policy,
            rand=self._rand(),
        )
        attempt = w.DeliveryAttempt(
            at=at,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
        )
        recorded = await self._store.record_attempt(
            claimed,
            attempt,
            status=verdict.status,
            next_attempt_at=verdict.next_attempt_at,
            now=now,
        )
        log.debug(
            "webhook %s %s to %s: %s -> %s",
            claimed.event_type,
            claimed.event_id,
            subscription.id,
            outcome.describe(),
            verdict.status,
        )
        if not recorded:  # held too long: another replica took it over
            log.warning("webhook delivery %s: lease lost before its outcome", claimed.id)
            return
        if verdict.status == "delivered":
            await self._store.reset_failures(subscription.id)
        elif verdict.status == "failed":
            await self._failed_for_good(subscription.id, outcome)

    async def _failed_for_good(self, subscription_id: str, outcome: rules.Outcome) -> None:
        failures = await self._store.count_failure(subscription_id)
        if failures is None:
            return
        reason = rules.disable_reason(failures, outcome, self._policy)
        if reason is not None and await self._store.disable(
            subscription_id, reason, self._clock.now()
        ):
            log.warning("webhook %s disabled: %s", subscription_id, reason)
