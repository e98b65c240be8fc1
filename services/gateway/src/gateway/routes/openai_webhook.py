"""`POST /openai/webhook`: OpenAI's webhooks (today's "run callbacks") onto the broker.

The Standard-Webhooks signature is checked with the `openai` SDK (`webhooks.unwrap`, secret
`OPENAI_WEBHOOK_SECRET`): a bad, missing or too old signature is a 400. A `webhook-id` this
gateway has already published is answered 200 and not published again (OpenAI retries until it
gets a 2xx); the ai-tools service de-duplicates too (by response and call id), which covers
replicas and restarts. Otherwise the event goes on the broker, persistent, as
`openai.<type>` (e.g. `openai.response.completed`), and OpenAI gets its 200 at once: the
tools and the continuation run in the ai-tools service. While ai-tools answers that its model
paths are off (no `OPENAI_API_KEY`), a webhook is refused with 503 rather than queued where no
consumer will take it (OpenAI delivers it again later); while no ai-tools replica answers at
all, it is queued for the first that starts.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from openai import InvalidWebhookSignatureError, OpenAI

from gateway.errors import error_response
from gateway.routes.ai import AiRouteSettings, AiSettings, settings_of
from uts_shared import json_depth
from uts_shared.contracts import ai_tools
from uts_shared.contracts.base import Empty
from uts_shared.errors import DomainError, Unavailable
from uts_shared.messaging import EventPublisher, RpcClient, excerpt

log = logging.getLogger(__name__)

_WEBHOOK_ENVELOPE = ai_tools.OPENAI_RESPONSE_COMPLETED.envelope  # all openai.* events

router = APIRouter(tags=["openai"])


class RecentIds:
    """Webhook ids already published by this process, forgotten after `ttl` (bounded)."""

    def __init__(self, *, ttl: float, max_size: int) -> None:
        self._ttl = ttl
        self._max = max_size
        self._ids: OrderedDict[str, float] = OrderedDict()
        self._in_flight: dict[str, asyncio.Event] = {}

    def _expire(self, now: float) -> None:
        while self._ids and (
            len(self._ids) > self._max or next(iter(self._ids.values())) < now - self._ttl
        ):
            self._ids.popitem(last=False)

    def seen(self, webhook_id: str, now: float) -> bool:
        self._expire(now)
        return webhook_id in self._ids

    def remember(self, webhook_id: str, now: float) -> None:
        self._ids[webhook_id] = now
        self._ids.move_to_end(webhook_id)
        self._expire(now)

    def begin(self, webhook_id: str) -> asyncio.Event | None:
        """None if we may publish it now; else the event to wait on (a concurrent delivery)."""
        pending = self._in_flight.get(webhook_id)
        if pending is not None:
            return pending
        self._in_flight[webhook_id] = asyncio.Event()
        return None

    def end(self, webhook_id: str) -> None:
        done = self._in_flight.pop(webhook_id, None)
        if done is not None:
            done.set()


class ModelSwitch:
    """Whether ai-tools continues webhooks, asked at most every `ttl` seconds: True, False, or
    None while no replica answers (then the durable queue keeps the webhook for one)."""

    def __init__(self, *, ttl: float = 10.0, timeout: float = 1.0) -> None:
        self._ttl = ttl
        self._timeout = timeout
        self._known: tuple[float, bool | None, str | None] = (-1e9, None, None)
        self._lock = asyncio.Lock()

    async def state(self, rpc: RpcClient) -> tuple[bool | None, str | None]:
        """(enabled, why not)."""
        async with self._lock:
            at, enabled, reason = self._known
            if time.monotonic() - at < self._ttl:
                return enabled, reason
            try:
                status = await rpc.call(ai_tools.STATUS, Empty(), timeout=self._timeout)
                enabled, reason = status.webhooks_enabled, status.reason
            except DomainError:
                enabled, reason = None, None
            self._known = (time.monotonic(), enabled, reason)
            return enabled, reason


def _switch(request: Request) -> ModelSwitch:
    switch: ModelSwitch | None = getattr(request.app.state, "openai_model_switch", None)
    if switch is None:
        switch = request.app.state.openai_model_switch = ModelSwitch()
    return switch


def _state(request: Request, settings: AiRouteSettings) -> tuple[OpenAI, RecentIds]:
    state = request.app.state
    verifier: OpenAI | None = getattr(state, "openai_webhook_verifier", None)
    recent: RecentIds | None = getattr(state, "openai_webhook_ids", None)
    if verifier is None or recent is None:
        # The client only verifies signatures here: no API key is used, no request is made.
        verifier = OpenAI(api_key="unused-webhook-verification-only", max_retries=0)
        recent = RecentIds(
            ttl=settings.openai_webhook_dedupe_ttl, max_size=settings.openai_webhook_dedupe_max
        )
        state.openai_webhook_verifier = verifier
        state.openai_webhook_ids = recent
    return verifier, recent


def _webhook(payload: dict[str, Any], webhook_id: str) -> ai_tools.OpenAiWebhook | None:
    data = payload.get("data")
    kind = payload.get("type")
    if not isinstance(kind, str) or not isinstance(data, dict) or not data.get("id"):
        return None
    return ai_tools.OpenAiWebhook(
        webhook_id=webhook_id,
        type=kind,
        data=ai_tools.WebhookData(id=str(data["id"])),
        created_at=int(payload.get("created_at") or time.time()),
    )


@router.post(
    "/openai/webhook",
    responses={
        400: {"description": "Bad, missing or too old signature"},
        503: {
            "description": "Webhooks disabled (no OPENAI_WEBHOOK_SECRET here, or no "
            "OPENAI_API_KEY in the ai-tools service) or broker down"
        },
    },
)
async def openai_webhook(request: Request, settings: AiSettings) -> JSONResponse:
    """Verify an OpenAI webhook, publish it on the broker once, answer 200 fast."""
    if settings.openai_webhook_secret is None:
        raise Unavailable("OpenAI webhooks disabled: OPENAI_WEBHOOK_SECRET is not configured")
    verifier, recent = _state(request, settings)
    body = await request.body()
    headers = dict(request.headers)
    try:
        if json_depth.too_deep(body):
            raise ValueError(f"JSON nested deeper than {json_depth.MAX_JSON_DEPTH} levels")
        verifier.webhooks.unwrap(
            body, headers, secret=settings.openai_webhook_secret.get_secret_value()
        )
        payload = json_depth.loads(body)
    except (InvalidWebhookSignatureError, ValueError) as exc:
        log.warning("rejected an OpenAI webhook: %s", exc)
        return error_response(400, f"Invalid webhook: {exc}")
    webhook_id = headers["webhook-id"]
    enabled, reason = await _switch(request).state(request.app.state.broker_link.client)
    if enabled is False:
        log.warning("refused OpenAI webhook %s: %s", webhook_id, reason)
        raise Unavailable(f"OpenAI webhooks are switched off in the ai-tools service: {reason}")

    while (pending := recent.begin(webhook_id)) is not None:
        await pending.wait()  # the same delivery is being published right now
    try:
        if recent.seen(webhook_id, time.monotonic()):
            log.debug("duplicate webhook %s ignored", webhook_id)
            return JSONResponse({"success": True, "duplicate": True})
        webhook = _webhook(payload if isinstance(payload, dict) else {}, webhook_id)
        if webhook is None:
            log.info("webhook %s carries no object id: ignored (%r)", webhook_id, excerpt(body))
            return JSONResponse({"success": True, "ignored": True})
        routing_key = ai_tools.webhook_routing_key(webhook.type)
        event = _WEBHOOK_ENVELOPE(event_id=webhook_id, type=routing_key, data=webhook)
        await EventPublisher(request.app.state.broker_link.broker).publish(event)
        recent.remember(webhook_id, time.monotonic())
        log.debug("webhook %s published as %s", webhook_id, routing_key)
        return JSONResponse({"success": True})
    finally:
        recent.end(webhook_id)


async def model_paths(request: Request, timeout: float) -> dict[str, Any]:
    """For `/ready`: whether the webhook and `ai.respond` paths are on (tools always are)."""
    settings = settings_of(request)
    rpc: RpcClient = request.app.state.broker_link.client
    try:
        status = await rpc.call(ai_tools.STATUS, Empty(), timeout=timeout)
    except Exception as exc:
        return {"webhooks": "unknown", "respond": "unknown", "reason": str(exc)}
    secret = settings.openai_webhook_secret is not None
    reasons = [r for r in (status.reason, None if secret else "no OPENAI_WEBHOOK_SECRET") if r]
    return {
        "tools": "enabled",
        "webhooks": "enabled" if status.webhooks_enabled and secret else "disabled",
        "respond": "enabled" if status.model_enabled else "disabled",
        **({"reason": "; ".join(reasons)} if reasons else {}),
    }
