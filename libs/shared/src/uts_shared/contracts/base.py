"""Building blocks of every contract: wire models, the reply envelope, RPC and event definitions."""

from __future__ import annotations

import re
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.alias_generators import to_camel
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from uts_shared.errors import ErrorInfo

EVENTS_EXCHANGE = "uts.events"
"""Durable topic exchange every domain event is published on (persistent messages)."""

DEAD_LETTER_EXCHANGE = "uts.dlx"
DEAD_LETTER_QUEUE = "uts.dead-letters"
"""Where rejected (malformed) messages of every service queue end up, for an operator to inspect."""

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
"""The largest request or event a service decodes; a bigger one is dead-lettered unread. Far
above anything the contracts' size limits let through (the gateway takes 1 MiB bodies)."""


# --- sizes: every text and list a client can send is bounded here ----------------------------
# Views and events are built from these inputs, so they are bounded by them too. Values with a
# shape of their own (slugs, tags, phone numbers, call ids) keep their limit beside that shape.

ID_MAX = 128
NAME_MAX = 100
SHORT_TEXT_MAX = 200
TEXT_MAX = 2_000
NOTE_MAX = 5_000
LONG_TEXT_MAX = 10_000
TEMPLATE_MAX = 50_000
URL_MAX = 2_048
TOOL_ARGUMENTS_MAX = 20_000
"""Characters of one function call's JSON arguments: a whole ticket report fits."""


SPACE = r"\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
"""Whitespace as Python's `str.isspace` knows it (and ECMAScript's `\\s`), spelled out for a
regex character class: `\\s` itself means less in the document's regex dialect than in Python's,
so a pattern the gateway checks with Python names these instead."""

NOT_BLANK = rf"[^{SPACE}]"
"""A text that must not be empty holds something besides whitespace (its ends are stripped
before `minLength` counts): the document says so, and a blank one is refused either way."""


def stripped(min_length: int, max_length: int) -> StringConstraints:
    pattern = NOT_BLANK if min_length else None
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=pattern
    )


@dataclass(frozen=True)
class Shape:
    """A text's shape, one definition for both sides: the value must match `pattern` (else a
    422 with `reason`), and the document says `pattern`. Put it after the text's
    `StringConstraints` (it sees the stripped text; `pattern` also covers the raw one)."""

    pattern: str
    reason: str

    def check(self, value: str) -> str:
        if not re.search(self.pattern, value):
            raise ValueError(self.reason)
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        document = handler(schema)
        document["pattern"] = self.pattern
        return document


@dataclass(frozen=True)
class OneOf:
    """A text that must be one of `values` (else a 422 with `reason`), documented as their
    `enum` while the Python type stays `str`."""

    values: Collection[str]
    reason: str

    def check(self, value: str) -> str:
        if value not in self.values:
            raise ValueError(self.reason.format(value=value[:64]))
        return value

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"type": "string", "enum": sorted(str(value) for value in self.values)}


def _without_null(schema: dict[str, Any]) -> None:
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options


def optional_not_null() -> Any:
    """The default of a field a client may leave out but not send as `null` (the model refuses
    a null where it matters): the document shows the field without `null`."""
    return Field(default=None, json_schema_extra=_without_null)


Id = Annotated[str, stripped(1, ID_MAX)]
"""Any identifier (ticket, customer, conversation, agent, preset): a plain, non-empty string."""
Name = Annotated[str, stripped(1, NAME_MAX)]
"""A name or a word: a category label, a terminology word, an assistant's or company's name."""
ShortText = Annotated[str, stripped(0, SHORT_TEXT_MAX)]
"""One line, possibly empty: an icon, a colour, an attachment's type, a subcategory."""
Text = Annotated[str, stripped(0, TEXT_MAX)]
"""A paragraph, possibly empty: a reason, a comment, an address, a greeting, a description."""
NoteText = Annotated[str, stripped(1, NOTE_MAX)]
"""What an agent writes on a ticket: a note, resolution notes, an escalation's reason."""
LongText = Annotated[str, stripped(1, LONG_TEXT_MAX)]
"""A ticket's description."""
TemplateText = Annotated[str, stripped(1, TEMPLATE_MAX)]
"""The assistant's instructions template: far above any sensible prompt."""
Url = Annotated[str, stripped(1, URL_MAX)]

MAX_TAGS = 30
MAX_ATTACHMENTS = 20
MAX_CATEGORIES = 100
MAX_NOTES_PER_TICKET = 200
"""A ticket with this many notes takes no more (409): one ticket stays a readable page."""
MAX_STATUS_CHANGES_PER_TICKET = 200
"""A ticket whose history holds this many status changes takes no more (409)."""
MAX_CUSTOM_PRESETS = 50
MAX_TOOL_CALLS = 64
"""Function calls in one request (a model emits a handful per response)."""
HISTORY_PAGE_MAX = 100
"""Most entries one page of a history answers (the configuration's change history)."""


def example(*values: dict[str, Any]) -> ConfigDict:
    """A model's documented examples (wire names): OpenAPI and AsyncAPI show them, and the
    conformance test sends them."""
    return ConfigDict(json_schema_extra={"examples": list(values)})


class WireModel(BaseModel):
    """snake_case in Python, the plans' camelCase on the wire and in MongoDB."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
        # Answers carry every field, defaults included: the OpenAPI document says so (a
        # generated client types them as present, not optional).
        json_schema_serialization_defaults_required=True,
    )


MAX_PAGE = 100_000
"""Deeper pages are refused (422): nobody reads them, and a database cannot skip that far."""

Page = Annotated[int, Field(ge=1, le=MAX_PAGE)]


class Pagination(WireModel):
    """Where a page sits in the whole: `pages` is how many pages of `limit` there are."""

    page: int
    limit: int
    total: int
    pages: int

    @classmethod
    def of(cls, page: int, limit: int, total: int) -> Pagination:
        return cls(page=page, limit=limit, total=total, pages=-(-total // limit))


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
    version: int = 1
    """The version of the payload's shape: bumped by a change that would break a consumer
    (a field removed, renamed or retyped), and carried by every event as `schemaVersion`."""
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
    schema_version: int = Field(
        1, ge=1, description="The version of `data`'s shape for this type (`EventType.version`)"
    )
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
