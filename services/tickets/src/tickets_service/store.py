"""Every MongoDB call of the tickets service, and its indexes (database `uts_tickets`).

Only operations a real server and the in-process engine implement alike (docs/STORAGE.md):
no `$text`, no update pipelines, no transactions. A command's one atomic write stays inside
one document: a ticket change, its version bump, its outbox events (with the counts delta they
carry) and the request's key are one update. The counts are a projection of those writes,
applied from the outbox once per event id (`apply_counts`) and rebuilt by `rebuild_counts`.
Filters are built here from typed values only; nothing a client sends becomes an operator.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from tickets_service.domain import search, similar, tally
from tickets_service.domain.errors import IdTaken, KeyTaken, PhoneTaken
from tickets_service.domain.ticket import ALLOWED_WIRE, OPEN_STATES, TicketState
from tickets_service.events import OutboxEntry
from uts_shared.contracts.tickets import (
    PRIORITY_RANK,
    Channel,
    Conversation,
    ConversationStatus,
    Customer,
    Handler,
    MapPoint,
    Priority,
    SlaState,
    TicketSource,
    TicketStats,
    TicketStatus,
    TicketSummary,
)
from uts_shared.mongo import Document
from uts_shared.store_types import Database, views_of

OPEN_STATUS_VALUES = [status.value for status in OPEN_STATES]
"""Statuses of a ticket still being worked, as stored."""

TICKETS = "tickets"
COUNTERS = "counters"
COUNTS = "ticket_counts"
APPLIED_KEYS = "appliedKeys"
APPLIED_KEYS_KEPT = 50
"""Redeliveries come within seconds: the latest 50 changes of a ticket are plenty."""
CUSTOMERS = "customers"
CONVERSATIONS = "conversations"
MESSAGES = "messages"
CLUSTERS = "clusters"
CLUSTER_MEMBERS = "cluster_members"
"""One document per clustered ticket (`_id` its id, `cluster` the cluster's)."""
OUTBOX_HOLDERS = {"message:": MESSAGES, "conversation:": CONVERSATIONS, "cluster:": CLUSTERS}
"""Documents other than tickets that keep an outbox, by the prefix of their owner key (a ticket's
key is its id, which never holds a ':'): a message with its events, a conversation with its
handoffs. The outbox relays them all alike."""

_STATE_FIELDS = frozenset(info.alias or name for name, info in TicketState.model_fields.items())
_SUMMARY_KEYS = frozenset(info.alias or name for name, info in TicketSummary.model_fields.items())
SIMILAR_FIELDS = ("simTerms", "geoCell", "addressKey")
"""What similarity reads of an open ticket (none of them once it is resolved or closed)."""
EMBEDDING_FIELDS = ("embedding", "embeddingAt")
"""An open ticket's text embedding and, for the index, its creation time (set by the ai-tools
service's embedding; removed when the ticket's text changes or it is no longer open)."""
SIMILAR_BY_MEANING_MAX = 300
"""The open tickets created nearest in time whose embeddings a ticket is compared with."""
SIMILAR_PER_STEM = 10
"""The newest open tickets read per telling stem (a stem shared by more is not telling)."""
SIMILAR_STEMS_ASKED = 12
SIMILAR_PER_CELL = 20
"""The newest open tickets read per geo cell around a report (nine cells for 150 m)."""
_PROFILE_PROJECTION = {
    "_id": 1,
    "simTerms": 1,
    "addressKey": 1,
    "location": 1,
    "createdAt": 1,
    "embedding": 1,
}
_NOT_STATE = {"outbox": 0, "searchTerms": 0, "embedding": 0}
"""What a ticket's loads leave out: its events, its search terms, its embedding."""
_LIST_PROJECTION = {
    "_id": 0,
    "embedding": 0,
    "notes": 0,
    "outbox": 0,
    "searchTerms": 0,
    "simTerms": 0,
    "geoCell": 0,
    "addressKey": 0,
    "idempotencyKey": 0,
    "idempotencyFingerprint": 0,
    APPLIED_KEYS: 0,
}
_SEARCHABLE = {"ticketId": 1, "subject": 1, "description": 1, "location": 1, "customer": 1}
SEARCH_TERMS = "searchTerms"
"""The counters' document naming the recipe (`search.VERSION`) the stored terms follow."""
PHRASE_CANDIDATES_MAX = 5_000
"""A phrase is checked on at most this many tickets holding its words (newest first)."""
_TALLY_PROJECTION = dict.fromkeys(tally.FIELDS, 1)
_COUNTS_READ = {tally.APPLIED: 0}

_ACTIVE = [ConversationStatus.OPEN.value, ConversationStatus.ASSIGNED.value]
"""Conversation statuses still going on."""

SortField = Literal[
    "createdAt", "updatedAt", "priority", "status", "ticketId", "relevance", "slaDue"
]


def _plain(value: Any) -> Any:
    """Model dumps keep enums; BSON wants their values."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


AGENT_NAMES = "agentNames"
"""Stored map of agent id -> name for every agent a ticket names (assignee, resolver, escalation
target, creator, note authors): one `update_many` keeps them all current when an agent is
renamed, notes included (no positional array updates needed)."""
_NAMED = (
    ("assignedAgent", "assignedAgentName"),
    ("resolvedBy", "resolvedByName"),
    ("escalatedTo", "escalatedToName"),
    ("createdBy", "createdByName"),
)
_NAME_KEY = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
"""Agent ids usable as a key of the names map (no '.' or '$'); others keep no name."""


SLA_DUE = "slaDue"
"""Stored next due time of a ticket's SLA (what `sortBy=slaDue` sorts on)."""
NO_DUE = datetime(9999, 12, 31, tzinfo=UTC)
"""The `slaDue` of a ticket no clock is running on: after every real due time, so soonest
first lists it last (and never as null, which sorts first)."""


def sla_due(ticket: TicketState) -> datetime:
    """When the ticket's next SLA target falls due: the sooner of the clocks still running
    (first response until given, resolution until resolved); NO_DUE while paused, resolved or
    closed. An overdue clock keeps the due time it passed."""
    sla = ticket.sla
    if ticket.status in (TicketStatus.RESOLVED, TicketStatus.CLOSED) or sla.paused_since:
        return NO_DUE
    due = [
        at
        for at, running in (
            (sla.first_response_due_at, sla.first_response_at is None),
            (sla.resolution_due_at, sla.resolution_met is None),
        )
        if running and at is not None
    ]
    return min(due, default=NO_DUE)


LOCATED = "located"
"""Stored beside every ticket: whether its location has coordinates (what the map reads)."""
_MAP_PROJECTION = dict.fromkeys(
    ("subject", "priority", "status", "category", "location", "isProblem", "incidentCount", "sla"),
    1,
)
_MAP_SEARCHED = dict.fromkeys(("ticketId", "description", "customer"), 1)
"""What a phrase of the map's search is checked on, besides what the map reads anyway."""


def located(ticket: TicketState) -> bool:
    return ticket.location is not None and ticket.location.coordinates is not None


def ticket_document(ticket: TicketState) -> Document:
    """The stored document of the aggregate's state (camelCase names), without the search and
    outbox bookkeeping; the agents' names move from beside each id to the names map, the SLA's
    next due time is kept beside it (`slaDue`)."""
    doc: Document = _plain(ticket.model_dump(by_alias=True))
    doc[SLA_DUE] = sla_due(ticket)
    doc[LOCATED] = located(ticket)
    names: dict[str, str] = {}
    pairs = [(doc.get(id_field), doc.pop(name_field, None)) for id_field, name_field in _NAMED]
    for note in doc.get("notes") or ():
        pairs.append((note.get("agentId"), note.pop("agentName", None)))
    for agent_id, name in pairs:
        if agent_id and name and _NAME_KEY.match(agent_id):
            names[agent_id] = name
    doc[AGENT_NAMES] = names
    return doc


def _view_fields(doc: Mapping[str, Any], keys: frozenset[str], *, view: bool = True) -> Document:
    """The fields of `keys` in a stored document, names put back beside their ids; a view's
    allowed next statuses with them."""
    data = {k: v for k, v in doc.items() if k in keys}
    if view:
        data["allowedNextStatuses"] = ALLOWED_WIRE.get(doc.get("status", ""), [])
    names: Mapping[str, str] = doc.get(AGENT_NAMES) or {}
    for id_field, name_field in _NAMED:
        agent_id = doc.get(id_field)
        data[name_field] = names.get(agent_id) if agent_id else None
    if "notes" in data:
        data["notes"] = [{**n, "agentName": names.get(n.get("agentId"))} for n in data["notes"]]
    return data


def _ticket(doc: Mapping[str, Any]) -> TicketState:
    """The aggregate's state from its stored document (bookkeeping fields left behind)."""
    return TicketState.model_validate(_view_fields(doc, _STATE_FIELDS, view=False))


def _summary(doc: Mapping[str, Any], score: int | None = None) -> TicketSummary:
    fields = _view_fields(doc, _SUMMARY_KEYS)
    if score is not None:
        fields["score"] = score
    return TicketSummary.model_validate(fields)


def _similar_profile(doc: Mapping[str, Any]) -> similar.Profile:
    """A stored open ticket as similarity compares it (read-only: shared between reads)."""
    coordinates = (doc.get("location") or {}).get("coordinates")
    vector = doc.get("embedding")
    return similar.Profile(
        str(doc["_id"]),
        frozenset(doc.get("simTerms") or ()),
        (coordinates["latitude"], coordinates["longitude"]) if coordinates else None,
        doc.get("addressKey"),
        doc.get("createdAt"),
        tuple(vector) if vector else None,
    )


def _map_point(doc: Mapping[str, Any]) -> MapPoint | None:
    """A stored ticket as the map draws it (None when it has no coordinates after all)."""
    coordinates = (doc.get("location") or {}).get("coordinates") or {}
    latitude, longitude = coordinates.get("latitude"), coordinates.get("longitude")
    if latitude is None or longitude is None:
        return None
    return MapPoint.model_construct(
        ticket_id=str(doc["_id"]),
        latitude=float(latitude),
        longitude=float(longitude),
        priority=Priority(doc["priority"]),
        status=TicketStatus(doc["status"]),
        subject=doc.get("subject") or "",
        category=doc.get("category") or "",
        is_problem=bool(doc.get("isProblem")),
        incident_count=int(doc.get("incidentCount") or 0),
        sla_state=SlaState((doc.get("sla") or {}).get("state") or SlaState.OK),
    )


def _one_or_any(value: Any) -> Any:
    """The condition for one value (an equality) or several (`$in`); None when not filtering."""
    if value is None:
        return None
    values = [value] if isinstance(value, str) else list(value)
    plain = [_plain(v) for v in dict.fromkeys(values)]
    if not plain:
        return None
    return plain[0] if len(plain) == 1 else {"$in": plain}


def _range(since: datetime | None, until: datetime | None) -> Document | None:
    bounds = {op: at for op, at in (("$gte", since), ("$lte", until)) if at is not None}
    return bounds or None


@dataclass(frozen=True)
class TicketFilter:
    """Typed list filters: an equality per field (`$in` for several values or search terms),
    inclusive ranges on createdAt and updatedAt."""

    status: TicketStatus | Sequence[TicketStatus] | None = None
    category: str | Sequence[str] | None = None
    priority: Priority | Sequence[Priority] | None = None
    assigned_agent: str | Sequence[str] | None = None
    unassigned: bool = False
    customer_id: str | None = None
    conversation_id: str | None = None
    tag: str | None = None
    is_escalated: bool | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    updated_since: datetime | None = None
    terms: tuple[str, ...] = ()
    """Words a ticket must hold, every one of them."""
    phrases: tuple[tuple[str, ...], ...] = ()
    """Word sequences one of a ticket's texts must hold (checked on what `terms` found)."""
    visible_to: str | None = None
    """Only tickets assigned to this agent or to nobody (the ticket-visibility setting)."""
    sla_state: SlaState | Sequence[SlaState] | None = None
    source: TicketSource | Sequence[TicketSource] | None = None
    resolved_from: datetime | None = None
    resolved_to: datetime | None = None
    ids: Sequence[str] | None = None
    """Only these tickets (those behind a report's figure, or of a channel)."""

    def _assignee(self) -> Document:
        """The `assignedAgent` condition: the agents asked (and nobody, with `unassigned`),
        of them only what `visible_to` may see; none when not filtering."""
        asked = None if self.assigned_agent is None else _one_or_any(self.assigned_agent)
        if asked is None and not self.unassigned:
            if self.visible_to is None:
                return {}
            return {"assignedAgent": {"$in": [self.visible_to, None]}}
        agents: list[str | None] = []
        if asked is not None:
            agents = list(asked["$in"]) if isinstance(asked, dict) else [asked]
        if self.visible_to is not None:  # someone else's tickets: none of them may be seen
            agents = [a for a in agents if a == self.visible_to]
        if self.unassigned:
            agents.append(None)
        return {"assignedAgent": agents[0] if len(agents) == 1 else {"$in": agents}}

    def query(self) -> Document:
        query: Document = {}
        for field, value in (
            ("status", self.status),
            ("category", self.category),
            ("priority", self.priority),
            ("sla.state", self.sla_state),
            ("source", self.source),
        ):
            condition = _one_or_any(value)
            if condition is not None:
                query[field] = condition
        query.update(self._assignee())
        if self.ids is not None:
            query["_id"] = {"$in": list(self.ids)}
        if self.customer_id is not None:
            query["customerId"] = self.customer_id
        if self.conversation_id is not None:
            query["conversationId"] = self.conversation_id
        if self.tag is not None:
            query["tags"] = self.tag
        if self.is_escalated is not None:
            query["isEscalated"] = self.is_escalated
        created = _range(self.created_from, self.created_to)
        if created is not None:
            query["createdAt"] = created
        resolved = _range(self.resolved_from, self.resolved_to)
        if resolved is not None:
            query["resolvedAt"] = resolved
        if self.updated_since is not None:
            query["updatedAt"] = {"$gte": self.updated_since}
        if self.terms:
            query["searchTerms"] = {"$all": list(self.terms)}
        return query


NEWEST_FIRST = [("createdAt", DESCENDING), ("_id", DESCENDING)]
EXPORT_WINDOW_MIN = timedelta(seconds=1)
EXPORT_WINDOW_MAX = timedelta(days=36_500)
"""The widest read of an export page (a request's `windowSeconds` stays within its bounds)."""


def sort_spec(sort_by: SortField, order: Literal["asc", "desc"]) -> list[tuple[str, int]]:
    """Sort keys with a stable tie-break (newest first, then id) so pages never overlap.

    `priority` sorts by rank: descending means most urgent first. `slaDue`: by the next SLA
    due time, ascending soonest first with the tickets no clock runs on last. A ticket's `_id`
    is its ticketId. `relevance` (matched search words) is ranked by `TicketStore.search`.
    """
    direction = DESCENDING if order == "desc" else ASCENDING
    keys: list[tuple[str, int]]
    if sort_by == "priority":
        keys = [("priorityRank", -direction)]
    elif sort_by == "relevance":
        keys = [("score", direction)]
    elif sort_by == "ticketId":
        keys = [("_id", direction)]
    elif sort_by == "slaDue":
        keys = [(SLA_DUE, direction)]
    else:
        keys = [(sort_by, direction)]
    for tie in NEWEST_FIRST:
        if tie[0] not in (k for k, _ in keys):
            keys.append(tie)
    return keys


class TicketStore:
    """Tickets, their id counters, customers and conversations."""

    def __init__(self, database: Database) -> None:
        self._db = database
        self.tickets = database[TICKETS]
        self.counters = database[COUNTERS]
        self.counts = database[COUNTS]
        self.customers = database[CUSTOMERS]
        self.conversations = database[CONVERSATIONS]

    async def ensure_indexes(self) -> None:
        """One index per list shape an agent's console asks for: each equality filter with
        the default newest-first order, the queues by priority, search terms, idempotency and
        the outbox sweep. A ticket's `_id` is its ticketId (unique with the collection)."""

        # `_id` last: the tie-break of every sort, so a server serves the sort from the index.
        def newest(*fields: str) -> IndexModel:
            return IndexModel([*((f, ASCENDING) for f in fields), *NEWEST_FIRST])

        def by_priority(*fields: str) -> IndexModel:
            keys = [*((f, ASCENDING) for f in fields), ("priorityRank", ASCENDING)]
            return IndexModel([*keys, *NEWEST_FIRST])

        await self.tickets.create_indexes(
            [
                IndexModel(
                    [("idempotencyKey", ASCENDING)],
                    unique=True,
                    sparse=True,
                    name="idempotencyKey_unique",
                ),
                newest(),
                newest("status"),
                newest("customerId"),
                newest("conversationId"),
                newest("assignedAgent"),
                newest("category"),
                # A preset's preview: the open tickets of each category it removes.
                newest("category", "status"),
                newest("priority"),
                newest("isEscalated"),
                newest("sla.state"),
                # The triage queue: open tickets soonest due first (`sortBy=slaDue`).
                newest(SLA_DUE),
                newest("status", SLA_DUE),
                by_priority(),
                by_priority("status"),
                by_priority("assignedAgent"),
                newest("status", "assignedAgent"),
                by_priority("status", "assignedAgent"),
                IndexModel([("updatedAt", DESCENDING), *NEWEST_FIRST]),
                # Bounded creation-time windows (the export's pages): an ascending first field.
                IndexModel([("createdAt", ASCENDING), ("_id", ASCENDING)], name="created_range"),
                IndexModel([("updatedAt", ASCENDING), ("_id", ASCENDING)], name="changes"),
                IndexModel([("tags", ASCENDING)]),
                # A word's tickets newest first: a search page walks its rarest word's entries.
                newest("searchTerms"),
                IndexModel([("outbox.at", ASCENDING)], name="outbox_at"),
                IndexModel([("sla.nextCheckAt", ASCENDING)], name="sla_next_check"),
                # Similar open tickets: by a telling word stem, a geo cell, an address.
                IndexModel([("simTerms", ASCENDING), ("createdAt", DESCENDING)], name="sim_terms"),
                IndexModel([("geoCell", ASCENDING)], sparse=True, name="sim_cell"),
                IndexModel([("addressKey", ASCENDING)], sparse=True, name="sim_address"),
                IndexModel([("embeddingAt", DESCENDING)], sparse=True, name="sim_meaning"),
                # The map: located tickets of some statuses, newest first.
                IndexModel(
                    [(LOCATED, ASCENDING), ("status", ASCENDING), *NEWEST_FIRST], name="map"
                ),
                # A problem's incidents (its count, its resolution's fan-out).
                IndexModel([("problemId", ASCENDING), ("status", ASCENDING)], name="incidents"),
            ]
        )
        if "searchTerms" in await self.tickets.index_information():
            # Earlier versions gave the terms an index of their own: a prefix of the one above.
            await self.tickets.drop_index("searchTerms")
        await self.customers.create_indexes(
            [
                IndexModel([("phoneNumber", ASCENDING)], unique=True, name="phoneNumber_unique"),
                IndexModel([("createdAt", DESCENDING)]),
                IndexModel(
                    [("searchTerms", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)]
                ),
            ]
        )
        await self.conversations.create_indexes(
            [
                IndexModel([("openKey", ASCENDING)], unique=True, sparse=True, name="openKey"),
                IndexModel(
                    [("customerId", ASCENDING), ("status", ASCENDING), ("updatedAt", DESCENDING)]
                ),
                IndexModel([("status", ASCENDING), ("updatedAt", DESCENDING)]),
                IndexModel([("updatedAt", DESCENDING)]),
                IndexModel([("handledBy", ASCENDING), ("updatedAt", DESCENDING)]),
                IndexModel([("waiting", ASCENDING), ("updatedAt", DESCENDING)]),
                IndexModel(
                    [("handledBy", ASCENDING), ("waiting", ASCENDING), ("updatedAt", DESCENDING)]
                ),
                IndexModel([("outbox.at", ASCENDING)], name="outbox_at"),
            ]
        )
        await self._db[CLUSTERS].create_indexes(
            [
                IndexModel([("members", ASCENDING)]),
                IndexModel([("outbox.at", ASCENDING)], name="outbox_at"),
            ]
        )
        await self._db[MESSAGES].create_indexes(
            [
                IndexModel([("conversationId", ASCENDING), ("createdAt", ASCENDING)]),
                IndexModel([("outbox.at", ASCENDING)], name="outbox_at"),
            ]
        )

    # --- ids ----------------------------------------------------------------------------------

    async def next_sequence(self, key: str, now: datetime) -> int:
        """Atomically the next number of counter `key` (created at 1 on first use)."""
        for _ in range(3):
            try:
                doc = await self.counters.find_one_and_update(
                    {"_id": key},
                    {"$inc": {"seq": 1}, "$set": {"updatedAt": now}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
            except DuplicateKeyError:  # two first-ever upserts raced on a real server: retry
                continue
            assert doc is not None
            return int(doc["seq"])
        raise RuntimeError(f"counter {key} could not be incremented")

    async def last_sequence(self, key: str) -> int:
        """The last number counter `key` gave (0 before its first)."""
        doc = await self.counters.find_one({"_id": key}, {"seq": 1})
        return 0 if doc is None else int(doc["seq"])

    # --- tickets ------------------------------------------------------------------------------

    async def insert_ticket(
        self,
        ticket: TicketState,
        *,
        search_terms: Sequence[str],
        idempotency_key: str | None,
        fingerprint: str | None = None,
        outbox: Sequence[OutboxEntry],
        similar_fields: Mapping[str, Any] | None = None,
    ) -> None:
        """Insert a new ticket with its first events; IdTaken / KeyTaken when either is used.

        `fingerprint` identifies the request that created it: a key reused for another request
        is told apart from a replay."""
        doc = ticket_document(ticket)
        doc["_id"] = ticket.ticket_id
        doc["searchTerms"] = list(search_terms)
        doc["priorityRank"] = PRIORITY_RANK[ticket.priority]
        doc["outbox"] = [entry.to_document() for entry in outbox]
        doc.update({k: v for k, v in (similar_fields or {}).items() if v is not None})
        if idempotency_key is not None:
            doc["idempotencyKey"] = idempotency_key
            doc["idempotencyFingerprint"] = fingerprint
        try:
            await self.tickets.insert_one(doc)
        except DuplicateKeyError as exc:
            fields = _duplicate_fields(exc)
            if fields is None:  # details without the index (servers and the engine give it)
                taken = idempotency_key is not None and bool(
                    await self.tickets.find_one({"idempotencyKey": idempotency_key}, {"_id": 1})
                )
            else:
                taken = "idempotencyKey" in fields
            raise (KeyTaken if taken else IdTaken)(ticket.ticket_id) from None

    async def get_ticket(self, ticket_id: str) -> TicketState | None:
        doc = await self.tickets.find_one({"_id": ticket_id}, _NOT_STATE)
        return _ticket(doc) if doc else None

    async def find_by_idempotency_key(self, key: str) -> tuple[TicketState, str | None] | None:
        """The ticket created under `key`, and the fingerprint of the request that made it."""
        doc = await self.tickets.find_one({"idempotencyKey": key}, {"outbox": 0})
        return (_ticket(doc), doc.get("idempotencyFingerprint")) if doc else None

    async def get_for_change(
        self, ticket_id: str, visible_to: str | None = None
    ) -> tuple[TicketState, dict[str, str | None]] | None:
        """The ticket, and the keys of the latest requests already applied to it with the
        fingerprint of the change each made (None for keys stored before fingerprints); None
        when it does not exist or is not visible to `visible_to`."""
        doc = await self.tickets.find_one(_scoped(ticket_id, visible_to), _NOT_STATE)
        if doc is None:
            return None
        return _ticket(doc), _applied(doc.get(APPLIED_KEYS) or ())

    async def get_many_for_change(
        self, ticket_ids: Sequence[str], visible_to: str | None = None
    ) -> dict[str, tuple[TicketState, dict[str, str | None]]]:
        """`get_for_change` of many tickets in one query (by id; those missing or not visible
        to `visible_to` are left out)."""
        if not ticket_ids:
            return {}
        query: Document = {"_id": {"$in": list(ticket_ids)}}
        if visible_to is not None:
            query["assignedAgent"] = {"$in": [visible_to, None]}
        docs = await self.tickets.find(query, _NOT_STATE).to_list(None)
        return {
            str(doc["_id"]): (_ticket(doc), _applied(doc.get(APPLIED_KEYS) or ())) for doc in docs
        }

    async def count_open_by_category(self, categories: Sequence[str]) -> dict[str, int]:
        """Open tickets (not resolved or closed) of each category: one indexed count each."""
        return {
            category: await self.tickets.count_documents(
                {"category": category, "status": {"$in": OPEN_STATUS_VALUES}}
            )
            for category in categories
        }

    async def open_in_category(self, category: str, limit: int) -> list[str]:
        """Ids of up to `limit` open tickets of `category`, oldest first."""
        docs = (
            await self.tickets.find(
                {"category": category, "status": {"$in": OPEN_STATUS_VALUES}}, {"_id": 1}
            )
            .sort([("_id", ASCENDING)])
            .limit(limit)
            .to_list(None)
        )
        return [str(doc["_id"]) for doc in docs]

    async def save_ticket(
        self,
        before: TicketState,
        after: TicketState,
        *,
        outbox: Sequence[OutboxEntry],
        search_terms: Sequence[str] | None = None,
        request_key: str | None = None,
        fingerprint: str | None = None,
        visible_to: str | None = None,
        similar_fields: Mapping[str, Any] | None = None,
        drop_embedding: bool = False,
    ) -> TicketState | None:
        """Write the fields that differ, only if the ticket is still at `before.version` (and
        still visible to `visible_to`, when given).

        The version bump, the events and the request's key (the latest few are kept: a
        redelivered request is then recognised) go in the same update. Returns the stored
        ticket, or None when someone else wrote first.
        """
        old, new = ticket_document(before), ticket_document(after)
        changed = {
            k: v for k, v in new.items() if k not in {"version", AGENT_NAMES} and old.get(k) != v
        }
        # Name by name: a whole-map write could undo a rename made since `before` was read.
        known = old[AGENT_NAMES]
        for agent_id, name in new[AGENT_NAMES].items():
            if known.get(agent_id) != name:
                changed[f"{AGENT_NAMES}.{agent_id}"] = name
        # Always: a ticket stored before `slaDue` (`located`) was kept gets it on its next change.
        changed[SLA_DUE] = new[SLA_DUE]
        changed[LOCATED] = new[LOCATED]
        if search_terms is not None:
            changed["searchTerms"] = list(search_terms)
        if after.priority != before.priority:
            changed["priorityRank"] = PRIORITY_RANK[after.priority]
        update: Document = {"$inc": {"version": 1}}
        if similar_fields is not None:
            changed.update({k: v for k, v in similar_fields.items() if v is not None})
            gone = {k: "" for k in SIMILAR_FIELDS if similar_fields.get(k) is None}
            if not similar_fields:  # no longer open
                gone.update(dict.fromkeys(EMBEDDING_FIELDS, ""))
            if gone:
                update["$unset"] = gone
        if drop_embedding:
            update.setdefault("$unset", {}).update(dict.fromkeys(EMBEDDING_FIELDS, ""))
        if changed:
            update["$set"] = changed
        pushes: Document = {}
        if outbox:
            pushes["outbox"] = {"$each": [e.to_document() for e in outbox]}
        if request_key is not None:
            entry = request_key if fingerprint is None else f"{fingerprint} {request_key}"
            pushes[APPLIED_KEYS] = {"$each": [entry], "$slice": -APPLIED_KEYS_KEPT}
        if pushes:
            update["$push"] = pushes
        doc = await self.tickets.find_one_and_update(
            {**_scoped(before.ticket_id, visible_to), "version": before.version},
            update,
            projection=_NOT_STATE,
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else _ticket(doc)

    async def reindex_search(self, *, batch: int = 500) -> int:
        """Recompute every ticket's (then every customer's) search terms from what is searched
        of it, page by page in `_id` order; writes only those whose stored terms differ (how
        many), then marks
        the store as following this recipe (`search.VERSION`).

        Each write is conditioned on the fields it was computed from: a ticket edited meanwhile
        already got its terms from that edit."""
        fixed, last = 0, None
        fields = {**_SEARCHABLE, "searchTerms": 1}
        while True:
            query: Document = {} if last is None else {"_id": {"$gt": last}}
            docs = (
                await self.tickets.find(query, fields)
                .sort("_id", ASCENDING)
                .limit(batch)
                .to_list(None)
            )
            for doc in docs:
                terms = _searchable(doc).terms()
                if list(doc.get("searchTerms") or ()) == terms:
                    continue
                unchanged = {k: doc.get(k) for k in _SEARCHABLE if k != "ticketId"}
                result = await self.tickets.update_one(
                    {"_id": doc["_id"], **unchanged}, {"$set": {"searchTerms": terms}}
                )
                fixed += int(result.modified_count)
            if len(docs) < batch:
                break
            last = docs[-1]["_id"]
        fixed += await self._reindex_customers(batch)
        await self.counters.update_one(
            {"_id": SEARCH_TERMS}, {"$set": {"version": search.VERSION}}, upsert=True
        )
        return fixed

    async def _reindex_customers(self, batch: int) -> int:
        fixed, last = 0, None
        fields = {"firstName": 1, "lastName": 1, "email": 1, "phoneNumber": 1, "searchTerms": 1}
        while True:
            query: Document = {} if last is None else {"_id": {"$gt": last}}
            cursor = self.customers.find(query, fields).sort("_id", ASCENDING).limit(batch)
            docs = await cursor.to_list(None)
            for doc in docs:
                terms = _customer_terms(doc)
                if list(doc.get("searchTerms") or ()) == terms:
                    continue
                unchanged = {k: doc.get(k) for k in ("firstName", "lastName", "email")}
                result = await self.customers.update_one(
                    {"_id": doc["_id"], **unchanged}, {"$set": {"searchTerms": terms}}
                )
                fixed += int(result.modified_count)
            if len(docs) < batch:
                return fixed
            last = docs[-1]["_id"]

    async def search_terms_outdated(self) -> bool:
        """Whether stored tickets follow an earlier recipe of search terms (a store without
        tickets is marked as following this one)."""
        marked = await self.counters.find_one({"_id": SEARCH_TERMS})
        if marked is not None and marked.get("version") == search.VERSION:
            return False
        for stored in (self.tickets, self.customers):
            if await stored.find_one({}, {"_id": 1}) is not None:
                return True
        await self.counters.update_one(
            {"_id": SEARCH_TERMS}, {"$set": {"version": search.VERSION}}, upsert=True
        )
        return False

    async def fill_sla_due(self, *, batch: int = 500) -> int:
        """Give `slaDue` to the tickets stored before it was kept (how many); each write is
        conditioned on the version it was computed from (a ticket changed meanwhile got it)."""
        filled = 0
        while True:
            docs = await self.tickets.find({SLA_DUE: None}, _NOT_STATE).limit(batch).to_list(None)
            for doc in docs:
                due = sla_due(_ticket(doc))
                result = await self.tickets.update_one(
                    {"_id": doc["_id"], "version": doc.get("version")}, {"$set": {SLA_DUE: due}}
                )
                filled += int(result.modified_count)
            if len(docs) < batch:
                return filled

    async def rename_agent(self, agent_id: str, name: str) -> int:
        """The agent's new name on every ticket naming it (not a change of those tickets: their
        versions stay); how many tickets were updated."""
        if not _NAME_KEY.match(agent_id):
            return 0
        key = f"{AGENT_NAMES}.{agent_id}"
        result = await self.tickets.update_many(
            {key: {"$exists": True, "$ne": name}}, {"$set": {key: name}}
        )
        return int(result.modified_count)

    async def rename_customer(
        self, customer_id: str, name: str | None, phone_number: str | None = None
    ) -> int:
        """The customer's new name (and phone, when given) on each of its tickets, with the
        search terms they give (versions stay); how many changed."""
        changed = 0
        wanted = {"customerId": customer_id, "customer": {"$ne": None}}
        for doc in await self.tickets.find(wanted, _SEARCHABLE).to_list(None):
            changes: Document = {"customer.name": name}
            customer = {**doc["customer"], "name": name}
            if phone_number is not None:
                changes["customer.phoneNumber"] = customer["phoneNumber"] = phone_number
            changes["searchTerms"] = _searchable({**doc, "customer": customer}).terms()
            result = await self.tickets.update_one(
                {"_id": doc["_id"], "customer": doc["customer"]}, {"$set": changes}
            )
            changed += int(result.modified_count)
        return changed

    def _holders(self) -> list[tuple[str, Any]]:
        """(owner key prefix, collection) of every outbox holder, tickets first."""
        return [("", self.tickets), *((p, self._db[c]) for p, c in OUTBOX_HOLDERS.items())]

    def _holder(self, owner: str) -> tuple[Any, str]:
        """The collection and `_id` of the document an owner key names."""
        for prefix, name in OUTBOX_HOLDERS.items():
            if owner.startswith(prefix):
                return self._db[name], owner.removeprefix(prefix)
        return self.tickets, owner

    async def remove_from_outbox(self, owners: Sequence[str], event_ids: Sequence[str]) -> None:
        """Forget events once published, in one write per collection for many documents
        (a ticket's version untouched)."""
        if not event_ids:
            return
        grouped: dict[str, tuple[Any, list[str]]] = {}
        for owner in owners:
            collection, doc_id = self._holder(owner)
            grouped.setdefault(collection.name, (collection, []))[1].append(doc_id)
        for collection, ids in grouped.values():
            await collection.update_many(
                {"_id": {"$in": ids}},
                {"$pull": {"outbox": {"eventId": {"$in": list(event_ids)}}}},
            )

    async def pending_outbox(
        self, *, older_than: datetime, limit: int
    ) -> list[tuple[str, list[OutboxEntry]]]:
        """Owners (tickets, messages, conversations) with events not yet published that are
        older than `older_than`."""
        found: list[tuple[str, list[OutboxEntry]]] = []
        for prefix, collection in self._holders():
            if len(found) >= limit:
                break
            cursor = collection.find(
                {"outbox.at": {"$lte": older_than}}, {"_id": 1, "outbox": 1}
            ).limit(limit - len(found))
            async for doc in cursor:
                entries = [OutboxEntry.from_document(e) for e in doc.get("outbox") or []]
                if entries:
                    found.append((f"{prefix}{doc['_id']}", entries))
        return found

    async def outbox_backlog(self, now: datetime) -> tuple[int, float]:
        """How many documents have events waiting, and the oldest one's age in seconds."""
        waiting = {"outbox.at": {"$lte": now}}
        count, oldest = 0, now
        for _, collection in self._holders():
            if not await collection.count_documents(waiting):
                continue
            docs = await collection.find(waiting, {"outbox": 1}).to_list(None)
            count += len(docs)
            oldest = min(oldest, *(e["at"] for d in docs for e in d.get("outbox") or ()))
        return count, (now - oldest).total_seconds() if count else 0.0

    async def outbox_of(self, owner: str) -> list[OutboxEntry]:
        collection, doc_id = self._holder(owner)
        doc = await collection.find_one({"_id": doc_id}, {"outbox": 1})
        return [OutboxEntry.from_document(e) for e in (doc or {}).get("outbox") or []]

    async def list_tickets(
        self,
        where: TicketFilter,
        *,
        sort: list[tuple[str, int]],
        skip: int,
        limit: int,
    ) -> tuple[list[TicketSummary], int]:
        """One page of summaries (no notes) and the exact number of matches."""
        query = where.query()
        total = await self.tickets.count_documents(query)
        if total == 0 or skip >= total:
            return [], total
        cursor = self.tickets.find(query, _LIST_PROJECTION).sort(sort).skip(skip).limit(limit)
        return await views_of(cursor, "summary", _summary), total

    async def map_points(
        self, where: TicketFilter, limit: int, phrases: search.Query | None = None
    ) -> tuple[list[MapPoint], bool]:
        """Up to `limit` located tickets matching `where`, newest first, as map points; and
        whether more matched. One read on the `map` index (located, status, newest first);
        `phrases`, when the search has any, are checked on what it read."""
        query = {LOCATED: True, **where.query()}
        projection = _MAP_PROJECTION if phrases is None else {**_MAP_PROJECTION, **_MAP_SEARCHED}
        cursor = self.tickets.find(query, projection).sort(NEWEST_FIRST)
        docs = await cursor.limit(limit + 1).to_list(None)
        capped = len(docs) > limit
        if phrases is not None:
            docs = [d for d in docs if phrases.matches(_searchable(d).texts())]
        return [p for p in map(_map_point, docs[:limit]) if p is not None], capped

    async def last_change(self) -> tuple[datetime, str] | None:
        """When the newest change to any ticket was made, and to which (one index step)."""
        doc = await self.tickets.find_one(
            {}, {"updatedAt": 1}, sort=[("updatedAt", DESCENDING), *NEWEST_FIRST]
        )
        return None if doc is None else (doc["updatedAt"], str(doc["_id"]))

    async def fill_located(self, *, batch: int = 500) -> int:
        """Give `located` to the tickets stored before it was kept (how many)."""
        filled = 0
        while True:
            cursor = self.tickets.find({LOCATED: None}, {"location": 1}).limit(batch)
            docs = await cursor.to_list(None)
            for doc in docs:
                coordinates = (doc.get("location") or {}).get("coordinates")
                result = await self.tickets.update_one(
                    {"_id": doc["_id"], LOCATED: None}, {"$set": {LOCATED: bool(coordinates)}}
                )
                filled += int(result.modified_count)
            if len(docs) < batch:
                return filled

    async def export_page(
        self,
        where: TicketFilter,
        after: tuple[datetime, str] | None,
        limit: int,
        window: timedelta,
    ) -> tuple[list[TicketSummary], timedelta]:
        """Up to `limit` matches newest first, after the (createdAt, ticketId) `after`; and
        the window to start the next page with.

        Read in windows of creation time walked back from `after` (the rest of its instant
        first), each a bounded range on the createdAt index: a page costs its own tickets,
        never a walk past every newer one (no skip). A window that finds too few doubles."""
        query = where.query()
        bounds: Document = dict(query.pop("createdAt", None) or {})
        floor = bounds.get("$gte") or await self._edge_created(ASCENDING)
        docs: list[Document] = []
        high: datetime | None
        if after is not None:
            moment, last_id = after
            same = {**query, "createdAt": moment, "_id": {"$lt": last_id}}
            cursor = self.tickets.find(same, _LIST_PROJECTION).sort(NEWEST_FIRST)
            docs = await cursor.limit(limit).to_list(None)
            high, inclusive = moment, False
        else:
            high, inclusive = bounds.get("$lte") or await self._edge_created(DESCENDING), True
        first = True
        while len(docs) < limit and floor is not None and high is not None:
            if high < floor or (high == floor and not inclusive):
                break
            # Compared as spans: `high - window` itself may fall before the year 1.
            low = floor if high - floor <= window else high - window
            span: Document = {"$gte": low, "$lte" if inclusive else "$lt": high}
            cursor = self.tickets.find({**query, "createdAt": span}, _LIST_PROJECTION)
            wanted = limit - len(docs)
            found = await cursor.sort(NEWEST_FIRST).limit(wanted).to_list(None)
            docs += found
            if len(found) == wanted:
                if first and window > EXPORT_WINDOW_MIN:
                    window /= 2  # filled at once: the next page's first read can be smaller
                break
            if low == floor:
                break
            high, inclusive, first = low, False, False
            window = max(min(window * 2, high - floor, EXPORT_WINDOW_MAX), EXPORT_WINDOW_MIN)
        return [_summary(doc) for doc in docs], window

    async def _edge_created(self, direction: int) -> datetime | None:
        """The oldest (ASCENDING) or newest ticket's creation time."""
        found = await self.tickets.find_one({}, {"createdAt": 1}, sort=[("createdAt", direction)])
        return None if found is None else found["createdAt"]

    async def each_ticket(
        self, call: Callable[[TicketState, str | None], Awaitable[None]], *, batch: int = 500
    ) -> int:
        """`call` with every ticket, in id order, a batch read at a time; how many."""
        done, last = 0, None
        while True:
            query: Document = {} if last is None else {"_id": {"$gt": last}}
            docs = await self.tickets.find(query).sort("_id", ASCENDING).limit(batch).to_list(None)
            for doc in docs:
                await call(_ticket(doc), None)
            done += len(docs)
            if len(docs) < batch:
                return done
            last = docs[-1]["_id"]

    async def written_lately(self, window: timedelta) -> list[TicketState]:
        """The tickets written within `window` of the latest ticket write (the ones a stop
        may have caught between their write and what follows it)."""
        newest = (
            await self.tickets.find({}, {"updatedAt": 1})
            .sort([("updatedAt", DESCENDING), ("_id", DESCENDING)])
            .limit(1)
            .to_list(None)
        )
        if not newest:
            return []
        since = newest[0]["updatedAt"] - window
        docs = await self.tickets.find({"updatedAt": {"$gte": since}}).to_list(None)
        return [_ticket(doc) for doc in docs]

    async def conversation_tickets(
        self, conversation_id: str, statuses: Sequence[TicketStatus]
    ) -> list[str]:
        """Ids of a conversation's tickets in one of `statuses`."""
        query = {"conversationId": conversation_id, "status": {"$in": list(statuses)}}
        return [d["_id"] for d in await self.tickets.find(query, {"_id": 1}).to_list(None)]

    async def changed_after(
        self,
        after: tuple[datetime, str] | None,
        until: datetime,
        limit: int,
        visible_to: str | None = None,
    ) -> tuple[list[TicketSummary], bool]:
        """Tickets whose last change is after `after` (updatedAt, ticketId) and no later than
        `until`, in that order; and whether more follow. Two index walks on (updatedAt, _id):
        the rest of `after`'s instant, then the later ones."""
        order = [("updatedAt", ASCENDING), ("_id", ASCENDING)]
        scope: Document = {}
        if visible_to is not None:
            scope["assignedAgent"] = {"$in": [visible_to, None]}
        docs: list[Document] = []
        later: Document = {"$lte": until}
        if after is not None:
            moment, last_id = after
            if moment <= until:
                same = {**scope, "updatedAt": moment, "_id": {"$gt": last_id}}
                cursor = self.tickets.find(same, _LIST_PROJECTION).sort(order)
                docs = await cursor.limit(limit + 1).to_list(None)
            later["$gt"] = moment
        if len(docs) <= limit:
            rest = {**scope, "updatedAt": later}
            cursor = self.tickets.find(rest, _LIST_PROJECTION).sort(order)
            docs += await cursor.limit(limit + 1 - len(docs)).to_list(None)
        return [_summary(doc) for doc in docs[:limit]], len(docs) > limit

    async def sla_due(self, now: datetime, limit: int) -> list[str]:
        """Ids of tickets whose SLA clock has a warning or breach moment at or before `now`,
        the most overdue first."""
        cursor = (
            self.tickets.find({"sla.nextCheckAt": {"$lte": now}}, {"_id": 1})
            .sort("sla.nextCheckAt", ASCENDING)
            .limit(limit)
        )
        return [doc["_id"] for doc in await cursor.to_list(None)]

    async def similar_candidates(
        self, stems: Sequence[str], cells: Sequence[str], address_key: str | None
    ) -> list[similar.Profile]:
        """Open tickets sharing a telling stem (SIMILAR_PER_STEM of each), a geo cell or the
        address, as similarity profiles: one equality read per stem (an index range), which
        the in-process engine answers several times faster than one `$in` over them all. A
        profile is made once per ticket the engine keeps decoded (`views_of`): the newest
        tickets of common stems are read by every create."""
        found: dict[str, similar.Profile] = {}
        # One equality per stem: each an index range, newest first, a few entries long.
        asks: list[tuple[Document, int]] = [
            ({"simTerms": stem}, SIMILAR_PER_STEM) for stem in stems[:SIMILAR_STEMS_ASKED]
        ]
        # One equality per cell too: the engine reads a `$in` over a sparse index far slower.
        asks.extend(({"geoCell": cell}, SIMILAR_PER_CELL) for cell in cells)
        if address_key:
            asks.append(({"addressKey": address_key}, SIMILAR_PER_STEM))
        for query, limit in asks:
            # Newest first, as the `sim_terms` index holds a stem's tickets: its first `limit`
            # entries, never every ticket holding a common stem.
            cursor = self.tickets.find(query, _PROFILE_PROJECTION).sort("createdAt", DESCENDING)
            for profile in await views_of(cursor.limit(limit), "profile", _similar_profile):
                found.setdefault(profile.ticket_id, profile)
        return list(found.values())

    async def meaning_candidates(
        self, created_at: datetime, window: timedelta, limit: int = SIMILAR_BY_MEANING_MAX
    ) -> list[similar.Profile]:
        """Open tickets with an embedding created within `window` of `created_at`, nearest to
        the newest first, as similarity profiles (one range of the sparse `sim_meaning` index)."""
        query = {"embeddingAt": {"$gte": created_at - window, "$lte": created_at + window}}
        cursor = self.tickets.find(query, _PROFILE_PROJECTION).sort("embeddingAt", DESCENDING)
        return await views_of(cursor.limit(limit), "profile", _similar_profile)

    async def embedding_of(self, ticket_id: str) -> list[float] | None:
        doc = await self.tickets.find_one({"_id": ticket_id}, {"embedding": 1})
        return None if doc is None else doc.get("embedding")

    async def store_embedding(self, ticket: TicketState, vector: Sequence[float]) -> bool:
        """Keep `ticket`'s embedding if it is still at `ticket.version` (a storage-only field:
        no version, no event); False when it moved meanwhile."""
        result = await self.tickets.update_one(
            {"_id": ticket.ticket_id, "version": ticket.version},
            {"$set": {"embedding": list(vector), "embeddingAt": ticket.created_at}},
        )
        return bool(result.matched_count == 1)

    async def summaries(
        self, ticket_ids: Sequence[str], visible_to: str | None = None
    ) -> dict[str, TicketSummary]:
        query: Document = {"_id": {"$in": list(ticket_ids)}}
        if visible_to is not None:
            query["assignedAgent"] = {"$in": [visible_to, None]}
        summaries = await views_of(self.tickets.find(query, _LIST_PROJECTION), "summary", _summary)
        return {s.ticket_id: s for s in summaries}

    async def cluster_of(self, ticket_ids: Sequence[str]) -> str | None:
        """The cluster one of these tickets already belongs to."""
        ids = list(ticket_ids)
        member = await self._db[CLUSTER_MEMBERS].find_one({"_id": {"$in": ids}}, {"cluster": 1})
        if member is not None:
            return str(member["cluster"])
        # Clusters stored before members had documents of their own: their first members.
        doc = await self._db[CLUSTERS].find_one({"members": {"$in": ids}}, {"_id": 1})
        return None if doc is None else str(doc["_id"])

    async def insert_cluster(
        self, cluster_id: str, members: Sequence[str], now: datetime, outbox: Sequence[OutboxEntry]
    ) -> bool:
        """A new cluster with its event (`members`: those it was detected with); False when
        another replica stored it first."""
        doc = {
            "_id": cluster_id,
            "members": list(members),
            "createdAt": now,
            "outbox": [e.to_document() for e in outbox],
        }
        try:
            await self._db[CLUSTERS].insert_one(doc)
        except DuplicateKeyError:
            return False
        return True

    async def cluster_announced(self, cluster_id: str) -> bool:
        return await self._db[CLUSTERS].find_one({"_id": cluster_id}, {"_id": 1}) is not None

    async def claim_members(self, cluster_id: str, members: Sequence[str]) -> str:
        """`members` claimed for `cluster_id`, in id order (one order for every replica): the
        cluster holding one of them already, if another (this one's claims released), else
        `cluster_id`."""
        collection = self._db[CLUSTER_MEMBERS]
        claimed: list[str] = []
        for ticket_id in sorted(members):
            try:
                await collection.insert_one({"_id": ticket_id, "cluster": cluster_id})
                claimed.append(ticket_id)
            except DuplicateKeyError:
                held = await collection.find_one({"_id": ticket_id}, {"cluster": 1})
                if held is not None and held["cluster"] != cluster_id:
                    await collection.delete_many({"_id": {"$in": claimed}, "cluster": cluster_id})
                    return str(held["cluster"])
        return cluster_id

    async def join_cluster(self, cluster_id: str, members: Sequence[str]) -> None:
        """`members` in the cluster: one small document each, for those not in one yet (a
        cluster of hundreds takes its next report without rewriting a list of hundreds)."""
        found = self._db[CLUSTER_MEMBERS].find({"_id": {"$in": list(members)}}, {"_id": 1})
        known = {doc["_id"] for doc in await found.to_list(None)}
        for ticket_id in members:
            if ticket_id not in known:
                with contextlib.suppress(DuplicateKeyError):  # another replica's join
                    await self._db[CLUSTER_MEMBERS].insert_one(
                        {"_id": ticket_id, "cluster": cluster_id}
                    )

    async def count_incidents(self, problem_id: str) -> int:
        return int(await self.tickets.count_documents({"problemId": problem_id}))

    async def incidents_of(
        self, problem_id: str, statuses: Sequence[TicketStatus], limit: int
    ) -> list[TicketState]:
        """Up to `limit` incidents of a problem in one of `statuses` (the `incidents` index)."""
        query = {"problemId": problem_id, "status": {"$in": [s.value for s in statuses]}}
        cursor = self.tickets.find(query, _NOT_STATE).limit(limit)
        return [_ticket(doc) for doc in await cursor.to_list(None)]

    async def search(
        self,
        where: TicketFilter,
        *,
        sort: list[tuple[str, int]],
        skip: int,
        limit: int,
    ) -> tuple[list[TicketSummary], int]:
        """Tickets holding every one of `where.terms` (an `$all` on the search-terms index),
        and each of `where.phrases` when asked. Every match holds every word: relevance sorts
        as newest first, and each is scored with the number of words."""
        score = len(where.terms)
        order = [key for key in sort if key[0] != "score"] or NEWEST_FIRST
        query = where.query()
        if not where.phrases:
            total = await self.tickets.count_documents(query)
            if total == 0 or skip >= total:
                return [], total
            cursor = self.tickets.find(query, _LIST_PROJECTION).sort(order).skip(skip)
            scored = functools.partial(_summary, score=score)
            return await views_of(cursor.limit(limit), ("summary", score), scored), total
        asked = search.Query(where.terms, where.phrases)
        cursor = self.tickets.find(query, _LIST_PROJECTION).sort(order)
        candidates = await cursor.limit(PHRASE_CANDIDATES_MAX).to_list(None)
        found = [d for d in candidates if asked.matches(_searchable(d).texts())]
        page = found[skip : skip + limit]
        return [_summary(d, score=score) for d in page], len(found)

    # --- counts -------------------------------------------------------------------------------

    async def apply_counts(self, event_id: str, counts: Mapping[str, Mapping[str, int]]) -> int:
        """Add one write's delta to each count scope, once per `event_id` (the scope marks the
        id applied in the same update); how many scopes it changed now.

        Scopes given the same delta (a create's or a status change's every scope) change in
        one write when they all exist; a scope not there yet is made by its own upsert."""
        marker = f"{tally.APPLIED}.{event_id}"
        alike: dict[tuple[tuple[str, int], ...], list[str]] = {}
        for scope, increments in counts.items():
            if increments:
                alike.setdefault(tuple(sorted(increments.items())), []).append(scope)
        changed = 0
        for delta, given in alike.items():
            update = {"$inc": dict(delta), "$set": {marker: True}}
            scopes = given
            if len(scopes) > 1:
                query = {"_id": {"$in": scopes}, marker: {"$exists": False}}
                result = await self.counts.update_many(query, update)
                changed += int(result.modified_count)
                if result.modified_count == len(scopes):
                    continue
                held = {"_id": {"$in": scopes}, marker: {"$exists": True}}
                done = {d["_id"] for d in await self.counts.find(held, {"_id": 1}).to_list(None)}
                scopes = [scope for scope in scopes if scope not in done]
            for scope in scopes:
                changed += await self._apply_one(scope, marker, update)
        return changed

    async def _apply_one(self, scope: str, marker: str, update: Mapping[str, Any]) -> int:
        query = {"_id": scope, marker: {"$exists": False}}
        try:
            result = await self.counts.update_one(query, update, upsert=True)
        except DuplicateKeyError:
            # The scope exists and already holds this id, or a twin's first upsert won.
            result = await self.counts.update_one(query, update)
        return int(result.modified_count) + int(result.upserted_id is not None)

    async def forget_applied(self, scopes: Sequence[str], event_ids: Sequence[str]) -> None:
        """Drop the applied marks of events whose entries have left the outbox (one write)."""
        if scopes and event_ids:
            await self.counts.update_many(
                {"_id": {"$in": list(dict.fromkeys(scopes))}},
                {"$unset": {f"{tally.APPLIED}.{event_id}": "" for event_id in event_ids}},
            )

    async def stats(
        self, *, agent_id: str | None, customer_id: str | None, visible_to: str | None = None
    ) -> TicketStats:
        """Counts per status, per priority and escalated, read from the kept counters.

        `visible_to` counts only that agent's and the unassigned tickets: two counters summed
        (`agent:<id>` and `agent:`), or a count of one customer's visible tickets."""
        if visible_to is not None and agent_id not in (None, visible_to):
            return TicketStats()  # someone else's tickets: none of them may be seen
        if customer_id is not None and (agent_id is not None or visible_to is not None):
            where = TicketFilter(customer_id=customer_id, visible_to=visible_to)
            if agent_id is not None:
                where = TicketFilter(customer_id=customer_id, assigned_agent=agent_id)
            docs = await self.tickets.find(where.query(), _TALLY_PROJECTION).to_list(None)
            counted = tally.recount(tally.Counted.of_document(d) for d in docs)
            return tally.stats(counted.get(tally.ALL))
        if agent_id is not None:
            scopes = [tally.agent_scope(agent_id)]
        elif visible_to is not None:
            scopes = [tally.agent_scope(visible_to), tally.agent_scope(None)]
        elif customer_id is not None:
            scopes = [tally.customer_scope(customer_id)]
        else:
            scopes = [tally.ALL]
        if len(scopes) == 1:
            return tally.stats(await self.counts.find_one({"_id": scopes[0]}, _COUNTS_READ))
        rows = await self.counts.find({"_id": {"$in": scopes}}, _COUNTS_READ).to_list(None)
        return tally.stats(*rows)

    async def rebuild_counts(self) -> int:
        """Every count scope rebuilt from the tickets, the deltas still in their outboxes
        recorded as applied (see `tally.rebuilt`); the number of tickets counted.

        Each scope document is rewritten by one update (never removed and re-inserted, so a
        read sees the old counts or the new ones); scopes left with nothing go. Exact when no
        write lands meanwhile: run it when writes are quiet (at start on the embedded engine).
        """
        docs = await self.tickets.find({}, {**_TALLY_PROJECTION, "outbox": 1}).to_list(None)
        pending = [
            (entry.event_id, entry.counts)
            for doc in docs
            for entry in map(OutboxEntry.from_document, doc.get("outbox") or ())
            if entry.counts
        ]
        counted = tally.rebuilt(map(tally.Counted.of_document, docs), pending)
        present = {d.pop("_id"): d for d in await self.counts.find({}, _COUNTS_READ).to_list(None)}
        empty = [scope for scope in present if scope not in counted]
        for scope, rebuilt in counted.items():
            kept = {field: n for field, n in rebuilt.fields.items() if n}
            if not kept and not rebuilt.applied:
                empty.append(scope)
                continue
            marks = dict.fromkeys(rebuilt.applied, True)
            update: Document = {"$set": {**kept, tally.APPLIED: marks}}
            gone = set(present.get(scope, ())) - set(kept)
            if gone:
                update["$unset"] = dict.fromkeys(gone, "")
            await self.counts.update_one({"_id": scope}, update, upsert=True)
        if empty:
            await self.counts.delete_many({"_id": {"$in": empty}})
        return len(docs)

    async def ticket_totals(self, customer_ids: Sequence[str]) -> dict[str, int]:
        """Each customer's number of tickets, from the customer count scopes."""
        by_scope = {tally.customer_scope(c): c for c in customer_ids}
        rows = await self.counts.find({"_id": {"$in": list(by_scope)}}, {"total": 1}).to_list(None)
        return {by_scope[row["_id"]]: int(row.get("total") or 0) for row in rows}

    async def counts_missing(self) -> bool:
        return await self.counts.find_one({"_id": tally.ALL}) is None and bool(
            await self.tickets.find_one({}, {"_id": 1})
        )

    # --- customers ----------------------------------------------------------------------------

    async def insert_customer(self, customer: Customer) -> None:
        """PhoneTaken when the phone number is someone's already."""
        doc = _plain(customer.model_dump(by_alias=True, exclude={"id"}))
        doc["_id"] = customer.id
        doc["searchTerms"] = _customer_terms(doc)
        try:
            await self.customers.insert_one(doc)
        except DuplicateKeyError:
            raise PhoneTaken(customer.phone_number) from None

    async def fill_customer(
        self, customer_id: str, details: Mapping[str, str], now: datetime
    ) -> Customer | None:
        """Set `details` (wire keys) where the customer still has none; None when another
        write filled one of them first."""
        before = await self.customers.find_one({"_id": customer_id, **dict.fromkeys(details)})
        if before is None:
            return None
        terms = _customer_terms({**before, **details})
        doc = await self.customers.find_one_and_update(
            {"_id": customer_id, **dict.fromkeys(details)},
            {"$set": {**details, "updatedAt": now, "searchTerms": terms}},
            return_document=ReturnDocument.AFTER,
        )
        return _customer(doc)

    async def replace_customer_details(
        self, customer_id: str, details: Mapping[str, str | None], now: datetime
    ) -> Customer | None:
        """Set the customer's phone, names and email (wire keys, all four) and the search
        terms they give; None when it does not exist, PhoneTaken when the phone is another
        customer's."""
        terms = _customer_terms(details)
        try:
            doc = await self.customers.find_one_and_update(
                {"_id": customer_id},
                {"$set": {**details, "updatedAt": now, "searchTerms": terms}},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            raise PhoneTaken(str(details.get("phoneNumber"))) from None
        return _customer(doc)

    async def get_customer(self, customer_id: str) -> Customer | None:
        return _customer(await self.customers.find_one({"_id": customer_id}))

    async def get_customer_by_phone(self, phone_number: str) -> Customer | None:
        return _customer(await self.customers.find_one({"phoneNumber": phone_number}))

    async def list_customers(
        self, *, skip: int, limit: int, terms: Sequence[str] = ()
    ) -> tuple[list[Customer], int]:
        """Newest first; only those holding every one of `terms` when given."""
        query: Document = {"searchTerms": {"$all": list(terms)}} if terms else {}
        total = await self.customers.count_documents(query)
        docs = (
            await self.customers.find(query, {"searchTerms": 0})
            .sort([("createdAt", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
            .to_list(None)
        )
        return [c for c in map(_customer, docs) if c is not None], total

    # --- conversations ------------------------------------------------------------------------

    async def insert_conversation(
        self, conversation: Conversation, *, open_key: str | None = None
    ) -> None:
        """KeyTaken when `open_key` (one open conversation per customer and channel, for those
        opened by `open`) is taken."""
        doc = _plain(conversation.model_dump(by_alias=True, exclude={"id"}))
        doc["_id"] = conversation.id
        if open_key is not None:
            doc["openKey"] = open_key
        try:
            await self.conversations.insert_one(doc)
        except DuplicateKeyError:
            raise KeyTaken(open_key or conversation.id) from None

    async def conversation_by_open_key(self, open_key: str) -> Conversation | None:
        return _conversation(await self.conversations.find_one({"openKey": open_key}))

    async def open_conversation(self, customer_id: str, channel: Channel) -> Conversation | None:
        """The customer's most recently updated open or assigned conversation on `channel`."""
        docs = (
            await self.conversations.find(
                {"customerId": customer_id, "channel": channel.value, "status": {"$in": _ACTIVE}}
            )
            .sort([("updatedAt", DESCENDING), ("_id", DESCENDING)])
            .limit(1)
            .to_list(None)
        )
        return _conversation(docs[0]) if docs else None

    async def get_conversation(self, conversation_id: str) -> Conversation | None:
        return _conversation(await self.conversations.find_one({"_id": conversation_id}))

    async def list_conversations(
        self,
        *,
        customer_id: str | None,
        status: ConversationStatus | None,
        skip: int,
        limit: int,
        handled_by: Handler | None = None,
        waiting: bool | None = None,
    ) -> tuple[list[Conversation], int]:
        query = conversation_query(
            customer_id=customer_id, status=status, handled_by=handled_by, waiting=waiting
        )
        total = await self.conversations.count_documents(query)
        docs = (
            await self.conversations.find(query)
            .sort([("updatedAt", DESCENDING), ("_id", DESCENDING)])
            .skip(skip)
            .limit(limit)
            .to_list(None)
        )
        return [c for c in map(_conversation, docs) if c is not None], total

    async def active_conversation(self, customer_id: str) -> Conversation | None:
        """The customer's most recently updated open or assigned conversation."""
        docs = (
            await self.conversations.find(
                {
                    "customerId": customer_id,
                    "status": {"$in": _ACTIVE},
                }
            )
            .sort([("updatedAt", DESCENDING), ("_id", DESCENDING)])
            .limit(1)
            .to_list(None)
        )
        return _conversation(docs[0]) if docs else None

    async def update_conversation(
        self, conversation_id: str, changes: Mapping[str, Any]
    ) -> Conversation | None:
        update: Document = {"$set": _plain(dict(changes))}
        if update["$set"].get("status") == ConversationStatus.CLOSED.value:
            update["$unset"] = {"openKey": ""}  # `open` may open a new one now
        doc = await self.conversations.find_one_and_update(
            {"_id": conversation_id}, update, return_document=ReturnDocument.AFTER
        )
        return _conversation(doc)


def _duplicate_fields(exc: DuplicateKeyError) -> frozenset[str] | None:
    """The fields of the unique index a duplicate hit, as the server reports them."""
    pattern = (exc.details or {}).get("keyPattern")
    return frozenset(pattern) if isinstance(pattern, Mapping) else None


def _scoped(ticket_id: str, visible_to: str | None) -> Document:
    """One ticket, only while the agent restricted to `visible_to` may see it."""
    if visible_to is None:
        return {"_id": ticket_id}
    return {"_id": ticket_id, "assignedAgent": {"$in": [visible_to, None]}}


def _customer_terms(doc: Mapping[str, Any]) -> list[str]:
    return search.customer_terms(
        doc.get("firstName"), doc.get("lastName"), doc.get("email"), doc.get("phoneNumber") or ""
    )


def _searchable(doc: Mapping[str, Any]) -> search.Searchable:
    """What is searched of a stored ticket."""
    location = doc.get("location") or {}
    customer = doc.get("customer") or {}
    return search.Searchable(
        ticket_id=doc.get("ticketId") or str(doc.get("_id")),
        subject=doc.get("subject") or "",
        description=doc.get("description") or "",
        address=location.get("address"),
        customer_name=customer.get("name"),
        phone=customer.get("phoneNumber"),
    )


_FINGERPRINT = re.compile(r"^[0-9a-f]{16} ")


def _applied(entries: Sequence[str]) -> dict[str, str | None]:
    """Stored applied-key entries (`"<fingerprint> <key>"`, or a bare key from before
    fingerprints) as key -> fingerprint."""
    applied: dict[str, str | None] = {}
    for entry in entries:
        if _FINGERPRINT.match(entry):
            applied[entry[17:]] = entry[:16]
        else:
            applied[entry] = None
    return applied


def _customer(doc: Mapping[str, Any] | None) -> Customer | None:
    if doc is None:
        return None
    data = {k: v for k, v in doc.items() if k not in {"_id", "searchTerms"}}
    return Customer.model_validate({**data, "id": doc["_id"]})


def conversation_query(
    *,
    customer_id: str | None = None,
    status: ConversationStatus | None = None,
    handled_by: Handler | None = None,
    waiting: bool | None = None,
) -> Document:
    """The filter of a conversations list (each shape has its index, `ensure_indexes`)."""
    query: Document = {}
    if customer_id is not None:
        query["customerId"] = customer_id
    if status is not None:
        query["status"] = status.value
    if handled_by is not None:
        # Stored before handoffs existed: no field means the assistant.
        query["handledBy"] = (
            handled_by.value if handled_by is Handler.AGENT else {"$in": [None, "assistant"]}
        )
    if waiting is not None:
        # Stored before messages marked it: no field means not waiting.
        query["waiting"] = True if waiting else {"$in": [False, None]}
    return query


def _conversation(doc: Mapping[str, Any] | None) -> Conversation | None:
    if doc is None:
        return None
    data = {k: v for k, v in doc.items() if k not in {"_id", "openKey", "outbox"}}
    return Conversation.model_validate({**data, "id": doc["_id"]})
