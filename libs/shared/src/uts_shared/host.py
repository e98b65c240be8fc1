"""The shape every service's composition root shares (`ServiceHost`) and its process entry.

A service subclasses `ServiceHost`, builds its parts in `__init__` after `super().__init__`,
and fills in the hooks it needs:

- `prepare()`: after the broker connected, the topology is declared and the consumers started,
  before any message but a reply is handled (indexes, seeding, recounts; it may call other
  services: their replies come in, every other message waits until it is done);
- `started()`: once consuming (background tasks, reconnect hooks);
- `stopping()`: before the broker stops (background tasks);
- `closed()`: after it stopped (clients of other systems).

`start()` and `stop()` are the same everywhere: one instance id style, one database handling
(a database the host opened is closed by it), a broker stop that cannot hang the process;
`readiness()` answers the process's `/health/ready` (`uts_shared.probes`).

The instance id is the one the logs, the health RPC, `/ready`, the probes and the traces'
`service.instance.id` show: `INSTANCE_ID` (or a random one) for a process's one instance,
`<id>-<n>` for each of several (UTS_INSTANCES).
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from faststream import BaseMiddleware
from faststream.message import StreamMessage

from uts_shared import runtime
from uts_shared.clock import Clock, SystemClock
from uts_shared.contracts.base import HealthStatus
from uts_shared.handled import REPLY_QUEUES, HandledLog
from uts_shared.logs import configure_logging
from uts_shared.messaging import declare_topology, make_broker
from uts_shared.mongo import describe_store, open_database
from uts_shared.probes import CHECK_TIMEOUT, answers
from uts_shared.settings import ServiceSettings
from uts_shared.store_types import Database
from uts_shared.tracing import configure_tracing

log = logging.getLogger(__name__)

S = TypeVar("S", bound=ServiceSettings)


def held_until(prepared: asyncio.Event) -> type[BaseMiddleware]:
    """A middleware holding every message but replies (unacknowledged, so a process that dies
    meanwhile leaves them to the broker) until `prepared` is set."""

    class HeldUntilPrepared(BaseMiddleware):
        async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
            if not prepared.is_set():
                routing_key = getattr(msg.raw_message, "routing_key", None) or ""
                if not routing_key.startswith(REPLY_QUEUES):
                    await prepared.wait()
            return await call_next(msg)

    return HeldUntilPrepared


class ServiceHost:
    """One instance of a service (tests start several in one process, sharing `database`)."""

    service: ClassVar[str]
    """The service's name: logs, health, broker connection name, metrics and traces."""

    def __init__(
        self,
        settings: ServiceSettings,
        *,
        database: Any = None,
        clock: Clock | None = None,
        instance: str | None = None,
    ) -> None:
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        # Without an id of its own (tests), the suffix keeps two instances apart even when
        # they were given the same settings.
        self.instance = instance or f"{settings.instance_id}-{uuid.uuid4().hex[:6]}"
        self._serving = False
        self.mongo = describe_store(settings.mongodb_url, settings.data_dir)
        self._owns_database = database is None
        self.database: Database = (
            open_database(
                settings.mongodb_url,
                settings.mongodb_db,
                data_dir=settings.data_dir,
                read_preference=settings.mongodb_read_preference,
            )
            if database is None
            else database
        )
        self.broker = make_broker(
            settings.rabbitmq_url,
            app_id=f"{self.service}-{self.instance}",
            metrics_name=self.service,
            queue_type=settings.rabbitmq_queue_type,
        )
        self._prepared = asyncio.Event()
        self.broker.add_middleware(held_until(self._prepared))
        self.broker.add_middleware(HandledLog)  # at DEBUG: a line per message handled

    async def prepare(self) -> None:
        """Before any message but a reply is handled."""

    async def started(self) -> None:
        """Once consuming."""

    async def stopping(self) -> None:
        """Before the broker stops."""

    async def closed(self) -> None:
        """After the broker stopped."""

    async def health(self) -> HealthStatus:
        return HealthStatus(service=self.service, instance=self.instance, mongo=self.mongo)

    async def readiness(self) -> dict[str, str]:
        """This instance's `/health/ready` checks: started (not stopping), its own broker
        connection and its store."""
        broker, store = await asyncio.gather(
            answers(lambda: self.broker.ping(timeout=CHECK_TIMEOUT)),
            answers(lambda: self.database.command("ping")),
        )
        return {"started": "ok" if self._serving else "no", "broker": broker, "store": store}

    async def start(self) -> None:
        log.info(
            "%s %s starting; MongoDB: %s (database %s)",
            self.service,
            self.instance,
            self.mongo,
            getattr(self.database, "name", self.settings.mongodb_db),
        )
        await self.broker.connect()
        await declare_topology(self.broker)
        # Consuming before preparing: what `prepare` asks of other services is answered.
        self._prepared.clear()
        await self.broker.start()
        await self.prepare()
        self._prepared.set()
        await self.started()
        self._serving = True
        log.info("%s %s started", self.service, self.instance)

    async def stop(self) -> None:
        self._serving = False
        await self.stopping()
        try:
            async with asyncio.timeout(self.settings.stop_timeout):
                await self.broker.stop()
        except Exception as exc:  # a broken connection must not keep the process alive
            log.warning("%s %s: broker did not stop cleanly: %r", self.service, self.instance, exc)
        await self.closed()
        if self._owns_database:
            client = getattr(self.database, "client", None)
            if client is not None:
                await client.close()
        log.info("%s %s stopped", self.service, self.instance)


def serve_forever(host: Callable[..., ServiceHost], settings_type: Callable[[], S]) -> None:
    """The process entry: logging and tracing set up once, then `UTS_INSTANCES` instances
    (each with settings of its own) until a signal stops them."""
    settings = settings_type()
    service = getattr(host, "service", "service")
    configure_logging(
        settings.log_level,
        fmt=settings.log_format,
        service=service,
        levels=settings.log_levels,
        instance=settings.instance_id,
    )
    configure_tracing(service, settings.instance_id)
    ids = runtime.instance_ids(settings.instance_id, settings.instances)
    runtime.run(
        [host(settings_type(), instance=i) for i in ids],
        name=service,
        metrics_host=settings.metrics_host,
        metrics_port=settings.metrics_port,
    )
