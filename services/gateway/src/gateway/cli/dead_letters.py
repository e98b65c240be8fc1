"""`uts-admin dead-letters …`: the messages RabbitMQ dead-lettered to `uts.dead-letters` (those a
consumer refused as malformed or over-size, requests that expired unanswered).

`list` reads them without taking them (basic.get without an ack, each put back at the end);
`replay` publishes each again to the exchange and routing key it was first published with (its
`x-death` header), publisher-confirmed and mandatory, and only then acks it away: a message
that cannot be routed stays where it is. A replayed event reaches every queue bound to its
routing key again; consumers drop an `eventId` they have seen.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

import aio_pika
import typer
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
)

from gateway.cli.common import (
    BROKER_FAILURES,
    CONNECT_TIMEOUT,
    broker_down,
    fail,
    guarded,
    run,
    settings,
)
from gateway.cli.table import GAP, aligned
from uts_shared.contracts.base import DEAD_LETTER_QUEUE
from uts_shared.logs import escape_controls
from uts_shared.messaging import connect_first, excerpt

app = typer.Typer(
    help=f"Dead letters: the messages in RabbitMQ's {DEAD_LETTER_QUEUE} queue (RABBITMQ_URL).",
    no_args_is_help=True,
)

EXCERPT = 60
COLUMNS = ("ID", "ROUTING KEY (QUEUE)", "REASON", "FIRST DEATH", "TIMES", "BODY")
"""Characters of a body `list` shows."""
DEATH_HEADERS = ("x-death", "x-first-death-", "x-last-death-")
"""What RabbitMQ wrote when it dead-lettered a message (left out when replaying it)."""


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class DeadLetter:
    """A dead-lettered message as its `x-death` header describes it."""

    id: str
    """Its `message_id`, else a digest of its body and first death (stable across listings)."""
    queue: str
    """The queue it was first dead-lettered from."""
    exchange: str
    """The exchange it was first published to ("": the default exchange, an RPC request)."""
    routing_key: str
    reason: str
    """rejected (a consumer refused it), expired, maxlen or delivery_limit."""
    first_death: datetime | None
    deaths: int
    body: bytes

    @classmethod
    def parse(
        cls, body: bytes, headers: Mapping[str, Any] | None, message_id: str | None
    ) -> DeadLetter:
        headers = headers or {}
        deaths = [d for d in headers.get("x-death") or [] if isinstance(d, Mapping)]
        first_queue = _text(headers.get("x-first-death-queue"))
        first_reason = _text(headers.get("x-first-death-reason"))
        # x-death is newest first, one entry per queue and reason.
        first: Mapping[str, Any] = next(
            (
                d
                for d in deaths
                if _text(d.get("queue")) == first_queue and _text(d.get("reason")) == first_reason
            ),
            deaths[-1] if deaths else {},
        )
        routing_keys = [_text(k) for k in first.get("routing-keys") or []]
        when = first.get("time")
        if isinstance(when, datetime) and when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        queue = _text(first.get("queue")) or first_queue
        first_death = when if isinstance(when, datetime) else None
        digest = hashlib.sha256(
            body + f"|{queue}|{first_death.isoformat() if first_death else ''}".encode()
        ).hexdigest()[:16]
        return cls(
            id=message_id or digest,
            queue=queue,
            exchange=_text(first.get("exchange", headers.get("x-first-death-exchange"))),
            routing_key=routing_keys[0] if routing_keys else queue,
            reason=_text(first.get("reason")) or first_reason or "?",
            first_death=first_death,
            deaths=sum(int(d.get("count") or 1) for d in deaths) or 1,
            body=body,
        )

    @classmethod
    def of(cls, message: AbstractIncomingMessage) -> DeadLetter:
        return cls.parse(message.body, message.headers, message.message_id)

    def cells(self) -> list[str]:
        """Its row in `list`: id, where, reason, first death, times, a one-line excerpt."""
        when = self.first_death.strftime("%Y-%m-%d %H:%M:%SZ") if self.first_death else "?"
        body = escape_controls(excerpt(self.body, EXCERPT).replace("\n", " "))
        where = self.routing_key + ("" if self.queue == self.routing_key else f" ({self.queue})")
        return [self.id, where, self.reason, when, f"x{self.deaths}", body]

    def line(self) -> str:
        return GAP.join(self.cells())


def republished(message: AbstractIncomingMessage) -> aio_pika.Message:
    """The message as it was first published: same body, properties and headers, without what
    dead-lettering added."""
    headers = {k: v for k, v in (message.headers or {}).items() if not k.startswith(DEATH_HEADERS)}
    return aio_pika.Message(
        message.body,
        headers=headers,
        content_type=message.content_type,
        content_encoding=message.content_encoding,
        delivery_mode=message.delivery_mode,
        priority=message.priority,
        correlation_id=message.correlation_id,
        reply_to=message.reply_to,
        message_id=message.message_id,
        timestamp=message.timestamp,
        type=message.type,
        app_id=message.app_id,
    )


@dataclass
class DeadLetters:
    """The dead-letter queue on a connection of the command's own; messages taken from it are
    held unacknowledged until `settle`d (acked) or the end (put back)."""

    connection: AbstractConnection
    queue: AbstractQueue | None
    """None when the broker has no dead-letter queue (no service ever started on it)."""
    total: int

    def __post_init__(self) -> None:
        self.held: list[AbstractIncomingMessage] = []

    async def take(self) -> AbstractIncomingMessage | None:
        if self.queue is None:
            return None
        message = await self.queue.get(no_ack=False, fail=False)
        if message is not None:
            self.held.append(message)
        return message

    async def settle(self, message: AbstractIncomingMessage) -> None:
        await message.ack()
        self.held.remove(message)

    async def put_back(self) -> None:
        for message in self.held:
            with contextlib.suppress(*BROKER_FAILURES):
                await message.nack(requeue=True)
        self.held.clear()


@contextlib.asynccontextmanager
async def dead_letters(url: str) -> AsyncIterator[DeadLetters]:
    try:
        connection = await connect_first(url, timeout=CONNECT_TIMEOUT)
    except BROKER_FAILURES as exc:
        raise broker_down(url, exc) from None
    try:
        queue: AbstractQueue | None
        try:
            channel = await connection.channel()
            queue = await channel.declare_queue(DEAD_LETTER_QUEUE, passive=True)
            total = queue.declaration_result.message_count or 0
        except aio_pika.exceptions.ChannelNotFoundEntity:
            queue, total = None, 0
        letters = DeadLetters(connection, queue, total)
        try:
            yield letters
        finally:
            await letters.put_back()
    finally:
        await connection.close()


class Replayer:
    """Publishes dead letters again on a publisher-confirmed channel (a new one after the broker
    closed it, e.g. for an exchange that no longer exists)."""

    def __init__(self, connection: AbstractConnection) -> None:
        self._connection = connection
        self._channel: AbstractChannel | None = None

    async def replay(self, message: AbstractIncomingMessage, letter: DeadLetter) -> str | None:
        """None once the broker confirmed it, else why it was not replayed."""
        if not letter.routing_key:
            return "it has no x-death header saying where it was published"
        if self._channel is None or self._channel.is_closed:
            self._channel = await self._connection.channel(
                publisher_confirms=True, on_return_raises=True
            )
        channel = self._channel
        try:
            exchange = (
                channel.default_exchange
                if letter.exchange == ""
                else await channel.get_exchange(letter.exchange, ensure=False)
            )
            await exchange.publish(republished(message), letter.routing_key, mandatory=True)
        except aio_pika.exceptions.DeliveryError:
            return "no queue is bound for it any more"
        except aio_pika.exceptions.ChannelNotFoundEntity:
            return f"exchange '{letter.exchange}' does not exist"
        return None


def _target(letter: DeadLetter) -> str:
    exchange = letter.exchange or "(default exchange)"
    return f"{exchange} / {letter.routing_key}"


@app.command("list")
@guarded
def list_(
    limit: Annotated[int, typer.Option(min=1, help="Show at most this many.")] = 20,
) -> None:
    """Show dead letters (id, routing key, reason, first death, times, an excerpt) without
    taking them."""
    config = settings()

    async def show() -> None:
        async with dead_letters(config.rabbitmq_url) as letters:
            if letters.queue is None:
                typer.echo(f"no dead letters ({DEAD_LETTER_QUEUE} does not exist on this broker)")
                return
            shown: list[DeadLetter] = []
            while len(shown) < limit and (message := await letters.take()) is not None:
                shown.append(DeadLetter.of(message))
            typer.echo(f"{letters.total} dead letters in {DEAD_LETTER_QUEUE}, {len(shown)} shown")
            if shown:
                rows = [letter.cells() for letter in shown]
                for line in aligned(COLUMNS, rows):
                    typer.echo(line)

    run(show(), rabbitmq_url=config.rabbitmq_url)


@app.command()
@guarded
def replay(
    all_: Annotated[bool, typer.Option("--all", help="Replay every dead letter.")] = False,
    message_id: Annotated[
        str | None, typer.Option("--id", help="Replay the one with this id (see list).")
    ] = None,
) -> None:
    """Publish dead letters again where they were first published, then remove them."""
    if all_ == (message_id is not None):
        fail("give --all or --id MESSAGE_ID (one of them)")
    config = settings()

    async def replay_them() -> tuple[int, list[str]]:
        async with dead_letters(config.rabbitmq_url) as letters:
            replayer = Replayer(letters.connection)
            replayed, problems = 0, []
            # At most the messages there now: one that dies again comes back behind them.
            for _ in range(letters.total):
                message = await letters.take()
                if message is None:
                    break
                letter = DeadLetter.of(message)
                if message_id is not None and letter.id != message_id:
                    continue
                problem = await replayer.replay(message, letter)
                if problem is None:
                    await letters.settle(message)
                    replayed += 1
                    typer.echo(f"replayed {letter.id} to {_target(letter)}")
                else:
                    problems.append(f"{letter.id} to {_target(letter)}: {problem}")
                if message_id is not None:
                    break
            return replayed, problems

    replayed, problems = run(replay_them(), rabbitmq_url=config.rabbitmq_url)
    if message_id is not None and not replayed and not problems:
        fail(f"no dead letter with the id '{message_id}' (uts-admin dead-letters list shows them)")
    if problems:
        fail(f"not replayed (still dead letters): {'; '.join(problems)}")
    typer.echo(f"replayed {replayed} dead letter(s)")
