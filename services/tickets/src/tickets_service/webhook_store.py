"""Every MongoDB call of the outbound webhooks, and their indexes (database `uts_tickets`).

The tickets store's sibling, kept apart so `store.py` stays about tickets, customers and
conversations; the same rules hold (only calls a real server and the in-process engine implement
alike, every atomic write inside one document).

- `webhook_subscriptions`: one document per subscription, its secret included (signing needs
  it as it is; it leaves this module only towards the signer and, once, the create's answer).
- `webhook_deliveries`: one document per (subscription, eventId), unique, so an event that
  arrives twice creates nothing new. A pending delivery is taken by one replica at a time with
  a conditional write (`leaseUntil`, `leaseToken`); its outcome is written only by the holder
  of that lease.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from uts_shared.contracts.webhooks import (
    DeliveryAttempt,
    DeliveryStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from uts_shared.mongo import Document
from uts_shared.store_types import Database

SUBSCRIPTIONS = "webhook_subscriptions"
DELIVERIES = "webhook_deliveries"
ATTEMPTS_KEPT = 50
"""Attempts a delivery's log keeps (the latest; `attemptCount` counts them all)."""

_SUBSCRIPTION_FIELDS = {
    info.alias or name for name, info in WebhookSubscription.model_fields.items()
} - {"id"}
_DELIVERY_LOG_PROJECTION = {"body": 0, "leaseToken": 0, "leaseUntil": 0, "firstAttemptAt": 0}


@dataclass(frozen=True)
class StoredSubscription:
    subscription: WebhookSubscription
    secret: str


@dataclass(frozen=True)
class ClaimedDelivery:
    """A pending delivery this replica holds until `lease_until` (its `token` proves it)."""

    id: str
    subscription_id: str
    event_id: str
    event_type: str
    body: str
    attempt_count: int
    first_attempt_at: datetime | None
    token: str


def _subscription(doc: Mapping[str, Any] | None) -> StoredSubscription | None:
    if doc is None:
        return None
    view = WebhookSubscription.model_validate(
        {**{k: v for k, v in doc.items() if k in _SUBSCRIPTION_FIELDS}, "id": doc["_id"]}
    )
    return StoredSubscription(view, doc["secret"])


def _delivery(doc: Mapping[str, Any]) -> WebhookDelivery:
    return WebhookDelivery(
        id=doc["_id"],
        subscription_id=doc["subscriptionId"],
        event_id=doc["eventId"],
        event_type=doc["eventType"],
        status=doc["status"],
        attempts=[DeliveryAttempt.model_validate(a) for a in doc.get("attempts") or ()],
        attempt_count=doc.get("attemptCount", 0),
        created_at=doc["createdAt"],
        next_attempt_at=doc.get("nextAttemptAt"),
        finished_at=doc.get("finishedAt"),
    )


class WebhookStore:
    def __init__(self, database: Database) -> None:
        self.subscriptions = database[SUBSCRIPTIONS]
        self.deliveries = database[DELIVERIES]

    async def ensure_indexes(self) -> None:
        await self.subscriptions.create_indexes(
            [IndexModel([("enabled", ASCENDING)]), IndexModel([("createdAt", ASCENDING)])]
        )
        await self.deliveries.create_indexes(
            [
                IndexModel(
                    [("subscriptionId", ASCENDING), ("eventId", ASCENDING)],
                    unique=True,
                    name="one_per_event",
                ),
                IndexModel([("status", ASCENDING), ("nextAttemptAt", ASCENDING)], name="due"),
                IndexModel(
                    [("subscriptionId", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)],
                    name="log",
                ),
                IndexModel([("finishedAt", ASCENDING)], sparse=True, name="finished"),
            ]
        )

    # --- subscriptions ------------------------------------------------------------------------

    async def count_subscriptions(self) -> int:
        return int(await self.subscriptions.count_documents({}))

    async def insert_subscription(self, stored: StoredSubscription) -> None:
        view = stored.subscription
        doc: Document = view.model_dump(by_alias=True, exclude={"id"})
        doc["_id"] = view.id
        doc["secret"] = stored.secret
        await self.subscriptions.insert_one(doc)

    async def get_subscription(self, subscription_id: str) -> StoredSubscription | None:
        return _subscription(await self.subscriptions.find_one({"_id": subscription_id}))

    async def list_subscriptions(self, *, enabled_only: bool = False) -> list[StoredSubscription]:
        query: Document = {"enabled": True} if enabled_only else {}
        cursor = self.subscriptions.find(query).sort([("createdAt", ASCENDING), ("_id", 1)])
        return [s for s in map(_subscription, await cursor.to_list(None)) if s is not None]

    async def update_subscription(
        self, subscription_id: str, changes: Mapping[str, Any]
    ) -> StoredSubscription | None:
        """Set `changes` (wire names); None when there is no such subscription."""
        doc = await self.subscriptions.find_one_and_update(
            {"_id": subscription_id},
            {"$set": dict(changes)},
            return_document=ReturnDocument.AFTER,
        )
        return _subscription(doc)

    async def delete_subscription(self, subscription_id: str) -> StoredSubscription | None:
        """Remove it and its delivery log."""
        doc = await self.subscriptions.find_one_and_delete({"_id": subscription_id})
        if doc is not None:
            await self.deliveries.delete_many({"subscriptionId": subscription_id})
        return _subscription(doc)

    async def count_failure(self, subscription_id: str) -> int | None:
        """One more delivery failed for good: the enabled subscription's count now (None when
        it is gone or already off)."""
        doc = await self.subscriptions.find_one_and_update(
            {"_id": subscription_id, "enabled": True},
            {"$inc": {"failureCount": 1}},
            {"failureCount": 1},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else int(doc["failureCount"])

    async def reset_failures(self, subscription_id: str) -> None:
        await self.subscriptions.update_one(
            {"_id": subscription_id, "failureCount": {"$gt": 0}}, {"$set": {"failureCount": 0}}
        )

    async def disable(self, subscription_id: str, reason: str, now: datetime) -> bool:
        """Switch it off with `reason`, if it is still on (replicas racing: one wins)."""
        result = await self.subscriptions.update_one(
            {"_id": subscription_id, "enabled": True},
            {
                "$set": {
                    "enabled": False,
                    "disabledReason": reason,
                    "disabledAt": now,
                    "updatedAt": now,
                    "updatedBy": "webhooks",
                }
            },
        )
        return bool(result.modified_count)

    # --- deliveries ---------------------------------------------------------------------------

    async def insert_delivery(
        self,
        delivery_id: str,
        *,
        subscription_id: str,
        event_id: str,
        event_type: str,
        body: str,
        now: datetime,
    ) -> bool:
        """A pending delivery due now; False when this event already has one for this
        subscription (a redelivered event)."""
        document = delivery_document(
            delivery_id,
            subscription_id=subscription_id,
            event_id=event_id,
            event_type=event_type,
            body=body,
            now=now,
        )
        try:
            await self.deliveries.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    async def claim(
        self, now: datetime, lease_until: datetime, token: str, busy: Collection[str] = ()
    ) -> ClaimedDelivery | None:
        """Take the most overdue pending delivery nobody holds (and whose subscription is not
        in `busy`) until `lease_until`; None when none is due."""
        query: Document = {
            "status": "pending",
            "nextAttemptAt": {"$lte": now},
            "leaseUntil": {"$lte": now},
        }
        if busy:
            query["subscriptionId"] = {"$nin": list(busy)}
        doc = await self.deliveries.find_one_and_update(
            query,
            {"$set": {"leaseUntil": lease_until, "leaseToken": token}},
            {"attempts": 0},
            sort=[("nextAttemptAt", ASCENDING)],
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:
            return None
        return ClaimedDelivery(
            id=doc["_id"],
            subscription_id=doc["subscriptionId"],
            event_id=doc["eventId"],
            event_type=doc["eventType"],
            body=doc["body"],
            attempt_count=doc.get("attemptCount", 0),
            first_attempt_at=doc.get("firstAttemptAt"),
            token=token,
        )

    async def record_attempt(
        self,
        claimed: ClaimedDelivery,
        attempt: DeliveryAttempt,
        *,
        status: DeliveryStatus,
        next_attempt_at: datetime | None,
        now: datetime,
    ) -> bool:
        """The attempt and what follows from it, if this replica still holds the delivery."""
        fields: Document = {"status": status}
        if claimed.first_attempt_at is None:
            fields["firstAttemptAt"] = attempt.at
        update: Document = {
            "$push": {
                "attempts": {"$each": [attempt.model_dump(by_alias=True)], "$slice": -ATTEMPTS_KEPT}
            },
            "$inc": {"attemptCount": 1},
        }
        if status == "pending":
            assert next_attempt_at is not None
            fields |= {"nextAttemptAt": next_attempt_at, "leaseUntil": now}
            update["$unset"] = {"leaseToken": ""}
        else:
            fields["finishedAt"] = now
            update["$unset"] = {"nextAttemptAt": "", "leaseUntil": "", "leaseToken": ""}
        update["$set"] = fields
        result = await self.deliveries.update_one(
            {"_id": claimed.id, "leaseToken": claimed.token}, update
        )
        return bool(result.modified_count)

    async def abandon(self, claimed: ClaimedDelivery, now: datetime) -> None:
        """Fail a held delivery without an attempt (its subscription was switched off)."""
        await self.deliveries.update_one(
            {"_id": claimed.id, "leaseToken": claimed.token},
            {
                "$set": {"status": "failed", "finishedAt": now},
                "$unset": {"nextAttemptAt": "", "leaseUntil": "", "leaseToken": ""},
            },
        )

    async def drop(self, delivery_id: str) -> None:
        await self.deliveries.delete_one({"_id": delivery_id})

    async def log_of(self, subscription_id: str, limit: int) -> list[WebhookDelivery]:
        """A subscription's latest deliveries, newest first."""
        cursor = (
            self.deliveries.find({"subscriptionId": subscription_id}, _DELIVERY_LOG_PROJECTION)
            .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
            .limit(limit)
        )
        return [_delivery(doc) for doc in await cursor.to_list(None)]

    async def prune(self, finished_before: datetime) -> int:
        """Forget deliveries finished before `finished_before`; how many."""
        result = await self.deliveries.delete_many({"finishedAt": {"$lt": finished_before}})
        return int(result.deleted_count)


def delivery_document(
    delivery_id: str,
    *,
    subscription_id: str,
    event_id: str,
    event_type: str,
    body: str,
    now: datetime,
) -> Document:
    """A stored delivery as it starts: pending, due `now`, held by nobody."""
    return {
        "_id": delivery_id,
        "subscriptionId": subscription_id,
        "eventId": event_id,
        "eventType": event_type,
        "body": body,
        "status": "pending",
        "attempts": [],
        "attemptCount": 0,
        "createdAt": now,
        "nextAttemptAt": now,
        "leaseUntil": now,
    }
