"""The one way services talk: broker factory, multiplexed request/reply, RPC endpoints, events.

FastStream 0.7's `broker.request` holds one lock per broker for the whole round trip
(ag2ai/faststream#1318), so concurrent requests from one process would queue behind each other.
`RpcClient` multiplexes instead: one exclusive reply queue per process and a
correlation-id -> future map, on FastStream's own publish and subscriber.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import time
import uuid
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar, Literal, TypeVar

import aio_pika
import aiormq
from aio_pika.abc import AbstractRobustQueue, HeadersType
from aio_pika.exceptions import CONNECTION_EXCEPTIONS
from aio_pika.robust_connection import RobustConnection
from faststream.exceptions import RejectMessage
from faststream.message import StreamMessage
from faststream.middlewares import AckPolicy
from faststream.rabbit import (
    Channel,
    ExchangeType,
    RabbitBroker,
    RabbitExchange,
    RabbitMessage,
    RabbitQueue,
)
from pydantic import BaseModel, ValidationError
from yarl import URL

from uts_shared import tracing
from uts_shared.contracts.base import (
    DEAD_LETTER_EXCHANGE,
    DEAD_LETTER_QUEUE,
    EVENTS_EXCHANGE,
    MAX_MESSAGE_BYTES,
    Event,
    EventType,
    Reply,
    Rpc,
)
from uts_shared.contracts.config import CONFIG_UPDATED
from uts_shared.errors import (
    DomainError,
    ErrorCode,
    ErrorInfo,
    FieldError,
    RpcTimeout,
    Unavailable,
    field_errors_from_pydantic,
)
from uts_shared.logs import REQUEST_ID_HEADER, handling, request_id
from uts_shared.metrics import (
    DEAD_LETTERED,
    EVENTS_PUBLISHED,
    RPC_CALLS,
    RPC_HANDLED,
    broker_metrics,
    queue_label,
)

log = logging.getLogger(__name__)

RequestT = TypeVar("RequestT", bound=BaseModel)
ResultT = TypeVar("ResultT")
PayloadT = TypeVar("PayloadT", bound=BaseModel)

JSON = "application/json"

BROKER_DOWN: tuple[type[BaseException], ...] = (
    aiormq.exceptions.AMQPError,
    aiormq.exceptions.ChannelInvalidStateError,
    aio_pika.exceptions.AMQPException,
    ConnectionError,
)
"""What publishing raises while the connection or channel is down (a 503, not a 500)."""

QueueType = Literal["classic", "quorum"]
"""How the durable queues (requests, work queues, dead letters) are declared: `quorum` for a
cluster (replicated, survive a node), `classic` for one node (RABBITMQ_QUEUE_TYPE)."""

MIGRATE_COMMAND = "uts-admin queues migrate"
"""What changes the type of a queue that already exists (README: "Quorum queues")."""

events_exchange = RabbitExchange(EVENTS_EXCHANGE, type=ExchangeType.TOPIC, durable=True)
dead_letter_exchange = RabbitExchange(DEAD_LETTER_EXCHANGE, type=ExchangeType.TOPIC, durable=True)


EVENTS_CHANNEL = Channel(publisher_confirms=True)
"""Events are published on a channel of their own, with publisher confirms: the outbox removes an
event only once the broker has it. Requests and replies need no confirm (the caller's timeout
covers a lost one), so the default channel goes without."""

_QUEUE_TYPES: weakref.WeakKeyDictionary[RabbitBroker, QueueType] = weakref.WeakKeyDictionary()


def broker_urls(value: str) -> list[str]:
    """RABBITMQ_URL's addresses: one URL, or several separated by commas (nodes of one
    cluster, tried in order)."""
    urls = [part.strip() for part in value.split(",") if part.strip()]
    if not urls:
        raise ValueError("RABBITMQ_URL names no broker")
    return urls


def make_broker(
    url: str,
    *,
    app_id: str,
    prefetch: int = 256,
    metrics_name: str | None = None,
    queue_type: QueueType = "classic",
) -> RabbitBroker:
    """The process's single broker connection; per-message logs at DEBUG. `metrics_name`: the
    `app_name` of FastStream's metrics (default `app_id`; never an instance id).

    `url`: one AMQP URL or several, comma-separated: the connection goes to the first that
    answers and, when its node goes away, to the next that does (`FailoverConnection`).
    `queue_type`: how the durable queues this broker declares are made.

    `apply_types=False`: every subscriber here parses its body once with the contract's model
    itself, and FastStream's dependency injection would resolve the message in a worker thread
    per message (~0.2 ms of CPU each, measured).
    """
    urls = broker_urls(url)
    broker = RabbitBroker(
        urls[0],
        app_id=app_id,
        apply_types=False,
        log_level=logging.DEBUG,
        graceful_timeout=10.0,
        default_channel=Channel(prefetch_count=prefetch, publisher_confirms=False),
        middlewares=(broker_metrics(metrics_name or app_id),),
    )
    if len(urls) > 1:
        _use_connection_class(broker, failover_connection(urls))
    _QUEUE_TYPES[broker] = queue_type
    return broker


async def connect_first(url: str, *, timeout: float) -> aio_pika.abc.AbstractConnection:
    """A plain connection to the first of RABBITMQ_URL's addresses that answers."""
    failure: BaseException | None = None
    for one in broker_urls(url):
        try:
            return await aio_pika.connect(one, timeout=timeout)
        except CONNECTION_EXCEPTIONS as exc:
            failure = exc
    assert failure is not None
    raise failure


def queue_type_of(broker: RabbitBroker) -> QueueType:
    return _QUEUE_TYPES.get(broker, "classic")


def typed(queue: RabbitQueue, queue_type: QueueType) -> RabbitQueue:
    """`queue` declared as `queue_type` (a durable, shared queue; others stay as they are)."""
    if not queue.durable or queue.exclusive or queue.auto_delete:
        return queue
    if (queue.arguments or {}).get("x-queue-type", "classic") == queue_type:
        return queue
    retyped = copy.deepcopy(queue)
    retyped.arguments = {**(queue.arguments or {}), "x-queue-type": queue_type}
    return retyped


def dead_letter_queue(queue_type: QueueType = "classic") -> RabbitQueue:
    return typed(RabbitQueue(DEAD_LETTER_QUEUE, durable=True, routing_key="#"), queue_type)


async def declare_topology(broker: RabbitBroker) -> None:
    """Exchanges and the dead-letter queue every service relies on, and every durable queue
    this broker will consume; idempotent.

    All of a service's request queues exist before it consumes any: a caller that saw one
    operation answered (e.g. health) may send another before its consumer has started, and
    that request must wait in its queue, not be returned as unroutable.
    """
    await broker.declare_exchange(events_exchange)
    await broker.declare_exchange(dead_letter_exchange)
    dlq = dead_letter_queue(queue_type_of(broker))
    queues = [dlq] + [
        queue
        for subscriber in broker.subscribers
        if isinstance(queue := getattr(subscriber, "queue", None), RabbitQueue)
        and queue.durable
        and not queue.exclusive
    ]
    # The probes on a few channels at once: one round trip each, the service's start waits.
    lanes = [queues[n::PROBE_LANES] for n in range(PROBE_LANES)]
    await asyncio.gather(*(_probe_all(broker, lane) for lane in lanes if lane))
    for queue in queues:
        declared = await broker.declare_queue(queue)
        if queue is dlq:
            await declared.bind(DEAD_LETTER_EXCHANGE, routing_key="#")


PROBE_LANES = 4


async def _probe_all(broker: RabbitBroker, queues: list[RabbitQueue]) -> None:
    async with _Probe(broker) as probe:
        for queue in queues:
            if not await probe.declares_cleanly(queue):
                queue.declare = False


async def declare_durable(
    broker: RabbitBroker, queue: RabbitQueue, probe: _Probe | None = None
) -> AbstractRobustQueue:
    """Declare a durable queue. One that already exists with other arguments (another type
    than RABBITMQ_QUEUE_TYPE asks for) is not a crash (PRECONDITION_FAILED): it is used as it
    is, and an error names it and the command that changes it."""
    if probe is None:
        async with _Probe(broker) as own:
            return await declare_durable(broker, queue, own)
    if not await probe.declares_cleanly(queue):
        queue.declare = False  # FastStream's own declaration at start becomes a passive one
    return await broker.declare_queue(queue)


class _Probe:
    """Declarations tried first on a channel of their own: PRECONDITION_FAILED closes the
    channel it happens on (a new one is opened for the next)."""

    def __init__(self, broker: RabbitBroker) -> None:
        self._broker = broker
        self._channel: aio_pika.abc.AbstractChannel | None = None

    async def __aenter__(self) -> _Probe:
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._channel is not None and not self._channel.is_closed:
            await self._channel.close()

    async def declares_cleanly(self, queue: RabbitQueue) -> bool:
        if self._channel is None or self._channel.is_closed:
            self._channel = await broker_connection(self._broker).channel()
        try:
            await self._channel.declare_queue(
                queue.name, durable=queue.durable, arguments=dict(queue.arguments or {})
            )
        except aiormq.exceptions.ChannelPreconditionFailed as exc:
            wanted = (queue.arguments or {}).get("x-queue-type", "classic")
            log.error(
                "queue '%s' already exists with other arguments than %s declares (%s): it is "
                "used as it is; to make it a %s queue, stop the services and run `%s --to %s` "
                "(README: Quorum queues)",
                queue.name,
                self._broker.config.app_id,
                exc.args[0] if exc.args else exc,
                wanted,
                MIGRATE_COMMAND,
                wanted,
            )
            return False
        return True


def rpc_queue(name: str, queue_type: QueueType = "classic") -> RabbitQueue:
    """A service's durable request queue; rejected messages go to the dead-letter exchange."""
    queue = RabbitQueue(
        name, durable=True, arguments={"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE}
    )
    return typed(queue, queue_type)


def work_queue(name: str, binding: str, queue_type: QueueType = "classic") -> RabbitQueue:
    """A durable queue on the events exchange shared by a service's replicas (competing
    consumers); rejected messages go to the dead-letter exchange."""
    queue = RabbitQueue(
        name,
        durable=True,
        routing_key=binding,
        arguments={"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE},
    )
    return typed(queue, queue_type)


def instance_queue(name: str, binding: str) -> RabbitQueue:
    """A queue of one process's own on the events exchange (e.g. a cache's invalidations, a
    relay): exclusive, gone with the process, so every replica gets every matching event."""
    return RabbitQueue(
        name,
        durable=False,
        exclusive=True,
        auto_delete=True,
        routing_key=binding,
        arguments={"x-dead-letter-exchange": DEAD_LETTER_EXCHANGE},
    )


async def declare_work_queue(broker: RabbitBroker, name: str, binding: str) -> None:
    """Make sure `name` exists and is bound before anything is published for it, so a message
    accepted while no consumer has started yet waits in the queue instead of being dropped."""
    queue = await declare_durable(broker, work_queue(name, binding, queue_type_of(broker)))
    await queue.bind(EVENTS_EXCHANGE, routing_key=binding)


async def bind_work_queue(broker: RabbitBroker, name: str, binding: str, *, bound: bool) -> None:
    """Bind (or unbind) a work queue declared by `work_queue` to `binding` on the events
    exchange: for consumers that want the events only while they have a use for them."""
    queue = await declare_durable(broker, work_queue(name, binding, queue_type_of(broker)))
    if bound:
        await queue.bind(EVENTS_EXCHANGE, routing_key=binding)
    else:
        await queue.unbind(EVENTS_EXCHANGE, routing_key=binding)


async def consumers_of(broker: RabbitBroker, name: str) -> int:
    """How many consumers `name` has now (0 when it does not exist)."""
    channel = await broker_connection(broker).channel()
    try:
        queue = await channel.declare_queue(name, passive=True)
        return queue.declaration_result.consumer_count or 0
    except aio_pika.exceptions.ChannelNotFoundEntity:
        return 0
    finally:
        if not channel.is_closed:
            await channel.close()


EXCERPT_CHARS = 200
"""The most of a payload any log line shows."""


def excerpt(payload: bytes | str, limit: int = EXCERPT_CHARS) -> str:
    """The start of a payload for a log line: at most `limit` characters, never the whole body."""
    text = (
        payload[: limit * 4].decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    )
    return text if len(text) <= limit else text[:limit] + "…"


class MalformedMessage(RejectMessage):
    """A consumer's verdict on a message it cannot use: logged once, briefly, and dead-lettered
    by the shared consumer (`serve`, `subscribe_events`), like pydantic's `ValidationError`."""

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason

    def __str__(self) -> str:
        return self.reason

    @classmethod
    def of(cls, exc: ValueError) -> MalformedMessage:
        return cls(why_invalid(exc))


def why_invalid(exc: ValueError) -> str:
    """Why input did not parse, in one short line for a log (never the rejected values)."""
    if not isinstance(exc, ValidationError):
        return excerpt(str(exc))
    errors = field_errors_from_pydantic(exc.errors(include_input=False))
    shown = "; ".join(f"{e.field}: {excerpt(e.reason, 80)}" for e in errors[:3])
    more = exc.error_count() - 3
    return shown + (f" (and {more} more)" if more > 0 else "")


def _check_size(body: bytes) -> None:
    if len(body) > MAX_MESSAGE_BYTES:
        raise MalformedMessage(f"{len(body)} bytes, over the {MAX_MESSAGE_BYTES}-byte limit")


def _dead_letter(
    where: str, body: bytes, exc: MalformedMessage, label: str | None = None
) -> RejectMessage:
    """Log a rejected message once, in one short line, and reject it to the dead-letter queue."""
    log.warning(
        "dead-lettered a malformed message from %s: %s (%d bytes, starting %r)",
        where,
        exc.reason,
        len(body),
        excerpt(body),
    )
    DEAD_LETTERED.labels(label or where).inc()
    return RejectMessage()


async def _itself(msg: StreamMessage[Any]) -> StreamMessage[Any]:
    # Handlers get the message itself; bodies are parsed once, by the contract's own model.
    return msg


def _let_go(msg: StreamMessage[Any]) -> None:
    """Drop FastStream's cache of what `_itself` decoded (the message itself): left there, it
    makes every message a reference cycle, garbage only the cyclic collector can free. Such
    garbage fills the youngest generation between collections, and each collection then
    took 10-17 ms, a pause every request in flight waited for."""
    msg.clear_cache()


def _request_headers(request: str | None = None) -> HeadersType:
    rid = request if request is not None else request_id.get()
    return {} if rid is None else {REQUEST_ID_HEADER: rid}


_CODE = re.compile(rb'"code":"([a-z_]{1,40})"')


def _error_code(reply: bytes) -> str:
    """The error code of an error reply, for metrics (without parsing the whole reply)."""
    found = _CODE.search(reply)
    return found.group(1).decode() if found else "error"


OK_REPLY = b'{"ok":true,"result":'
"""How a successful reply begins; the result's JSON and `}` follow."""


def encode(model: BaseModel) -> bytes:
    """Serialise a contract model once, straight to JSON bytes."""
    return model.__pydantic_serializer__.to_json(model, by_alias=True)


def serve(
    broker: RabbitBroker,
    spec: Rpc[RequestT, ResultT],
    handler: Callable[[RequestT], Awaitable[ResultT]],
) -> None:
    """Register `handler` as the endpoint of `spec`: parse, call, wrap result or typed error.

    A malformed or over-size request (over-size ones are never decoded) is answered with a
    validation error (when it asks for a reply), logged once, briefly, and rejected to the
    dead-letter queue; the endpoint keeps serving.
    """
    reply_model = spec.reply_model

    @broker.subscriber(
        rpc_queue(spec.queue, queue_type_of(broker)),
        decoder=_itself,
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        title=spec.queue,
        description=spec.description,
    )
    async def endpoint(message: RabbitMessage) -> bytes | None:
        started = time.perf_counter()
        outcome = "ok"
        headers = message.headers
        try:
            with (
                handling(headers.get(REQUEST_ID_HEADER)),
                tracing.rpc_handle(spec.queue, headers) as span,
            ):
                reply = await answer(message)
                if reply is not None and not reply.startswith(OK_REPLY):
                    outcome = _error_code(reply)
                    if span is not None:
                        tracing.answered_with_error(span, outcome)
        except RejectMessage:
            outcome = "malformed"
            raise
        finally:
            _let_go(message)
        RPC_HANDLED.labels(spec.queue, outcome).observe(time.perf_counter() - started)
        return reply

    async def answer(message: RabbitMessage) -> bytes | None:
        try:
            _check_size(message.body)
            request = spec.request.model_validate_json(message.body)
        except (ValidationError, MalformedMessage) as exc:
            if message.reply_to:
                details = (
                    field_errors_from_pydantic(exc.errors(include_input=False))
                    if isinstance(exc, ValidationError)
                    else [FieldError(field="body", reason=exc.reason)]
                )
                info = ErrorInfo(
                    code=ErrorCode.VALIDATION,
                    message=f"malformed request for {spec.queue}",
                    details=details,
                )
                await _publish_reply(broker, message, encode(reply_model(ok=False, error=info)))
            malformed = exc if isinstance(exc, MalformedMessage) else MalformedMessage.of(exc)
            raise _dead_letter(spec.queue, message.body, malformed) from None
        try:
            result = await handler(request)
            if (
                isinstance(result, BaseModel)
                and isinstance(result, spec.result)
                and message.reply_to
            ):
                # The reply envelope around one serialisation of the result (callers may
                # pass the result's bytes on untouched: `RpcClient.call_raw`).
                return OK_REPLY + encode(result) + b"}"
            reply: Reply[Any] = reply_model(ok=True, result=result)
        except DomainError as exc:
            log.debug("%s -> %s: %s", spec.queue, exc.code, exc.message)
            reply = reply_model(ok=False, error=exc.info())
        except Exception:
            log.exception("unexpected failure in %s", spec.queue)
            reply = reply_model(
                ok=False,
                error=ErrorInfo(code=ErrorCode.INTERNAL, message="internal error"),
            )
        return encode(reply) if message.reply_to else None


async def _publish_reply(broker: RabbitBroker, message: RabbitMessage, body: bytes) -> None:
    await broker.publish(
        body,
        routing_key=message.reply_to,
        correlation_id=message.correlation_id,
        content_type=JSON,
    )


class RpcClient:
    """Concurrent request/reply over one exclusive reply queue (see module docstring)."""

    def __init__(self, broker: RabbitBroker, *, timeout: float, name: str) -> None:
        self._broker = broker
        self._timeout = timeout
        self._pending: dict[str, asyncio.Future[bytes]] = {}
        self.reply_queue = f"rpc.reply.{name}.{uuid.uuid4().hex[:12]}"
        broker.subscriber(
            RabbitQueue(self.reply_queue, exclusive=True, auto_delete=True, durable=False),
            decoder=_itself,
            ack_policy=AckPolicy.ACK_FIRST,
            no_reply=True,
            include_in_schema=False,
        )(self._on_reply)

    async def _on_reply(self, message: RabbitMessage) -> None:
        future = self._pending.pop(message.correlation_id, None)
        if future is not None and not future.done():
            future.set_result(message.body)
        else:
            log.debug("late or unknown reply %s dropped", message.correlation_id)
        _let_go(message)

    async def _exchange(
        self, spec: Rpc[RequestT, ResultT], request: RequestT, timeout: float | None
    ) -> bytes:
        """Send `request` to `spec.queue`; the reply's bytes (or RpcTimeout / Unavailable)."""
        wait = self._timeout if timeout is None else timeout
        started = time.perf_counter()
        outcome = "ok"
        headers = _request_headers()
        try:
            with tracing.rpc_call(spec.queue, headers) as span:
                body = await self._send_and_wait(spec, request, wait, headers)
                if not body.startswith(OK_REPLY):
                    outcome = _error_code(body)
                    if span is not None:
                        tracing.answered_with_error(span, outcome, caller=True)
                return body
        except DomainError as exc:
            outcome = exc.code.value
            raise
        finally:
            RPC_CALLS.labels(spec.queue, outcome).observe(time.perf_counter() - started)

    async def _send_and_wait(
        self, spec: Rpc[RequestT, ResultT], request: RequestT, wait: float, headers: HeadersType
    ) -> bytes:
        correlation_id = uuid.uuid4().hex
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self._pending[correlation_id] = future
        try:
            async with asyncio.timeout(wait):
                # A request nobody took within the caller's timeout expires instead of being
                # executed later (the caller was already told 504).
                try:
                    await self._broker.publish(
                        encode(request),
                        routing_key=spec.queue,
                        correlation_id=correlation_id,
                        reply_to=self.reply_queue,
                        content_type=JSON,
                        expiration=wait,
                        headers=headers,
                    )
                except BROKER_DOWN as exc:
                    raise Unavailable(
                        f"the message broker is unreachable ({type(exc).__name__}); "
                        "try again in a moment",
                        context={"queue": spec.queue},
                    ) from exc
                body = await future
        except TimeoutError:
            raise RpcTimeout(
                f"the service behind '{spec.queue}' did not answer within {wait:g}s",
                context={"queue": spec.queue},
            ) from None
        finally:
            self._pending.pop(correlation_id, None)
        return body

    async def call(
        self,
        spec: Rpc[RequestT, ResultT],
        request: RequestT,
        *,
        timeout: float | None = None,
    ) -> ResultT:
        """Send `request` to `spec.queue`, wait for its reply; raise its typed error if any."""
        body = await self._exchange(spec, request, timeout)
        reply = spec.reply_model.model_validate_json(body)
        if not reply.ok:
            assert reply.error is not None
            raise DomainError.from_info(reply.error)
        return reply.result  # type: ignore[return-value]

    async def call_raw(
        self,
        spec: Rpc[RequestT, ResultT],
        request: RequestT,
        *,
        timeout: float | None = None,
    ) -> bytes:
        """Like `call`, but the result as the service serialised it (JSON bytes of a
        `spec.result`), for a caller that only passes it on."""
        body = await self._exchange(spec, request, timeout)
        if body.startswith(OK_REPLY) and body.endswith(b"}"):
            return body[len(OK_REPLY) : -1]
        reply = spec.reply_model.model_validate_json(body)
        if not reply.ok:
            assert reply.error is not None
            raise DomainError.from_info(reply.error)
        return encode(reply.result)  # type: ignore[arg-type]


class EventPublisher:
    """Publishes domain events, persistent, on the durable topic exchange, publisher-confirmed."""

    def __init__(self, broker: RabbitBroker) -> None:
        self._broker = broker
        self._app_id = broker.config.app_id

    async def publish(self, event: Event[Any]) -> None:
        await self.publish_raw(event.type, encode(event), event.event_id)

    async def publish_raw(
        self,
        routing_key: str,
        body: bytes,
        event_id: str,
        *,
        request: str | None = None,
        traceparent: str | None = None,
        started: Callable[[], None] | None = None,
    ) -> None:
        """Publish an already serialised event (e.g. from an outbox) without re-encoding it;
        `request`: the id of the request that caused it (default: the one being handled);
        `traceparent`: the trace context it was caused in (default: the current span's);
        `started`: called as the publish itself begins (its frames queued by the time the
        caller's task next waits).

        Returns once the broker confirmed it; raises if it could not take it.
        """
        channel = await events_channel(self._broker)
        exchange = await channel.get_exchange(EVENTS_EXCHANGE, ensure=False)
        headers = _request_headers(request)
        with tracing.event_publish(EVENTS_EXCHANGE, routing_key, event_id, headers, traceparent):
            if started is not None:
                started()
            await exchange.publish(
                aio_pika.Message(
                    body,
                    content_type=JSON,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                    message_id=event_id,
                    app_id=self._app_id,
                    headers=headers,
                ),
                routing_key=routing_key,
            )
        EVENTS_PUBLISHED.labels(routing_key).inc()


def make_event(kind: EventType[PayloadT], payload: PayloadT) -> Event[PayloadT]:
    """Wrap a payload in the event envelope for its routing key."""
    return kind.envelope(type=kind.routing_key, schema_version=kind.version, data=payload)


def subscribe_events(
    broker: RabbitBroker,
    queue: RabbitQueue,
    handler: Callable[[str, bytes, RabbitMessage], Awaitable[None]],
) -> None:
    """Consume events from `queue` (bound to the events exchange); handler gets key and raw body.

    The one way every consumer treats a message it cannot use: one over `MAX_MESSAGE_BYTES`
    (never decoded), or one its handler refuses (`MalformedMessage`, or pydantic's
    `ValidationError` left to propagate) is logged once, briefly, and dead-lettered.
    A shared durable queue is declared as the broker's queue type (`make_broker`).
    """
    queue = typed(queue, queue_type_of(broker))

    @broker.subscriber(
        queue,
        events_exchange,
        decoder=_itself,
        ack_policy=AckPolicy.REJECT_ON_ERROR,
        no_reply=True,
    )
    async def on_event(message: RabbitMessage) -> None:
        headers = message.headers
        routing_key = message.raw_message.routing_key or ""
        with (
            handling(headers.get(REQUEST_ID_HEADER)),
            tracing.event_process(
                EVENTS_EXCHANGE, routing_key, queue.name, message.message_id, headers
            ),
        ):
            try:
                await consume(routing_key, message)
            finally:
                _let_go(message)

    async def consume(routing_key: str, message: RabbitMessage) -> None:
        try:
            _check_size(message.body)
            await handler(routing_key, message.body, message)
        except (ValidationError, MalformedMessage) as exc:
            malformed = exc if isinstance(exc, MalformedMessage) else MalformedMessage.of(exc)
            where = f"{queue.name} ({excerpt(routing_key, 80)})"
            label = queue_label(queue.name, exclusive=queue.exclusive)
            raise _dead_letter(where, message.body, malformed, label) from None


def subscribe_config_updates(
    broker: RabbitBroker,
    queue_name: str,
    on_change: Callable[[list[str] | None], Awaitable[None]],
) -> None:
    """This process's own queue for `config.updated`: `on_change(keys)` after each change.

    An event that cannot be read still says something changed: `on_change(None)` (drop every
    cached value), then it is dead-lettered like any malformed message.
    """

    async def on_event(routing_key: str, body: bytes, message: RabbitMessage) -> None:
        try:
            keys = CONFIG_UPDATED.envelope.model_validate_json(body).data.keys
        except ValidationError:
            await on_change(None)
            raise
        await on_change(keys)

    subscribe_events(broker, instance_queue(queue_name, CONFIG_UPDATED.routing_key), on_event)


# --- FastStream internals: the one place that reaches into them (tests pin them) --------------


async def events_channel(broker: RabbitBroker) -> aio_pika.abc.AbstractChannel:
    """The broker's dedicated publisher-confirmed channel for events."""
    channel: aio_pika.abc.AbstractChannel = await broker.config.channel_manager.get_channel(
        EVENTS_CHANNEL
    )
    return channel


def on_reconnect(broker: RabbitBroker, callback: Callable[[], None]) -> bool:
    """Call `callback` each time the broker's robust connection comes back (make_broker takes
    no such hook); False when this FastStream version no longer exposes the connection."""
    connection = getattr(broker, "_connection", None)
    callbacks = getattr(connection, "reconnect_callbacks", None)
    if callbacks is None:
        return False
    callbacks.add(lambda *_: callback())
    return True


def broker_connection(broker: RabbitBroker) -> aio_pika.abc.AbstractRobustConnection:
    """The broker's open robust connection (after `connect`)."""
    connection = getattr(broker, "_connection", None)
    if connection is None:
        raise RuntimeError("the broker is not connected")
    return connection  # type: ignore[no-any-return]


def _use_connection_class(broker: RabbitBroker, connection_class: type[RobustConnection]) -> None:
    # FastStream passes its connection keywords on to aio_pika.connect_robust, which takes the
    # class of the connection it makes.
    broker._connection_kwargs["connection_class"] = connection_class


class FailoverConnection(RobustConnection):
    """A robust connection to one of several nodes of a cluster: each (re)connection tries
    them in turn, from the node after the one it lost, until one answers."""

    urls: ClassVar[tuple[URL, ...]] = ()
    _current = 0
    _established = False

    async def _on_connection_close(self, closing: asyncio.Future[Any]) -> None:
        # Also called for an attempt that failed: only a lost connection moves on here.
        if self._established and not self._close_called:
            self._current = (self._current + 1) % len(self.urls)
        self._established = False
        await super()._on_connection_close(closing)

    # aio-pika's RobustConnection connects (and reconnects) its transport here, to `self.url`.
    async def _RobustConnection__connect_transport(self) -> None:
        connect = super()._RobustConnection__connect_transport  # type: ignore[misc]
        failure: BaseException | None = None
        for _ in self.urls:
            self.url = self.urls[self._current]
            try:
                await connect()
            except CONNECTION_EXCEPTIONS as exc:
                failure = exc
                log.warning("broker node %s did not answer: %r", self, exc)
                self._current = (self._current + 1) % len(self.urls)
            else:
                self._established = True
                log.info("connected to broker node %s", self)
                return
        assert failure is not None
        raise failure


def failover_connection(urls: list[str]) -> type[FailoverConnection]:
    """A `FailoverConnection` class over `urls` (aio-pika instantiates the class itself)."""
    return type("FailoverConnection", (FailoverConnection,), {"urls": tuple(map(URL, urls))})
