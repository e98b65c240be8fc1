"""Customers (no CRM exists around us): create, edit, look up, list, and each one's tickets
(agents)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response

from gateway.auth import CurrentAgent, current_agent
from gateway.routes.envelope import FilterValue, Ok, answer, answer_fields, unique_query_keys
from gateway.routes.tickets import TicketsOut
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import tickets
from uts_shared.contracts.base import WireModel
from uts_shared.contracts.tickets import (
    CreateCustomer,
    Customer,
    CustomerPage,
    Limit,
    Page,
    Pagination,
    SortBy,
    SortOrder,
    TicketStatus,
)
from uts_shared.contracts.tickets import Query as SearchWords
from uts_shared.errors import NotFound

router = APIRouter(
    prefix="/customers",
    tags=["customers"],
    dependencies=[Depends(current_agent)],
)

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "Unknown customer"}}
CustomerId = FilterValue


class CustomerListQuery(WireModel):
    page: Page = 1
    limit: Limit = 20
    phone_number: tickets.PhoneNumber | None = None
    """Exact phone (any format the service normalises to E.164): at most one customer."""
    search: SearchWords | None = None
    """Words every customer found holds: a name or its beginning ("mari lop"), an email, the
    last digits of a phone; case and accents ignored."""


class CustomerTicketsQuery(WireModel):
    page: Page = 1
    limit: Limit = 20
    status: TicketStatus | None = None
    sort_by: SortBy = "createdAt"
    sort_order: SortOrder = "desc"


class CustomerOut(Ok):
    customer: Customer


class CustomersOut(Ok):
    customers: list[Customer]
    pagination: Pagination


@router.post(
    "",
    status_code=201,
    response_model=None,
    responses={201: {"model": CustomerOut}, 409: {"description": "Phone number already taken"}},
)
async def create_customer(body: CreateCustomer, rpc: RpcDep) -> Response:
    """Create a customer; the phone number is stored in E.164 and must be unused."""
    customer = await rpc.call(tickets.CREATE_CUSTOMER, body)
    return answer("customer", customer, status_code=201)


@router.get(
    "",
    response_model=None,
    dependencies=[Depends(unique_query_keys)],
    responses={200: {"model": CustomersOut}},
)
async def list_customers(query: Annotated[CustomerListQuery, Query()], rpc: RpcDep) -> Response:
    """Customers, newest first, paginated; `search` finds them by name, email or phone digits;
    `phoneNumber` looks one up by its exact phone instead."""
    if query.phone_number is None:
        request = tickets.ListCustomers(page=query.page, limit=query.limit, q=query.search)
        result = await rpc.call_raw(tickets.LIST_CUSTOMERS, request)
        return answer_fields(result)
    try:
        found = [
            await rpc.call(
                tickets.GET_CUSTOMER_BY_PHONE,
                tickets.GetCustomerByPhone(phone_number=query.phone_number),
            )
        ]
    except NotFound:
        found = []
    pagination = Pagination(page=1, limit=query.limit, total=len(found), pages=len(found))
    return answer_fields(CustomerPage(customers=found, pagination=pagination))


@router.get(
    "/{customer_id}", response_model=None, responses={200: {"model": CustomerOut}, **NOT_FOUND}
)
async def get_customer(customer_id: CustomerId, rpc: RpcDep) -> Response:
    """One customer by its id."""
    customer = await rpc.call(tickets.GET_CUSTOMER, tickets.GetCustomer(customer_id=customer_id))
    return answer("customer", customer)


@router.put(
    "/{customer_id}",
    response_model=None,
    responses={
        200: {"model": CustomerOut},
        409: {"description": "Phone number already taken"},
        **NOT_FOUND,
    },
)
async def update_customer(customer_id: CustomerId, body: CreateCustomer, rpc: RpcDep) -> Response:
    """Edit a customer: phone (stored in E.164, unused by another customer), names and email
    are replaced by the ones given (a field left out becomes empty); its tickets show the new
    name and phone."""
    request = tickets.UpdateCustomer(customer_id=customer_id, **body.model_dump(by_alias=False))
    customer = await rpc.call(tickets.UPDATE_CUSTOMER, request)
    return answer("customer", customer)


@router.get(
    "/{customer_id}/tickets",
    response_model=None,
    dependencies=[Depends(unique_query_keys)],
    responses={200: {"model": TicketsOut}},
)
async def customer_tickets(
    customer_id: CustomerId,
    query: Annotated[CustomerTicketsQuery, Query()],
    agent: CurrentAgent,
    rpc: RpcDep,
    visibility: VisibilityDep,
) -> Response:
    """A customer's tickets (that the agent may see), newest first by default (no notes)."""
    request = tickets.ListByCustomer(
        customer_id=customer_id,
        visible_to=await visibility.restricted_to(agent),
        **query.model_dump(by_alias=False),
    )
    result = await rpc.call_raw(tickets.LIST_BY_CUSTOMER, request)
    return answer_fields(result)
