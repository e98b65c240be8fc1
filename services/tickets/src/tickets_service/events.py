"""Events as outbox entries: serialised once, stored with the change, published afterwards."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel

from uts_shared.contracts.base import EventType
from uts_shared.logs import request_id
from uts_shared.messaging import encode
from uts_shared.tracing import current_traceparent

P = TypeVar("P", bound=BaseModel)


@dataclass(frozen=True)
class OutboxEntry:
    """One pending event: its id (consumers de-duplicate by it), routing key and JSON body."""

    event_id: str
    type: str
    body: str
    at: datetime
    request_id: str | None = None
    """The request that caused it: its header when the relay publishes it later."""
    traceparent: str | None = None
    """The trace context of the write that caused it (when tracing is on): a later publish by
    the relay still belongs to that trace."""
    counts: Mapping[str, Mapping[str, int]] | None = None
    """What the write that made this event adds to each count scope (the counts projection):
    applied once per event id before the entry leaves the outbox."""

    def with_counts(self, counts: Mapping[str, Mapping[str, int]]) -> OutboxEntry:
        return replace(self, counts=counts or None)

    def to_document(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "eventId": self.event_id,
            "type": self.type,
            "body": self.body,
            "at": self.at,
        }
        if self.request_id is not None:
            doc["requestId"] = self.request_id
        if self.traceparent is not None:
            doc["traceparent"] = self.traceparent
        if self.counts:
            # A list, not a map: a scope names an agent or customer id, never a field name.
            doc["counts"] = [{"scope": k, "inc": dict(v)} for k, v in self.counts.items()]
        return doc

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> OutboxEntry:
        return cls(
            event_id=doc["eventId"],
            type=doc["type"],
            body=doc["body"],
            at=doc["at"],
            request_id=doc.get("requestId"),
            traceparent=doc.get("traceparent"),
            counts={c["scope"]: c["inc"] for c in doc["counts"]} if doc.get("counts") else None,
        )


def outbox_entry(kind: EventType[P], payload: P, *, event_id: str, now: datetime) -> OutboxEntry:
    """The event envelope for `payload`, serialised now (the relay never re-encodes it)."""
    event = kind.envelope(
        event_id=event_id,
        type=kind.routing_key,
        schema_version=kind.version,
        occurred_at=now,
        data=payload,
    )
    return OutboxEntry(
        event_id,
        kind.routing_key,
        encode(event).decode(),
        now,
        request_id.get(),
        current_traceparent(),
    )
