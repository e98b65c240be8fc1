"""`GET /tickets/map`: the located tickets the list's filters select, as compact points.

A map answer is large (a couple of hundred bytes a point) and asked again on every ticket event
by every console showing it. The gateway keeps the last answer of each query (for at most
`KEPT_SECONDS`) and asks the tickets service with its stamp: while no ticket changed, the service
says `unchanged` and the kept bytes are sent. The answer's ETag is that stamp, so a browser's
`If-None-Match` gets a 304 without the points.
"""

from __future__ import annotations

import hashlib
import time
from collections import OrderedDict
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response
from pydantic import BaseModel

from gateway.auth import CurrentAgent, current_agent
from gateway.routes.envelope import Ok, answer_fields, unique_query_keys_but
from gateway.routes.tickets import MULTI_VALUE_FILTERS, TicketFilters
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import tickets

router = APIRouter(prefix="/tickets", tags=["tickets"], dependencies=[Depends(current_agent)])

KEPT_SECONDS = 10.0
KEPT_ANSWERS = 64


class MapOut(Ok):
    points: list[tickets.MapPoint]
    capped: bool
    limit: int
    stamp: str
    unchanged: bool


class _Stamped(BaseModel):
    stamp: str
    unchanged: bool = False


class KeptMaps:
    """The last answer of each map query, with its stamp, the least recently asked dropped."""

    def __init__(self) -> None:
        self._kept: OrderedDict[str, tuple[str, float, bytes]] = OrderedDict()

    def get(self, key: str) -> tuple[str, bytes] | None:
        kept = self._kept.get(key)
        if kept is None or time.monotonic() - kept[1] >= KEPT_SECONDS:
            return None
        self._kept.move_to_end(key)
        return kept[0], kept[2]

    def keep(self, key: str, stamp: str, raw: bytes) -> None:
        self._kept[key] = (stamp, time.monotonic(), raw)
        self._kept.move_to_end(key)
        while len(self._kept) > KEPT_ANSWERS:
            self._kept.popitem(last=False)


KEPT = KeptMaps()


@router.get(
    "/map",
    response_model=None,
    dependencies=[Depends(unique_query_keys_but(*MULTI_VALUE_FILTERS))],
    responses={
        200: {"model": MapOut},
        304: {"description": "Unchanged since the ETag given in `If-None-Match`"},
    },
)
async def ticket_map(
    query: Annotated[TicketFilters, Query()],
    agent: CurrentAgent,
    rpc: RpcDep,
    visibility: VisibilityDep,
    if_none_match: Annotated[
        str | None, Header(alias="If-None-Match", description="The ETag of a map you have")
    ] = None,
) -> Response:
    """The tickets with coordinates that the list's filters select (the open statuses unless
    `status` names others; the tickets the agent may see), newest first, as points: id, place,
    priority, status, subject, category, whether it is a problem and its incident count, SLA
    state. At most `limit` (5,000): `capped` says more matched."""
    listed = query.request(agent.id, await visibility.restricted_to(agent))
    request = tickets.MapTickets.model_construct(**dict(listed))
    key = request.model_dump_json()
    kept = KEPT.get(key)
    if kept is not None:
        request = request.model_copy(update={"known": kept[0]})
    raw = await rpc.call_raw(tickets.MAP, request)
    stamped = _Stamped.model_validate_json(raw)
    if stamped.unchanged and kept is not None:
        raw = kept[1]
    else:
        KEPT.keep(key, stamped.stamp, raw)
    tag = _etag(key, stamped.stamp)
    headers = {"ETag": tag, "Cache-Control": "private, no-cache", "Vary": "Authorization"}
    if if_none_match is not None and tag in {t.strip() for t in if_none_match.split(",")}:
        return Response(status_code=304, headers=headers)
    response = answer_fields(raw)
    response.headers.update(headers)
    return response


def _etag(key: str, stamp: str) -> str:
    """The map's entity tag: its query (the caller's scope in it) and the tickets' state."""
    return '"' + hashlib.blake2b(f"{key}\n{stamp}".encode(), digest_size=12).hexdigest() + '"'
