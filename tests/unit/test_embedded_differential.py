"""The embedded engine against mongomock: the same random operations, over the calls a store may
make (`uts_shared.store_types.Collection`), give the same answers, errors and documents.

Where mongomock itself differs from a server, the case is pinned to the server's documented answer
in the engine's own table tests (`test_embedded_queries.py`, `test_embedded_updates.py`) and the
operations generated here stay off it (the list below). More examples (the
nightly mode, docs/STORAGE.md): `UTS_DIFFERENTIAL_EXAMPLES=2000 uv run pytest <this file>`.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Coroutine
from typing import Any

import mongomock
import pymongo.errors
import pytest
from bson import ObjectId
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from uts_shared.embedded import Engine
from uts_shared.embedded.aio import EmbeddedDatabase

EXAMPLES = int(os.environ.get("UTS_DIFFERENTIAL_EXAMPLES", "25"))

# Where mongomock differs from a server; kept out of the generated operations, and each pinned
# to the server's documented answer in a table test (unless said otherwise):
# - a $set of an equal value of another type (1 -> true or 1.0): mongomock reports it unmodified;
# - conflicting update paths ($set a + $inc a.b, $inc n + $setOnInsert n): mongomock applies both;
# - $min/$max across types, a path created through null: mongomock crashes or ignores it;
# - an upserted document: mongomock puts `_id` last (compared here with `_id` first), and
#   find_one_and_update returns None for one the update took out of the filter;
# - sorts on array fields (mongomock orders some arrays of strings as a whole);
# - find_one_and_update projecting a document to nothing: mongomock returns None, not {};
# - {$all: []} and {$in: [[]]}: mongomock matches every document, and nothing;
# - index_information() of a collection emptied by deletes: mongomock answers {}, not `_id_`;
# - new fields: a server adds them in field-name order across operators, mongomock operator by
#   operator (the updates here are laid out so both orders agree);
# - $addToSet with $each holding a value twice: mongomock adds it twice on an upsert;
# - $pop on a missing field: mongomock raises KeyError (not pinned: the manual does not say; the
#   engine does nothing, as $unset of a missing field);
# - {$gte: null}: mongomock matches nothing (not pinned: the manual does not say; the engine
#   matches null and missing as equality to null does); ranges here compare numbers and dates.

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
IDS = st.integers(0, 9) | st.sampled_from(["a", "b"])
STATUSES = ["new", "open", "closed"]
TAGS = ["x", "y", "z"]
KEYS = ["k1", "k2", "k3"]
DATES = st.integers(0, 5).map(lambda m: T0 + dt.timedelta(minutes=m, milliseconds=m))

status_values = st.sampled_from([*STATUSES, None])
tag_lists = st.lists(st.sampled_from(TAGS), max_size=3)
entries = st.fixed_dictionaries({"e": st.sampled_from(TAGS), "at": st.integers(0, 3)})
"""Outbox-like subdocuments in an array (`box`)."""


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = {"_id": draw(IDS)}
    optional: dict[str, st.SearchStrategy[Any]] = {
        "status": status_values,
        "rank": st.integers(-2, 3),
        "tags": tag_lists,
        "key": st.sampled_from(KEYS),
        "o": st.fixed_dictionaries({"n": st.integers(0, 3)}),
        "at": DATES,
        "flag": st.booleans(),
        "box": st.lists(entries, max_size=3),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            doc[name] = draw(values)
    return doc


def _clauses() -> st.SearchStrategy[dict[str, Any]]:
    numbers = st.integers(-2, 3)
    comparison = st.sampled_from(["$gt", "$gte", "$lt", "$lte"])
    return st.one_of(
        st.builds(lambda v: {"_id": v}, IDS),
        st.builds(lambda v: {"_id": {"$in": v}}, st.lists(IDS, max_size=3)),
        st.builds(lambda v: {"status": v}, status_values),
        st.builds(lambda v: {"status": {"$in": v}}, st.lists(status_values, max_size=3)),
        st.builds(lambda v: {"status": {"$nin": v}}, st.lists(status_values, max_size=2)),
        st.builds(lambda v: {"status": {"$ne": v}}, status_values),
        st.builds(lambda v: {"key": {"$exists": v}}, st.booleans()),
        st.builds(lambda op, v: {"rank": {op: v}}, comparison, numbers),
        st.builds(lambda op, v: {"o.n": {op: v}}, comparison, numbers),
        st.builds(lambda op, v: {"at": {op: v}}, comparison, DATES),
        st.builds(lambda v: {"tags": v}, st.sampled_from(TAGS)),
        st.builds(
            lambda v: {"tags": {"$all": v}}, st.lists(st.sampled_from(TAGS), min_size=1, max_size=2)
        ),
        st.builds(lambda v: {"tags": {"$size": v}}, st.integers(0, 2)),
        st.builds(
            lambda v: {"tags": {"$elemMatch": {"$in": v}}},
            st.lists(st.sampled_from(TAGS), min_size=1, max_size=2),
        ),
        st.builds(lambda v: {"flag": v}, st.booleans()),
        st.builds(lambda op, v: {"box.at": {op: v}}, comparison, numbers),
        st.builds(lambda v: {"box.e": v}, st.sampled_from(TAGS)),
        st.builds(
            lambda e, n: {"box": {"$elemMatch": {"e": e, "at": {"$gte": n}}}},
            st.sampled_from(TAGS),
            numbers,
        ),
    )


@st.composite
def filters(draw: st.DrawFn) -> dict[str, Any]:
    query: dict[str, Any] = {}
    for clause in draw(st.lists(_clauses(), max_size=3)):
        query.update(clause)
    if draw(st.integers(0, 4)) == 0:
        query["$or"] = draw(st.lists(_clauses(), min_size=1, max_size=2))
    return query


SORT_FIELDS = ["status", "rank", "at", "o.n", "key", "flag"]
sorts = st.lists(
    st.tuples(st.sampled_from(SORT_FIELDS), st.sampled_from([ASCENDING, DESCENDING])),
    max_size=2,
    unique_by=lambda pair: pair[0],
).map(lambda pairs: [*pairs, ("_id", ASCENDING)])
projections = st.sampled_from([None, {"status": 1, "rank": 1}, {"tags": 0, "o": 0}, {"_id": 0}])
returned_projections = st.sampled_from([None, {"status": 1, "rank": 1}, {"tags": 0, "o": 0}])
"""find_one_and_update's: mongomock returns None for a document projected to nothing."""


def _field_update(field: str, with_key: bool) -> st.SearchStrategy[tuple[str, str, Any]]:
    """(operator, path, argument) on one top-level field, of the kinds the stores write."""
    options: list[st.SearchStrategy[tuple[str, str, Any]]] = [st.just(("$unset", field, ""))]
    if field == "status":
        options.append(st.builds(lambda v: ("$set", "status", v), status_values))
    elif field == "rank":
        options.append(st.builds(lambda v: ("$set", "rank", v), st.integers(-2, 3)))
        options.append(st.builds(lambda v: ("$inc", "rank", v), st.integers(-2, 2)))
        options.append(st.builds(lambda v: ("$max", "rank", v), st.integers(-2, 3)))
    elif field == "o":
        options.append(st.builds(lambda v: ("$inc", "o.n", v), st.integers(-1, 2)))
        options.append(st.builds(lambda v: ("$set", "o.n", v), st.integers(0, 3)))
        options.append(st.builds(lambda v: ("$min", "o.n", v), st.integers(0, 3)))
    elif field == "tags":
        options.append(st.builds(lambda v: ("$push", "tags", v), st.sampled_from(TAGS)))
        options.append(
            st.builds(
                lambda v, n: ("$push", "tags", {"$each": v, "$slice": n}),
                tag_lists,
                st.integers(-3, 3),
            )
        )
        options.append(st.builds(lambda v: ("$pull", "tags", v), st.sampled_from(TAGS)))
        options.append(
            st.builds(lambda v: ("$pull", "tags", {"$in": v}), st.lists(st.sampled_from(TAGS)))
        )
        options.append(st.builds(lambda v: ("$set", "tags", v), tag_lists))
        # Implemented though no store writes them yet ($pop is kept out, see the list above).
        options.append(
            st.builds(
                lambda v: ("$addToSet", "tags", {"$each": v}),
                st.lists(st.sampled_from(TAGS), max_size=3, unique=True),
            )
        )
        options.append(st.builds(lambda v: ("$pullAll", "tags", v), tag_lists))
    elif field == "key" and with_key:
        options.append(st.builds(lambda v: ("$set", "key", v), st.sampled_from(KEYS)))
    elif field == "flag":
        options.append(st.builds(lambda v: ("$set", "flag", v), st.booleans()))
    elif field == "box":
        options.append(st.builds(lambda v: ("$push", "box", v), entries))
        options.append(
            st.builds(
                lambda v: ("$pull", "box", {"e": {"$in": v}}), st.lists(st.sampled_from(TAGS))
            )
        )
    elif field == "created":
        options = [st.builds(lambda v: ("$setOnInsert", "created", v), DATES)]
    elif field == "count":
        options.append(st.builds(lambda v: ("$inc", "count", v), st.integers(1, 2)))
    return st.one_of(options)


@st.composite
def updates(draw: st.DrawFn, with_key: bool = True) -> dict[str, Any]:
    """Operators on distinct top-level fields (paths that conflict are pinned elsewhere), laid
    out so that mongomock's order (operator by operator) is a server's (field-name order)."""
    fields = ["status", "rank", "o", "tags", "key", "flag", "created", "count", "box"]
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True))
    update: dict[str, dict[str, Any]] = {}
    for field in sorted(chosen):
        op, path, arg = draw(_field_update(field, with_key))
        if op in update and op != list(update)[-1]:
            continue  # this operator's fields would no longer be consecutive
        update.setdefault(op, {})[path] = arg
    return update


EXTRA_INDEXES: dict[str, tuple[list[tuple[str, int]], dict[str, Any]]] = {
    "flag_1_at_-1": ([("flag", ASCENDING), ("at", DESCENDING)], {}),
    "status_1": ([("status", ASCENDING)], {"unique": True}),
    "by_n": ([("o.n", DESCENDING)], {"name": "by_n"}),
    "tags_1_rank_1": ([("tags", ASCENDING), ("rank", ASCENDING)], {}),
}
"""Declared and dropped as the operations go (the planner's choices change with them)."""

upsert_filters = st.one_of(
    st.builds(lambda v: {"_id": v}, IDS),
    st.builds(lambda v: {"key": v}, st.sampled_from(KEYS)),
    st.builds(lambda v, s: {"_id": v, "status": s}, IDS, st.sampled_from(STATUSES)),
)


def _run(coro: Coroutine[Any, Any, Any]) -> Any:
    """The engine's calls finish without awaiting anything: run one to its answer."""
    try:
        coro.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("an embedded engine call awaited")


Outcome = tuple[str, Any]


def _attempt(call: Callable[[], Any]) -> Outcome:
    try:
        return ("ok", call())
    except pymongo.errors.PyMongoError as error:
        return ("error", type(error).__name__)


class EngineAgainstMongomock(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.engine = EmbeddedDatabase(Engine().database("differential"))["c"]
        self.mock = mongomock.MongoClient(tz_aware=True).db.c
        self.ids: dict[ObjectId, ObjectId] = {}
        """The engine's ObjectIds -> mongomock's (both number new documents in one order)."""

    @initialize()
    def indexes(self) -> None:
        models = [
            IndexModel([("key", ASCENDING)], unique=True, sparse=True),
            IndexModel([("status", ASCENDING), ("at", DESCENDING)]),
            IndexModel([("tags", ASCENDING)]),
            IndexModel([("rank", ASCENDING)]),
        ]
        assert _run(self.engine.create_indexes(models)) == self.mock.create_indexes(models)

    # --- comparing ------------------------------------------------------------------------

    def _same(self, engine: Callable[[], Any], mock: Callable[[], Any]) -> None:
        ours, theirs = _attempt(engine), _attempt(mock)
        self._learn_ids()
        assert self._plain(ours) == self._plain(theirs, mock_side=True)

    def _learn_ids(self) -> None:
        ours = [d["_id"] for d in self._all(self.engine) if isinstance(d["_id"], ObjectId)]
        theirs = [
            d["_id"] for d in self.mock.find({}, {"_id": 1}) if isinstance(d["_id"], ObjectId)
        ]
        ours.sort()
        theirs.sort()
        assert len(ours) == len(theirs)
        self.ids.update(zip(ours, theirs, strict=True))

    @staticmethod
    def _all(collection: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = _run(collection.find({}, {"_id": 1}).to_list())
        return found

    def _plain(self, value: Any, *, mock_side: bool = False) -> Any:
        """A comparable form: field order kept, datetimes in UTC, ObjectIds matched up."""
        if isinstance(value, dict):
            # A server stores `_id` first (mongomock appends it to an upserted document):
            # https://www.mongodb.com/docs/manual/core/document/#field-order
            first = {"_id": value["_id"]} if "_id" in value else {}
            items = {**first, **value}.items()
            return [(k, self._plain(v, mock_side=mock_side)) for k, v in items]
        if isinstance(value, (list, tuple)):
            return [self._plain(v, mock_side=mock_side) for v in value]
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC)
        if isinstance(value, ObjectId) and not mock_side:
            return self.ids.get(value, value)
        return value

    # --- writes ---------------------------------------------------------------------------

    @rule(doc=documents())
    def insert_one(self, doc: dict[str, Any]) -> None:
        self._same(
            lambda: _run(self.engine.insert_one(dict(doc))).inserted_id,
            lambda: self.mock.insert_one(dict(doc)).inserted_id,
        )

    @rule(query=filters(), update=updates(), upsert=st.booleans())
    def update_one(self, query: dict[str, Any], update: dict[str, Any], upsert: bool) -> None:
        if upsert:
            return self.upsert_one(query, update)
        self._same(
            lambda: _counts(_run(self.engine.update_one(query, update))),
            lambda: _counts(self.mock.update_one(query, update)),
        )
        return None

    def upsert_one(self, query: dict[str, Any], update: dict[str, Any]) -> None:
        query = {k: v for k, v in query.items() if k in ("_id", "key") and not isinstance(v, dict)}
        if not query:
            return
        self._same(
            lambda: _counts(_run(self.engine.update_one(query, update, upsert=True))),
            lambda: _counts(self.mock.update_one(query, update, upsert=True)),
        )

    @rule(query=filters(), update=updates(with_key=False))
    def update_many(self, query: dict[str, Any], update: dict[str, Any]) -> None:
        self._same(
            lambda: _counts(_run(self.engine.update_many(query, update))),
            lambda: _counts(self.mock.update_many(query, update)),
        )

    @rule(
        query=filters() | upsert_filters,
        update=updates(),
        sort=sorts,
        projection=returned_projections,
        after=st.booleans(),
        upsert=st.booleans(),
    )
    def find_one_and_update(
        self,
        *,
        query: dict[str, Any],
        update: dict[str, Any],
        sort: list[tuple[str, int]],
        projection: dict[str, Any] | None,
        after: bool,
        upsert: bool,
    ) -> None:
        if upsert and not all(k in ("_id", "key", "status") for k in query):
            upsert = False  # an upsert starts from equality fields only (kept simple here)
        if upsert:  # an upserted document that no longer matches: mongomock returns None
            update = {
                op: kept
                for op, fields in update.items()
                if (kept := {p: v for p, v in fields.items() if p.split(".")[0] not in query})
            } or {"$inc": {"count": 1}}
        which = ReturnDocument.AFTER if after else ReturnDocument.BEFORE
        options = {"sort": sort, "upsert": upsert, "return_document": which}
        self._same(
            lambda: _run(self.engine.find_one_and_update(query, update, projection, **options)),
            lambda: self.mock.find_one_and_update(query, update, projection, **options),
        )

    @rule(query=filters(), sort=sorts)
    def find_one_and_delete(self, query: dict[str, Any], sort: list[tuple[str, int]]) -> None:
        self._same(
            lambda: _run(self.engine.find_one_and_delete(query, sort=sort)),
            lambda: self.mock.find_one_and_delete(query, sort=sort),
        )

    @rule(query=filters(), many=st.booleans())
    def delete(self, query: dict[str, Any], many: bool) -> None:
        if many:
            self._same(
                lambda: _run(self.engine.delete_many(query)).deleted_count,
                lambda: self.mock.delete_many(query).deleted_count,
            )
        else:
            self._same(
                lambda: _run(self.engine.delete_one(query)).deleted_count,
                lambda: self.mock.delete_one(query).deleted_count,
            )

    # --- indexes --------------------------------------------------------------------------

    @rule(which=st.sampled_from(sorted(EXTRA_INDEXES)))
    def create_index(self, which: str) -> None:
        keys, options = EXTRA_INDEXES[which]
        self._same(
            lambda: _run(self.engine.create_index(keys, **options)),
            lambda: self.mock.create_index(keys, **options),
        )

    @rule(name=st.sampled_from([*sorted(EXTRA_INDEXES), "rank_1", "missing"]))
    def drop_index(self, name: str) -> None:
        self._same(
            lambda: _run(self.engine.drop_index(name)),
            lambda: self.mock.drop_index(name),
        )

    @rule()
    def index_information(self) -> None:
        def plain(info: Any) -> dict[str, Any]:  # the order of an index's options is no answer
            return {
                name: sorted({**spec, "key": list(spec["key"])}.items())
                for name, spec in info.items()
            }

        if not self.mock.index_information() and self.mock.find_one({}) is None:
            return  # mongomock forgets an emptied collection's `_id` index
        self._same(
            lambda: plain(_run(self.engine.index_information())),
            lambda: plain(self.mock.index_information()),
        )

    @rule()
    def drop(self) -> None:
        self._same(lambda: _run(self.engine.drop()), self.mock.drop)

    # --- reads ----------------------------------------------------------------------------

    @rule(
        query=filters(),
        sort=sorts,
        skip=st.integers(0, 4),
        limit=st.integers(0, 4),
        projection=projections,
        iterated=st.booleans(),
    )
    def find(
        self,
        *,
        query: dict[str, Any],
        sort: list[tuple[str, int]],
        skip: int,
        limit: int,
        projection: dict[str, Any] | None,
        iterated: bool,
    ) -> None:
        def ours() -> list[dict[str, Any]]:
            cursor = self.engine.find(query, projection).sort(sort).skip(skip).limit(limit)
            found: list[dict[str, Any]] = _run(_collect(cursor) if iterated else cursor.to_list())
            return found

        self._same(
            ours,
            lambda: list(self.mock.find(query, projection).sort(sort).skip(skip).limit(limit)),
        )

    @rule(query=filters(), sort=sorts, projection=projections)
    def find_one(
        self, query: dict[str, Any], sort: list[tuple[str, int]], projection: dict[str, Any] | None
    ) -> None:
        self._same(
            lambda: _run(self.engine.find_one(query, projection, sort=sort)),
            lambda: self.mock.find_one(query, projection, sort=sort),
        )

    @rule(query=filters())
    def count_documents(self, query: dict[str, Any]) -> None:
        self._same(
            lambda: _run(self.engine.count_documents(query)),
            lambda: self.mock.count_documents(query),
        )

    @invariant()
    def same_documents(self) -> None:
        self._same(
            lambda: _run(self.engine.find({}).sort("_id", ASCENDING).to_list()),
            lambda: list(self.mock.find({}).sort("_id", ASCENDING)),
        )


async def _collect(cursor: Any) -> list[dict[str, Any]]:
    return [doc async for doc in cursor]


def _counts(result: Any) -> tuple[int, int, Any]:
    return (result.matched_count, result.modified_count, result.upserted_id)


EngineAgainstMongomock.TestCase.settings = settings(
    max_examples=EXAMPLES,
    stateful_step_count=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
TestEngineAnswersAsMongomock = EngineAgainstMongomock.TestCase
# The nightly mode runs longer than the suite's per-test timeout allows.
TestEngineAnswersAsMongomock.pytestmark = [pytest.mark.timeout(max(120, 2 * EXAMPLES))]
