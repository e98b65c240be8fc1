"""Ticket operations: read the ticket, let the domain decide, write it with its events.

Every ticket change is a conditional write on the version that was read. When another write
got there first, changes that commute (notes, assignment, escalation, general fields, feedback)
are re-applied to a fresh read; a status change is re-applied only if the status is still the
one it started from, else it is a 409. `expectedVersion` makes any change a 409 once the
ticket moved.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from tickets_service.configuration import ConfigCache
from tickets_service.domain import bulk, cursors, search, similar, sla, tally, visibility
from tickets_service.domain.errors import IdTaken, KeyTaken
from tickets_service.domain.ids import counter_key, format_ticket_id
from tickets_service.domain.macros import MacroRun, apply_macro, changes_of
from tickets_service.domain.phones import normalise_phone
from tickets_service.domain.similar import Match
from tickets_service.domain.ticket import OPEN_STATES, Outcome, Ticket, TicketState, resumable
from tickets_service.domain.tickets import (
    command_fingerprint,
    customer_ref,
    note_id_for,
    request_fingerprint,
)
from tickets_service.domain.views import agent_view, customer_summary, customer_view
from tickets_service.events import OutboxEntry, outbox_entry
from tickets_service.outbox import Outbox
from tickets_service.settings import Settings
from tickets_service.store import SortField, TicketFilter, TicketStore, sort_spec
from uts_shared.clock import Clock, new_id
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Empty, Pagination
from uts_shared.contracts.config import SimilarTickets as SimilarRules
from uts_shared.contracts.config import fallback_category
from uts_shared.contracts.replies import Macro
from uts_shared.contracts.sla import SlaPolicy
from uts_shared.errors import Conflict, DomainError, FieldError, NotFound, ValidationFailed

log = logging.getLogger(__name__)

KNOWN_CUSTOMERS_MAX = 100_000

Decide = Callable[[Ticket, datetime], Outcome]
SendNote = Callable[[t.TicketView, t.Note], Awaitable[object]]
TellCustomer = Callable[[str, str, str, str], Awaitable[object]]
"""(conversation id, ticket id, text, request key): an outbound message, sent once per key."""
INCIDENTS_BATCH = 200
"""A resolved problem's incidents are resolved this many at a time."""
FindMacro = Callable[[t.Principal, str], Awaitable[Macro]]
OnWritten = Callable[[TicketState, str | None], Awaitable[None]]
StillValid = Callable[[TicketState, TicketState], bool]
Loaded = tuple[TicketState, dict[str, str | None]]
"""A ticket as read for a change, with the request keys already applied to it."""


def _always(first: TicketState, fresh: TicketState) -> bool:
    return True


def _same_status(first: TicketState, fresh: TicketState) -> bool:
    return fresh.status == first.status


REQUIRED_FIELDS = ("subject", "description", "category", "priority", "tags", "attachments")
"""General fields a PUT may change but not remove."""


@dataclass(frozen=True)
class Plan:
    """How one command is decided and written."""

    decide: Decide
    expected_version: int | None = None
    still_valid: StillValid = _always
    search_changed: bool = False
    merged_ok: bool = False
    """Also on a ticket merged into another (else 409 `merged` naming where it went)."""


def _actor(cmd: t.TicketCommand) -> str | None:
    return cmd.principal.id if cmd.principal else getattr(cmd, "by", None)


def _key_reused(key: str, ticket_id: str) -> ValidationFailed:
    return ValidationFailed(
        f"Idempotency-Key '{key}' was already used for a different change of ticket "
        f"{ticket_id}; use a new key for a new change",
        details=[FieldError(field="Idempotency-Key", reason="used for another request")],
        context={"ticketId": ticket_id},
    )


def _search_terms(ticket: TicketState) -> list[str]:
    """The terms a ticket is found by: its words, number, address, customer's name and phone."""
    return search.Searchable.of(ticket).terms()


def _similar_fields(ticket: TicketState) -> dict[str, Any]:
    """What similarity stores on a ticket: its stems, geo cell and address key while it is
    open; nothing (all removed) once it is not."""
    if ticket.status not in OPEN_STATES:
        return {}
    location = ticket.location
    point = location.coordinates if location else None
    return {
        "simTerms": similar.stems(
            ticket.subject,
            ticket.description,
            location.address if location else None,
            location.description if location else None,
        ),
        "geoCell": similar.cell(point.latitude, point.longitude) if point else None,
        "addressKey": similar.address_key(location.address if location else None),
    }


def _embedding_text(ticket: TicketState) -> str:
    location = ticket.location
    return t.embedding_text(
        ticket.subject, ticket.description, location.address if location else None
    )


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _not_found(ticket_id: str) -> NotFound:
    # The same words whether the ticket does not exist or belongs to someone else.
    return NotFound(f"Ticket '{ticket_id}' not found", context={"ticketId": ticket_id})


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _earlier(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)


Narrowing = Callable[[t.ListTickets], Awaitable[Sequence[str] | None]]
"""The tickets a list is narrowed to by what the tickets don't hold (a report's figure, the
channel); None: not narrowed."""


async def unnarrowed(req: t.ListTickets) -> Sequence[str] | None:
    """Where no report facts are kept: a figure or channel can't be answered."""
    if req.figure is not None or req.channel:
        raise ValidationFailed.on("figure" if req.figure else "channel", "is not kept here")
    return None


def list_filter(
    req: t.ListTickets, asked: search.Query, ids: Sequence[str] | None = None
) -> TicketFilter:
    """The store's filter for the list's (and the export's) query. The tickets created in a
    report's period are a range of the tickets' own creation index."""
    created = req.figure == "created"
    return TicketFilter(
        ids=ids,
        status=req.status,
        category=req.category,
        priority=req.priority,
        assigned_agent=req.assigned_agent,
        unassigned=req.unassigned,
        customer_id=req.customer_id,
        conversation_id=req.conversation_id,
        tag=req.tag,
        is_escalated=req.is_escalated,
        created_from=_later(req.created_from, req.figure_from if created else None),
        created_to=_earlier(req.created_to, req.figure_to if created else None),
        updated_since=req.updated_since,
        sla_state=req.sla_state,
        source=req.source,
        resolved_from=req.resolved_from,
        resolved_to=req.resolved_to,
        terms=asked.terms,
        phrases=asked.phrases,
        visible_to=req.visible_to,
    )


class TicketOperations:
    """What the ticket RPC handlers call; one instance per service instance."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: TicketStore,
        config: ConfigCache,
        outbox: Outbox,
        clock: Clock,
        ids: Callable[[], str] = new_id,
    ) -> None:
        self._settings = settings
        self._store = store
        self._config = config
        self._outbox = outbox
        self._clock = clock
        self._ids = ids
        self._policy_read: object = None
        self._policy_made = sla.Policy.of(SlaPolicy())
        self._known_customers: set[str] = set()
        """Customers seen to exist (customers are never deleted): one lookup fewer per create."""
        self.on_written: OnWritten | None = None
        """Called with every ticket written (and its conversation's channel when new): the
        report facts follow the tickets."""
        self.send_note: SendNote | None = None
        """Sends a public note to the customer as a message (`sendToCustomer`)."""
        self.tell_customer: TellCustomer | None = None
        """Tells a customer of a merge or of their incident's resolution (an outbound message)."""
        self.find_macro: FindMacro | None = None
        """A macro the principal may use (the reply library's), or NotFound."""
        self.narrowing: Narrowing = unnarrowed
        """The tickets behind a report's figure or of a channel (the report facts know)."""

    async def reindex_search(self, _: Empty) -> t.Reindexed:
        """Every ticket's search terms recomputed from its id, subject and description."""
        fixed = await self._store.reindex_search()
        log.info("search terms reindexed: %d ticket(s) changed", fixed)
        return t.Reindexed(reindexed=fixed)

    async def rebuild_counts(self, _: Empty) -> t.CountsRebuilt:
        """Every count scope rebuilt from the tickets (the projection's repair)."""
        counted = await self._store.rebuild_counts()
        log.info("ticket counts rebuilt from %d ticket(s)", counted)
        return t.CountsRebuilt(tickets=counted)

    async def replay_outbox(self, _: Empty) -> t.OutboxReplayed:
        """Publish every pending outbox event now (the relay's full sweep)."""
        published = await self._outbox.replay()
        log.info("outbox replayed: %d event(s) published", published)
        return t.OutboxReplayed(published=published)

    async def _policy(self) -> sla.Policy:
        policy = await self._config.sla_policy()
        if policy is not self._policy_read:  # a new value from the config service
            self._policy_read, self._policy_made = policy, sla.Policy.of(policy)
        return self._policy_made

    def _entries(
        self, outcome: Outcome, now: datetime, before: TicketState | None = None
    ) -> list[OutboxEntry]:
        """The write's events; the first carries what the write adds to the counts."""
        entries = [
            outbox_entry(kind, payload, event_id=self._ids(), now=now)
            for kind, payload in outcome.events
        ]
        was = None if before is None else tally.Counted.of(before)
        delta = tally.changes(was, tally.Counted.of(outcome.ticket))
        if delta and entries:
            entries[0] = entries[0].with_counts(delta)
        elif delta:
            log.warning("ticket %s: a counted change without an event", outcome.ticket.ticket_id)
        return entries

    # --- creation -----------------------------------------------------------------------------

    async def create_from_agent(self, req: t.CreateFromAgent) -> t.CreateTicketResult:
        return await self._create(
            req,
            status=t.TicketStatus.OPEN,
            source=t.TicketSource.AGENT,
            created_by=req.agent_id,
            created_by_name=req.agent_name,
            assigned_agent=req.agent_id if req.assign_to_self else None,
        )

    async def create_from_ai(self, req: t.CreateFromAi) -> t.CreateTicketResult:
        """The assistant's report; a category the configuration doesn't have (it changed since
        the assistant was told) goes to the fallback category instead of failing the report."""
        categories = await self._config.categories()
        fallback = fallback_category(categories)
        if fallback is not None and req.category not in {c.id for c in categories}:
            req = req.model_copy(update={"category": fallback})
        return await self._create(
            req,
            status=t.TicketStatus.NEW,
            source=t.TicketSource.AI,
            created_by=None,
            assigned_agent=None,
            link_known=True,
        )

    async def create_for_caller(self, req: t.CreateForCaller) -> t.CallerTicket:
        """The assistant's report for the customer on the line: found by phone (none: nothing
        created), filed in the conversation given or the customer's active one."""
        phone = normalise_phone(req.phone_number, self._settings.default_phone_region)
        customer = await self._store.get_customer_by_phone(phone)
        if customer is None:
            return t.CallerTicket()
        conversation_id = req.conversation_id
        if conversation_id is None:
            active = await self._store.active_conversation(customer.id)
            conversation_id = active.id if active is not None else None
        fields = req.model_dump(exclude={"phone_number", "conversation_id"})
        request = t.CreateFromAi(**fields, customer_id=customer.id, conversation_id=conversation_id)
        return t.CallerTicket(customer_id=customer.id, created=await self.create_from_ai(request))

    async def _create(
        self,
        req: t.NewTicket,
        *,
        status: t.TicketStatus,
        source: t.TicketSource,
        created_by: str | None,
        assigned_agent: str | None,
        created_by_name: str | None = None,
        check_similar: bool = True,
        link_known: bool = False,
    ) -> t.CreateTicketResult:
        key = req.idempotency_key
        fingerprint = request_fingerprint(req) if key is not None else None
        if key is not None:
            replayed = await self._replay(key, fingerprint)
            if replayed is not None:
                return replayed
        customer = customer_ref(await self._customer(req.customer_id))
        channel = None
        if req.conversation_id is not None:
            conversation = await self._store.get_conversation(req.conversation_id)
            if conversation is None or conversation.customer_id != req.customer_id:
                raise ValidationFailed.on(
                    "conversationId",
                    f"no conversation '{req.conversation_id}' for customer '{req.customer_id}'",
                )
            channel = conversation.channel.value
        await self._check_category(req.category)
        fmt = await self._config.id_format()
        policy = await self._policy()
        for _ in range(5):
            now = self._clock.now()
            sequence = await self._store.next_sequence(counter_key(fmt, now.year), now)
            ticket_id = format_ticket_id(fmt, now.year, sequence)
            outcome = Ticket.new(
                req,
                ticket_id=ticket_id,
                status=status,
                source=source,
                sla=sla.start(req.priority, policy, now),
                assigned_agent=assigned_agent,
                now=now,
                customer=customer,
                created_by=created_by,
                created_by_name=created_by_name,
            ).created(created_by=created_by)
            ticket = outcome.ticket
            entries = self._entries(outcome, now)
            try:
                await self._store.insert_ticket(
                    ticket,
                    search_terms=_search_terms(ticket),
                    idempotency_key=key,
                    fingerprint=fingerprint,
                    outbox=entries,
                    similar_fields=_similar_fields(ticket),
                )
            except KeyTaken:
                assert key is not None
                replayed = await self._replay(key, fingerprint)  # a racing twin won
                if replayed is None:
                    raise
                return replayed
            except IdTaken:
                log.warning("ticket id %s already taken; drawing the next one", ticket_id)
                continue
            await self._outbox.send(ticket_id, entries)
            if self.on_written is not None:
                await self.on_written(ticket, channel)
            log.debug("ticket %s created (%s) for customer %s", ticket_id, source, req.customer_id)
            known = await self._clustered(ticket, link_known) if check_similar else None
            if known is not None:
                ticket = await self._require(ticket_id)
            shown = agent_view(ticket, sla=sla.shown(ticket, policy, now))
            return t.CreateTicketResult(ticket=shown, created=True, known_problem_id=known)
        raise Conflict("could not allocate a free ticket id; check the counters collection")

    async def _replay(self, key: str, fingerprint: str | None) -> t.CreateTicketResult | None:
        """The ticket an earlier request with `key` created (a replay, 200), or None; a
        different request under the same key is refused, as payment APIs do."""
        found = await self._store.find_by_idempotency_key(key)
        if found is None:
            return None
        existing, first = found
        if first is not None and first != fingerprint:
            raise ValidationFailed(
                f"Idempotency-Key '{key}' was already used for a different request "
                f"(it created {existing.ticket_id}); use a new key for a new ticket",
                details=[FieldError(field="Idempotency-Key", reason="used for another request")],
                context={"ticketId": existing.ticket_id},
            )
        log.debug("idempotent create %s -> %s", key, existing.ticket_id)
        policy, now = await self._policy(), self._clock.now()
        shown = agent_view(existing, sla=sla.shown(existing, policy, now))
        return t.CreateTicketResult(
            ticket=shown, created=False, known_problem_id=existing.problem_id
        )

    async def _check_category(self, category: str) -> None:
        categories = await self._config.categories()
        valid = [c.id for c in categories]
        if category not in valid:
            raise ValidationFailed(
                f"category: '{category}' is not a configured category (valid: {', '.join(valid)})",
                details=[FieldError(field="category", reason=f"must be one of {valid}")],
                context={"validCategories": valid},
            )

    async def _customer(self, customer_id: str) -> t.Customer:
        """The customer a new ticket is for (its name and phone go on the ticket)."""
        customer = await self._store.get_customer(customer_id)
        if customer is None:
            raise NotFound(
                f"Customer '{customer_id}' not found",
                details=[FieldError(field="customerId", reason="no such customer")],
            )
        return customer

    async def _require_customer(self, customer_id: str) -> None:
        """NotFound unless the customer exists; remembered (customers are never deleted)."""
        if customer_id in self._known_customers:
            return
        if await self._store.get_customer(customer_id) is None:
            raise NotFound(
                f"Customer '{customer_id}' not found",
                details=[FieldError(field="customerId", reason="no such customer")],
            )
        if len(self._known_customers) >= KNOWN_CUSTOMERS_MAX:
            self._known_customers.clear()
        self._known_customers.add(customer_id)

    # --- reads --------------------------------------------------------------------------------

    async def _require(self, ticket_id: str) -> TicketState:
        ticket = await self._store.get_ticket(ticket_id)
        if ticket is None:
            raise _not_found(ticket_id)
        return ticket

    async def get(self, req: t.GetTicket) -> t.TicketView:
        ticket = await self._require(req.ticket_id)
        if not visibility.visible(ticket.assigned_agent, to=req.visible_to):
            raise _not_found(req.ticket_id)
        policy, now = await self._policy(), self._clock.now()
        return agent_view(ticket, sla=sla.shown(ticket, policy, now))

    async def get_for_customer(self, req: t.GetForCustomer) -> t.CustomerTicketView:
        ticket = await self._store.get_ticket(req.ticket_id)
        if ticket is None or ticket.customer_id != req.customer_id:
            raise _not_found(req.ticket_id)
        return customer_view(ticket)

    async def list_tickets(self, req: t.ListTickets) -> t.TicketPage:
        found = await self._where(req)
        if found is None:  # only stopwords or punctuation: nothing can match
            return t.TicketPage(tickets=[], pagination=Pagination.of(req.page, req.limit, 0))
        where, sort = found
        return await self._page(where, sort, req.page, req.limit)

    async def _where(self, req: t.ListTickets) -> tuple[TicketFilter, list[tuple[str, int]]] | None:
        """The store's filter and sort of a list request; None when its search can't match."""
        asked = search.Query(())
        if req.q is not None:
            asked = search.parse(req.q)
            if not asked:
                return None
        terms = asked.terms
        sort_by: SortField = req.sort_by or ("relevance" if terms else "createdAt")
        if sort_by == "relevance" and not terms:
            sort_by = "createdAt"
        where = list_filter(req, asked, await self.narrowing(req))
        return where, sort_spec(sort_by, req.sort_order)

    async def _page(
        self, where: TicketFilter, sort: list[tuple[str, int]], page: int, limit: int
    ) -> t.TicketPage:
        read = self._store.search if where.terms else self._store.list_tickets
        tickets, total = await read(where, sort=sort, skip=(page - 1) * limit, limit=limit)
        return t.TicketPage(tickets=tickets, pagination=Pagination.of(page, limit, total))

    async def list_by_customer(self, req: t.ListByCustomer) -> t.TicketPage:
        await self._require_customer(req.customer_id)
        where = TicketFilter(
            customer_id=req.customer_id, status=req.status, visible_to=req.visible_to
        )
        sort_by: SortField = "createdAt" if req.sort_by == "relevance" else req.sort_by
        return await self._page(where, sort_spec(sort_by, req.sort_order), req.page, req.limit)

    async def list_for_customer(self, req: t.ListByCustomer) -> t.CustomerTicketPage:
        page = await self.list_by_customer(req)
        return t.CustomerTicketPage(
            tickets=[customer_summary(s) for s in page.tickets], pagination=page.pagination
        )

    async def list_by_conversation(self, req: t.ListByConversation) -> t.TicketPage:
        if await self._store.get_conversation(req.conversation_id) is None:
            raise NotFound(f"Conversation '{req.conversation_id}' not found")
        where = TicketFilter(conversation_id=req.conversation_id, visible_to=req.visible_to)
        return await self._page(where, sort_spec("createdAt", "desc"), req.page, req.limit)

    async def list_by_agent(self, req: t.ListByAgent) -> t.TicketPage:
        where = TicketFilter(assigned_agent=req.agent_id, status=req.status)
        return await self._page(where, sort_spec("priority", "desc"), req.page, req.limit)

    async def preview_next_id(self, req: t.PreviewNextId) -> t.NextId:
        """The id the next ticket would get under `req.format`, this year (a format whose
        counter has not started yet begins at 1)."""
        year = self._clock.now().year
        last = await self._store.last_sequence(counter_key(req.format, year))
        return t.NextId(ticket_id=format_ticket_id(req.format, year, last + 1))

    async def changes(self, req: t.ListChanges) -> t.ChangesPage:
        """Tickets changed since the cursor, oldest change first; changes younger than
        `changes_settle` seconds wait for the next call (a write in flight is never passed)."""
        after = cursors.decode(req.cursor) if req.cursor else None
        if after is None and req.since is not None:
            after = (req.since, "")
        until = self._clock.now() - timedelta(seconds=self._settings.changes_settle)
        tickets, more = await self._store.changed_after(after, until, req.limit, req.visible_to)
        if tickets:
            last = tickets[-1]
            next_cursor = cursors.encode(last.updated_at, last.ticket_id)
        else:
            next_cursor = req.cursor or cursors.encode(until, "")
        return t.ChangesPage(tickets=tickets, next_cursor=next_cursor, has_more=more)

    async def stats(self, req: t.StatsQuery) -> t.TicketStats:
        return await self._store.stats(
            agent_id=req.agent_id, customer_id=req.customer_id, visible_to=req.visible_to
        )

    # --- changes ------------------------------------------------------------------------------

    async def _change(
        self,
        req: t.TicketWrite,
        decide: Decide,
        *,
        expected_version: int | None = None,
        still_valid: StillValid = _always,
        search_changed: bool = False,
        fingerprint: str | None = None,
        loaded: Loaded | None = None,
        merged_ok: bool = False,
    ) -> Outcome:
        """Read, let `decide` change it, write if still at the version read (see module doc).

        A request whose key the ticket already records (a redelivery after a lost connection)
        is answered with the ticket as it is: nothing is applied twice. `loaded`: the ticket
        as a batch read found it (a bulk action), used instead of the first read."""
        ticket_id, key = req.ticket_id, req.request_key
        policy = await self._policy()
        first: TicketState | None = None
        for _ in range(self._settings.write_retries):
            found = loaded or await self._store.get_for_change(ticket_id, req.visible_to)
            loaded = None
            if found is None:
                raise _not_found(ticket_id)
            ticket, applied = found
            if key is not None and key in applied:
                made = applied[key]
                if made is not None and fingerprint is not None and made != fingerprint:
                    raise _key_reused(key, ticket_id)
                log.info(
                    "request %s was already applied to %s: answered as a replay", key, ticket_id
                )
                return Outcome(ticket)
            if ticket.merged_into is not None and not merged_ok:
                raise Conflict(
                    f"Ticket {ticket_id} was merged into {ticket.merged_into}: act on that one",
                    context={"mergedInto": ticket.merged_into},
                    reason="merged",
                )
            if expected_version is not None and ticket.version != expected_version:
                raise Conflict(
                    f"Ticket {ticket_id} was changed by someone else "
                    f"(version {ticket.version}, expected {expected_version}); reload it",
                    context={"version": ticket.version, "expectedVersion": expected_version},
                    reason="version_conflict",
                )
            if first is None:
                first = ticket
            elif not still_valid(first, ticket):
                raise Conflict(
                    f"Ticket {ticket_id} moved from '{first.status.value}' to "
                    f"'{ticket.status.value}' while this change was being made; reload it",
                    context={"status": ticket.status.value, "version": ticket.version},
                    reason="status_moved",
                )
            now = self._clock.now()
            aggregate = Ticket(ticket)
            outcome = aggregate.clocked(decide(aggregate, now), policy, now, note_id=self._ids())
            if not outcome.events and not outcome.rescheduled:
                return Outcome(sla.view(outcome.ticket, policy, now))
            after = outcome.ticket
            terms = _search_terms(after) if search_changed else None
            reopened = (ticket.status in OPEN_STATES) != (after.status in OPEN_STATES)
            resemble = _similar_fields(after) if search_changed or reopened else None
            reworded = search_changed and _embedding_text(after) != _embedding_text(ticket)
            entries = self._entries(outcome, now, before=ticket)
            saved = await self._store.save_ticket(
                ticket,
                after,
                outbox=entries,
                search_terms=terms,
                request_key=key,
                fingerprint=fingerprint,
                visible_to=req.visible_to,
                similar_fields=resemble,
                drop_embedding=reworded,
            )
            if saved is None:
                log.debug("ticket %s moved underneath (v%d); retrying", ticket_id, ticket.version)
                continue
            # This write's own events; anything older left in the outbox is the relay's.
            await self._outbox.send(ticket_id, entries)
            if self.on_written is not None:
                await self.on_written(saved, None)
            return Outcome(sla.view(saved, policy, now), outcome.events, outcome.note)
        raise Conflict(
            f"Ticket {ticket_id} is being changed by others right now; try again",
            context={"retries": self._settings.write_retries},
        )

    # --- the command path: every write to an existing ticket ------------------------------

    async def write(self, cmd: t.TicketCommand) -> t.TicketView:
        """A ticket command answered with the ticket after it, as agents see it."""
        return agent_view((await self.execute(cmd)).ticket)

    async def write_note(self, cmd: t.AddNote) -> t.NoteResult:
        """`add_note` answered with the ticket and its note (the same note for a replay)."""
        outcome = await self.execute(cmd)
        note = outcome.note
        if note is None:  # a replay: the note this request added before
            wanted = note_id_for(cmd.request_key) if cmd.request_key else None
            note = next((n for n in outcome.ticket.notes if n.id == wanted), None)
            if note is None:  # the key made another change (stored before fingerprints)
                raise _key_reused(cmd.request_key or "", cmd.ticket_id)
        result = t.NoteResult(ticket=agent_view(outcome.ticket), note=note)
        if cmd.send_to_customer and self.send_note is not None:
            # The message's id comes from the note's: a retried request sends it once.
            await self.send_note(result.ticket, note)
        return result

    async def apply_macro(self, cmd: t.ApplyMacro) -> t.MacroApplied:
        """`apply_macro` answered with the ticket and what changed; the macro's reply goes to
        the customer (a replay sends the same message id again: it is sent once)."""
        outcome, reply = await self._run_macro(cmd)
        ticket = agent_view(outcome.ticket)
        return t.MacroApplied(ticket=ticket, changes=changes_of(outcome.events), reply=reply)

    async def _run_macro(
        self, cmd: t.ApplyMacro, loaded: Loaded | None = None
    ) -> tuple[Outcome, t.Note | None]:
        outcome = await self.execute(cmd, loaded)
        reply = outcome.note
        if reply is None and cmd.request_key is not None:
            wanted = note_id_for(f"{cmd.request_key}:reply")
            reply = next((n for n in outcome.ticket.notes if n.id == wanted), None)
        if reply is not None and self.send_note is not None:
            await self.send_note(agent_view(outcome.ticket), reply)
        return outcome, reply

    async def execute(self, cmd: t.TicketCommand, loaded: Loaded | None = None) -> Outcome:
        """One path for every command: the checks that need configuration or another read,
        then load (in the writer's visibility scope), decide on the aggregate, one
        conditional write of the ticket with its events and the request's key, reply."""
        plan = await self._plan(cmd)
        outcome = await self._change(
            cmd,
            plan.decide,
            expected_version=plan.expected_version,
            still_valid=plan.still_valid,
            search_changed=plan.search_changed,
            fingerprint=command_fingerprint(cmd) if cmd.request_key is not None else None,
            loaded=loaded,
            merged_ok=plan.merged_ok,
        )
        log.debug("ticket %s: %s by %s", cmd.ticket_id, cmd.kind, _actor(cmd))
        for kind, payload in outcome.events:
            if kind.routing_key in t.FOLLOW_UPS_BINDINGS:
                await self._follow_up_inline(payload)
        return outcome

    # --- changes touching two tickets: the first write, then its follow-up ----------------------
    #
    # The first write (the merged ticket, the incident, the linking ticket, the problem) is
    # the decision, stored with its event in the ticket's outbox. The second write follows from
    # that event: at once here, and again from the follow-ups queue when the event is
    # published, so a service that dies between the two writes leaves the event to finish the
    # change. Each follow-up is idempotent (a second one finds nothing left to do).

    async def _follow_up_inline(self, payload: object) -> None:
        try:
            await self.follow_up(payload)
        except Exception:  # the event's delivery to the follow-ups queue does it again
            log.exception("follow-up of %s failed; left to its event", type(payload).__name__)

    async def follow_up(self, payload: object) -> None:
        """The second write a first write's event calls for (see above)."""
        if isinstance(payload, t.TicketMerged):
            await self._absorb(payload)
        elif isinstance(payload, t.TicketLinked):
            await self._mirror(payload)
        elif isinstance(payload, t.TicketResolved) and payload.is_problem:
            await self._resolve_incidents(payload)

    async def _absorb(self, merged: t.TicketMerged) -> None:
        source = await self._require(merged.ticket_id)
        ref = t.MergedTicket(
            ticket_id=source.ticket_id,
            customer_id=source.customer_id,
            conversation_id=source.conversation_id,
        )
        await self.execute(
            t.AbsorbMerged(
                ticket_id=merged.into,
                merged=ref,
                notes=source.notes,
                attachments=source.attachments,
                by=merged.merged_by or "system",
            )
        )
        if source.conversation_id is not None and self.tell_customer is not None:
            terms = await self._config.terminology()
            text = (
                f"Tu {terms.ticket_singular} {source.ticket_id} se unió al "
                f"{terms.ticket_singular} {merged.into}, que atiende la misma falla; "
                "te avisaremos ahí cuando quede resuelta."
            )
            key = f"merged:{source.ticket_id}"
            await self.tell_customer(source.conversation_id, source.ticket_id, text, key)

    async def _mirror(self, linked: t.TicketLinked) -> None:
        await self.execute(
            t.MirrorLink(
                ticket_id=linked.other_ticket_id,
                other_ticket_id=linked.ticket_id,
                type=linked.type,
                removed=linked.removed,
            )
        )

    async def _resolve_incidents(self, resolved: t.TicketResolved) -> None:
        """Each open incident of the problem resolved with its resolution; each customer told
        once (the message's key names the problem's resolution)."""
        problem_id = resolved.ticket_id
        key = f"problem:{problem_id}:{resolved.version}"
        while True:
            batch = await self._store.incidents_of(problem_id, OPEN_STATES, INCIDENTS_BATCH)
            for incident in batch:
                try:
                    await self.execute(
                        t.ResolveIncident(
                            ticket_id=incident.ticket_id,
                            problem_id=problem_id,
                            resolution_notes=resolved.resolution_notes,
                            by=resolved.resolved_by,
                            by_name=resolved.resolved_by_name,
                            request_key=key,
                        )
                    )
                except Conflict as exc:  # unlinked or moved meanwhile: not this problem's
                    log.info(
                        "incident %s not resolved with %s: %s", incident.ticket_id, problem_id, exc
                    )
            if len(batch) < INCIDENTS_BATCH:
                break
        problem = await self._require(problem_id)
        if self.tell_customer is None or problem.resolved_at is None:
            return
        terms = await self._config.terminology()
        done = await self._store.incidents_of(problem_id, [t.TicketStatus.RESOLVED], 10_000)
        for incident in done:
            told = incident.resolved_at is not None and incident.resolved_at >= problem.resolved_at
            if not told or incident.conversation_id is None:
                continue
            text = (
                f"Tu {terms.ticket_singular} {incident.ticket_id} quedó resuelto: "
                f"{resolved.resolution_notes}"
            )
            await self.tell_customer(
                incident.conversation_id,
                incident.ticket_id,
                text[:4000],
                f"{key}:{incident.ticket_id}",
            )

    # --- similar tickets and clusters ---------------------------------------------------------

    async def _matches(
        self, ticket: TicketState, rules: SimilarRules, vector: Sequence[float] | None = None
    ) -> tuple[list[Match], dict[str, datetime]]:
        """Open tickets like `ticket` (read from the stems', cells' and address indexes, and
        with its embedding `vector`, those created within the window around it), and when
        each candidate was created."""
        fields = _similar_fields(ticket)
        if not fields:
            return [], {}
        location = ticket.location
        point = location.coordinates if location else None
        cells = (
            similar.cells_around(point.latitude, point.longitude, rules.radius_meters)
            if point
            else []
        )
        found = await self._store.similar_candidates(
            similar.telling(fields["simTerms"]), cells, fields["addressKey"]
        )
        if vector:
            window = timedelta(hours=rules.window_hours)
            found += await self._store.meaning_candidates(ticket.created_at, window)
        own = similar.Profile(
            ticket.ticket_id,
            frozenset(fields["simTerms"]),
            (point.latitude, point.longitude) if point else None,
            fields["addressKey"],
            ticket.created_at,
            tuple(vector) if vector else None,
        )
        profiles = {p.ticket_id: p for p in found}
        matches = similar.rank(own, profiles.values(), rules)
        created = {k: _utc(p.created_at) for k, p in profiles.items() if p.created_at}
        return matches, created

    async def similar(self, req: t.FindSimilar) -> t.SimilarTickets:
        """Open tickets similar to `req.ticketId`, most alike first, with why."""
        ticket = await self._require(req.ticket_id)
        if not visibility.visible(ticket.assigned_agent, to=req.visible_to):
            raise _not_found(req.ticket_id)
        rules = await self._config.similar()
        vector = await self._store.embedding_of(req.ticket_id)
        matches = (await self._matches(ticket, rules, vector))[0][: req.limit]
        shown = await self._store.summaries([m.ticket_id for m in matches], req.visible_to)
        return t.SimilarTickets(
            tickets=[
                t.SimilarTicket(
                    ticket=shown[m.ticket_id],
                    score=m.score,
                    words=m.words,
                    distance_meters=None if m.distance_m is None else round(m.distance_m, 1),
                    same_address=m.same_address,
                    meaning=m.meaning,
                )
                for m in matches
                if m.ticket_id in shown
            ]
        )

    async def store_embedding(self, req: t.StoreEmbedding) -> t.EmbeddingStored:
        """Keep a ticket's embedding while it is open and reads as `req.text`, then look for
        the tickets it is like in meaning (a cluster may show only now)."""
        for _ in range(5):
            ticket = await self._require(req.ticket_id)
            if ticket.status not in OPEN_STATES:
                return t.EmbeddingStored(stored=False, reason="not_open")
            if _embedding_text(ticket) != req.text:
                return t.EmbeddingStored(stored=False, reason="text_changed")
            if await self._store.store_embedding(ticket, req.vector):
                await self._clustered(ticket, vector=req.vector)
                return t.EmbeddingStored(stored=True)
        raise Conflict(f"ticket {req.ticket_id} kept changing; embedding not stored")

    async def _clustered(
        self,
        ticket: TicketState,
        link_known: bool = False,
        vector: Sequence[float] | None = None,
    ) -> str | None:
        """After a create: with `link_known` (the assistant's reports), the open problem it
        matches (a similar problem, or the problem of a similar incident) takes it as an
        incident; its id is answered. Then similar open tickets within the window, with this
        one, reaching the cluster size are a cluster, announced once
        (`ticket.cluster_detected`) whichever replica sees it first (the cluster's id is its
        first report's: a unique key)."""
        known: str | None = None
        try:
            rules = await self._config.similar()
            if not rules.enabled:
                return None
            matches, created = await self._matches(ticket, rules, vector)
            if link_known and matches:
                known = await self._link_known(ticket, matches)
            since = _utc(ticket.created_at) - timedelta(hours=rules.window_hours)
            recent = [m.ticket_id for m in matches if created.get(m.ticket_id, since) > since]
            if len(recent) + 1 >= rules.cluster_size and known is None:
                created[ticket.ticket_id] = _utc(ticket.created_at)
                members = sorted([ticket.ticket_id, *recent], key=lambda i: (created[i], i))
                await self._announce_cluster(members, rules)
        except Exception:  # similarity never fails a create
            log.exception("similar tickets of %s not checked", ticket.ticket_id)
        return known

    async def _link_known(self, ticket: TicketState, matches: list[Match]) -> str | None:
        """The open problem among (or behind) the matches, with `ticket` linked as its incident."""
        shown = await self._store.summaries([m.ticket_id for m in matches])
        for match in matches:
            summary = shown.get(match.ticket_id)
            if summary is None:
                continue
            problem_id = summary.ticket_id if summary.is_problem else summary.problem_id
            if problem_id is None:
                continue
            try:
                await self.execute(
                    t.LinkTicket(
                        ticket_id=ticket.ticket_id,
                        other_ticket_id=problem_id,
                        type="incident_of",
                        request_key=f"known:{problem_id}",
                    )
                )
            except (Conflict, NotFound) as exc:  # closed meanwhile: try the next one
                log.info("%s not linked to %s: %s", ticket.ticket_id, problem_id, exc)
                continue
            return problem_id
        return None

    async def _announce_cluster(self, members: list[str], rules: SimilarRules) -> None:
        """Announce the cluster of `members` once, however many replicas see it (or parts of
        it) at once: its members are claimed first, in one order everywhere, and whoever finds
        one already claimed by another cluster joins that one; the cluster's document, with
        its event, is written once (a unique id). A cluster whose maker stopped between its
        claims and its document is announced by the next report that finds it."""
        existing = await self._store.cluster_of(members)
        if existing is not None and await self._store.cluster_announced(existing):
            await self._store.join_cluster(existing, members)
            return
        cluster_id = existing or members[0]
        holder = await self._store.claim_members(cluster_id, members)
        if holder != cluster_id:  # another cluster holds one of them: one problem, one cluster
            await self._store.join_cluster(holder, members)
            return
        first = await self._require(cluster_id)
        problem_id, created = cluster_id, False
        if rules.create_problem:
            problem_id = await self._create_problem(first, cluster_id)
            created = True
        now = self._clock.now()
        payload = t.TicketClusterDetected(
            cluster_id=cluster_id,
            ticket_id=problem_id,
            ticket_ids=members,
            problem_created=created,
            subject=first.subject,
            customer_id=first.customer_id,
        )
        entries = [outbox_entry(t.TICKET_CLUSTER_DETECTED, payload, event_id=self._ids(), now=now)]
        if not await self._store.insert_cluster(cluster_id, members, now, entries):
            return  # another replica announced it
        await self._outbox.send(f"cluster:{cluster_id}", entries)
        log.info("cluster %s detected: %s", cluster_id, members)
        if created:
            await self.link_incidents(t.LinkIncidents(ticket_id=problem_id, ticket_ids=members))

    async def _create_problem(self, first: TicketState, cluster_id: str) -> str:
        """The cluster's problem ticket (one per cluster: its idempotency key is the cluster's)."""
        request = t.CreateFromAgent(
            subject=first.subject,
            description=f"Problema detectado: reportes similares a {first.ticket_id}",
            category=first.category,
            priority=first.priority,
            customer_id=first.customer_id,
            location=first.location,
            agent_id="system",
            idempotency_key=f"cluster:{cluster_id}",
        )
        result = await self._create(
            request,
            status=t.TicketStatus.OPEN,
            source=t.TicketSource.AGENT,
            created_by=None,
            assigned_agent=None,
            check_similar=False,
        )
        return result.ticket.ticket_id

    async def merge(self, cmd: t.MergeTicket) -> t.TicketView:
        """Merge `cmd.ticketId` into `cmd.into`; answers the survivor as it is after."""
        await self.execute(cmd)
        survivor = await self._require(cmd.into)
        policy, now = await self._policy(), self._clock.now()
        return agent_view(survivor, sla=sla.shown(survivor, policy, now))

    async def link_incidents(self, req: t.LinkIncidents) -> t.TicketView:
        """Each of `ticketIds` an incident of the problem `ticketId` (one write each, then the
        problem's count); answers the problem."""
        found = await self._store.get_for_change(req.ticket_id, req.visible_to)
        if found is None:
            raise _not_found(req.ticket_id)
        for position, incident_id in enumerate(dict.fromkeys(req.ticket_ids)):
            try:
                await self.execute(
                    t.LinkTicket(
                        ticket_id=incident_id,
                        other_ticket_id=req.ticket_id,
                        type="incident_of",
                        by=req.principal.id if req.principal else None,
                        request_key=f"{req.request_key[:100]}:{incident_id}"
                        if req.request_key
                        else None,
                        principal=req.principal,
                        visible_to=req.visible_to,
                    )
                )
            except NotFound:
                raise ValidationFailed(
                    f"ticketIds: no ticket '{incident_id}'",
                    details=[FieldError(field=f"ticketIds.{position}", reason="no such ticket")],
                ) from None
        problem = await self._require(req.ticket_id)
        policy, now = await self._policy(), self._clock.now()
        return agent_view(problem, sla=sla.shown(problem, policy, now))

    async def _plan(self, cmd: t.TicketCommand) -> Plan:
        """What deciding `cmd` takes: the aggregate's rule, and how the write is conditioned."""
        match cmd:
            case t.UpdateTicket(changes=changes, by=by):
                fields = changes.model_fields_set
                if changes.category is not None and "category" in fields:
                    await self._check_category(changes.category)
                for name in REQUIRED_FIELDS:
                    if name in fields and getattr(changes, name) is None:
                        raise ValidationFailed.on(name, "can't be removed")
                return Plan(
                    lambda ticket, now: ticket.update(changes, by=by, now=now),
                    cmd.expected_version,
                    search_changed=bool({"subject", "description", "location"} & fields),
                )
            case t.AssignTicket(agent_id=agent_id, agent_name=agent_name, by=by):
                return Plan(
                    lambda ticket, now: ticket.assign(
                        agent_id, by=by, now=now, agent_name=agent_name
                    ),
                    cmd.expected_version,
                )
            case t.ChangeStatus(status=status, reason=reason, by=by, by_name=by_name):
                return Plan(
                    lambda ticket, now: ticket.change_status(
                        status, by=by, reason=reason, now=now, by_name=by_name
                    ),
                    cmd.expected_version,
                    _same_status,
                )
            case t.AddNote():
                if cmd.by_customer:  # the customer's own report only, as for lookups
                    owner = await self._store.get_ticket(cmd.ticket_id)
                    if owner is None or owner.customer_id != cmd.by:
                        raise _not_found(cmd.ticket_id)
                # The same note however many times the write is retried or redelivered.
                note_id = note_id_for(cmd.request_key) if cmd.request_key else self._ids()
                content, by, internal, by_name = (
                    cmd.content,
                    cmd.by,
                    cmd.is_internal,
                    cmd.by_name,
                )
                send, by_customer = cmd.send_to_customer, cmd.by_customer
                return Plan(
                    lambda ticket, now: ticket.add_note(
                        content,
                        by=by,
                        is_internal=internal,
                        note_id=note_id,
                        now=now,
                        by_name=by_name,
                        send_to_customer=send,
                        by_customer=by_customer,
                    )
                )
            case t.ResolveTicket(resolution_notes=notes, by=by, by_name=by_name):
                return Plan(
                    lambda ticket, now: ticket.resolve(notes, by=by, now=now, by_name=by_name),
                    cmd.expected_version,
                    _same_status,
                )
            case t.EscalateTicket(to_agent_id=to, to_agent_name=to_name, reason=reason, by=by):
                return Plan(
                    lambda ticket, now: ticket.escalate(
                        to, reason, by=by, now=now, to_agent_name=to_name
                    )
                )
            case t.TagTicket(add=add, remove=remove, by=by):
                return Plan(lambda ticket, now: ticket.retag(add, remove, by=by, now=now))
            case t.Recategorize(from_category=source, to_category=target, by=by):
                return Plan(lambda ticket, now: ticket.recategorize(source, target, by=by, now=now))
            case t.AddAttachment(attachment=attachment, by=by):
                return Plan(lambda ticket, now: ticket.add_attachment(attachment, by=by, now=now))
            case (
                t.MergeTicket()
                | t.AbsorbMerged()
                | t.LinkTicket()
                | t.UnlinkTicket()
                | t.MirrorLink()
                | t.ResolveIncident()
            ):
                return await self._plan_between(cmd)
            case t.ApplyMacro():
                return await self._plan_macro(cmd)
            case t.SubmitFeedback(
                rating=rating, comment=comment, customer_id=customer_id, first_only=first_only
            ):
                if customer_id is not None:
                    owner = await self._store.get_ticket(cmd.ticket_id)
                    if owner is None or owner.customer_id != customer_id:
                        raise _not_found(cmd.ticket_id)
                return Plan(
                    lambda ticket, now: ticket.record_feedback(
                        rating, comment, by=customer_id, now=now, first_only=first_only
                    )
                )

    async def _plan_between(
        self,
        cmd: t.MergeTicket
        | t.AbsorbMerged
        | t.LinkTicket
        | t.UnlinkTicket
        | t.MirrorLink
        | t.ResolveIncident,
    ) -> Plan:
        """The plans of the changes touching two tickets (merges, links, incidents)."""
        match cmd:
            case t.MergeTicket(into=into):
                survivor = await self._other(into, "into", cmd.visible_to)
                merge = cmd
                return Plan(
                    lambda ticket, now: ticket.merge(
                        survivor, by=merge.by, now=now, by_name=merge.by_name
                    ),
                    still_valid=_same_status,
                )
            case t.AbsorbMerged():
                absorb = cmd
                return Plan(
                    lambda ticket, now: ticket.absorb(
                        absorb.merged, absorb.notes, absorb.attachments, by=absorb.by, now=now
                    )
                )
            case t.LinkTicket(other_ticket_id=other_id):
                other = await self._other(other_id, "otherTicketId", cmd.visible_to)
                link = cmd
                return Plan(lambda ticket, now: ticket.link(other, link.type, by=link.by, now=now))
            case t.UnlinkTicket():
                unlink = cmd
                return Plan(
                    lambda ticket, now: ticket.unlink(unlink.other_ticket_id, by=unlink.by, now=now)
                )
            case t.MirrorLink():
                mirror = cmd
                count = None
                if mirror.type is t.LinkType.INCIDENT_OF:
                    count = await self._store.count_incidents(cmd.ticket_id)
                return Plan(
                    lambda ticket, now: ticket.mirror_link(
                        mirror.other_ticket_id,
                        mirror.type,
                        removed=mirror.removed,
                        incident_count=count,
                        now=now,
                    ),
                    merged_ok=True,
                )
            case t.ResolveIncident():
                fan = cmd
                return Plan(
                    lambda ticket, now: (
                        ticket.resolve(
                            fan.resolution_notes,
                            by=fan.by,
                            now=now,
                            by_name=fan.by_name,
                            problem_id=fan.problem_id,
                        )
                        if ticket.state.problem_id == fan.problem_id
                        else Outcome(ticket.state)
                    ),
                    still_valid=_same_status,
                )

    async def _plan_macro(self, cmd: t.ApplyMacro) -> Plan:
        """A macro the principal may use, rendered for the ticket, applied as one change."""
        match cmd:
            case t.ApplyMacro(macro_id=macro_id, by=by, by_name=by_name):
                if self.find_macro is None:
                    raise NotFound(f"Macro '{macro_id}' not found", context={"id": macro_id})
                macro = await self.find_macro(cmd.principal or t.Principal(id=by), macro_id)
                terminology = await self._config.terminology()
                key = cmd.request_key
                note_id = note_id_for(f"{key}:note") if key else self._ids()
                reply_id = note_id_for(f"{key}:reply") if key else self._ids()
                return Plan(
                    lambda ticket, now: apply_macro(
                        ticket, macro, MacroRun(by, by_name, now, note_id, reply_id, terminology)
                    ),
                    cmd.expected_version,
                    _same_status if macro.actions.status is not None else _always,
                )

    async def bulk(self, req: t.BulkTickets) -> t.BulkResult:
        """`req.action` on each ticket named or matching (at most `MAX_BULK`), each through
        `execute` on its own: loaded together in one read, written one by one (a few at a
        time), answered per ticket, in the order asked."""
        bulk.check(req)
        if req.filter is not None:
            ids, matched = await self._matching(
                req.filter.model_copy(update={"visible_to": req.visible_to})
            )
        else:
            ids = list(dict.fromkeys(req.ticket_ids or ()))
            matched = len(ids)
        results = await self._each(
            ids, lambda ticket_id: bulk.command_for(req, ticket_id), req.visible_to
        )
        done = sum(1 for r in results if r.outcome is t.BulkOutcome.DONE)
        log.info(
            "bulk %s by %s: %d done, %d refused", req.action.kind, req.by, done, len(results) - done
        )
        return t.BulkResult(
            results=results,
            done=done,
            refused=len(results) - done,
            matched=matched,
            capped=matched > len(ids),
        )

    async def _each(
        self,
        ids: list[str],
        command_for: Callable[[str], t.TicketCommand],
        visible_to: str | None = None,
    ) -> list[t.BulkItem]:
        """`command_for` each ticket, each through `execute`: loaded together in one read,
        written one by one (a few at a time), answered per ticket in the order of `ids`."""
        found = await self._store.get_many_for_change(ids, visible_to)
        running = asyncio.Semaphore(self._settings.bulk_parallel)

        async def one(ticket_id: str) -> t.BulkItem:
            loaded = found.get(ticket_id)
            if loaded is None:
                return bulk.refusal(ticket_id, _not_found(ticket_id))
            async with running:
                try:
                    command = command_for(ticket_id)
                    if isinstance(command, t.ApplyMacro):
                        outcome, _ = await self._run_macro(command, loaded)
                    else:
                        outcome = await self.execute(command, loaded)
                except DomainError as exc:
                    return bulk.refusal(ticket_id, exc)
            return t.BulkItem(
                ticket_id=ticket_id, outcome=t.BulkOutcome.DONE, version=outcome.ticket.version
            )

        return list(await asyncio.gather(*(one(ticket_id) for ticket_id in ids)))

    async def count_open_by_category(self, req: t.CountOpenByCategory) -> t.CategoryCounts:
        return t.CategoryCounts(counts=await self._store.count_open_by_category(req.categories))

    async def recategorize_open(self, req: t.RecategorizeOpen) -> t.Recategorized:
        """The open tickets of each removed category moved to the one mapped to it, a batch
        of `MAX_BULK` at a time, each by its own command (its history entry and event)."""
        moved: dict[str, int] = {}
        refused = 0
        for source, target in req.mapping.items():
            moved[source] = 0
            seen: set[str] = set()
            while ids := [
                i for i in await self._store.open_in_category(source, t.MAX_BULK) if i not in seen
            ]:
                seen.update(ids)

                def command(
                    ticket_id: str, source: str = source, target: str = target
                ) -> t.TicketCommand:
                    return t.Recategorize(
                        ticket_id=ticket_id,
                        from_category=source,
                        to_category=target,
                        by=req.by,
                        principal=req.principal,
                        request_key=bulk.key_for(req.request_key, ticket_id),
                    )

                results = await self._each(ids, command)
                done = sum(1 for r in results if r.outcome is t.BulkOutcome.DONE)
                moved[source] += done
                refused += len(results) - done
        log.info("recategorized by %s: %s (%d refused)", req.by, moved, refused)
        return t.Recategorized(moved=moved, refused=refused)

    async def _matching(self, req: t.ListTickets) -> tuple[list[str], int]:
        """The first `MAX_BULK` tickets a list request matches (its order) and how many match."""
        found = await self._where(req)
        if found is None:
            return [], 0
        where, sort = found
        read = self._store.search if where.terms else self._store.list_tickets
        tickets, total = await read(where, sort=sort, skip=0, limit=t.MAX_BULK)
        return [ticket.ticket_id for ticket in tickets], total

    async def _other(self, ticket_id: str, field: str, visible_to: str | None) -> TicketState:
        """The other ticket of a merge or link, as the writer may see it (else 404 naming
        `field`)."""
        found = await self._store.get_for_change(ticket_id, visible_to)
        if found is None:
            raise NotFound(
                f"Ticket '{ticket_id}' not found",
                details=[FieldError(field=field, reason="no such ticket")],
                context={"ticketId": ticket_id},
            )
        return found[0]

    async def settle_sla(self, ticket_id: str) -> int:
        """Raise the warnings and breaches of one ticket that fell due (the SLA monitor);
        the number of events written. Replicas racing on the same ticket write it once."""
        outcome = await self._change(
            t.TicketWrite(ticket_id=ticket_id),
            lambda ticket, now: Outcome(ticket.state),
            merged_ok=True,
        )
        return len(outcome.events)

    async def customer_replied(self, req: t.CustomerReplied) -> t.CustomerRepliedResult:
        """The conversation's tickets in a pausing status move back to in_progress (reason
        "customer replied"), resuming their clocks; a repeated reply finds nothing to move."""
        if await self._store.get_conversation(req.conversation_id) is None:
            raise NotFound(
                f"Conversation '{req.conversation_id}' not found",
                details=[FieldError(field="conversationId", reason="no such conversation")],
            )
        policy = await self._policy()
        waiting = [s for s in policy.pause_statuses if resumable(s)]
        resumed: list[str] = []
        for ticket_id in await self._store.conversation_tickets(req.conversation_id, waiting):
            outcome = await self._change(
                t.TicketWrite(ticket_id=ticket_id),
                lambda ticket, now: ticket.customer_replied(waiting, now=now),
            )
            if outcome.events:
                resumed.append(ticket_id)
        log.debug("customer replied on %s: %s resumed", req.conversation_id, resumed)
        return t.CustomerRepliedResult(resumed=resumed)

    async def rename_agent(self, agent_id: str, name: str) -> None:
        """An agent's new name (`agent.updated`) on every ticket that names it."""
        changed = await self._store.rename_agent(agent_id, name)
        log.debug("agent %s renamed on %d tickets", agent_id, changed)
