"""Ticket operations: read the ticket, let the domain decide, write it with its events.

Every ticket change is a conditional write on the version that was read. When another write
got there first, changes that commute (notes, assignment, escalation, general fields, feedback)
are re-applied to a fresh read; a status change is re-applied only if the status is still the
one it started from, else it is a 409. `expectedVersion` makes any change a 409 once the
ticket moved.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tickets_service.configuration import ConfigCache
from tickets_service.domain import cursors, search, sla, tally, visibility
from tickets_service.domain.errors import IdTaken, KeyTaken
from tickets_service.domain.ids import counter_key, format_ticket_id
from tickets_service.domain.ticket import Outcome, Ticket, TicketState, resumable
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
from uts_shared.contracts.config import fallback_category
from uts_shared.contracts.sla import SlaPolicy
from uts_shared.errors import Conflict, FieldError, NotFound, ValidationFailed

log = logging.getLogger(__name__)

KNOWN_CUSTOMERS_MAX = 100_000

Decide = Callable[[Ticket, datetime], Outcome]
SendNote = Callable[[t.TicketView, t.Note], Awaitable[object]]
OnWritten = Callable[[TicketState, str | None], Awaitable[None]]
StillValid = Callable[[TicketState, TicketState], bool]


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
    customer = ticket.customer
    return search.Searchable(
        ticket.ticket_id,
        ticket.subject,
        ticket.description,
        address=ticket.location.address if ticket.location else None,
        customer_name=customer.name if customer else None,
        phone=customer.phone_number if customer else None,
    ).terms()


def _not_found(ticket_id: str) -> NotFound:
    # The same words whether the ticket does not exist or belongs to someone else.
    return NotFound(f"Ticket '{ticket_id}' not found", context={"ticketId": ticket_id})


def list_filter(req: t.ListTickets, asked: search.Query) -> TicketFilter:
    """The store's filter for the list's (and the export's) query."""
    return TicketFilter(
        status=req.status,
        category=req.category,
        priority=req.priority,
        assigned_agent=req.assigned_agent,
        unassigned=req.unassigned,
        customer_id=req.customer_id,
        conversation_id=req.conversation_id,
        tag=req.tag,
        is_escalated=req.is_escalated,
        created_from=req.created_from,
        created_to=req.created_to,
        updated_since=req.updated_since,
        sla_state=req.sla_state,
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
        )

    async def _create(
        self,
        req: t.NewTicket,
        *,
        status: t.TicketStatus,
        source: t.TicketSource,
        created_by: str | None,
        assigned_agent: str | None,
        created_by_name: str | None = None,
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
            await self._outbox.publish(ticket_id, entries)
            if self.on_written is not None:
                await self.on_written(ticket, channel)
            log.debug("ticket %s created (%s) for customer %s", ticket_id, source, req.customer_id)
            shown = agent_view(ticket, sla=sla.shown(ticket, policy, now))
            return t.CreateTicketResult(ticket=shown, created=True)
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
        return t.CreateTicketResult(ticket=shown, created=False)

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
        asked = search.Query(())
        if req.q is not None:
            asked = search.parse(req.q)
            if not asked:  # only stopwords or punctuation: nothing can match
                return t.TicketPage(tickets=[], pagination=Pagination.of(req.page, req.limit, 0))
        terms = asked.terms
        sort_by: SortField = req.sort_by or ("relevance" if terms else "createdAt")
        if sort_by == "relevance" and not terms:
            sort_by = "createdAt"
        where = list_filter(req, asked)
        return await self._page(where, sort_spec(sort_by, req.sort_order), req.page, req.limit)

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
    ) -> Outcome:
        """Read, let `decide` change it, write if still at the version read (see module doc).

        A request whose key the ticket already records (a redelivery after a lost connection)
        is answered with the ticket as it is: nothing is applied twice."""
        ticket_id, key = req.ticket_id, req.request_key
        policy = await self._policy()
        first: TicketState | None = None
        for _ in range(self._settings.write_retries):
            found = await self._store.get_for_change(ticket_id, req.visible_to)
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
            entries = self._entries(outcome, now, before=ticket)
            saved = await self._store.save_ticket(
                ticket,
                after,
                outbox=entries,
                search_terms=terms,
                request_key=key,
                fingerprint=fingerprint,
                visible_to=req.visible_to,
            )
            if saved is None:
                log.debug("ticket %s moved underneath (v%d); retrying", ticket_id, ticket.version)
                continue
            # This write's own events; anything older left in the outbox is the relay's.
            await self._outbox.publish(ticket_id, entries)
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

    async def execute(self, cmd: t.TicketCommand) -> Outcome:
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
        )
        log.debug("ticket %s: %s by %s", cmd.ticket_id, cmd.kind, _actor(cmd))
        return outcome

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
            case t.AddAttachment(attachment=attachment, by=by):
                return Plan(lambda ticket, now: ticket.add_attachment(attachment, by=by, now=now))
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

    async def settle_sla(self, ticket_id: str) -> int:
        """Raise the warnings and breaches of one ticket that fell due (the SLA monitor);
        the number of events written. Replicas racing on the same ticket write it once."""
        outcome = await self._change(
            t.TicketWrite(ticket_id=ticket_id), lambda ticket, now: Outcome(ticket.state)
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
