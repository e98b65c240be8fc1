"""Building blocks of every contract: wire models, the reply envelope, RPC and event definitions."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from uts_shared.errors import ErrorInfo

EVENTS_EXCHANGE = "uts.events"
"""Durable topic exchange every domain event is published on (persistent messages)."""

DEAD_LETTER_EXCHANGE = "uts.dlx"
DEAD_LETTER_QUEUE = "uts.dead-letters"
"""Where rejected (malformed) messages of every service queue end up, for an operator to inspect."""

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
"""The largest request or event a service decodes; a bigger one is dead-lettered unread. Far
above anything the contracts' size limits let through (the gateway takes 1 MiB bodies)."""


class WireModel(BaseModel):
    """snake_case in Python, the plans' camelCase on the wire and in MongoDB."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
    )


class Empty(WireModel):
    """A request or result with no fields."""


ResultT = TypeVar("ResultT")
RequestT = TypeVar("RequestT", bound=BaseModel)
PayloadT = TypeVar("PayloadT", bound=BaseModel)


class Reply(BaseModel, Generic[ResultT]):
    """Every RPC reply: a result, or a typed error the gateway maps to an HTTP status."""

    ok: bool
    result: ResultT | None = None
    error: ErrorInfo | None = None


@dataclass(frozen=True)
class Rpc(Generic[RequestT, ResultT]):
    """One request/reply operation: its queue, request model and result model."""

    queue: str
    request: type[RequestT]
    result: type[ResultT]
    description: str = ""
    reply_model: type[Reply[Any]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reply_model", Reply[self.result])  # type: ignore[name-defined]


@dataclass(frozen=True)
class EventType(Generic[PayloadT]):
    """One kind of event on the events exchange: its routing key and payload model.

    `envelope` is `Event[payload]`, built once: pydantic keeps parametrised generics only weakly,
    and rebuilding one (schema generation included) per message cost milliseconds.
    """

    routing_key: str
    payload: type[PayloadT]
    description: str = ""
    envelope: type[Event[PayloadT]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "envelope", Event[self.payload])  # type: ignore[name-defined]


def _now() -> datetime:
    return datetime.now(UTC)


def _event_id() -> str:
    return uuid.uuid4().hex


class Event(WireModel, Generic[PayloadT]):
    """Envelope of every event: consumers de-duplicate by `event_id`."""

    event_id: str = Field(default_factory=_event_id)
    type: str
    occurred_at: datetime = Field(default_factory=_now)
    data: PayloadT


class HealthStatus(WireModel):
    """Answer of every service's `<service>.health` RPC: who answered and which store it uses."""

    service: str
    instance: str
    mongo: str


def health_rpc(service: str) -> Rpc[Empty, HealthStatus]:
    """The liveness RPC each service answers (the gateway's /ready asks all of them)."""
    return Rpc(f"{service}.health", Empty, HealthStatus, f"{service} liveness")
