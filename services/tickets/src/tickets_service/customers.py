"""Customer operations: registered by phone number (E.164), one customer per number."""

from __future__ import annotations

import logging
from collections.abc import Callable

from tickets_service.domain import search
from tickets_service.domain.customers import display_name, missing_details
from tickets_service.domain.errors import PhoneTaken
from tickets_service.domain.phones import normalise_phone
from tickets_service.settings import Settings
from tickets_service.store import TicketStore
from uts_shared.clock import Clock, new_id
from uts_shared.contracts import tickets as t
from uts_shared.contracts.base import Pagination
from uts_shared.errors import Conflict, NotFound

log = logging.getLogger(__name__)


class CustomerOperations:
    def __init__(
        self,
        settings: Settings,
        *,
        store: TicketStore,
        clock: Clock,
        ids: Callable[[], str] = new_id,
    ) -> None:
        self._region = settings.default_phone_region
        self._store = store
        self._clock = clock
        self._ids = ids

    def _new(self, req: t.CreateCustomer, phone: str) -> t.Customer:
        now = self._clock.now()
        return t.Customer(
            id=self._ids(),
            phone_number=phone,
            first_name=req.first_name or None,
            last_name=req.last_name or None,
            email=req.email or None,
            created_at=now,
            updated_at=now,
        )

    async def create(self, req: t.CreateCustomer) -> t.Customer:
        phone = normalise_phone(req.phone_number, self._region)
        customer = self._new(req, phone)
        try:
            await self._store.insert_customer(customer)
        except PhoneTaken:
            existing = await self._store.get_customer_by_phone(phone)
            raise Conflict(
                f"A customer with phone number {phone} already exists",
                context={"customerId": existing.id if existing else None, "phoneNumber": phone},
                reason="phone_taken",
            ) from None
        log.debug("customer %s created (%s)", customer.id, phone)
        return customer

    async def update(self, req: t.UpdateCustomer) -> t.Customer:
        """Replace the customer's phone, names and email; its tickets show the new name and
        phone. Conflict when the phone is another customer's."""
        phone = normalise_phone(req.phone_number, self._region)
        existing = await self._store.get_customer(req.customer_id)
        if existing is None:
            raise NotFound(f"Customer '{req.customer_id}' not found")
        details = {
            "phoneNumber": phone,
            "firstName": req.first_name or None,
            "lastName": req.last_name or None,
            "email": req.email or None,
        }
        try:
            edited = await self._store.replace_customer_details(
                existing.id, details, self._clock.now()
            )
        except PhoneTaken:
            taken = await self._store.get_customer_by_phone(phone)
            raise Conflict(
                f"A customer with phone number {phone} already exists",
                context={"customerId": taken.id if taken else None, "phoneNumber": phone},
                reason="phone_taken",
            ) from None
        if edited is None:
            raise NotFound(f"Customer '{req.customer_id}' not found")
        if (display_name(edited), edited.phone_number) != (
            display_name(existing),
            existing.phone_number,
        ):
            await self._store.rename_customer(edited.id, display_name(edited), phone)
        log.debug("customer %s edited", edited.id)
        return await self._counted(edited)

    async def upsert_by_phone(self, req: t.UpsertCustomerByPhone) -> t.UpsertedCustomer:
        """The same phone gives the same customer, created if absent (racing twins too); the
        details given fill what it lacks, and a name it gains reaches its tickets."""
        phone = normalise_phone(req.phone_number, self._region)
        for _ in range(3):
            existing = await self._store.get_customer_by_phone(phone)
            if existing is None:
                customer = self._new(req, phone)
                try:
                    await self._store.insert_customer(customer)
                except PhoneTaken:
                    continue  # created meanwhile by a twin request: read it
                log.debug("customer %s registered (%s)", customer.id, phone)
                return t.UpsertedCustomer(customer=customer, created=True)
            details = missing_details(existing, req)
            if not details:
                return t.UpsertedCustomer(customer=await self._counted(existing), created=False)
            filled = await self._store.fill_customer(existing.id, details, self._clock.now())
            if filled is None:
                continue  # another write filled them first: read again
            if display_name(filled) != display_name(existing):
                await self._store.rename_customer(filled.id, display_name(filled))
            return t.UpsertedCustomer(customer=await self._counted(filled), created=False)
        raise Conflict(f"The customer with phone number {phone} is changing; try again")

    async def _counted(self, customer: t.Customer) -> t.Customer:
        """The customer with its ticket total (a projection of the ticket writes)."""
        return (await self._counted_all([customer]))[0]

    async def _counted_all(self, customers: list[t.Customer]) -> list[t.Customer]:
        totals = await self._store.ticket_totals([c.id for c in customers])
        return [
            c.model_copy(
                update={"statistics": t.CustomerStatistics(total_tickets=totals.get(c.id, 0))}
            )
            for c in customers
        ]

    async def get(self, req: t.GetCustomer) -> t.Customer:
        customer = await self._store.get_customer(req.customer_id)
        if customer is None:
            raise NotFound(f"Customer '{req.customer_id}' not found")
        return await self._counted(customer)

    async def get_by_phone(self, req: t.GetCustomerByPhone) -> t.Customer:
        phone = normalise_phone(req.phone_number, self._region)
        customer = await self._store.get_customer_by_phone(phone)
        if customer is None:
            raise NotFound(f"No customer with phone number {phone}", context={"phoneNumber": phone})
        return await self._counted(customer)

    async def list(self, req: t.ListCustomers) -> t.CustomerPage:
        terms = search.parse(req.q).terms if req.q is not None else ()
        if req.q is not None and not terms:  # only stopwords or punctuation: nobody matches
            return t.CustomerPage(customers=[], pagination=Pagination.of(req.page, req.limit, 0))
        customers, total = await self._store.list_customers(
            skip=(req.page - 1) * req.limit, limit=req.limit, terms=terms
        )
        return t.CustomerPage(
            customers=await self._counted_all(customers),
            pagination=Pagination.of(req.page, req.limit, total),
        )
