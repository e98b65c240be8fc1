"""Tool calls made idempotent: claim the call id, run the tool once, remember its output.

The same `call_id` delivered again (webhook retry, broker redelivery, an HTTP client retrying)
returns the first output and runs nothing: the claim is a unique insert; a duplicate arriving
while the first run is still going waits for its output (or takes the claim over once its lease
expires, when its holder died). A transient failure (a downstream timeout) is not remembered, so
a retry runs the call again; the ticket itself is still created once, because the tickets service
de-duplicates by the same key (`idempotencyKey` = call id).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from ai_tools_service.domain.tools import ToolConfig, ToolRunner, failure
from ai_tools_service.store import AiToolsStore
from uts_shared.contracts.ai_tools import (
    AI_TOOL_CALL_COMPLETED,
    FunctionCall,
    FunctionCallOutput,
    ToolCallCompleted,
)
from uts_shared.messaging import EventPublisher, make_event

log = logging.getLogger(__name__)

POLL_FIRST = 0.02
POLL_MAX = 0.25


class ToolService:
    def __init__(
        self,
        runner: ToolRunner,
        config: ToolConfig,
        store: AiToolsStore,
        publisher: EventPublisher | None,
        *,
        owner: str,
        lease: float,
        clock: Callable[[], datetime],
    ) -> None:
        self._runner = runner
        self._config = config
        self._store = store
        self._publisher = publisher
        self._owner = owner
        self._lease = timedelta(seconds=lease)
        self._clock = clock

    async def execute_all(
        self, calls: list[FunctionCall], phone: str | None, conversation_id: str | None
    ) -> list[FunctionCallOutput]:
        """One output per call, in order (run one after the other: a lookup sees a ticket the
        same response created before it)."""
        return [
            FunctionCallOutput(
                call_id=call.call_id, output=await self.execute(call, phone, conversation_id)
            )
            for call in calls
        ]

    async def execute(
        self, call: FunctionCall, phone: str | None, conversation_id: str | None
    ) -> str:
        key = (phone or "").strip()
        delay = POLL_FIRST
        while True:
            claim = await self._store.claim_call(
                call, phone=key, owner=self._owner, now=self._clock()
            )
            if claim.state == "done":
                log.debug("call %s answered from its first run", call.call_id)
                return claim.output or ""
            if claim.state == "other_customer":
                log.warning("call id %s reused for another customer", call.call_id)
                return failure((await self._config.messages()).call_id_reused()).output
            if claim.state == "new":
                return await self._run(call, phone, conversation_id)
            # busy: another delivery of the same call is running it
            claimed_at = claim.claimed_at or self._clock()
            if self._clock() - claimed_at > self._lease and await self._store.take_over_call(
                call.call_id,
                expired_before=self._clock() - self._lease,
                owner=self._owner,
                now=self._clock(),
            ):
                log.info("call %s: took over an expired claim", call.call_id)
                return await self._run(call, phone, conversation_id)
            await asyncio.sleep(delay)
            delay = min(delay * 2, POLL_MAX)

    async def _run(self, call: FunctionCall, phone: str | None, conversation_id: str | None) -> str:
        try:
            outcome = await self._runner.run(call, phone, conversation_id)
        except BaseException:
            await self._store.release_call(call.call_id, owner=self._owner)
            raise
        if outcome.transient:
            await self._store.release_call(call.call_id, owner=self._owner)
            return outcome.output
        await self._store.complete_call(
            call.call_id, output=outcome.output, ticket_id=outcome.ticket_id, now=self._clock()
        )
        await self._publish(
            ToolCallCompleted(
                call_id=call.call_id,
                name=call.name,
                phone=(phone or "").strip(),
                conversation_id=conversation_id,
                success=outcome.success,
                ticket_id=outcome.ticket_id,
            )
        )
        return outcome.output

    async def _publish(self, payload: ToolCallCompleted) -> None:
        if self._publisher is None:
            return
        try:
            await self._publisher.publish(make_event(AI_TOOL_CALL_COMPLETED, payload))
        except Exception as exc:  # an optional notification: the output stands
            log.warning("could not publish ai.tool_call.completed for %s: %s", payload.call_id, exc)
