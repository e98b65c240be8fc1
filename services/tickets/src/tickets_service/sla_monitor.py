"""The SLA monitor: every few seconds, settle the tickets whose clocks reached a warning or a
breach moment (`sla.nextCheckAt`, indexed).

Every replica runs one. Settling is the ordinary conditional write of a ticket change, with
the warning and breach flags in the ticket itself: when two replicas settle the same ticket,
one write wins and the other, re-reading, finds nothing left to raise. A restart re-reads the
flags, so nothing is raised twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from tickets_service.store import TicketStore
from tickets_service.tickets import TicketOperations
from uts_shared.clock import Clock
from uts_shared.errors import DomainError

log = logging.getLogger(__name__)


class SlaMonitor:
    def __init__(
        self,
        store: TicketStore,
        operations: TicketOperations,
        clock: Clock,
        *,
        interval: float,
        batch: int,
    ) -> None:
        self._store = store
        self._operations = operations
        self._clock = clock
        self._interval = interval
        self._batch = batch
        self._task: asyncio.Task[None] | None = None

    async def check(self) -> int:
        """One look: settle what fell due; the number of tickets looked at."""
        due = await self._store.sla_due(self._clock.now(), self._batch)
        for ticket_id in due:
            try:
                raised = await self._operations.settle_sla(ticket_id)
            except DomainError as exc:  # changed away or gone meanwhile: the next look decides
                log.info("SLA check of %s skipped: %s", ticket_id, exc)
                continue
            if raised:
                log.info("SLA: %d event(s) raised on %s", raised, ticket_id)
        return len(due)

    async def _run(self) -> None:
        while True:
            try:
                looked = await self.check()
            except asyncio.CancelledError:
                raise
            except Exception:  # the store or broker hiccuped: look again next time
                log.exception("SLA monitor: a look failed")
                looked = 0
            if looked < self._batch:
                await asyncio.sleep(self._interval)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="sla-monitor")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
