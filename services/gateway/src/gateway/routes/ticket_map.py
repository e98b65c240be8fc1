"""`GET /tickets/map`: the located tickets the list's filters select, as compact points."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from gateway.auth import CurrentAgent, current_agent
from gateway.routes.envelope import Ok, answer_fields, unique_query_keys_but
from gateway.routes.tickets import MULTI_VALUE_FILTERS, TicketFilters
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import tickets

router = APIRouter(prefix="/tickets", tags=["tickets"], dependencies=[Depends(current_agent)])


class MapOut(Ok):
    points: list[tickets.MapPoint]
    capped: bool
    limit: int


@router.get(
    "/map",
    response_model=None,
    dependencies=[Depends(unique_query_keys_but(*MULTI_VALUE_FILTERS))],
    responses={200: {"model": MapOut}},
)
async def ticket_map(
    query: Annotated[TicketFilters, Query()],
    agent: CurrentAgent,
    rpc: RpcDep,
    visibility: VisibilityDep,
) -> Response:
    """The tickets with coordinates that the list's filters select (the open statuses unless
    `status` names others; the tickets the agent may see), newest first, as points: id, place,
    priority, status, subject, category, whether it is a problem and its incident count, SLA
    state. At most `limit` (5,000): `capped` says more matched."""
    listed = query.request(agent.id, await visibility.restricted_to(agent))
    request = tickets.MapTickets.model_construct(**dict(listed))
    return answer_fields(await rpc.call_raw(tickets.MAP, request))
