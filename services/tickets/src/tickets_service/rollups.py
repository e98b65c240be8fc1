"""Daily report rollups kept beside the report facts.

A ticket's fact contributes to a few rollup documents (`report_rollups`): for each local day
(in the rollups' time zone: the SLA calendar's when they were built) on which one of its
moments falls, the day's document over every ticket (`*`) and the day's document of its *cell*
(its agent, category, priority, channel and source together), and the all-time documents of
both (`total`: the running sum of its backlog steps, so the backlog before any day is the total
minus the steps since). A day's document holds counts (created, resolved, reopened, backlog
step, SLA met and breached, breaches, ratings by value), the day's durations as sorted lists
(first response and resolution, wall clock and business time: merging days keeps medians and
90th percentiles exact), per agent the same for the agent rows, and the day's rating comments.

Kept in step with the facts: a fact is written with the fact it replaces (`was`) and a
`pending` mark; each rollup document touched is then changed by a compare-and-set on its own
counter `n` (its old contribution taken out, the new one put in) that also records the change's
stamp (`ticket@version`) among the document's last stamps; then the mark is cleared. A document
already holding the stamp is skipped, so finishing a change twice (a retry, or the repair at
start of a change a crash interrupted: the facts still marked) counts it once. The same shape
serves a MongoDB server (single-document compare-and-set, range reads on indexed keys).
"""

from __future__ import annotations

import bisect
import logging
from collections import Counter
from collections.abc import AsyncIterable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from uts_shared.mongo import Document
from uts_shared.store_types import Database

log = logging.getLogger(__name__)

ROLLUPS = "report_rollups"
META = "meta"
TOTAL = "total"
"""The all-time document's day: after every date (`YYYY-MM-DD` sorts before it)."""
SEP = "\x1f"
"""Between the parts of a key: below every printable character, so `v␟…` never reaches `v2…`."""
ALL = "*"
DIMENSIONS = ("agent", "category", "priority", "channel", "source")
KEY_OF = {"agent": "ka", "category": "kc", "priority": "kp", "channel": "kh", "source": "ks"}
"""The field keying a cell's documents by one dimension's value, then day (a range index)."""
LISTS = ("fr", "frb", "res", "resb")
MERGED = ("c", *LISTS, "ag", "cm")
"""The fields of a rollup document a contribution changes (`merge`)."""
STAMPS_KEPT = 256
"""A document remembers the stamps of its last changes: a change interrupted by a crash is
finished at the next start, long before 256 other changes reach the same document (changes
are applied at most BATCH at a time)."""
BATCH = 64
CAS_TRIES = 100


def _day(moment: Any, zone: ZoneInfo) -> str | None:
    if moment is None:
        return None
    at: datetime = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return at.astimezone(zone).date().isoformat()


def cell_of(fact: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(str(fact.get(name) or "") for name in DIMENSIONS)


@dataclass
class Part:
    """One fact's contribution to one rollup document."""

    ident: dict[str, Any]
    counts: Counter[str] = field(default_factory=Counter)
    lists: dict[str, list[int]] = field(default_factory=dict)
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: list[dict[str, Any]] = field(default_factory=list)

    def add(self, name: str, value: int) -> None:
        self.lists.setdefault(name, []).append(value)

    def agent(self, agent: str, name: str | None) -> dict[str, Any]:
        return self.agents.setdefault(agent, {"name": name, "fr": [], "res": []})


def _ident(cell: tuple[str, ...] | None, day: str) -> tuple[str, dict[str, Any]]:
    if cell is None:
        return f"{ALL}{SEP}{day}", {"k": day}
    ident: dict[str, Any] = {
        KEY_OF[name]: f"{value}{SEP}{day}" for name, value in zip(DIMENSIONS, cell, strict=True)
    }
    ident["cell"] = list(cell)
    ident["day"] = day
    return SEP.join((day, *cell)), ident


def parts_of(fact: Mapping[str, Any] | None, zone: ZoneInfo) -> dict[str, Part]:
    """A fact's contributions, by rollup document id (what `reports._Accumulator.add` counts
    of it, day by day)."""
    if not fact:
        return {}
    cell = cell_of(fact)
    found: dict[str, Part] = {}

    def parts(day: str | None) -> list[Part]:
        if day is None:
            return []
        out = []
        for scope in (None, cell):
            _id, ident = _ident(scope, day)
            part = found.get(_id)
            if part is None:
                part = found[_id] = Part(ident)
            out.append(part)
        return out

    agent, name = fact.get("agent"), fact.get("agentName")

    def move(moment: Any, step: int) -> None:
        if moment is None:
            return
        for part in parts(_day(moment, zone)):
            part.counts["delta"] += step
        for part in parts(TOTAL):
            part.counts["delta"] += step
            if agent:
                row = part.agent(agent, name)
                row["open"] = row.get("open", 0) + step

    created = fact["createdAt"]
    move(created, 1)
    for part in parts(_day(created, zone)):
        part.counts["created"] += 1
    for span_start, span_end in fact.get("doneSpans") or ():
        move(span_start, -1)
        move(span_end, 1)
    for moment in fact.get("reopenedAt") or ():
        for part in parts(_day(moment, zone)):
            part.counts["reopened"] += 1
    for moment in fact.get("breachedAt") or ():
        for part in parts(_day(moment, zone)):
            part.counts["breaches"] += 1
    _timed(fact, lambda moment: parts(_day(moment, zone)))
    for part in found.values():
        for values in part.lists.values():
            values.sort()
        for row in part.agents.values():
            row["fr"].sort()
            row["res"].sort()
    return found


def _timed(fact: Mapping[str, Any], parts: Callable[[Any], list[Part]]) -> None:
    """The assignment, first response, resolution and rating of a fact, into the parts of
    their days."""
    agent, name = fact.get("agent"), fact.get("agentName")
    if agent and fact.get("assignedAt") is not None:
        for part in parts(fact["assignedAt"]):
            row = part.agent(agent, name)
            row["assigned"] = row.get("assigned", 0) + 1
    for part in parts(fact.get("firstResponseAt")):
        part.add("fr", fact["firstResponseMs"])
        if fact.get("firstResponseBusinessMs") is not None:
            part.add("frb", fact["firstResponseBusinessMs"])
        if fact.get("firstResponseMet") is not None:
            part.counts["frMet" if fact["firstResponseMet"] else "frMissed"] += 1
        if agent:
            part.agent(agent, name)["fr"].append(fact["firstResponseMs"])
    for part in parts(fact.get("resolvedAt")):
        part.counts["resolved"] += 1
        part.add("res", fact["resolutionMs"])
        if fact.get("resolutionBusinessMs") is not None:
            part.add("resb", fact["resolutionBusinessMs"])
        if fact.get("resolutionMet") is not None:
            part.counts["resMet" if fact["resolutionMet"] else "resMissed"] += 1
        if agent:
            row = part.agent(agent, name)
            row["resolved"] = row.get("resolved", 0) + 1
            row["res"].append(fact["resolutionMs"])
    if fact.get("rating") is not None:
        for part in parts(fact.get("ratedAt")):
            part.counts[f"r{fact['rating']}"] += 1
            if fact.get("ratingComment"):
                part.comments.append(
                    {
                        "id": fact["_id"],
                        "rating": fact["rating"],
                        "comment": fact["ratingComment"],
                        "at": fact["ratedAt"],
                    }
                )


# --- merging a contribution into a document (pure) -----------------------------------------


def _take(values: list[int], value: int) -> None:
    at = bisect.bisect_left(values, value)
    if at < len(values) and values[at] == value:
        del values[at]
    else:  # the document never held it: nothing to take out (logged, not raised)
        log.warning("report rollups: %s was not among the values to take out", value)


def _merge_list(target: list[int], values: Iterable[int], sign: int) -> None:
    for value in values:
        if sign > 0:
            bisect.insort(target, value)
        else:
            _take(target, value)


def merge(doc: Document, part: Part | None, sign: int) -> None:
    """`part` put into (sign 1) or taken out of (sign -1) the rollup document `doc`."""
    if part is None:
        return
    counts: dict[str, int] = doc.setdefault("c", {})
    for name, n in part.counts.items():
        counts[name] = counts.get(name, 0) + sign * n
        if counts[name] == 0:
            del counts[name]
    for name, values in part.lists.items():
        _merge_list(doc.setdefault(name, []), values, sign)
    rows: list[dict[str, Any]] = doc.setdefault("ag", [])
    for agent, mine in part.agents.items():
        row = next((r for r in rows if r["id"] == agent), None)
        if row is None:
            row = {"id": agent, "name": mine.get("name"), "fr": [], "res": []}
            rows.append(row)
        if sign > 0 and mine.get("name"):
            row["name"] = mine["name"]
        for name in ("assigned", "resolved", "open"):
            if mine.get(name):
                row[name] = row.get(name, 0) + sign * mine[name]
                if row[name] == 0:
                    del row[name]
        _merge_list(row["fr"], mine["fr"], sign)
        _merge_list(row["res"], mine["res"], sign)
        if not (
            row["fr"] or row["res"] or any(row.get(n) for n in ("assigned", "resolved", "open"))
        ):
            rows.remove(row)
    comments: list[dict[str, Any]] = doc.setdefault("cm", [])
    for comment in part.comments:
        if sign > 0:
            comments.append(dict(comment))
        else:
            doc["cm"] = comments = [c for c in comments if c["id"] != comment["id"]]


@dataclass(frozen=True)
class Move:
    """One change's contribution to one document: `old` out, `new` in, once for `stamp`."""

    stamp: str
    old: Part | None
    new: Part | None


def _merged_into(part: Part | None) -> set[str]:
    """The fields of a rollup document `merge` changes for `part`."""
    if part is None:
        return set()
    names = set(part.lists)
    if part.counts:
        names.add("c")
    if part.agents:
        names.add("ag")
    if part.comments:
        names.add("cm")
    return names


def _fresh(_id: str, ident: Mapping[str, Any]) -> Document:
    return {"_id": _id, **ident, "n": 0, "seen": []}


# --- the collection ------------------------------------------------------------------------


class ReportRollups:
    """`report_rollups`: the day and all-time documents, and the `meta` document naming their
    time zone (no meta, or one naming no zone: no rollups; the reports read the facts)."""

    def __init__(self, database: Database) -> None:
        self.rollups = database[ROLLUPS]
        self.zone: ZoneInfo | None = None

    async def ensure_indexes(self) -> None:
        await self.rollups.create_indexes(
            [
                IndexModel([("k", ASCENDING)], name="all_by_day"),
                *(
                    IndexModel([(key, ASCENDING)], name=f"{name}_by_day")
                    for name, key in KEY_OF.items()
                ),
            ]
        )

    async def load(self) -> ZoneInfo | None:
        """The zone the stored rollups are kept in (None: there are none)."""
        meta = await self.rollups.find_one({"_id": META})
        self.zone = ZoneInfo(meta["zone"]) if meta and meta.get("zone") else None
        return self.zone

    async def change(self, _id: str, old: Part | None, new: Part | None, stamp: str) -> None:
        """Document `_id` with `old` taken out and `new` put in, once for `stamp`."""
        await self.change_many(_id, [Move(stamp, old, new)])

    async def change_many(self, _id: str, moves: Sequence[Move]) -> None:
        """Document `_id` with each move's `old` taken out and `new` put in, once per stamp."""
        for _ in range(CAS_TRIES):
            doc = await self.rollups.find_one({"_id": _id})
            if doc is None:
                first = moves[0]
                ident = (first.new or first.old or Part({})).ident
                doc = _fresh(_id, ident)
                for move in moves:
                    merge(doc, move.old, -1)
                    merge(doc, move.new, 1)
                doc.update(n=1, seen=[move.stamp for move in moves][-STAMPS_KEPT:])
                try:
                    await self.rollups.insert_one(doc)
                except DuplicateKeyError:
                    continue  # written meanwhile: change that one
                return
            seen = doc.get("seen", [])
            due = [move for move in moves if move.stamp not in seen]
            if not due:
                return  # done already (a retried or repaired change)
            n = doc.get("n", 0)
            had = {name for name in MERGED if name in doc}
            changed: set[str] = set()
            for move in due:
                merge(doc, move.old, -1)
                merge(doc, move.new, 1)
                changed |= _merged_into(move.old) | _merged_into(move.new)
            # What the merges changed or added, the counter and the stamps: the rest of the
            # document (its key fields, the other stamps) is left as it is, under the same `n`.
            changed |= {name for name in MERGED if name in doc} - had
            fields = {name: doc[name] for name in changed}
            stamps = {"$each": [move.stamp for move in due], "$slice": -STAMPS_KEPT}
            update = {"$set": {**fields, "n": n + 1}, "$push": {"seen": stamps}}
            replaced = await self.rollups.update_one({"_id": _id, "n": n}, update)
            if replaced.matched_count:
                return
        raise RuntimeError(f"report rollup {_id!r} kept changing underneath; gave up")

    async def apply(self, before: Mapping[str, Any] | None, after: Mapping[str, Any]) -> None:
        """The rollups moved from fact `before` to fact `after` (stamped by its version)."""
        await self.apply_many([(before, after)])

    async def apply_many(
        self, changes: Sequence[tuple[Mapping[str, Any] | None, Mapping[str, Any]]]
    ) -> None:
        """The rollups moved from each `before` fact to its `after` fact, each document they
        touch changed once for them all (today's documents take every change of a busy
        moment in one write). At most BATCH changes at once: a document must still remember
        every stamp of a batch a stop interrupted."""
        zone = self.zone
        if zone is None:
            return
        assert len(changes) <= BATCH
        moves: dict[str, list[Move]] = {}
        for before, after in changes:
            old, new = parts_of(before, zone), parts_of(after, zone)
            stamp = f"{after['_id']}@{after.get('v')}"
            for _id in old.keys() | new.keys():
                if old.get(_id) != new.get(_id):
                    moves.setdefault(_id, []).append(Move(stamp, old.get(_id), new.get(_id)))
        for _id in sorted(moves):
            await self.change_many(_id, moves[_id])

    async def rebuild(self, zone_name: str, facts: AsyncIterable[Mapping[str, Any]]) -> int:
        """Every rollup written again from `facts`, in zone `zone_name`; how many documents."""
        zone = ZoneInfo(zone_name)
        self.zone = None
        await self.rollups.delete_many({})
        built: dict[str, Document] = {}
        async for fact in facts:
            for _id, part in parts_of(fact, zone).items():
                doc = built.get(_id)
                if doc is None:
                    doc = built[_id] = _fresh(_id, part.ident)
                merge(doc, part, 1)
        docs = list(built.values())
        for first in range(0, len(docs), 1000):
            await self.rollups.insert_many(docs[first : first + 1000])
        await self.rollups.update_one(
            {"_id": META}, {"$set": {"zone": zone_name, "builtAt": datetime.now(UTC)}}, upsert=True
        )
        self.zone = zone
        return len(docs)

    # --- reading -------------------------------------------------------------------------

    async def everything(self, first: date) -> list[Document]:
        """The `*` documents from day `first` on, and the all-time one."""
        query = {"k": {"$gte": first.isoformat(), "$lte": TOTAL}}
        return await self.rollups.find(query).to_list(None)

    async def cells(self, first: date, wanted: Mapping[str, list[str]]) -> list[Document]:
        """The cell documents matching `wanted` (several values each) from day `first` on, and
        their all-time ones: read along the most selective dimension asked."""
        name = next(n for n in DIMENSIONS if n in wanted)
        key = KEY_OF[name]
        found: list[Document] = []
        positions = {n: i for i, n in enumerate(DIMENSIONS)}
        for value in dict.fromkeys(wanted[name]):
            bounds = {"$gte": f"{value}{SEP}{first.isoformat()}", "$lte": f"{value}{SEP}{TOTAL}"}
            for doc in await self.rollups.find({key: bounds}).to_list(None):
                cell = doc["cell"]
                if all(cell[positions[n]] in values for n, values in wanted.items()):
                    found.append(doc)
        return found
