"""Publishing ticket events from the outbox kept in each ticket document, and projecting the
counts they carry.

An entry's counts delta is applied (once per event id) before the entry is published, so the
counts are current when the writer replies and a crash leaves the delta for the relay; the
scopes forget the id once the entry has left the outbox.

After a write the service publishes that write's events at once (`send`): their counts are
applied before the writer replies, their publish starts before it replies, and the broker's
confirmation is awaited in the background, so a reply does not wait a broker round trip (nor a
durable queue's disk write) per event. Published ids are removed from the documents in batches
(one write for many tickets, by a background task).
Whatever could not be published (broker down, crash in between) stays in the outbox; the relay
publishes it every `interval` seconds while this instance knows of pending events (a publish
failed), when the broker reconnects, and in a full sweep every `sweep_interval` seconds for
what other (crashed) instances left behind. The sweep is a query over every ticket's outbox: on
the in-process engine a scan of the collection, hence not every second.
An event may thus be published twice, always with the same eventId (consumers de-duplicate).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import timedelta

from prometheus_client import Counter, Gauge

from tickets_service.events import OutboxEntry
from tickets_service.store import TicketStore
from uts_shared.clock import Clock
from uts_shared.messaging import EventPublisher

OUTBOX_PENDING = Gauge("uts_outbox_pending", "Tickets with events not yet published.")
OUTBOX_OLDEST = Gauge(
    "uts_outbox_oldest_age_seconds", "Age of the oldest event waiting in an outbox (0: none)."
)
EVENTS_RELAYED = Counter(
    "uts_events_relayed_total", "Events published late by an outbox relay (not the writer)."
)

log = logging.getLogger(__name__)


class Outbox:
    def __init__(
        self,
        store: TicketStore,
        publisher: EventPublisher,
        clock: Clock,
        *,
        publish_timeout: float,
        interval: float,
        grace: float,
        sweep_interval: float = 30.0,
        batch: int = 200,
        ack_window: float = 0.05,
    ) -> None:
        self._store = store
        self.publisher = publisher
        self._clock = clock
        self._publish_timeout = publish_timeout
        self._interval = interval
        self._sweep_interval = sweep_interval
        self._stuck: set[str] = set()
        """Tickets whose publish failed here: retried every tick (by id, no sweep needed)."""
        self._grace = timedelta(seconds=grace)
        self._batch = batch
        self._ack_window = ack_window
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._flusher: asyncio.Task[None] | None = None
        self._acks: dict[str, list[str]] = {}
        self._counted: dict[str, list[str]] = {}
        """Event id -> the count scopes its delta went to, while its entry is in the outbox."""
        self._unacked: set[str] = set()
        """Published, not yet removed from the outbox: never published again by this instance."""
        self._ack_ready = asyncio.Event()
        self._sending: set[asyncio.Task[int]] = set()
        """`send`'s publishes still waiting for their confirmation."""
        self._failing = False
        self.relayed = 0
        """Events published by the relay (not by the writer): for logs and tests."""

    async def send(self, owner: str, entries: Sequence[OutboxEntry]) -> None:
        """A write's own events, as its writer replies: their counts applied now (current when
        the writer replies), then `publish` started at once in a task of its own (its frames
        leave before any later write's) and its confirmation awaited there; what fails is the
        relay's, as after any failed publish."""
        if not await self._count(owner, entries):
            return
        begun: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def begin(*_: object) -> None:
            if not begun.done():
                begun.set_result(None)

        task = asyncio.create_task(
            self.publish(owner, entries, started=begin), name=f"outbox-send-{owner}"
        )
        self._sending.add(task)
        task.add_done_callback(self._sent_one)
        task.add_done_callback(begin)  # nothing to publish, or it failed before it began
        await begun

    def _sent_one(self, task: asyncio.Task[int]) -> None:
        # One that raised past `publish`'s own handling (a dying process) is kept for `sent`.
        if task.cancelled() or task.exception() is None:
            self._sending.discard(task)

    async def sent(self) -> None:
        """Until every publish `send` began has been confirmed or has failed (what a publish
        raised past its own handling, a dying process's error, is raised here)."""
        while self._sending:
            tasks = list(self._sending)
            await asyncio.wait(tasks)
            self._sending.difference_update(tasks)
            for task in tasks:
                if not task.cancelled() and (raised := task.exception()) is not None:
                    raise raised

    async def _count(self, owner: str, entries: Sequence[OutboxEntry]) -> bool:
        """Each entry's counts delta applied once; False (the owner left to the relay) when
        one could not be."""
        for entry in entries:
            if entry.event_id in self._unacked or entry.event_id in self._counted:
                continue
            if entry.counts:
                try:
                    await self._store.apply_counts(entry.event_id, entry.counts)
                except Exception as exc:
                    log.warning("counting %s failed (%r); the relay retries", entry.event_id, exc)
                    self._stuck.add(owner)
                    return False
                self._counted[entry.event_id] = list(entry.counts)
        return True

    async def publish(
        self,
        ticket_id: str,
        entries: Sequence[OutboxEntry],
        started: Callable[[], None] | None = None,
    ) -> int:
        """Publish `entries` in order, drop the published ones from the outbox; never raises.

        Stops at the first failure (order kept for the relay); returns how many went out.
        `started`: called as the first publish begins.
        """
        published: list[str] = []
        for entry in entries:
            if entry.event_id in self._unacked:
                continue
            if not await self._count(ticket_id, [entry]):
                break
            try:
                await self._publish_one(entry, started)
                started = None
            except asyncio.CancelledError:
                # This task is being cancelled (e.g. its consumer died with the connection):
                # leave the event to the relay's next tick, not to the full sweep.
                self._stuck.add(ticket_id)
                raise
            except Exception as exc:
                if not self._failing:
                    log.warning(
                        "publishing %s %s failed (%s); it stays in the outbox for the relay",
                        entry.type,
                        entry.event_id,
                        repr(exc),
                    )
                self._failing = True
                self._stuck.add(ticket_id)
                break
            published.append(entry.event_id)
        if published:
            if self._failing:
                log.info("publishing works again; relaying the outbox")
                self._failing = False
                self.wake()
            self._acks.setdefault(ticket_id, []).extend(published)
            self._unacked.update(published)
            if self._flusher is None:
                await self.flush()
            else:
                self._ack_ready.set()
        return len(published)

    async def _publish_one(
        self, entry: OutboxEntry, started: Callable[[], None] | None = None
    ) -> None:
        try:
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that
            # arrives as the awaited call completes, and the relay then never stops.
            async with asyncio.timeout(self._publish_timeout):
                await self.publisher.publish_raw(
                    entry.type,
                    entry.body.encode(),
                    entry.event_id,
                    request=entry.request_id,
                    traceparent=entry.traceparent,
                    started=started,
                )
        except asyncio.CancelledError as exc:
            # aiormq cancels the publishes in flight when the connection drops: a failed
            # publish, unless this task itself is being cancelled.
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise
            raise ConnectionError("publish cancelled by a lost broker connection") from exc

    async def _measure(self) -> None:
        pending, oldest = await self._store.outbox_backlog(self._clock.now())
        OUTBOX_PENDING.set(pending)
        OUTBOX_OLDEST.set(oldest)

    async def flush(self) -> None:
        """Remove every published event from its ticket's outbox (one write)."""
        acks, self._acks = self._acks, {}
        if not acks:
            return
        event_ids = [event_id for ids in acks.values() for event_id in ids]
        counted = [e for e in event_ids if e in self._counted]
        scopes = [scope for e in counted for scope in self._counted.pop(e)]
        try:
            await self._store.remove_from_outbox(list(acks), event_ids)
            # Only once the entries are gone: a mark dropped first could let a delta in again.
            await self._store.forget_applied(scopes, counted)
        except Exception:  # published anyway; the relay may send them again (same ids)
            log.exception("could not clear %d published event(s)", len(event_ids))
        finally:
            self._unacked.difference_update(event_ids)

    async def relay_once(self) -> int:
        """Publish every pending event older than the grace period; returns how many."""
        cutoff = self._clock.now() - self._grace
        sent = 0
        for ticket_id, entries in await self._store.pending_outbox(
            older_than=cutoff, limit=self._batch
        ):
            due = [e for e in entries if e.at <= cutoff] if entries else []
            # Keep a ticket's order: publish from its oldest pending event onward.
            if due:
                first = entries.index(due[0])
                count = await self.publish(ticket_id, entries[first:])
                sent += count
                if count < len(entries) - first:
                    break  # broker still failing: try again on the next tick
        if sent:
            self.relayed += sent
            EVENTS_RELAYED.inc(sent)
            log.info("relayed %d event(s) from the outbox", sent)
        return sent

    async def retry_stuck(self) -> int:
        """Publish what this instance failed to publish, ticket by ticket, in order."""
        sent = 0
        for ticket_id in list(self._stuck):
            entries = [
                e for e in await self._store.outbox_of(ticket_id) if e.event_id not in self._unacked
            ]
            count = await self.publish(ticket_id, entries) if entries else 0
            sent += count
            self.relayed += count
            EVENTS_RELAYED.inc(count)
            if count < len(entries):
                break  # broker still failing: next tick
            self._stuck.discard(ticket_id)
        if sent:
            log.info("published %d event(s) that had failed before", sent)
        return sent

    async def replay(self, *, rounds: int = 1000) -> int:
        """The full sweep now, until nothing due is left (an operator asked: uts-admin tickets
        replay-outbox); how many events went out. Stops when publishing fails."""
        sent = await self.retry_stuck()
        for _ in range(rounds):
            count = await self.relay_once()
            # Cleared now, not by the ack task: the next round must not find them again.
            await self.flush()
            sent += count
            if not count:
                break
        return sent

    def wake(self) -> None:
        """Run the relay now (e.g. the broker reconnected)."""
        self._wake.set()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="tickets-outbox-relay")
        self._flusher = asyncio.create_task(self._flush_loop(), name="tickets-outbox-acks")

    async def stop(self, grace: float = 5.0) -> None:
        if self._sending:  # confirmations under way: their ids leave the outbox in the flush
            with contextlib.suppress(Exception):
                async with asyncio.timeout(grace):
                    await self.sent()
        for task in (self._task, self._flusher):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._task = self._flusher = None
        await self.flush()

    async def _flush_loop(self) -> None:
        # Collect acks for a moment, then clear them all in one write: under load one write
        # serves many tickets instead of one write (and one collection scan in-process) each.
        while True:
            await self._ack_ready.wait()
            await asyncio.sleep(self._ack_window)
            self._ack_ready.clear()
            await self.flush()

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        last_sweep = float("-inf")
        while True:
            woken = False
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._interval):
                    await self._wake.wait()
                woken = True
            self._wake.clear()
            try:
                await self._measure()
                if self._stuck:
                    await self.retry_stuck()
                if not woken and loop.time() - last_sweep < self._sweep_interval:
                    continue
                last_sweep = loop.time()
                await self.relay_once()
            except Exception:
                log.exception("outbox relay pass failed; retrying in %gs", self._interval)
