"""The tickets service's operations: store + lifecycle rules + events (via the outbox).

Every ticket change is a conditional write on the version that was read. When another write
got there first, changes that commute (notes, assignment, escalation, general fields, feedback)
are re-applied to a fresh read; a status change is re-applied only if the status is still the
one it started from, else it is a 409. `expectedVersion` makes any change a 409 once the
ticket moved.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel
from pymongo.errors import DuplicateKeyError

from tickets_service.clock import Clock, new_id
from tickets_service.configuration import ConfigCache
from tickets_service.domain import lifecycle, search
from tickets_service.domain.events import OutboxEntry, outbox_entry
from tickets_service.domain.ids import counter_key, format_ticket_id
from tickets_service.domain.phones import normalise_phone
from tickets_service.domain.tickets import customer_summary, customer_view, new_ticket
from tickets_service.outbox import Outbox
from tickets_service.settings import Settings
from tickets_service.store import SortField, TicketFilter, TicketStore, sort_spec
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import EventType
from uts_shared.errors import Conflict, FieldError, NotFound, ValidationFailed

log = logging.getLogger(__name__)

KNOWN_CUSTOMERS_MAX = 100_000

Change = Callable[[t.TicketView], tuple[t.TicketView, list[OutboxEntry]]]
P = TypeVar("P", bound=BaseModel)
StillValid = Callable[[t.TicketView, t.TicketView], bool]


def _always(first: t.TicketView, fresh: t.TicketView) -> bool:
    return True


def _same_status(first: t.TicketView, fresh: t.TicketView) -> bool:
    return fresh.status == first.status


def _pagination(page: int, limit: int, total: int) -> t.Pagination:
    return t.Pagination(page=page, limit=limit, total=total, pages=math.ceil(total / limit))


def _not_found(ticket_id: str) -> NotFound:
    # The same words whether the ticket does not exist or belongs to someone else.
    return NotFound(f"Ticket '{ticket_id}' not found", context={"ticketId": ticket_id})


class TicketOperations:
    """What the RPC handlers call; one instance per service instance."""

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
        self._known_customers: set[str] = set()
        """Customers seen to exist (customers are never deleted): one lookup fewer per create."""
        self._targets = {
            p: (target.first_response, target.resolution)
            for p, target in settings.sla_targets_ms.items()
        }

    # --- events -------------------------------------------------------------------------------

    def _event(self, kind: EventType[P], payload: P, now: datetime) -> OutboxEntry:
        return outbox_entry(kind, payload, event_id=self._ids(), now=now)

    # --- creation -----------------------------------------------------------------------------

    async def create_from_agent(self, req: t.CreateFromAgent) -> t.CreateTicketResult:
        return await self._create(
            req,
            status=t.TicketStatus.OPEN,
            source=t.TicketSource.AGENT,
            created_by=req.agent_id,
            assigned_agent=req.agent_id if req.assign_to_self else None,
        )

    async def create_from_ai(self, req: t.CreateFromAi) -> t.CreateTicketResult:
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
    ) -> t.CreateTicketResult:
        key = req.idempotency_key
        if key is not None:
            existing = await self._store.find_by_idempotency_key(key)
            if existing is not None:
                log.debug("idempotent create %s -> %s", key, existing.ticket_id)
                return t.CreateTicketResult(ticket=existing, created=False)
        await self._require_customer(req.customer_id)
        if req.conversation_id is not None:
            conversation = await self._store.get_conversation(req.conversation_id)
            if conversation is None or conversation.customer_id != req.customer_id:
                raise ValidationFailed.on(
                    "conversationId",
                    f"no conversation '{req.conversation_id}' for customer '{req.customer_id}'",
                )
        await self._check_category(req.category)
        fmt = await self._config.id_format()
        sla = lifecycle.sla_for(req.priority, self._targets)
        for _ in range(5):
            now = self._clock.now()
            sequence = await self._store.next_sequence(counter_key(fmt, now.year), now)
            ticket_id = format_ticket_id(fmt, now.year, sequence)
            ticket = new_ticket(
                req,
                ticket_id=ticket_id,
                status=status,
                source=source,
                sla=sla,
                assigned_agent=assigned_agent,
                now=now,
            )
            event = self._event(
                t.TICKET_CREATED,
                t.TicketCreated(
                    ticket=ticket,
                    customer_id=ticket.customer_id,
                    conversation_id=ticket.conversation_id,
                    created_by=created_by,
                    version=ticket.version,
                ),
                now,
            )
            try:
                await self._store.insert_ticket(
                    ticket,
                    search_terms=search.search_terms(ticket_id, ticket.subject, ticket.description),
                    idempotency_key=key,
                    created_by=created_by,
                    outbox=[event],
                )
            except DuplicateKeyError:
                if key is not None:
                    existing = await self._store.find_by_idempotency_key(key)
                    if existing is not None:  # a concurrent create with the same key won
                        return t.CreateTicketResult(ticket=existing, created=False)
                log.warning("ticket id %s already taken; drawing the next one", ticket_id)
                continue
            await self._store.count_ticket(req.customer_id, now)
            await self._outbox.publish(ticket_id, [event])
            log.debug("ticket %s created (%s) for customer %s", ticket_id, source, req.customer_id)
            return t.CreateTicketResult(ticket=ticket, created=True)
        raise Conflict("could not allocate a free ticket id; check the counters collection")

    async def _check_category(self, category: str) -> None:
        categories = await self._config.categories()
        valid = [c.id for c in categories]
        if category not in valid:
            raise ValidationFailed(
                f"category: '{category}' is not a configured category (valid: {', '.join(valid)})",
                details=[FieldError(field="category", reason=f"must be one of {valid}")],
                context={"validCategories": valid},
            )

    # --- reads --------------------------------------------------------------------------------

    async def _require(self, ticket_id: str) -> t.TicketView:
        ticket = await self._store.get_ticket(ticket_id)
        if ticket is None:
            raise _not_found(ticket_id)
        return ticket

    async def get(self, req: t.GetTicket) -> t.TicketView:
        return await self._require(req.ticket_id)

    async def get_for_customer(self, req: t.GetForCustomer) -> t.CustomerTicketView:
        ticket = await self._store.get_ticket(req.ticket_id)
        if ticket is None or ticket.customer_id != req.customer_id:
            raise _not_found(req.ticket_id)
        return customer_view(ticket)

    async def list_tickets(self, req: t.ListTickets) -> t.TicketPage:
        terms: tuple[str, ...] = ()
        if req.q is not None:
            terms = tuple(search.query_terms(req.q))
            if not terms:  # only stopwords or punctuation: nothing can match
                return t.TicketPage(tickets=[], pagination=_pagination(req.page, req.limit, 0))
        sort_by: SortField = req.sort_by or ("relevance" if terms else "createdAt")
        if sort_by == "relevance" and not terms:
            sort_by = "createdAt"
        where = TicketFilter(
            status=req.status,
            category=req.category,
            priority=req.priority,
            assigned_agent=req.assigned_agent,
            unassigned=req.unassigned,
            customer_id=req.customer_id,
            conversation_id=req.conversation_id,
            tag=req.tag,
            is_escalated=req.is_escalated,
            terms=terms,
        )
        return await self._page(where, sort_spec(sort_by, req.sort_order), req.page, req.limit)

    async def _page(
        self, where: TicketFilter, sort: list[tuple[str, int]], page: int, limit: int
    ) -> t.TicketPage:
        read = self._store.search if where.terms else self._store.list_tickets
        tickets, total = await read(where, sort=sort, skip=(page - 1) * limit, limit=limit)
        return t.TicketPage(tickets=tickets, pagination=_pagination(page, limit, total))

    def _customer_sort(self, req: t.ListByCustomer) -> list[tuple[str, int]]:
        sort_by: SortField = "createdAt" if req.sort_by == "relevance" else req.sort_by
        return sort_spec(sort_by, req.sort_order)

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

    async def list_by_customer(self, req: t.ListByCustomer) -> t.TicketPage:
        await self._require_customer(req.customer_id)
        where = TicketFilter(customer_id=req.customer_id, status=req.status)
        return await self._page(where, self._customer_sort(req), req.page, req.limit)

    async def list_for_customer(self, req: t.ListByCustomer) -> t.CustomerTicketPage:
        page = await self.list_by_customer(req)
        return t.CustomerTicketPage(
            tickets=[customer_summary(s) for s in page.tickets], pagination=page.pagination
        )

    async def list_by_conversation(self, req: t.ListByConversation) -> t.TicketPage:
        if await self._store.get_conversation(req.conversation_id) is None:
            raise NotFound(f"Conversation '{req.conversation_id}' not found")
        where = TicketFilter(conversation_id=req.conversation_id)
        return await self._page(where, sort_spec("createdAt", "desc"), req.page, req.limit)

    async def list_by_agent(self, req: t.ListByAgent) -> t.TicketPage:
        where = TicketFilter(assigned_agent=req.agent_id, status=req.status)
        return await self._page(where, sort_spec("priority", "desc"), req.page, req.limit)

    async def stats(self, req: t.StatsQuery) -> t.TicketStats:
        return await self._store.stats(agent_id=req.agent_id, customer_id=req.customer_id)

    # --- changes ------------------------------------------------------------------------------

    async def _mutate(
        self,
        ticket_id: str,
        change: Change,
        *,
        expected_version: int | None = None,
        still_valid: StillValid = _always,
        search_changed: bool = False,
    ) -> t.TicketView:
        """Read, apply `change`, write if still at the version read; see the module docstring."""
        first: t.TicketView | None = None
        for _ in range(self._settings.write_retries):
            ticket = await self._require(ticket_id)
            if expected_version is not None and ticket.version != expected_version:
                raise Conflict(
                    f"Ticket {ticket_id} was changed by someone else "
                    f"(version {ticket.version}, expected {expected_version}); reload it",
                    context={"version": ticket.version, "expectedVersion": expected_version},
                )
            if first is None:
                first = ticket
            elif not still_valid(first, ticket):
                raise Conflict(
                    f"Ticket {ticket_id} moved from '{first.status.value}' to "
                    f"'{ticket.status.value}' while this change was being made; reload it",
                    context={"status": ticket.status.value, "version": ticket.version},
                )
            after, events = change(ticket)
            if after is ticket and not events:
                return ticket
            terms = (
                search.search_terms(after.ticket_id, after.subject, after.description)
                if search_changed
                else None
            )
            saved = await self._store.save_ticket(ticket, after, outbox=events, search_terms=terms)
            if saved is None:
                log.debug(
                    "ticket %s moved underneath (version %d); retrying", ticket_id, ticket.version
                )
                continue
            # This write's own events; anything older left in the outbox is the relay's.
            await self._outbox.publish(ticket_id, events)
            return saved
        raise Conflict(
            f"Ticket {ticket_id} is being changed by others right now; try again",
            context={"retries": self._settings.write_retries},
        )

    async def update(self, req: t.UpdateTicket) -> t.TicketView:
        if req.changes.category is not None and "category" in req.changes.model_fields_set:
            await self._check_category(req.changes.category)
        for name in ("subject", "description", "category", "priority", "tags", "attachments"):
            if name in req.changes.model_fields_set and getattr(req.changes, name) is None:
                raise ValidationFailed.on(name, "can't be removed")

        def change(ticket: t.TicketView) -> tuple[t.TicketView, list[OutboxEntry]]:
            now = self._clock.now()
            after, updates = lifecycle.apply_changes(
                ticket, req.changes, targets=self._targets, now=now
            )
            if not updates:
                return ticket, []
            payload = t.TicketUpdated(
                ticket_id=ticket.ticket_id,
                customer_id=ticket.customer_id,
                updated_by=req.by,
                updates=updates,
                version=ticket.version + 1,
            )
            return after, [self._event(t.TICKET_UPDATED, payload, now)]

        text_fields = {"subject", "description"} & req.changes.model_fields_set
        ticket = await self._mutate(
            req.ticket_id,
            change,
            expected_version=req.expected_version,
            search_changed=bool(text_fields),
        )
        log.debug("ticket %s updated by %s", req.ticket_id, req.by)
        return ticket

    async def assign(self, req: t.AssignTicket) -> t.TicketView:
        def change(ticket: t.TicketView) -> tuple[t.TicketView, list[OutboxEntry]]:
            now = self._clock.now()
            after = lifecycle.assign(ticket, req.agent_id, by=req.by, now=now)
            version = ticket.version + 1
            events = [
                self._event(
                    t.TICKET_ASSIGNED,
                    t.TicketAssigned(
                        ticket_id=ticket.ticket_id,
                        agent_id=req.agent_id,
                        customer_id=ticket.customer_id,
                        assigned_by=req.by,
                        previous_agent=ticket.assigned_agent,
                        version=version,
                    ),
                    now,
                )
            ]
            if after.status != ticket.status:
                events.append(self._status_event(ticket, after, req.by, "Assigned to agent", now))
            return after, events

        ticket = await self._mutate(req.ticket_id, change, expected_version=req.expected_version)
        log.debug("ticket %s assigned to %s by %s", req.ticket_id, req.agent_id, req.by)
        return ticket

    def _status_event(
        self,
        before: t.TicketView,
        after: t.TicketView,
        by: str | None,
        reason: str | None,
        now: datetime,
    ) -> OutboxEntry:
        return self._event(
            t.TICKET_UPDATED,
            t.TicketUpdated(
                ticket_id=before.ticket_id,
                customer_id=before.customer_id,
                updated_by=by,
                old_status=before.status,
                new_status=after.status,
                reason=reason,
                version=before.version + 1,
            ),
            now,
        )

    async def change_status(self, req: t.ChangeStatus) -> t.TicketView:
        def change(ticket: t.TicketView) -> tuple[t.TicketView, list[OutboxEntry]]:
            now = self._clock.now()
            after = lifecycle.transition(ticket, req.status, by=req.by, reason=req.reason, now=now)
            return after, [self._status_event(ticket, after, req.by, req.reason, now)]

        ticket = await self._mutate(
            req.ticket_id,
            change,
            expected_version=req.expected_version,
            still_valid=_same_status,
        )
        log.debug("ticket %s -> %s by %s", req.ticket_id, req.status.value, req.by)
        return ticket

    async def add_note(self, req: t.AddNote) -> t.NoteResult:
        note_id = self._ids()
        added: list[t.Note] = []

        def change(ticket: t.TicketView) -> tuple[t.TicketView, list[OutboxEntry]]:
            now = self._clock.now()
            after, note = lifecycle.add_note(
                ticket,
                req.content,
                by=req.by,
                is_internal=req.is_internal,
                note_id=note_id,
                now=now,
            )
            added[:] = [note]
            payload = t.TicketNoteAdded(
                ticket_id=ticket.ticket_id,
                note=note,
                agent_id=req.by,
                customer_id=ticket.customer_id,
                version=ticket.version + 1,
            )
            return after, [self._event(t.TICKET_NOTE_ADDED, payload, now)]

        ticket = await self._mutate(req.ticket_id, change)
        log.debug("note added to %s by %s", req.ticket_id, req.by)
        return t.NoteResult(ticket=ticket, note=added[0])

    async def resolve(self, req: t.ResolveTicket) -> t.TicketView:
        def change(ticket: t.TicketView) -> tuple[t.TicketView, list[OutboxEntry]]:
            now = self._clock.now()
            after = lifecycle.resolve(ticket, req.resolution_notes, by=req.by, now=now)
            payload = t.TicketResolved(
                ticket_id=ticket.ticket_id,
                resolved_by=req.by,
                resolution_notes=req.resolution_notes,
                customer_id=ticket.customer_id,
                version=ticket.version + 1,
            )
            return after, [self._event(t.TICKET_RESOLVED, payload, now)]

        ticket = await self._mutate(
            req.ticket_id,
            change,
            expected_version=req.expected_version,
            still_valid=_same_status,
        )
        log.debug("ticket %s resolved by %s", req.ticket_id, req.by)
        return ticket

    async def escalate(self, req: t.EscalateTicket) -> t.TicketView:
        def change(ticket: t.TicketView) -> tuple[t.TicketView, list[OutboxEntry]]:
            now = self._clock.now()
            after = lifecycle.escalate(ticket, req.to_agent_id, req.reason, by=req.by, now=now)
            events = [
                self._event(
                    t.TICKET_ESCALATED,
                    t.TicketEscalated(
                        ticket_id=ticket.ticket_id,
                        from_agent=req.by,
                        to_agent=req.to_agent_id,
                        reason=req.reason,
                        customer_id=ticket.customer_id,
                        version=ticket.version + 1,
                    ),
                    now,
                )
            ]
            if after.status != ticket.status:
                events.append(self._status_event(ticket, after, req.by, "Escalated", now))
            return after, events

        ticket = await self._mutate(req.ticket_id, change)
        log.debug("ticket %s escalated to %s by %s", req.ticket_id, req.to_agent_id, req.by)
        return ticket

    async def feedback(self, req: t.SubmitFeedback) -> t.TicketView:
        if req.customer_id is not None:
            owner = await self._store.get_ticket(req.ticket_id)
            if owner is None or owner.customer_id != req.customer_id:
                raise _not_found(req.ticket_id)

        def change(ticket: t.TicketView) -> tuple[t.TicketView, list[OutboxEntry]]:
            now = self._clock.now()
            after = lifecycle.record_feedback(ticket, req.rating, req.comment, now=now)
            assert after.customer_feedback is not None
            payload = t.TicketUpdated(
                ticket_id=ticket.ticket_id,
                customer_id=ticket.customer_id,
                updated_by=req.customer_id,
                updates={"customerFeedback": after.customer_feedback.model_dump(mode="json")},
                version=ticket.version + 1,
            )
            return after, [self._event(t.TICKET_UPDATED, payload, now)]

        ticket = await self._mutate(req.ticket_id, change)
        log.debug("feedback %d on %s", req.rating, req.ticket_id)
        return ticket

    # --- customers ----------------------------------------------------------------------------

    async def create_customer(self, req: t.CreateCustomer) -> t.Customer:
        phone = normalise_phone(req.phone_number, self._settings.default_phone_region)
        now = self._clock.now()
        customer = t.Customer(
            id=self._ids(),
            phone_number=phone,
            first_name=req.first_name or None,
            last_name=req.last_name or None,
            email=req.email or None,
            created_at=now,
            updated_at=now,
        )
        try:
            await self._store.insert_customer(customer)
        except DuplicateKeyError:
            existing = await self._store.get_customer_by_phone(phone)
            raise Conflict(
                f"A customer with phone number {phone} already exists",
                context={"customerId": existing.id if existing else None, "phoneNumber": phone},
            ) from None
        log.debug("customer %s created (%s)", customer.id, phone)
        return customer

    async def get_customer(self, req: t.GetCustomer) -> t.Customer:
        customer = await self._store.get_customer(req.customer_id)
        if customer is None:
            raise NotFound(f"Customer '{req.customer_id}' not found")
        return customer

    async def get_customer_by_phone(self, req: t.GetCustomerByPhone) -> t.Customer:
        phone = normalise_phone(req.phone_number, self._settings.default_phone_region)
        customer = await self._store.get_customer_by_phone(phone)
        if customer is None:
            raise NotFound(f"No customer with phone number {phone}", context={"phoneNumber": phone})
        return customer

    async def list_customers(self, req: t.ListCustomers) -> t.CustomerPage:
        customers, total = await self._store.list_customers(
            skip=(req.page - 1) * req.limit, limit=req.limit
        )
        return t.CustomerPage(
            customers=customers, pagination=_pagination(req.page, req.limit, total)
        )

    # --- conversations ------------------------------------------------------------------------

    async def create_conversation(self, req: t.CreateConversation) -> t.Conversation:
        if await self._store.get_customer(req.customer_id) is None:
            raise NotFound(f"Customer '{req.customer_id}' not found")
        now = self._clock.now()
        conversation = t.Conversation(
            id=self._ids(),
            customer_id=req.customer_id,
            channel=req.channel,
            status=req.status,
            assigned_agent=req.assigned_agent,
            created_at=now,
            updated_at=now,
        )
        await self._store.insert_conversation(conversation)
        return conversation

    async def get_conversation(self, req: t.GetConversation) -> t.Conversation:
        conversation = await self._store.get_conversation(req.conversation_id)
        if conversation is None:
            raise NotFound(f"Conversation '{req.conversation_id}' not found")
        return conversation

    async def list_conversations(self, req: t.ListConversations) -> t.ConversationPage:
        conversations, total = await self._store.list_conversations(
            customer_id=req.customer_id,
            status=req.status,
            skip=(req.page - 1) * req.limit,
            limit=req.limit,
        )
        return t.ConversationPage(
            conversations=conversations, pagination=_pagination(req.page, req.limit, total)
        )

    async def find_active_conversation(self, req: t.FindActiveConversation) -> t.ActiveConversation:
        return t.ActiveConversation(
            conversation=await self._store.active_conversation(req.customer_id)
        )

    async def update_conversation_status(self, req: t.UpdateConversationStatus) -> t.Conversation:
        changes: dict[str, object] = {"status": req.status, "updatedAt": self._clock.now()}
        if req.assigned_agent is not None:
            changes["assignedAgent"] = req.assigned_agent
        conversation = await self._store.update_conversation(req.conversation_id, changes)
        if conversation is None:
            raise NotFound(f"Conversation '{req.conversation_id}' not found")
        return conversation
