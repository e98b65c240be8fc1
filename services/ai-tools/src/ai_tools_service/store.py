"""Every MongoDB call of the ai-tools service (database `uts_ai_tools`) and its indexes.

Two collections, each document keyed by the id that makes work idempotent:
- `tool_calls` (`_id` = the model's `call_id`): claimed with a unique insert before the call runs,
  then holding its output. The same call id again returns that output and runs nothing.
- `responses` (`_id` = an OpenAI response id): a webhook's response is claimed before its tools run
  and marked done once the continuation is posted; a continuation we create is recorded with the
  chain's tool rounds and call signatures, which the loop guard reads.
Claims carry a lease (`claimedAt`): a claim whose holder died is taken over once it expires.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from uts_shared.contracts.ai_tools import FunctionCall
from uts_shared.store_types import Database

PENDING = "pending"
DONE = "done"

# responses.status
CREATED = "created"  # a continuation we posted; its webhook has not been handled yet
PROCESSING = "processing"
RETRY = "retry"  # released after a transient failure: the next delivery claims it at once
DEAD_LETTERED = "dead_lettered"  # given up; an operator replaying the message claims it again
FINISHED = ("continued", "answered", "ended")
CLAIMABLE = (CREATED, RETRY, DEAD_LETTERED)


@dataclass(frozen=True)
class CallClaim:
    """`new`: run the call; `done`: its output; `busy`: someone else is running it."""

    state: Literal["new", "done", "busy", "other_customer"]
    output: str | None = None
    claimed_at: datetime | None = None


@dataclass(frozen=True)
class ResponseClaim:
    """`claimed`: handle it (chain state included); `done`: already handled; `busy`: in hand."""

    state: Literal["claimed", "done", "busy"]
    round: int = 0
    signatures: list[str] = field(default_factory=list)
    attempts: int = 0
    claimed_at: datetime | None = None
    tripped: bool = False
    """The loop guard already stopped this chain once."""


class AiToolsStore:
    def __init__(self, database: Database) -> None:
        self._db = database
        self.tool_calls = database["tool_calls"]
        self.responses = database["responses"]

    async def ensure_indexes(self) -> None:
        # `_id` is already unique; these serve operators looking at a customer's calls.
        await self.tool_calls.create_index([("phone", 1), ("createdAt", -1)])
        await self.responses.create_index([("status", 1), ("claimedAt", 1)])

    async def ping(self) -> None:
        await self._db.command("ping")

    # --- tool calls ---------------------------------------------------------------------------

    async def claim_call(
        self, call: FunctionCall, *, phone: str, owner: str, now: datetime
    ) -> CallClaim:
        """Claim `call.call_id` with a unique insert; else report what the first claim holds."""
        try:
            await self.tool_calls.insert_one(
                {
                    "_id": call.call_id,
                    "status": PENDING,
                    "phone": phone,
                    "name": call.name,
                    "arguments": call.arguments,
                    "claimedBy": owner,
                    "claimedAt": now,
                    "createdAt": now,
                }
            )
            return CallClaim("new")
        except DuplicateKeyError:
            pass
        doc = await self.tool_calls.find_one({"_id": call.call_id})
        if doc is None:  # released between our insert and read: try again
            return await self.claim_call(call, phone=phone, owner=owner, now=now)
        if doc.get("phone") != phone:
            return CallClaim("other_customer")
        if doc.get("status") == DONE:
            return CallClaim("done", output=doc.get("output"))
        return CallClaim("busy", claimed_at=doc.get("claimedAt"))

    async def take_over_call(
        self, call_id: str, *, expired_before: datetime, owner: str, now: datetime
    ) -> bool:
        """Take a pending claim whose lease expired (its holder died); True if we got it."""
        doc = await self.tool_calls.find_one_and_update(
            {"_id": call_id, "status": PENDING, "claimedAt": {"$lt": expired_before}},
            {"$set": {"claimedBy": owner, "claimedAt": now}},
        )
        return doc is not None

    async def complete_call(
        self, call_id: str, *, output: str, ticket_id: str | None, now: datetime
    ) -> None:
        await self.tool_calls.update_one(
            {"_id": call_id},
            {
                "$set": {
                    "status": DONE,
                    "output": output,
                    "ticketId": ticket_id,
                    "completedAt": now,
                }
            },
        )

    async def release_call(self, call_id: str, *, owner: str) -> None:
        """Forget a claim whose run failed transiently, so a retry runs the call again."""
        await self.tool_calls.delete_one({"_id": call_id, "status": PENDING, "claimedBy": owner})

    async def call_output(self, call_id: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self.tool_calls.find_one({"_id": call_id})
        return doc

    # --- responses ----------------------------------------------------------------------------

    async def claim_response(
        self, response_id: str, *, owner: str, now: datetime, lease: timedelta
    ) -> ResponseClaim:
        """Claim a webhook's response: new, released for retry, ours-not-yet-handled or expired."""
        doc = await self.responses.find_one_and_update(
            {
                "_id": response_id,
                "$or": [
                    {"status": {"$in": list(CLAIMABLE)}},
                    {"status": PROCESSING, "claimedAt": {"$lt": now - lease}},
                ],
            },
            {"$set": {"status": PROCESSING, "claimedBy": owner, "claimedAt": now}},
        )
        if doc is not None:
            return _claimed(doc)
        try:
            await self.responses.insert_one(
                {
                    "_id": response_id,
                    "status": PROCESSING,
                    "round": 0,
                    "signatures": [],
                    "attempts": 0,
                    "claimedBy": owner,
                    "claimedAt": now,
                    "createdAt": now,
                }
            )
            return ResponseClaim("claimed")
        except DuplicateKeyError:
            pass
        doc = await self.responses.find_one({"_id": response_id})
        if doc is None:
            return await self.claim_response(response_id, owner=owner, now=now, lease=lease)
        if doc.get("status") in FINISHED:
            return ResponseClaim("done")
        if doc.get("status") in CLAIMABLE:  # changed under us: claim again
            return await self.claim_response(response_id, owner=owner, now=now, lease=lease)
        return ResponseClaim("busy", claimed_at=doc.get("claimedAt"))

    async def finish_response(
        self, response_id: str, *, status: str, now: datetime, **fields: Any
    ) -> None:
        await self.responses.update_one(
            {"_id": response_id},
            {"$set": {"status": status, "finishedAt": now, **fields}},
            upsert=True,
        )

    async def release_response(self, response_id: str, *, reason: str, now: datetime) -> int:
        """Hand a response back after a transient failure; returns the attempts made so far."""
        doc = await self.responses.find_one_and_update(
            {"_id": response_id},
            {
                "$set": {"status": RETRY, "lastError": reason, "updatedAt": now},
                "$inc": {"attempts": 1},
            },
            return_document=ReturnDocument.AFTER,
        )
        return int(doc.get("attempts", 1)) if doc else 1

    async def record_continuation(
        self,
        response_id: str,
        *,
        parent_id: str,
        round: int,
        signatures: list[str],
        tripped: bool,
        phone: str | None,
        conversation_id: str | None,
        now: datetime,
    ) -> None:
        """Remember a continuation we posted: its chain's rounds and call signatures."""
        await self.responses.update_one(
            {"_id": response_id},
            {
                "$set": {
                    "round": round,
                    "signatures": signatures,
                    "tripped": tripped,
                    "parentId": parent_id,
                    "phone": phone,
                    "conversationId": conversation_id,
                },
                "$setOnInsert": {"status": CREATED, "attempts": 0, "createdAt": now},
            },
            upsert=True,
        )

    async def response(self, response_id: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self.responses.find_one({"_id": response_id})
        return doc


def _claimed(doc: dict[str, Any]) -> ResponseClaim:
    return ResponseClaim(
        "claimed",
        round=int(doc.get("round", 0)),
        signatures=list(doc.get("signatures", [])),
        attempts=int(doc.get("attempts", 0)),
        tripped=bool(doc.get("tripped", False)),
    )
