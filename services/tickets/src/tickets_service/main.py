"""Composition root of the tickets service: store, config view, outbox, SLA monitor, webhooks,
endpoints (`ServiceHost` does the rest)."""

from __future__ import annotations

import logging
from typing import Any

from tickets_service import handlers
from tickets_service.configuration import ConfigCache
from tickets_service.conversations import ConversationOperations
from tickets_service.customer_updates import CustomerUpdater
from tickets_service.customers import CustomerOperations
from tickets_service.domain.webhooks import RetryPolicy
from tickets_service.exports import ExportOperations
from tickets_service.figures import FigureTickets
from tickets_service.library import LibraryOperations
from tickets_service.library_store import MACROS, REPLIES, LibraryStore
from tickets_service.message_store import MessageStore
from tickets_service.messages import MessageOperations
from tickets_service.outbox import Outbox
from tickets_service.reports import ReportFacts, ReportOperations, catch_up
from tickets_service.rollups import ReportRollups
from tickets_service.saved_view_store import SavedViewStore
from tickets_service.saved_views import SavedViewOperations
from tickets_service.settings import Settings
from tickets_service.sla_monitor import SlaMonitor
from tickets_service.store import TicketStore
from tickets_service.ticket_map import TicketMap
from tickets_service.tickets import TicketOperations
from tickets_service.webhook_store import WebhookStore
from tickets_service.webhooks import WebhookDeliverer, WebhookOperations, WebhookSender
from uts_shared.clock import Clock
from uts_shared.contracts import tickets as t
from uts_shared.contracts import webhooks as wh
from uts_shared.host import ServiceHost, serve_forever
from uts_shared.messaging import (
    EventPublisher,
    RpcClient,
    bind_work_queue,
    on_reconnect,
)
from uts_shared.mongo import unchanged_since_clean_stop

log = logging.getLogger(__name__)


class TicketsService(ServiceHost):
    """One instance of the tickets service (tests start several sharing one `database`)."""

    service = "tickets"

    def __init__(
        self,
        settings: Settings,
        *,
        database: Any = None,
        clock: Clock | None = None,
        instance: str | None = None,
    ) -> None:
        super().__init__(settings, database=database, clock=clock, instance=instance)
        self.settings: Settings = settings
        self.rpc = RpcClient(self.broker, timeout=settings.rpc_timeout, name="tickets")
        self.store = TicketStore(self.database)
        self.config = ConfigCache(
            self.rpc,
            ttl=settings.config_cache_ttl,
            timeout=settings.config_timeout,
            retry_after=settings.config_retry_after,
        )
        self.outbox = Outbox(
            self.store,
            EventPublisher(self.broker),
            self.clock,
            publish_timeout=settings.publish_timeout,
            interval=settings.outbox_relay_interval,
            sweep_interval=settings.outbox_sweep_interval,
            grace=settings.outbox_grace,
            ack_window=settings.outbox_ack_window,
        )
        self.operations = TicketOperations(
            settings, store=self.store, config=self.config, outbox=self.outbox, clock=self.clock
        )
        self.sla_monitor = SlaMonitor(
            self.store,
            self.operations,
            self.clock,
            interval=settings.sla_check_interval,
            batch=settings.sla_check_batch,
        )
        self.customers = CustomerOperations(settings, store=self.store, clock=self.clock)
        self.conversations = ConversationOperations(store=self.store, clock=self.clock)
        self.messages = MessageOperations(
            store=self.store,
            messages=MessageStore(self.database),
            outbox=self.outbox,
            clock=self.clock,
            customer_replied=self.operations.customer_replied,
        )
        self.operations.send_note = self.messages.send_note
        self.operations.tell_customer = self.messages.tell
        self.library_stores = (
            LibraryStore(self.database, REPLIES),
            LibraryStore(self.database, MACROS),
        )
        self.library = LibraryOperations(
            replies=self.library_stores[0],
            macros=self.library_stores[1],
            tickets=self.store,
            config=self.config,
            clock=self.clock,
        )
        self.operations.find_macro = self.library.macros.usable
        self.customer_updates = CustomerUpdater(self.store, self.config, self.messages)
        self.config.on_updates_changed = self._follow_customer_updates
        self.customer_updates_bound = False
        """Whether the customer updates' queue takes the ticket events now."""
        self.webhook_store = WebhookStore(self.database)
        self.webhook_deliverer = WebhookDeliverer(
            self.webhook_store,
            WebhookSender(
                self.clock,
                timeout=settings.webhook_timeout,
                allow_private=settings.webhooks_reach_private,
            ),
            self.clock,
            RetryPolicy(
                base=settings.webhook_retry_base,
                cap=settings.webhook_retry_cap,
                window=settings.webhook_retry_window,
                disable_after=settings.webhook_disable_after,
            ),
            concurrency=settings.webhook_concurrency,
            poll_interval=settings.webhook_poll_interval,
            lease=settings.webhook_lease,
            retention=settings.webhook_log_retention,
        )
        self.webhooks = WebhookOperations(
            self.webhook_store,
            self.clock,
            allow_private=settings.webhooks_reach_private,
            on_new_deliveries=self.webhook_deliverer.wake,
            listen=self._listen_for_webhooks,
        )
        self.saved_view_store = SavedViewStore(self.database)
        self.saved_views = SavedViewOperations(self.saved_view_store, self.clock)
        self.config.subscribe(self.broker, "tickets", self.instance)
        handlers.register(
            self.broker,
            self.operations,
            self.customers,
            self.conversations,
            self.health,
        )
        handlers.register_messages(self.broker, self.messages)
        handlers.register_library(self.broker, self.library, self.operations)
        handlers.register_saved_views(self.broker, self.saved_views)
        handlers.register_customer_updates(self.broker, self.customer_updates)
        handlers.register_follow_ups(self.broker, self.operations)
        handlers.register_webhooks(self.broker, self.webhooks)
        self.report_rollups = ReportRollups(self.database)
        self.report_facts = ReportFacts(self.database, self.report_rollups)
        self.operations.on_written = self.report_facts.keep
        narrowing = FigureTickets(self.report_facts).ids
        self.operations.narrowing = narrowing
        self.exports = ExportOperations(self.store, narrowing)
        self.reports = ReportOperations(self.report_facts, self.config)
        handlers.register_reports(self.broker, self.exports, self.reports)
        self.ticket_map = TicketMap(self.store, narrowing=narrowing)
        handlers.register_map(self.broker, self.ticket_map)

    async def _follow_customer_updates(self) -> None:
        """Bind the customer updates' queue to the ticket events while some update is on."""
        try:
            wanted = await self.customer_updates.wanted()
            for binding in t.CUSTOMER_UPDATES_BINDINGS:
                await bind_work_queue(self.broker, t.CUSTOMER_UPDATES_QUEUE, binding, bound=wanted)
            self.customer_updates_bound = wanted
        except Exception:  # the next config.updated (or restart) tries again
            log.exception("could not follow the customer updates setting")

    async def _listen_for_webhooks(self, wanted: bool) -> None:
        for binding in wh.INTAKE_BINDINGS:
            await bind_work_queue(self.broker, wh.INTAKE_QUEUE, binding, bound=wanted)

    async def prepare(self) -> None:
        await self.store.ensure_indexes()
        await self.webhook_store.ensure_indexes()
        for library_store in self.library_stores:
            await library_store.ensure_indexes()
        await self.saved_view_store.ensure_indexes()
        await self.report_facts.ensure_indexes()
        # The embedded engine is one process: nothing writes during the recount there. As a
        # clean stop left it, every write it began had finished: its counters are whole.
        whole = unchanged_since_clean_stop(self.database)
        if (self.settings.mongodb_url is None and not whole) or await self.store.counts_missing():
            counted = await self.store.rebuild_counts()
            log.info("ticket counts rebuilt from %d tickets", counted)
        # After the clean-stop check: these write only what an earlier version left behind.
        if filled := await self.store.fill_sla_due():
            log.info("SLA due times stored for %d older tickets", filled)
        if filled := await self.store.fill_located():
            log.info("whether located stored for %d older tickets", filled)
        if await self.store.search_terms_outdated():
            fixed = await self.store.reindex_search()
            log.info("search terms follow the current recipe: %d ticket(s) reindexed", fixed)
        if await self.report_facts.empty() and (
            kept := await self.store.each_ticket(self.report_facts.keep)
        ):
            log.info("report facts written for %d tickets", kept)
        calendar = (await self.config.sla_policy()).calendar
        zone = "UTC" if isinstance(calendar, str) else calendar.time_zone
        caught = await catch_up(self.report_facts, zone, self.store.written_lately)
        if any(caught.values()):
            log.info("report rollups (%s): %s", zone, caught)

    async def started(self) -> None:
        await self.webhooks.follow_subscriptions()
        await self._follow_customer_updates()
        for binding in t.FOLLOW_UPS_BINDINGS:
            await bind_work_queue(self.broker, t.FOLLOW_UPS_QUEUE, binding, bound=True)
        if not on_reconnect(self.broker, self.outbox.wake):
            log.warning("no reconnect hook: events left by an outage wait for the next sweep")
        self.outbox.start()
        self.outbox.wake()  # events left by a previous run go out now
        self.report_facts.start()
        self.sla_monitor.start()
        self.webhook_deliverer.start()

    async def stopping(self) -> None:
        await self.report_facts.stop()
        await self.sla_monitor.stop()
        await self.webhook_deliverer.stop()
        await self.outbox.stop()


def main() -> None:
    serve_forever(TicketsService, Settings)
