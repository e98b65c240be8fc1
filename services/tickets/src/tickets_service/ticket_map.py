"""The map's points: the list's filters over the located tickets, one indexed read, kept while
no ticket changes.

A console refreshes its map on every ticket event, and many consoles show the same map: the
answer of a request is kept with the moment of the newest change to any ticket
(`TicketStore.last_change`, one index step) and served again while that moment stays the same,
for at most `KEPT_SECONDS` (replicas' clocks may differ by a little; a write stamped earlier than
the newest change is then still seen soon).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from datetime import datetime

from tickets_service.domain import search
from tickets_service.domain.ticket import OPEN_STATES
from tickets_service.store import TicketStore
from tickets_service.tickets import Narrowing, list_filter, unnarrowed
from uts_shared.contracts import tickets as t

KEPT_SECONDS = 10.0
KEPT_ANSWERS = 64
"""Answers kept (one per filters and visibility asked), the least recently asked dropped."""


def _stamp(last: tuple[datetime, str] | None) -> str:
    """The tickets' state as a stamp: the newest change's time and ticket."""
    return "" if last is None else f"{last[0].isoformat()} {last[1]}"


class TicketMap:
    def __init__(
        self,
        store: TicketStore,
        *,
        limit: int = t.MAP_POINTS_MAX,
        narrowing: Narrowing = unnarrowed,
    ) -> None:
        self._store = store
        self._narrowing = narrowing
        self._limit = limit
        self._kept: OrderedDict[str, tuple[str, float, t.MapPoints]] = OrderedDict()

    async def points(self, req: t.MapTickets) -> t.MapPoints:
        """The located tickets matching the list's filters (open ones unless `status` says),
        newest first, at most `limit` (`capped` when more matched); `unchanged` and no points
        when the caller's `known` stamp is still the tickets' state."""
        key = req.model_dump_json(exclude={"page", "limit", "sort_by", "sort_order", "known"})
        stamp = _stamp(await self._store.last_change())
        if req.known is not None and req.known == stamp:
            return t.MapPoints(
                points=[], capped=False, limit=self._limit, stamp=stamp, unchanged=True
            )
        kept = self._kept.get(key)
        if kept is not None and kept[0] == stamp and time.monotonic() - kept[1] < KEPT_SECONDS:
            self._kept.move_to_end(key)
            return kept[2]
        answer = (await self._read(req)).model_copy(update={"stamp": stamp})
        self._kept[key] = (stamp, time.monotonic(), answer)
        self._kept.move_to_end(key)
        while len(self._kept) > KEPT_ANSWERS:
            self._kept.popitem(last=False)
        return answer

    async def _read(self, req: t.MapTickets) -> t.MapPoints:
        asked = search.parse(req.q) if req.q is not None else search.Query(())
        if req.q is not None and not asked:  # only stopwords or punctuation: nothing matches
            return t.MapPoints(points=[], capped=False, limit=self._limit)
        req = req.model_copy(update={"status": req.status or OPEN_STATES})
        where = list_filter(req, asked, await self._narrowing(req))
        phrases = asked if asked.phrases else None
        points, capped = await self._store.map_points(where, self._limit, phrases)
        return t.MapPoints(points=points, capped=capped, limit=self._limit)
