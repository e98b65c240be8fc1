"""`uts-admin queues migrate`: give the durable queues that already exist the type
RABBITMQ_QUEUE_TYPE asks for (classic <-> quorum), keeping their messages and bindings.

RabbitMQ cannot change a queue's type in place (a service declaring it with another type gets
PRECONDITION_FAILED; the services then use it as it is and log this command). For each queue of
another type, with the services stopped: its messages move to a temporary durable queue
(`<name>.migrating`, publisher-confirmed, each acked only once the broker has its copy), the
queue is deleted (once empty) and declared again as the services declare it, its bindings
restored, and the messages move back. An interrupted run is resumed by running it again: a
`.migrating` queue left behind is emptied back into its queue.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated, Any

import aio_pika
import aiormq
import typer
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage

from gateway.cli.common import (
    BROKER_FAILURES,
    CONNECT_TIMEOUT,
    EXIT_MISTAKE,
    broker_down,
    fail,
    guarded,
    run,
    settings,
)
from uts_shared.contracts.base import DEAD_LETTER_QUEUE
from uts_shared.contracts.topology import SHARED_QUEUES, durable_queues
from uts_shared.messaging import (
    QueueType,
    connect_first,
    dead_letter_queue,
    rpc_queue,
    work_queue,
)

app = typer.Typer(
    help="Durable queues: change their type (classic/quorum) to RABBITMQ_QUEUE_TYPE's.",
    no_args_is_help=True,
)

TEMPORARY = ".migrating"


def arguments(name: str, queue_type: QueueType) -> dict[str, Any]:
    """The arguments the services declare `name` with, as a `queue_type` queue."""
    if name == DEAD_LETTER_QUEUE:
        return dict(dead_letter_queue(queue_type).arguments or {})
    shared = next((q for q in SHARED_QUEUES if q.name == name), None)
    queue = rpc_queue(name, queue_type) if shared is None else work_queue(name, "", queue_type)
    return dict(queue.arguments or {})


@dataclass
class Outcome:
    name: str
    what: str
    moved: int = 0
    changed: bool = False
    refused: bool = False


class Migration:
    """One connection's work; each step on a channel of its own (a refusal closes one)."""

    def __init__(self, connection: AbstractConnection, queue_type: QueueType) -> None:
        self.connection = connection
        self.queue_type = queue_type

    @contextlib.asynccontextmanager
    async def channel(self) -> AsyncIterator[AbstractChannel]:
        channel = await self.connection.channel(publisher_confirms=True, on_return_raises=True)
        try:
            yield channel
        finally:
            if not channel.is_closed:
                await channel.close()

    async def state(self, name: str) -> tuple[int, int] | None:
        """(messages, consumers) of `name`; None when it does not exist."""
        try:
            async with self.channel() as channel:
                queue = await channel.declare_queue(name, passive=True)
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return None
        result = queue.declaration_result
        return result.message_count or 0, result.consumer_count or 0

    async def has_wanted_type(self, name: str) -> bool:
        try:
            async with self.channel() as channel:
                await channel.declare_queue(
                    name, durable=True, arguments=arguments(name, self.queue_type)
                )
        except aiormq.exceptions.ChannelPreconditionFailed:
            return False
        return True

    async def move(self, source: str, target: str) -> int:
        """Every message of `source` into `target` (through the default exchange)."""
        moved = 0
        async with self.channel() as channel:
            queue = await channel.get_queue(source, ensure=False)
            while (message := await queue.get(no_ack=False, fail=False)) is not None:
                await channel.default_exchange.publish(copy(message), target, mandatory=True)
                await message.ack()
                moved += 1
        return moved

    async def empty_and_delete(self, name: str, spill: str) -> None:
        """Delete `name` once it holds nothing, moving what arrived meanwhile to `spill`
        (delete's `if_empty` would do it at once, but quorum queues refuse it)."""
        for _ in range(10):
            state = await self.state(name)
            if state is None:
                return
            if state[0] == 0:
                async with self.channel() as channel:
                    await channel.queue_delete(name)
                return
            await self.move(name, spill)
        fail(f"{name} keeps receiving messages: stop what publishes to it, then run this again")

    async def migrate(self, name: str) -> Outcome:
        state = await self.state(name)
        if state is None:
            return Outcome(name, "absent (its service declares it)")
        _, consumers = state
        parked = await self.state(name + TEMPORARY)
        if parked is None and await self.has_wanted_type(name):
            return Outcome(name, f"already {self.queue_type}")
        if consumers:
            return Outcome(name, f"{consumers} consumers: stop the services first", refused=True)
        temporary = name + TEMPORARY
        async with self.channel() as channel:
            await channel.declare_queue(temporary, durable=True)
        moved = await self.move(name, temporary)
        await self.empty_and_delete(name, temporary)
        async with self.channel() as channel:
            queue = await channel.declare_queue(
                name, durable=True, arguments=arguments(name, self.queue_type)
            )
            for shared in SHARED_QUEUES:
                if shared.name == name:
                    for binding in shared.bindings:
                        await queue.bind(shared.exchange, routing_key=binding)
        await self.move(temporary, name)
        await self.empty_and_delete(temporary, name)
        return Outcome(name, f"now {self.queue_type}", moved=moved, changed=True)


def copy(message: AbstractIncomingMessage) -> aio_pika.Message:
    """The message with every property it had (headers, expiration, ids)."""
    return aio_pika.Message(
        message.body,
        headers=dict(message.headers or {}),
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        delivery_mode=message.delivery_mode or aio_pika.DeliveryMode.PERSISTENT,
        priority=message.priority,
        correlation_id=message.correlation_id,
        reply_to=message.reply_to,
        expiration=message.expiration,
        message_id=message.message_id,
        timestamp=message.timestamp,
        type=message.type,
        app_id=message.app_id,
    )


@app.command("migrate")
@guarded
def migrate(
    to: Annotated[
        str | None,
        typer.Option(help="classic or quorum; default RABBITMQ_QUEUE_TYPE."),
    ] = None,
    queue: Annotated[
        list[str] | None,
        typer.Option("--queue", help="Only this queue (repeatable); default every durable one."),
    ] = None,
) -> None:
    """Redeclare each durable queue of another type as `--to`, keeping messages and bindings.
    Stop the services first (a queue with consumers is left as it is)."""
    config = settings()
    wanted = to or config.rabbitmq_queue_type
    if wanted not in ("classic", "quorum"):
        fail(f"--to: must be classic or quorum, not {wanted!r}")
    queue_type: QueueType = "quorum" if wanted == "quorum" else "classic"
    known = durable_queues()
    names = queue or known
    unknown = [name for name in names if name not in known]
    if unknown:
        fail(f"--queue: not a durable queue of the system: {', '.join(unknown)}")

    async def apply() -> list[Outcome]:
        try:
            connection = await connect_first(config.rabbitmq_url, timeout=CONNECT_TIMEOUT)
        except BROKER_FAILURES as exc:
            raise broker_down(config.rabbitmq_url, exc) from None
        async with connection:
            migration = Migration(connection, queue_type)
            return [await migration.migrate(name) for name in names]

    outcomes = run(apply(), rabbitmq_url=config.rabbitmq_url)
    changed = [o for o in outcomes if o.changed]
    for outcome in changed:
        typer.echo(f"{outcome.name}: now {queue_type}, {outcome.moved} messages kept")
    for outcome in outcomes:
        if outcome.refused:
            typer.echo(f"{outcome.name}: left as it is, {outcome.what}", err=True)
    typer.echo(
        f"{len(changed)} queues migrated to {queue_type}, {len(outcomes) - len(changed)} left"
    )
    if any(o.refused for o in outcomes):
        raise typer.Exit(EXIT_MISTAKE)
