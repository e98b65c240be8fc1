"""Admin reports: per-ticket report facts kept by the ticket's own writes, and the reports
computed from the facts of a period.

A fact is a compact copy of what reports need of one ticket (times, SLA outcomes, status spans,
rating), rewritten whole from the ticket after each of its writes (idempotent: the same ticket
gives the same fact). A report reads the facts that overlap its period (created before its end,
last event at or after its start, or still open) through two range indexes, and computes every
figure exactly in one pass: durations are sorted per bucket for exact medians and 90th
percentiles, the backlog is a running sum of +1 (created, reopened) and -1 (resolved, closed).
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import math
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from tickets_service.configuration import ConfigCache
from tickets_service.domain.ticket import TicketState
from tickets_service.rollups import BATCH, TOTAL, ReportRollups
from uts_shared.contracts import reports as r
from uts_shared.contracts.tickets import TicketStatus
from uts_shared.errors import ValidationFailed
from uts_shared.mongo import Document
from uts_shared.store_types import Database

log = logging.getLogger(__name__)

GATHER_SECONDS = 0.05
"""How long the settler lets changes gather before a batch: at 100 writes a second, five
changes share each rollup document's rewrite."""

FACTS = "report_facts"
PENDING = "pending"
"""Set on a fact whose change is not yet in the rollups (a sparse index finds them at start)."""
WAS = "was"
"""The fact a pending one replaces: its contribution is what the rollups still hold."""
CAS_TRIES = 100
STILL_OPEN = datetime(9999, 12, 31, tzinfo=UTC)
"""`lastAt` of a ticket still open: it overlaps every period after its creation."""
DONE = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
COMMENTS_KEPT = 50
MOMENTS = (
    "resolvedAt",
    "firstResponseAt",
    "ratedAt",
    "assignedAt",
    "reopenedAt",
    "breachedAt",
)
"""The moments a report's figures count, each indexed: the tickets behind a figure in a period
are one range of its index."""


def _ms(start: datetime | None, end: datetime | None) -> int | None:
    if start is None or end is None:
        return None
    return int((end - start).total_seconds() * 1000)


def _done_spans(ticket: TicketState) -> tuple[list[list[datetime | None]], list[datetime]]:
    """The intervals the ticket spent resolved or closed ([start, end or None]) and its
    reopenings (leaving resolved/closed for an open status), from its status history."""
    spans: list[list[datetime | None]] = []
    reopened: list[datetime] = []
    for change in ticket.status_history:
        was_done, is_done = change.from_ in DONE, change.to in DONE
        if is_done and not was_done:
            spans.append([change.timestamp, None])
        elif was_done and not is_done:
            reopened.append(change.timestamp)
            if spans and spans[-1][1] is None:
                spans[-1][1] = change.timestamp
    return spans, reopened


def fact_of(ticket: TicketState) -> Document:
    """The report fact of a ticket as it is now."""
    sla = ticket.sla
    spans, reopened = _done_spans(ticket)
    resolved = ticket.status in DONE and ticket.resolved_at is not None
    feedback = ticket.customer_feedback
    fact: Document = {
        "createdAt": ticket.created_at,
        "category": ticket.category,
        "priority": ticket.priority.value,
        "source": ticket.source.value,
        "agent": ticket.assigned_agent,
        "agentName": ticket.assigned_agent_name,
        "assignedAt": ticket.assigned_at,
        "open": ticket.status not in DONE,
        "firstResponseAt": sla.first_response_at,
        "firstResponseMs": _ms(ticket.created_at, sla.first_response_at),
        "firstResponseBusinessMs": sla.first_response_elapsed_ms if sla.first_response_at else None,
        "firstResponseMet": sla.first_response_met,
        "resolvedAt": ticket.resolved_at if resolved else None,
        "resolutionMs": _ms(ticket.created_at, ticket.resolved_at) if resolved else None,
        "resolutionBusinessMs": sla.elapsed_ms if resolved else None,
        "resolutionMet": sla.resolution_met if resolved else None,
        "breachedAt": [
            at for at in (sla.first_response_breached_at, sla.resolution_breached_at) if at
        ],
        "doneSpans": spans,
        "reopenedAt": reopened,
        "rating": feedback.rating if feedback else None,
        "ratingComment": feedback.comment if feedback else None,
        "ratedAt": (feedback.submitted_at or ticket.updated_at) if feedback else None,
    }
    moments = [
        ticket.created_at,
        *(at for span in spans for at in span if at),
        *reopened,
        *fact["breachedAt"],
        *(at for at in (sla.first_response_at, fact["ratedAt"], ticket.assigned_at) if at),
    ]
    fact["lastAt"] = STILL_OPEN if fact["open"] else max(moments)
    return fact


class ReportFacts:
    """The `report_facts` collection: one document per ticket (`_id` its id, `v` the ticket's
    version it was made from), and the rollups kept in step with it."""

    def __init__(self, database: Database, rollups: ReportRollups | None = None) -> None:
        self.facts = database[FACTS]
        self.rollups = rollups
        self._due: asyncio.Queue[str] | None = None
        self._settler: asyncio.Task[None] | None = None

    async def ensure_indexes(self) -> None:
        await self.facts.create_indexes(
            [
                IndexModel([("createdAt", ASCENDING)], name="created"),
                IndexModel([("lastAt", ASCENDING)], name="last"),
                IndexModel([("agent", ASCENDING), ("open", ASCENDING)], name="agent_open"),
                IndexModel([("channel", ASCENDING)], name="channel"),
                *(IndexModel([(moment, ASCENDING)], name=moment) for moment in MOMENTS),
                IndexModel([(PENDING, ASCENDING)], name="pending", sparse=True),
            ]
        )
        if self.rollups is not None:
            await self.rollups.ensure_indexes()

    async def keep(self, ticket: TicketState, channel: str | None = None) -> None:
        """The ticket's fact, written whole unless a later version's is there already (the
        channel is given when the ticket is new, kept afterwards), and the rollups moved from
        the fact it replaces to it."""
        fact: Document = {"_id": ticket.ticket_id, **fact_of(ticket), "v": ticket.version}
        for _ in range(CAS_TRIES):
            old = await self.facts.find_one({"_id": ticket.ticket_id})
            if old is not None and old.get(PENDING):
                await self._settle(old)  # an earlier change first (interrupted or under way)
                continue
            if old is not None and (old.get("v") or 0) >= ticket.version:
                return  # this version's fact, or a later one, is there already
            fact["channel"] = channel if channel is not None else (old or {}).get("channel")
            if old is not None and _same(old, fact):
                done = await self.facts.update_one(
                    {"_id": fact["_id"], "v": old.get("v")}, {"$set": {"v": fact["v"]}}
                )
                if done.matched_count:
                    return
                continue
            if self.rollups is not None and self.rollups.zone is not None:
                fact[PENDING] = True
                fact[WAS] = None if old is None else _plain(old)
            if old is None:
                try:
                    await self.facts.insert_one(fact)
                except DuplicateKeyError:
                    continue
            else:
                # The fields that differ: with those it had, it is the fact whole (and the
                # indexes of the fields left alone are not touched).
                fields = {
                    k: v for k, v in fact.items() if k != "_id" and (k not in old or old[k] != v)
                }
                update: Document = {"$set": fields}
                if PENDING not in fact and (PENDING in old or WAS in old):
                    update["$unset"] = {PENDING: "", WAS: ""}
                changed = await self.facts.update_one(
                    {"_id": fact["_id"], "v": old.get("v")}, update
                )
                if not changed.matched_count:
                    continue
            if fact.get(PENDING):
                if self._due is None:
                    await self._settle(fact)
                else:  # the background settler carries it into the rollups, batched
                    self.hand_over(ticket.ticket_id)
            return
        raise RuntimeError(f"the report fact of {ticket.ticket_id} kept changing underneath")

    def hand_over(self, ticket_id: str) -> None:
        """The marked fact of `ticket_id` for the background settler."""
        assert self._due is not None
        self._due.put_nowait(ticket_id)

    async def rollups_apply(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> None:
        """A change carried into the rollups at once, and its mark cleared."""
        await self._settle({**after, WAS: before})

    def start(self) -> None:
        """From now on the rollups take the facts' changes in the background, up to BATCH at
        a time (one write per document for them all), off the tickets' own writes."""
        self._due = asyncio.Queue()
        self._settler = asyncio.create_task(self._settle_due(), name="report-rollups")

    async def stop(self, grace: float = 5.0) -> None:
        """The changes handed over so far settled (within `grace`: any left are marked, and
        finished at the next start), then the settler stopped."""
        if self._settler is None:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.settled(), grace)
        self._settler.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._settler
        self._settler, self._due = None, None

    async def settled(self) -> None:
        """Until every change handed over so far is in the rollups (a report reads its own
        replica's writes)."""
        if self._due is not None:
            await self._due.join()

    async def _settle_due(self) -> None:
        due = self._due
        assert due is not None
        while True:
            ids = [await due.get()]
            await asyncio.sleep(GATHER_SECONDS)  # the changes of a busy moment, one batch
            while len(ids) < BATCH and not due.empty():
                ids.append(due.get_nowait())
            try:
                await self._settle_batch(list(dict.fromkeys(ids)))
            except Exception:  # left marked: the next change of the ticket, or a start, ends it
                log.exception("report rollups: %d change(s) not settled now", len(ids))
            finally:
                for _ in ids:
                    due.task_done()

    async def _settle_batch(self, ids: Sequence[str]) -> None:
        facts = await self.facts.find({"_id": {"$in": list(ids)}, PENDING: True}).to_list(None)
        if self.rollups is not None and facts:
            await self.rollups.apply_many([(fact.get(WAS), fact) for fact in facts])
        if facts:  # each mark cleared unless a later version's replaced it: one write for all
            await self.facts.update_many(
                {
                    "_id": {"$in": [fact["_id"] for fact in facts]},
                    "$or": [{"_id": fact["_id"], "v": fact.get("v")} for fact in facts],
                },
                {"$unset": {PENDING: "", WAS: ""}},
            )

    async def _settle(self, fact: Mapping[str, Any]) -> None:
        """A marked fact's change carried into the rollups, then the mark cleared."""
        if self.rollups is not None:
            await self.rollups.apply(fact.get(WAS), fact)
        await self.facts.update_one(
            {"_id": fact["_id"], "v": fact.get("v")}, {"$unset": {PENDING: "", WAS: ""}}
        )

    async def settle_pending(self) -> int:
        """Changes a stop left half done, finished (at start); how many."""
        pending = await self.facts.find({PENDING: True}).to_list(None)
        for fact in pending:
            await self._settle(fact)
        return len(pending)

    async def each(self, window: timedelta = timedelta(days=7)) -> AsyncIterator[Document]:
        """Every fact, a week of creations at a time (a range of the `createdAt` index: each
        read costs its own facts, on the embedded engine as on a server)."""
        ends = []
        for direction in (ASCENDING, DESCENDING):
            found = self.facts.find({}, {"createdAt": 1}).sort("createdAt", direction)
            ends.append(await found.limit(1).to_list(None))
        if not ends[0]:
            return
        moment, last = ends[0][0]["createdAt"], ends[1][0]["createdAt"]
        while moment <= last:
            query = {"createdAt": {"$gte": moment, "$lt": moment + window}}
            for doc in await self.facts.find(query).to_list(None):
                yield doc
            moment += window

    async def rebuild_rollups(self, zone: str) -> int:
        """The rollups written again from every fact, in `zone` (marks cleared); documents."""
        assert self.rollups is not None
        built = await self.rollups.rebuild(zone, self.each())
        await self.facts.update_many({PENDING: True}, {"$unset": {PENDING: "", WAS: ""}})
        return built

    async def versions(self, ids: Sequence[str]) -> dict[str, int | None]:
        docs = await self.facts.find({"_id": {"$in": list(ids)}}, {"v": 1}).to_list(None)
        return {d["_id"]: d.get("v") for d in docs}

    async def overlapping(self, start: datetime, end: datetime, where: Document) -> list[Document]:
        query = {**where, "createdAt": {"$lt": end}, "lastAt": {"$gte": start}}
        return await self.facts.find(query).to_list(None)

    async def read(self, query: Document, fields: Mapping[str, int]) -> list[Document]:
        """The facts `query` matches, only `fields` of them."""
        return await self.facts.find(query, dict(fields)).to_list(None)

    async def ids(self, where: Document) -> list[str]:
        """The tickets whose facts `where` matches."""
        return [doc["_id"] for doc in await self.facts.find(where, {"_id": 1}).to_list(None)]

    async def open_by_agent(self, where: Document) -> dict[str, tuple[int, str | None]]:
        """Open tickets now per agent among those `where` matches (and the agent's name)."""
        found: dict[str, tuple[int, str | None]] = {}
        query = {**where, "open": True}
        for doc in await self.facts.find(query, {"agent": 1, "agentName": 1}).to_list(None):
            if agent := doc.get("agent"):
                count, name = found.get(agent, (0, None))
                found[agent] = (count + 1, name or doc.get("agentName"))
        return found

    async def empty(self) -> bool:
        return await self.facts.find_one({}, {"_id": 1}) is None


LATELY = timedelta(minutes=10)
"""Tickets written this close to the latest write get their facts checked at start."""


async def catch_up(
    facts: ReportFacts,
    zone: str,
    written_lately: Callable[[timedelta], Awaitable[list[TicketState]]],
) -> dict[str, int]:
    """At start: rollups in `zone` (built from the facts when there are none or they are kept
    in another zone), the changes a stop interrupted finished, and the facts of the tickets
    written last checked against their versions (a stop between a ticket's write and its
    fact's). What was done, counted."""
    done = {"built": 0, "settled": 0, "refreshed": 0}
    if facts.rollups is not None:
        kept = await facts.rollups.load()
        if kept is None or kept.key != zone:
            done["built"] = await facts.rebuild_rollups(zone)
        else:
            done["settled"] = await facts.settle_pending()
    lately = await written_lately(LATELY)
    versions = await facts.versions([ticket.ticket_id for ticket in lately])
    for ticket in lately:
        if versions.get(ticket.ticket_id) != ticket.version:
            await facts.keep(ticket)
            done["refreshed"] += 1
    await facts.settled()
    return done


def _plain(fact: Mapping[str, Any]) -> Document:
    return {k: v for k, v in fact.items() if k not in (PENDING, WAS)}


def _same(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """The same fact but for the version (nothing a report counts changed)."""
    skip = ("v", PENDING, WAS)
    return {k: v for k, v in old.items() if k not in skip} == {
        k: v for k, v in new.items() if k not in skip
    }


# --- computing a report (pure) ------------------------------------------------------------------


def rank(values: Sequence[int], share: float) -> int | None:
    """The nearest-rank percentile of sorted `values`: the value at rank ceil(share * n)."""
    if not values:
        return None
    return values[max(math.ceil(share * len(values)), 1) - 1]


def durations(wall: list[int], business: list[int]) -> r.Durations:
    wall.sort()
    business.sort()
    return r.Durations(
        count=len(wall),
        median_ms=rank(wall, 0.5),
        p90_ms=rank(wall, 0.9),
        business_median_ms=rank(business, 0.5),
        business_p90_ms=rank(business, 0.9),
    )


def attainment(met: int, breached: int) -> r.Attainment:
    total = met + breached
    return r.Attainment(met=met, breached=breached, attainment=met / total if total else None)


@dataclass
class _Tally:
    created: int = 0
    resolved: int = 0
    reopened: int = 0
    delta: int = 0
    fr: list[int] = field(default_factory=list)
    fr_business: list[int] = field(default_factory=list)
    res: list[int] = field(default_factory=list)
    res_business: list[int] = field(default_factory=list)
    fr_sla: Counter[bool] = field(default_factory=Counter)
    res_sla: Counter[bool] = field(default_factory=Counter)
    breaches: int = 0
    ratings: list[int] = field(default_factory=list)

    def bucket(self, start: date, backlog: int) -> r.Bucket:
        ratings = self.ratings
        return r.Bucket(
            start=start,
            created=self.created,
            resolved=self.resolved,
            reopened=self.reopened,
            backlog=backlog,
            first_response=durations(self.fr, self.fr_business),
            resolution=durations(self.res, self.res_business),
            first_response_sla=attainment(self.fr_sla[True], self.fr_sla[False]),
            resolution_sla=attainment(self.res_sla[True], self.res_sla[False]),
            breaches=self.breaches,
            ratings=len(ratings),
            rating_average=sum(ratings) / len(ratings) if ratings else None,
        )


@dataclass
class Period:
    first: date
    last: date
    zone: ZoneInfo
    weekly: bool

    @cached_property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), tzinfo=self.zone).astimezone(UTC)

    @cached_property
    def end(self) -> datetime:
        after = self.last + timedelta(days=1)
        return datetime.combine(after, time(), tzinfo=self.zone).astimezone(UTC)

    @cached_property
    def edges(self) -> list[tuple[datetime, date]]:
        """Each day's start (UTC) and its bucket, in order: a moment's bucket by bisection."""
        days = (self.last - self.first).days + 1
        found = []
        for n in range(days):
            day = self.first + timedelta(days=n)
            start = datetime.combine(day, time(), tzinfo=self.zone).astimezone(UTC)
            found.append((start, self.key(day)))
        return found

    def key(self, day: date) -> date:
        return day - timedelta(days=day.weekday()) if self.weekly else day

    def bucket_of(self, moment: datetime | None) -> date | None:
        """The bucket a moment falls in; None outside the period."""
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        if not self.start <= moment < self.end:
            return None
        edges = self.edges
        return edges[bisect.bisect_right(edges, (moment, date.max)) - 1][1]

    def buckets(self) -> list[date]:
        days = (self.last - self.first).days + 1
        return list(dict.fromkeys(self.key(self.first + timedelta(days=n)) for n in range(days)))


def _utc(value: Any) -> datetime | None:
    if value is None:
        return None
    moment: datetime = value
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class _Accumulator:
    """The report's figures, fact by fact."""

    def __init__(self, period: Period) -> None:
        self.period = period
        self.tallies: dict[date, _Tally] = defaultdict(_Tally)
        self.total = _Tally()
        self.base = 0
        """The backlog at the period's start."""
        self.agents: dict[str, dict[str, Any]] = {}
        self.rated: list[tuple[datetime, r.RatingComment]] = []
        self.by_rating: Counter[int] = Counter()

    def at(self, moment: datetime | None) -> list[_Tally]:
        key = self.period.bucket_of(moment)
        return [] if key is None else [self.tallies[key], self.total]

    def move(self, moment: datetime | None, step: int) -> None:
        """A step of the backlog: before the period, into its start; inside, into a bucket."""
        if moment is None:
            return
        if moment < self.period.start:
            self.base += step
        for tally in self.at(moment):
            tally.delta += step

    def _row(self, fact: Mapping[str, Any]) -> dict[str, Any] | None:
        agent = fact.get("agent")
        if not agent:
            return None
        empty: dict[str, Any] = {"name": fact.get("agentName"), "assigned": 0, "resolved": 0}
        empty.update(fr=[], res=[])
        row = self.agents.setdefault(agent, empty)
        if self.period.bucket_of(_utc(fact.get("assignedAt"))) is not None:
            row["assigned"] += 1
        return row

    def add(self, fact: Mapping[str, Any]) -> None:
        created = _utc(fact["createdAt"])
        row = self._row(fact)
        self.move(created, 1)
        for tally in self.at(created):
            tally.created += 1
        for span_start, span_end in fact.get("doneSpans") or ():
            self.move(_utc(span_start), -1)
            self.move(_utc(span_end), 1)
        for moment in fact.get("reopenedAt") or ():
            for tally in self.at(_utc(moment)):
                tally.reopened += 1
        for moment in fact.get("breachedAt") or ():
            for tally in self.at(_utc(moment)):
                tally.breaches += 1
        self._times(fact, row)
        self._rating(fact)

    def _times(self, fact: Mapping[str, Any], row: dict[str, Any] | None) -> None:
        responded = self.at(_utc(fact.get("firstResponseAt")))
        for tally in responded:
            tally.fr.append(fact["firstResponseMs"])
            if fact.get("firstResponseBusinessMs") is not None:
                tally.fr_business.append(fact["firstResponseBusinessMs"])
            if fact.get("firstResponseMet") is not None:
                tally.fr_sla[bool(fact["firstResponseMet"])] += 1
        if responded and row is not None:
            row["fr"].append(fact["firstResponseMs"])
        resolved = self.at(_utc(fact.get("resolvedAt")))
        for tally in resolved:
            tally.resolved += 1
            tally.res.append(fact["resolutionMs"])
            tally.res_business.append(fact["resolutionBusinessMs"])
            if fact.get("resolutionMet") is not None:
                tally.res_sla[bool(fact["resolutionMet"])] += 1
        if resolved and row is not None:
            row["resolved"] += 1
            row["res"].append(fact["resolutionMs"])

    def _rating(self, fact: Mapping[str, Any]) -> None:
        rated_at = _utc(fact.get("ratedAt"))
        inside = self.at(rated_at)
        for tally in inside:
            tally.ratings.append(fact["rating"])
        if not inside or rated_at is None:
            return
        self.by_rating[fact["rating"]] += 1
        if fact.get("ratingComment"):
            comment = r.RatingComment(
                ticket_id=fact["_id"],
                rating=fact["rating"],
                comment=fact["ratingComment"],
                submitted_at=rated_at,
            )
            self.rated.append((rated_at, comment))

    def satisfaction(self) -> r.Satisfaction:
        by_rating = self.by_rating
        count = sum(by_rating.values())
        self.rated.sort(key=lambda pair: (pair[0], pair[1].ticket_id), reverse=True)
        return r.Satisfaction(
            count=count,
            average=sum(k * n for k, n in by_rating.items()) / count if count else None,
            satisfied_share=(by_rating[4] + by_rating[5]) / count if count else None,
            by_rating={str(k): by_rating[k] for k in range(1, 6)},
            comments=[comment for _, comment in self.rated[:COMMENTS_KEPT]],
        )

    def add_rollup(self, doc: Mapping[str, Any], day: date) -> None:
        """A day's rollup document (a day of the period) counted into its bucket."""
        counts: Mapping[str, int] = doc.get("c") or {}
        for tally in (self.tallies[self.period.key(day)], self.total):
            tally.created += counts.get("created", 0)
            tally.resolved += counts.get("resolved", 0)
            tally.reopened += counts.get("reopened", 0)
            tally.delta += counts.get("delta", 0)
            tally.breaches += counts.get("breaches", 0)
            tally.fr += doc.get("fr") or ()
            tally.fr_business += doc.get("frb") or ()
            tally.res += doc.get("res") or ()
            tally.res_business += doc.get("resb") or ()
            tally.fr_sla[True] += counts.get("frMet", 0)
            tally.fr_sla[False] += counts.get("frMissed", 0)
            tally.res_sla[True] += counts.get("resMet", 0)
            tally.res_sla[False] += counts.get("resMissed", 0)
            for k in range(1, 6):
                tally.ratings += [k] * counts.get(f"r{k}", 0)
        for k in range(1, 6):
            self.by_rating[k] += counts.get(f"r{k}", 0)
        for comment in doc.get("cm") or ():
            at = _utc(comment["at"])
            assert at is not None
            rated = r.RatingComment(
                ticket_id=comment["id"],
                rating=comment["rating"],
                comment=comment["comment"],
                submitted_at=at,
            )
            self.rated.append((at, rated))
        for entry in doc.get("ag") or ():
            row = self.agents.setdefault(
                entry["id"], {"name": entry.get("name"), "assigned": 0, "resolved": 0}
            )
            row.setdefault("fr", []).extend(entry.get("fr") or ())
            row.setdefault("res", []).extend(entry.get("res") or ())
            row["assigned"] += entry.get("assigned", 0)
            row["resolved"] += entry.get("resolved", 0)
            row["name"] = row["name"] or entry.get("name")

    def rows(self, open_now: Mapping[str, tuple[int, str | None]]) -> list[r.AgentRow]:
        """A row per agent with something in the period or tickets open now (`open_now`:
        count and name by agent)."""
        for agent, (_, name) in open_now.items():
            self.agents.setdefault(
                agent, {"name": name, "assigned": 0, "resolved": 0, "fr": [], "res": []}
            )
        opened = {agent: count for agent, (count, _) in open_now.items()}
        return [
            r.AgentRow(
                agent_id=agent,
                agent_name=row["name"],
                assigned=row["assigned"],
                resolved=row["resolved"],
                first_response=durations(row["fr"], []),
                resolution=durations(row["res"], []),
                open_now=opened.get(agent, 0),
            )
            for agent, row in sorted(self.agents.items())
            if row["assigned"] or row["resolved"] or row["fr"] or opened.get(agent, 0)
        ]


def compute(
    query: r.ReportQuery,
    period: Period,
    facts: Iterable[Mapping[str, Any]],
    open_now: Mapping[str, tuple[int, str | None]],
) -> r.Report:
    """Every figure of the report from the facts overlapping the period."""
    report = _Accumulator(period)
    for fact in facts:
        report.add(fact)
    return _finish(query, period, report, open_now)


def compute_rolled(
    query: r.ReportQuery,
    period: Period,
    docs: Iterable[Mapping[str, Any]],
    open_now: Mapping[str, tuple[int, str | None]],
) -> r.Report:
    """Every figure of the report from the rollup documents of the period's days (in the
    rollups' zone), of the days after it and the all-time ones: the backlog at the period's
    start is the all-time sum of the steps less the steps since."""
    report = _Accumulator(period)
    since = 0
    for doc in docs:
        day_text: str = doc.get("k") or doc["day"]
        step = (doc.get("c") or {}).get("delta", 0)
        if day_text == TOTAL:
            report.base += step
            continue
        since += step
        day = date.fromisoformat(day_text)
        if day <= period.last:
            report.add_rollup(doc, day)
    report.base -= since
    return _finish(query, period, report, open_now)


def _finish(
    query: r.ReportQuery,
    period: Period,
    report: _Accumulator,
    open_now: Mapping[str, tuple[int, str | None]],
) -> r.Report:
    buckets: list[r.Bucket] = []
    backlog = report.base
    for start in period.buckets():
        tally = report.tallies.get(start) or _Tally()
        backlog += tally.delta
        buckets.append(tally.bucket(start, backlog))
    return r.Report(
        kind=query.kind,
        from_=query.from_,
        to=query.to,
        time_zone=period.zone.key,
        group_by=query.group_by,
        totals=report.total.bucket(query.from_, backlog),
        buckets=buckets,
        agents=report.rows(open_now),
        satisfaction=report.satisfaction(),
    )


def open_in(docs: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int, str | None]]:
    """Open tickets per agent from the all-time rollup documents (the sum of their steps)."""
    found: dict[str, tuple[int, str | None]] = {}
    for doc in docs:
        if (doc.get("k") or doc.get("day")) != TOTAL:
            continue
        for entry in doc.get("ag") or ():
            count, name = found.get(entry["id"], (0, None))
            found[entry["id"]] = (count + entry.get("open", 0), name or entry.get("name"))
    return {agent: pair for agent, pair in found.items() if pair[0]}


def filters(query: r.ReportQuery) -> Document:
    where: Document = {}
    for name, values in (
        ("agent", query.agent),
        ("category", query.category),
        ("priority", [p.value for p in query.priority] if query.priority else None),
        ("channel", query.channel),
        ("source", query.source),
    ):
        if values:
            where[name] = values[0] if len(values) == 1 else {"$in": list(dict.fromkeys(values))}
    return where


def _wanted(query: r.ReportQuery) -> dict[str, list[str]]:
    """The filters as the rollups' cells name them (each asked value, as text)."""
    where = filters(query)
    return {
        name: [str(v) for v in (cond["$in"] if isinstance(cond, dict) else [cond])]
        for name, cond in where.items()
    }


class ReportOperations:
    def __init__(self, facts: ReportFacts, config: ConfigCache) -> None:
        self._facts = facts
        self._config = config

    def rolled(self, zone: ZoneInfo) -> bool:
        """The rollups answer periods in `zone` (the zone they are kept in)."""
        rollups = self._facts.rollups
        return rollups is not None and rollups.zone is not None and rollups.zone.key == zone.key

    async def report(self, query: r.ReportQuery, *, from_facts: bool = False) -> r.Report:
        if query.to < query.from_:
            raise ValidationFailed.on("to", "is before from")
        if (query.to - query.from_).days >= r.MAX_REPORT_DAYS:
            raise ValidationFailed.on("to", f"a period is at most {r.MAX_REPORT_DAYS} days")
        name = query.time_zone
        if name is None:
            calendar = (await self._config.sla_policy()).calendar
            name = "UTC" if isinstance(calendar, str) else calendar.time_zone
        try:
            zone = ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed.on("timeZone", f"unknown time zone '{name[:64]}'") from None
        period = Period(query.from_, query.to, zone, query.group_by == "week")
        rollups = self._facts.rollups
        if not from_facts and rollups is not None and self.rolled(zone):
            await self._facts.settled()
            wanted = _wanted(query)
            docs = (
                await rollups.cells(query.from_, wanted)
                if wanted
                else await rollups.everything(query.from_)
            )
            open_now = open_in(docs) if query.kind == "agents" else {}
            return compute_rolled(query, period, docs, open_now)
        where = filters(query)
        facts = await self._facts.overlapping(period.start, period.end, where)
        open_now = await self._facts.open_by_agent(where) if query.kind == "agents" else {}
        return compute(query, period, facts, open_now)
