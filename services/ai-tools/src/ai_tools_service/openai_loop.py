"""The model side, on OpenAI's Responses API: webhook continuations and whole assistant turns.

Webhook path: OpenAI calls the gateway when a background response completes; the gateway
publishes `openai.response.completed`; one replica takes it from the shared queue, retrieves
the response, runs its `function_call` items and continues it (`previous_response_id`, the
`function_call_output` items in order, the live instructions and tools, `background=True`, the
same metadata: the customer's `phone` and `conversationId`). `response.failed|cancelled|incomplete`
are recorded and published as `ai.response.*` events for the conversation system.

Turn path (`ai.respond`): create a response for the customer's message, run every function
call, continue until the model answers in text. Both go through the loop guard.

Model errors: the SDK retries 429/5xx/timeouts with backoff (`OPENAI_MAX_RETRIES`); what still
fails is a `ModelUnavailable`: the webhook consumer hands the message back to the queue or, after
`WEBHOOK_MAX_ATTEMPTS`, dead-letters it with the reason. Tool outputs are already stored by call
id by then, so a later delivery re-sends them without running anything twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import openai
from faststream.exceptions import NackMessage
from faststream.rabbit import RabbitBroker, RabbitMessage
from openai import AsyncOpenAI, omit
from openai.types.responses import Response

from ai_tools_service.conversation_log import ConversationLog
from ai_tools_service.domain.guard import LoopGuard
from ai_tools_service.domain.messages import Messages
from ai_tools_service.domain.tools import TRANSIENT_CODES, failure
from ai_tools_service.profile import ConfigCache
from ai_tools_service.service import ToolService
from ai_tools_service.store import AiToolsStore, ResponseClaim
from uts_shared.contracts.ai_tools import (
    AI_LOOP_GUARD_TRIPPED,
    AI_RESPONSE_ANSWERED,
    ENDED_EVENTS,
    OPENAI_RESPONSE_COMPLETED,
    FunctionCall,
    LoopGuardTripped,
    OpenAiWebhook,
    RespondRequest,
    RespondResult,
    ResponseAnswered,
    ResponseEnded,
    ToolCallRecord,
)
from uts_shared.contracts.tickets import Handler
from uts_shared.errors import DomainError, RpcTimeout, Unavailable
from uts_shared.messaging import JSON, EventPublisher, dead_letter_exchange, make_event

log = logging.getLogger(__name__)

_WEBHOOK_ENVELOPE = OPENAI_RESPONSE_COMPLETED.envelope  # every openai.* event has this shape

PHONE_KEY = "phone"
CONVERSATION_KEY = "conversationId"
POLL_FIRST = 0.05
POLL_MAX = 1.0
TRANSIENT_STATUS = frozenset({408, 409, 429})
MAX_RETRY_DELAY = 60.0
REASON_HEADER = "x-uts-reason"
"""Why a dead-lettered webhook was given up on (read by operators and tests)."""


class ModelUnavailable(Exception):
    """The model API failed in a way a later attempt may get past (rate limit, 5xx, timeout)."""

    def __init__(self, reason: str, *, retryable: bool = True, timed_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable
        self.timed_out = timed_out


def describe_api_error(exc: Exception) -> ModelUnavailable:
    """Classify an SDK error that survived the SDK's own retries."""
    if isinstance(exc, openai.APITimeoutError):
        return ModelUnavailable(f"model request timed out: {exc}", timed_out=True)
    if isinstance(exc, openai.APIConnectionError):
        return ModelUnavailable(f"model API unreachable: {exc}")
    if isinstance(exc, openai.RateLimitError):
        return ModelUnavailable(f"rate limited (429) after retries: {exc.message}")
    if isinstance(exc, openai.APIStatusError):
        retryable = exc.status_code in TRANSIENT_STATUS or exc.status_code >= 500
        return ModelUnavailable(
            f"model API answered {exc.status_code}: {exc.message}", retryable=retryable
        )
    return ModelUnavailable(f"model call failed: {exc!r}", retryable=False)


def function_calls(response: Response) -> list[FunctionCall]:
    """The response's `function_call` output items, in order."""
    return [
        FunctionCall(call_id=item.call_id, name=item.name, arguments=item.arguments or "{}")
        for item in response.output
        if item.type == "function_call"
    ]


def call_metadata(phone: str | None, conversation_id: str | None) -> dict[str, str]:
    meta = {PHONE_KEY: phone} if phone else {}
    if conversation_id:
        meta[CONVERSATION_KEY] = conversation_id
    return meta


def end_reason(response: Response) -> str | None:
    if response.error is not None:
        return f"{response.error.code}: {response.error.message}"
    if response.incomplete_details is not None and response.incomplete_details.reason:
        return str(response.incomplete_details.reason)
    return None


class Counters:
    """What this instance's webhook consumer did (status RPC; tests wait on it)."""

    def __init__(self) -> None:
        self.values: Counter[str] = Counter()
        self._changed = asyncio.Condition()

    async def bump(self, name: str) -> None:
        async with self._changed:
            self.values[name] += 1
            self._changed.notify_all()

    async def wait(self, name: str, at_least: int, timeout: float = 10.0) -> None:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: self.values[name] >= at_least)


@dataclass
class Round:
    """One tool round: the outputs for the model and what the guard decided."""

    inputs: list[dict[str, str]]
    records: list[ToolCallRecord]
    trip: LoopGuardTripped | None


class ModelLoop:
    def __init__(
        self,
        client: AsyncOpenAI | None,
        *,
        model: str,
        tools: ToolService,
        profile: ConfigCache,
        store: AiToolsStore,
        publisher: EventPublisher,
        owner: str,
        max_rounds: int,
        max_repeats: int,
        webhook_lease: float,
        clock: Callable[[], datetime],
        conversations: ConversationLog | None = None,
    ) -> None:
        self._client = client
        self._conversations = conversations
        self._model = model
        self._tools = tools
        self._profile = profile
        self._store = store
        self._publisher = publisher
        self._owner = owner
        self._max_rounds = max_rounds
        self._max_repeats = max_repeats
        self._lease = timedelta(seconds=webhook_lease)
        self._clock = clock
        self.counters = Counters()

    @property
    def enabled(self) -> bool:
        return self._client is not None

    def _api(self) -> AsyncOpenAI:
        if self._client is None:
            raise Unavailable(
                "The assistant's model path is disabled: OPENAI_API_KEY is not configured"
            )
        return self._client

    # --- model calls ---------------------------------------------------------------------------

    async def _create(
        self,
        *,
        input: str | list[dict[str, str]],
        previous_response_id: str | None,
        metadata: dict[str, str],
        background: bool,
        answer_in_text: bool = False,
    ) -> Response:
        """One model call with the live instructions and tools (re-read for every call)."""
        rendering = await self._profile.rendering()
        try:
            response = await self._api().responses.create(
                model=self._model,
                instructions=rendering.instructions,
                tools=rendering.tools,  # type: ignore[arg-type]  # Responses function tools
                input=input,  # type: ignore[arg-type]
                previous_response_id=previous_response_id or omit,
                metadata=metadata,
                background=background or omit,
                store=True,
                tool_choice="none" if answer_in_text else omit,
            )
        except openai.OpenAIError as exc:
            raise describe_api_error(exc) from exc
        assert isinstance(response, Response)
        return response

    async def _retrieve(self, response_id: str) -> Response:
        try:
            response = await self._api().responses.retrieve(response_id)
        except openai.OpenAIError as exc:
            raise describe_api_error(exc) from exc
        assert isinstance(response, Response)
        return response

    # --- one tool round ------------------------------------------------------------------------

    async def _round(
        self,
        calls: list[FunctionCall],
        guard: LoopGuard,
        *,
        phone: str | None,
        conversation_id: str | None,
        response_id: str,
    ) -> Round:
        messages: Messages | None = None
        inputs: list[dict[str, str]] = []
        records: list[ToolCallRecord] = []
        trip: LoopGuardTripped | None = None
        exhausted = guard.rounds_exhausted()
        for call in calls:
            repeated = None if exhausted else guard.admit(call)
            if exhausted or repeated is not None:
                messages = messages or await self._profile.messages()
                text = (
                    messages.loop_rounds(self._max_rounds)
                    if exhausted
                    else messages.loop_repeated(call.name, repeated or 0)
                )
                output = failure(text).output
                if trip is None:
                    trip = LoopGuardTripped(
                        response_id=response_id,
                        phone=phone,
                        conversation_id=conversation_id,
                        reason="max_rounds" if exhausted else "repeated_call",
                        call_name=call.name,
                        arguments=call.arguments,
                        rounds=guard.rounds,
                    )
            else:
                output = await self._tools.execute(call, phone, conversation_id)
            inputs.append(
                {"type": "function_call_output", "call_id": call.call_id, "output": output}
            )
            records.append(
                ToolCallRecord(
                    call_id=call.call_id, name=call.name, arguments=call.arguments, output=output
                )
            )
        guard.rounds += 1
        if trip is not None:
            guard.tripped = True
            log.warning(
                "loop guard tripped (%s, %s) on response %s",
                trip.reason,
                trip.call_name,
                response_id,
            )
            await self._publisher.publish(make_event(AI_LOOP_GUARD_TRIPPED, trip))
        return Round(inputs, records, trip)

    # --- a whole turn (ai.respond) -------------------------------------------------------------

    async def respond(self, request: RespondRequest) -> RespondResult:
        """A whole turn. The customer's message and the answer are recorded in the customer's
        conversation; while an agent handles it, the model is not asked at all."""
        log_to = self._conversations
        conversation = await log_to.find(request.phone, request.conversation_id) if log_to else None
        if log_to is not None and conversation is not None:
            await log_to.customer_wrote(conversation.id, request.message)
            if conversation.handled_by is Handler.AGENT:
                log.info("conversation %s is handled by an agent: no model call", conversation.id)
                return RespondResult(handled_by=Handler.AGENT)
        result = await self._turn(request)
        if log_to is not None and conversation is not None and result.text:
            await log_to.assistant_answered(conversation.id, result.text)
        return result

    async def _turn(self, request: RespondRequest) -> RespondResult:
        self._api()
        phone, conversation_id = request.phone, request.conversation_id
        metadata = call_metadata(phone, conversation_id)
        guard = LoopGuard(self._max_rounds, self._max_repeats)
        records: list[ToolCallRecord] = []
        try:
            response = await self._create(
                input=request.message,
                previous_response_id=request.previous_response_id,
                metadata=metadata,
                background=False,
            )
            while calls := function_calls(response):
                if guard.tripped:  # still calling after being told to answer: stop here
                    break
                tool_round = await self._round(
                    calls,
                    guard,
                    phone=phone,
                    conversation_id=conversation_id,
                    response_id=response.id,
                )
                records.extend(tool_round.records)
                response = await self._create(
                    input=tool_round.inputs,
                    previous_response_id=response.id,
                    metadata=metadata,
                    background=False,
                    answer_in_text=guard.tripped,
                )
        except ModelUnavailable as exc:
            context = {"toolCalls": [r.model_dump() for r in records]}
            if exc.timed_out:
                raise RpcTimeout(exc.reason, context=context) from exc
            raise Unavailable(exc.reason, context=context) from exc
        if response.status not in (None, "completed"):
            raise Unavailable(
                f"the model response ended {response.status}: {end_reason(response)}",
                context={"responseId": response.id, "toolCalls": [r.model_dump() for r in records]},
            )
        return RespondResult(
            text=response.output_text,
            response_id=response.id,
            tool_calls=records,
            loop_guard_tripped=guard.tripped,
        )

    # --- webhooks -----------------------------------------------------------------------------

    async def _claim(self, response_id: str) -> ResponseClaim:
        """Claim the response for this replica; wait while another one holds it."""
        delay = POLL_FIRST
        while True:
            claim = await self._store.claim_response(
                response_id, owner=self._owner, now=self._clock(), lease=self._lease
            )
            if claim.state != "busy":
                return claim
            await asyncio.sleep(delay)
            delay = min(delay * 2, POLL_MAX)

    async def handle_webhook(self, webhook: OpenAiWebhook) -> None:
        """Handle one verified webhook (raises `ModelUnavailable` to be retried later)."""
        self._api()
        if webhook.type == "response.completed":
            outcome = await self._completed(webhook.data.id)
        elif webhook.type.removeprefix("response.") in ENDED_EVENTS:
            outcome = await self._ended(webhook.data.id, webhook.type.removeprefix("response."))
        else:
            log.debug("webhook %s ignored (%s)", webhook.webhook_id, webhook.type)
            outcome = "ignored"
        await self.counters.bump(outcome)
        await self.counters.bump("handled")

    async def release(self, response_id: str, reason: str) -> int:
        """Hand a response back after a transient failure; the attempts made so far."""
        return await self._store.release_response(response_id, reason=reason, now=self._clock())

    async def give_up(self, response_id: str, reason: str) -> None:
        """Record a response whose webhook was dead-lettered, and tell the conversation system."""
        await self._store.finish_response(
            response_id, status="dead_lettered", now=self._clock(), reason=reason
        )
        doc = await self._store.response(response_id) or {}
        await self._publisher.publish(
            make_event(
                ENDED_EVENTS["failed"],
                ResponseEnded(
                    response_id=response_id,
                    status="failed",
                    phone=doc.get("phone"),
                    conversation_id=doc.get("conversationId"),
                    reason=reason,
                ),
            )
        )

    async def _completed(self, response_id: str) -> str:
        """Handle a completed response; what happened (`continued`, `answered`, ...)."""
        claim = await self._claim(response_id)
        if claim.state == "done":
            log.debug("response %s already handled", response_id)
            return "duplicate"
        response = await self._retrieve(response_id)
        if response.status not in (None, "completed"):
            await self._finish_ended(response_id, response.status or "failed", response)
            return "ended"
        meta = dict(response.metadata or {})
        phone, conversation_id = meta.get(PHONE_KEY), meta.get(CONVERSATION_KEY)
        calls = function_calls(response)
        if not calls:
            await self._store.finish_response(
                response_id, status="answered", now=self._clock(), phone=phone
            )
            await self._publisher.publish(
                make_event(
                    AI_RESPONSE_ANSWERED,
                    ResponseAnswered(
                        response_id=response_id,
                        phone=phone,
                        conversation_id=conversation_id,
                        text=response.output_text,
                    ),
                )
            )
            return "answered"
        guard = LoopGuard.resume(
            max_rounds=self._max_rounds,
            max_repeats=self._max_repeats,
            rounds=claim.round,
            signatures=claim.signatures,
            tripped=claim.tripped,
        )
        if guard.tripped:
            reason = "the model kept calling tools after the loop guard stopped it"
            log.warning("response %s: %s", response_id, reason)
            await self._finish_ended(response_id, "failed", response, reason=reason)
            return "ended"
        tool_round = await self._round(
            calls, guard, phone=phone, conversation_id=conversation_id, response_id=response_id
        )
        continuation = await self._create(
            input=tool_round.inputs,
            previous_response_id=response_id,
            metadata=meta,
            background=True,
            answer_in_text=guard.tripped,
        )
        await self._store.record_continuation(
            continuation.id,
            parent_id=response_id,
            round=guard.rounds,
            signatures=guard.signatures(),
            tripped=guard.tripped,
            phone=phone,
            conversation_id=conversation_id,
            now=self._clock(),
        )
        await self._store.finish_response(
            response_id, status="continued", now=self._clock(), continuationId=continuation.id
        )
        log.debug("response %s continued as %s", response_id, continuation.id)
        return "continued"

    async def _ended(self, response_id: str, status: str) -> str:
        claim = await self._claim(response_id)
        if claim.state == "done":
            return "duplicate"
        response: Response | None = None
        try:
            response = await self._retrieve(response_id)
        except ModelUnavailable as exc:  # publish what we know rather than nothing
            log.warning("response %s ended %s; retrieving it failed: %s", response_id, status, exc)
        await self._finish_ended(response_id, status, response)
        return "ended"

    async def _finish_ended(
        self, response_id: str, status: str, response: Response | None, *, reason: str | None = None
    ) -> None:
        doc = await self._store.response(response_id) or {}
        meta = dict(response.metadata or {}) if response is not None else {}
        phone = meta.get(PHONE_KEY) or doc.get("phone")
        conversation_id = meta.get(CONVERSATION_KEY) or doc.get("conversationId")
        reason = reason or (end_reason(response) if response is not None else None)
        await self._store.finish_response(
            response_id, status="ended", now=self._clock(), endStatus=status, reason=reason
        )
        kind = ENDED_EVENTS.get(status, ENDED_EVENTS["failed"])
        await self._publisher.publish(
            make_event(
                kind,
                ResponseEnded(
                    response_id=response_id,
                    status=status,
                    phone=phone,
                    conversation_id=conversation_id,
                    reason=reason,
                ),
            )
        )


class WebhookConsumer:
    """Consumes the shared webhook queue: retry transient failures, dead-letter with the reason.

    A failure a later attempt may get past (rate limit after the SDK's retries, model API down,
    a downstream service timing out) goes back to the queue after a growing delay; after
    `max_attempts` deliveries, or at once for one that will not pass (e.g. the model API refusing
    the continuation), the message goes to the dead-letter queue with `x-uts-reason`, and
    `ai.response.failed` tells the conversation system. Tool outputs are stored by call id
    before the continuation is posted, so no retry loses or repeats a tool call.
    """

    def __init__(
        self,
        loop: ModelLoop,
        broker: RabbitBroker,
        *,
        queue: str,
        max_attempts: int,
        retry_delay: float,
    ) -> None:
        self._loop = loop
        self._broker = broker
        self._queue = queue
        self._max_attempts = max_attempts
        self._retry_delay = retry_delay

    async def __call__(self, routing_key: str, body: bytes, message: RabbitMessage) -> None:
        # A malformed event is dead-lettered by the shared consumer (`subscribe_events`).
        webhook = _WEBHOOK_ENVELOPE.model_validate_json(body).data
        response_id = webhook.data.id
        try:
            await self._loop.handle_webhook(webhook)
            return
        except ModelUnavailable as exc:
            reason, retryable = exc.reason, exc.retryable
        except DomainError as exc:  # config/tickets service unreachable, model path disabled
            reason, retryable = f"{exc.code}: {exc.message}", exc.code in TRANSIENT_CODES
        except Exception as exc:
            log.exception("webhook %s (%s) failed", webhook.webhook_id, response_id)
            reason, retryable = f"unexpected error: {exc!r}", False
        attempts = await self._loop.release(response_id, reason)
        if retryable and attempts < self._max_attempts:
            delay = min(self._retry_delay * 2 ** (attempts - 1), MAX_RETRY_DELAY)
            log.warning(
                "webhook %s for %s: %s; attempt %d/%d, back to the queue in %.1fs",
                webhook.webhook_id,
                response_id,
                reason,
                attempts,
                self._max_attempts,
                delay,
            )
            await self._loop.counters.bump("retried")
            await asyncio.sleep(delay)
            raise NackMessage(requeue=True)
        log.error(
            "webhook %s for %s dead-lettered after %d attempt(s): %s",
            webhook.webhook_id,
            response_id,
            attempts,
            reason,
        )
        await self._broker.publish(
            body,
            exchange=dead_letter_exchange,
            routing_key=routing_key,
            persist=True,
            message_id=message.message_id,
            content_type=JSON,
            headers={
                REASON_HEADER: reason,
                "x-uts-queue": self._queue,
                "x-uts-attempts": attempts,
            },
        )
        await self._loop.give_up(response_id, reason)
        await self._loop.counters.bump("dead_lettered")
