"""The embedded engine answers queries as MongoDB does, and its indexes never change an answer."""

from __future__ import annotations

import random
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pymongo.errors
import pytest
from bson.regex import Regex
from pymongo import ASCENDING, DESCENDING, IndexModel

from uts_shared.embedded import Engine
from uts_shared.embedded import collection as collection_module
from uts_shared.embedded.aio import EmbeddedDatabase
from uts_shared.embedded.indexes import POSTING_FROM, order_key
from uts_shared.embedded.matching import compile_filter
from uts_shared.store_types import views_of

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def matches(doc: dict[str, Any], query: dict[str, Any]) -> bool:
    return compile_filter(query)(doc)


@pytest.mark.parametrize(
    ("doc", "query", "expected"),
    [
        ({"a": 1}, {"a": 1.0}, True),
        ({"a": True}, {"a": 1}, False),
        ({"a": "1"}, {"a": 1}, False),
        ({"tags": ["x", "y"]}, {"tags": "y"}, True),
        ({"tags": ["x", "y"]}, {"tags": ["x", "y"]}, True),
        ({"tags": ["x", "y"]}, {"tags": ["y", "x"]}, False),
        ({}, {"a": None}, True),
        ({"a": None}, {"a": None}, True),
        ({"a": 0}, {"a": None}, False),
        ({"a": []}, {"a": None}, False),
        # $in is equality with any of its values: an empty array equals an empty array
        # (https://www.mongodb.com/docs/manual/reference/operator/query/in/).
        ({"a": []}, {"a": {"$in": [[]]}}, True),
        ({"a": [1]}, {"a": {"$in": [[]]}}, False),
        # "When passed an empty array, $all matches no documents."
        # (https://www.mongodb.com/docs/manual/reference/operator/query/all/#behavior)
        ({"t": ["a"]}, {"t": {"$all": []}}, False),
        ({}, {"t": {"$all": []}}, False),
        ({"a": 5}, {"a": {"$gt": 4, "$lte": 5}}, True),
        ({"a": 5}, {"a": {"$gt": "4"}}, False),
        ({}, {"a": {"$lt": 5}}, False),
        ({"a": 5}, {"a": {"$ne": 5}}, False),
        ({}, {"a": {"$ne": 5}}, True),
        ({"a": [1, 5]}, {"a": {"$ne": 5}}, False),
        ({"a": 2}, {"a": {"$in": [1, 2]}}, True),
        ({}, {"a": {"$in": [None]}}, True),
        ({"a": 3}, {"a": {"$nin": [1, 2]}}, True),
        ({"a": 1}, {"a": {"$exists": True}}, True),
        ({"a": None}, {"a": {"$exists": False}}, False),
        ({"t": ["a", "b", "c"]}, {"t": {"$all": ["a", "c"]}}, True),
        ({"t": ["a", "b"]}, {"t": {"$all": ["a", "z"]}}, False),
        ({"t": [1, 2]}, {"t": {"$size": 2}}, True),
        ({"o": [{"id": 1, "at": 5}, {"id": 2, "at": 9}]}, {"o.at": {"$lte": 5}}, True),
        ({"o": [{"id": 1, "at": 7}, {"id": 2, "at": 9}]}, {"o.at": {"$lte": 5}}, False),
        ({"o": [{"id": 1, "at": 7}]}, {"o.id": 1}, True),
        # A condition on a field in an array of documents holds when one element meets it
        # (https://www.mongodb.com/docs/manual/tutorial/query-array-of-documents/), and null
        # is met by a missing field (.../tutorial/query-for-null-fields/): an element without it.
        ({"o": [{"at": 1}, {"id": 2}]}, {"o.at": None}, True),
        ({"o": [{"at": 1}, {"at": 2}]}, {"o.at": None}, False),
        ({"o": [{"at": 1}, {"id": 2}]}, {"o.at": {"$exists": False}}, False),
        ({"o": [{"at": 1}, {"id": 2}]}, {"o.at": {"$ne": None}}, False),
        ({"o": [{"at": 1}]}, {"o.0.at": None}, False),
        ({"o": [{"id": 1}]}, {"o.0.at": None}, True),
        (
            {"v": [{"id": "a", "b": True}]},
            {"v": {"$elemMatch": {"id": "a", "b": {"$ne": True}}}},
            False,
        ),
        (
            {"v": [{"id": "a", "b": False}]},
            {"v": {"$elemMatch": {"id": "a", "b": {"$ne": True}}}},
            True,
        ),
        ({"v": {"id": "x"}}, {"v.id": {"$ne": "y"}}, True),
        ({"s": "Iluminación"}, {"s": {"$regex": "^ilu", "$options": "i"}}, True),
        ({"a": 1, "b": 2}, {"$or": [{"a": 2}, {"b": 2}]}, True),
        ({"a": 1}, {"$nor": [{"a": 1}]}, False),
        ({"a": 1, "b": 2}, {"$and": [{"a": 1}, {"b": {"$gte": 2}}]}, True),
        ({"d": T0}, {"d": {"$lt": T0 + timedelta(seconds=1)}}, True),
        ({"d": T0}, {"d": {"$lt": (T0 + timedelta(seconds=1)).replace(tzinfo=None)}}, True),
        ({"n": {"a": 1, "b": 2}}, {"n": {"a": 1, "b": 2}}, True),
        ({"n": {"a": 1, "b": 2}}, {"n": {"b": 2, "a": 1}}, False),
        # A regular expression as a value, or inside $in/$nin, matches strings as $regex does.
        ({"s": "Poste caído"}, {"s": re.compile("^poste", re.IGNORECASE)}, True),
        ({"s": "luz"}, {"s": {"$in": [re.compile("^po"), "luz"]}}, True),
        ({"s": "poste"}, {"s": {"$in": [re.compile("^po"), "luz"]}}, True),
        ({"s": ["x", "poste"]}, {"s": {"$in": [Regex("^PO", "i")]}}, True),
        ({"s": "calle"}, {"s": {"$in": [re.compile("^po")]}}, False),
        ({"s": "poste"}, {"s": {"$nin": [re.compile("^po")]}}, False),
        ({"s": "poste"}, {"s": {"$not": re.compile("^po")}}, False),
        ({"s": "a b"}, {"s": {"$regex": "a  b # spaces ignored", "$options": "x"}}, False),
        ({"s": "ab"}, {"s": {"$regex": "a  b # spaces ignored", "$options": "x"}}, True),
    ],
)
def test_filters_follow_mongodb_semantics(
    doc: dict[str, Any], query: dict[str, Any], expected: bool
) -> None:
    assert matches(doc, query) is expected


def test_unknown_operators_are_refused_by_name() -> None:
    with pytest.raises(NotImplementedError, match=r"\$where"):
        compile_filter({"$where": "1"})
    with pytest.raises(NotImplementedError, match=r"\$near"):
        compile_filter({"a": {"$near": [0, 0]}})
    with pytest.raises(NotImplementedError, match=r"\$text"):
        compile_filter({"$text": {"$search": "x"}})


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ({"a": {"$gt": 1, "b": 2}}, "unknown operator: b"),
        ({"a": {"$not": 5}}, r"\$not needs a regex or a document"),
        ({"a": {"$regex": "x", "$options": "q"}}, "invalid flag in regex options: q"),
        ({"a": {"$in": 5}}, r"\$in needs an array"),
        ({"a": {"$all": "x"}}, r"\$all needs an array"),
        ({"a": {"$size": 1.5}}, r"\$size needs a whole non-negative number"),
        ({"$or": []}, r"\$or must be a nonempty array"),
    ],
)
def test_malformed_filters_are_refused_with_the_reason(query: dict[str, Any], reason: str) -> None:
    # As a server refuses them: OperationFailure, BadValue (code 2).
    with pytest.raises(pymongo.errors.OperationFailure, match=reason) as refused:
        compile_filter(query)
    assert refused.value.code == 2


async def test_options_the_engine_lacks_are_refused_by_name() -> None:
    c = EmbeddedDatabase(Engine().database("options"))["c"]
    await c.insert_one({"_id": 1, "a": "x"})
    with pytest.raises(NotImplementedError, match="collation"):
        c.find({}, collation={"locale": "es"})
    with pytest.raises(NotImplementedError, match="session"):
        await c.find_one({"_id": 1}, session=object())
    with pytest.raises(NotImplementedError, match="hint"):
        c.find({}).hint([("a", 1)])
    with pytest.raises(NotImplementedError, match="array_filters"):
        await c.update_one({"_id": 1}, {"$set": {"a": "y"}}, array_filters=[{"e": 1}])
    with pytest.raises(NotImplementedError, match="hint"):
        await c.find_one_and_update({"_id": 1}, {"$set": {"a": "y"}}, hint="_id_")
    with pytest.raises(NotImplementedError, match="limit, skip"):
        await c.count_documents({}, skip=1, limit=2)
    with pytest.raises(NotImplementedError, match="projection operator"):
        c.find({}, {"a": {"$slice": 1}})
    with pytest.raises(NotImplementedError, match="sort"):
        c.find({}).sort("a", 2)
    with pytest.raises(pymongo.errors.OperationFailure, match="exclusion on field b"):
        c.find({}, {"a": 1, "b": 0})
    with pytest.raises(NotImplementedError, match="expireAfterSeconds"):
        await c.create_index("a", expireAfterSeconds=60)
    # PyMongo's own default (None) is the same answer without the option.
    assert await c.create_index("a", session=None) == "a_1"
    assert await c.find_one({"_id": 1}, session=None) == {"_id": 1, "a": "x"}
    assert await c.find_one({"_id": 1}) == {"_id": 1, "a": "x"}


async def test_a_negative_limit_is_one_page_of_that_many() -> None:
    c = EmbeddedDatabase(Engine().database("limits"))["c"]
    await c.insert_many([{"_id": i} for i in range(5)])
    assert [d["_id"] for d in await c.find({}).sort("_id", 1).limit(-2).to_list()] == [0, 1]
    with pytest.raises(ValueError, match="skip must be >= 0"):
        c.find({}).skip(-1)


def test_objects_compare_by_field_type_then_name_then_value() -> None:
    # https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/#objects
    values = [{"a": "x"}, {"b": 1}, {"a": 1, "c": 1}, {"a": 1}]
    ordered = sorted(values, key=lambda v: order_key({"v": v}, [("v", 1)]))
    assert ordered == [{"a": 1}, {"a": 1, "c": 1}, {"b": 1}, {"a": "x"}]


def test_sort_order_follows_type_brackets() -> None:
    # An array field sorts by its elements, not as the Array bracket: the one-element [1] sorts
    # as 1 (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/#arrays);
    # an array inside an object is compared as an array.
    values = [T0, "b", 2, None, {"a": 1}, [1], True, "a", 1.5, {"a": [1]}]
    ordered = sorted(values, key=lambda v: order_key({"v": v}, [("v", 1)]))
    assert ordered == [None, [1], 1.5, 2, "a", "b", {"a": 1}, {"a": [1]}, True, T0]
    backwards = sorted(values, key=lambda v: order_key({"v": v}, [("v", -1)]))
    assert backwards == list(reversed(ordered))


# MongoDB's comparison/sort order of arrays
# (https://www.mongodb.com/docs/manual/reference/bson-type-comparison-order/#arrays): "an
# ascending sort compares the smallest elements of the arrays, and ... a descending sort compares
# the largest elements", and "an empty array ... [is] less than a null value or a missing field".
# The documents and both answers are the server's own, quoted in MongoDB's DOCS-2760; ties keep
# the order of `_id` here, as the sorts add it.
ARRAY_SORT_DOCS = [
    {"_id": 1},
    {"_id": 2, "a": 1},
    {"_id": 3, "a": []},
    {"_id": 4, "a": [1]},
    {"_id": 5, "a": [0, 1]},
]


@pytest.mark.parametrize("indexed", [False, True])
async def test_array_fields_sort_by_their_smallest_or_largest_element(indexed: bool) -> None:
    db = EmbeddedDatabase(Engine().database("arrays"))
    c = db["c"]
    # Without the two-element array the index holds one entry per document and serves the sort.
    left_out = {5} if indexed else set()
    if indexed:
        await c.create_indexes([IndexModel([("a", ASCENDING), ("_id", ASCENDING)])])
    await c.insert_many([dict(d) for d in ARRAY_SORT_DOCS if d["_id"] not in left_out])
    up = await c.find({}, {"_id": 1}).sort([("a", ASCENDING), ("_id", ASCENDING)]).to_list()
    assert [d["_id"] for d in up] == [i for i in [3, 1, 5, 2, 4] if i not in left_out]
    down = await c.find({}, {"_id": 1}).sort([("a", DESCENDING), ("_id", ASCENDING)]).to_list()
    assert [d["_id"] for d in down] == [i for i in [2, 4, 5, 1, 3] if i not in left_out]
    words = [{"_id": 1, "t": "aa"}, {"_id": 2, "t": ["b", "a"]}]
    await db["w"].insert_many(words)
    by_word = await db["w"].find({}, {"_id": 1}).sort("t", ASCENDING).to_list()
    assert [d["_id"] for d in by_word] == [2, 1]  # "a" < "aa"
    by_word = await db["w"].find({}, {"_id": 1}).sort("t", DESCENDING).to_list()
    assert [d["_id"] for d in by_word] == [2, 1]  # "b" > "aa"
    nested = [{"_id": 1, "o": [{"at": 5}, {"at": 2}]}, {"_id": 2, "o": [{"at": 3}]}]
    await db["n"].insert_many(nested)
    by_at = await db["n"].find({}, {"_id": 1}).sort("o.at", ASCENDING).to_list()
    assert [d["_id"] for d in by_at] == [1, 2]
    by_at = await db["n"].find({}, {"_id": 1}).sort("o.at", DESCENDING).to_list()
    assert [d["_id"] for d in by_at] == [1, 2]
    # An element without the field sorts as null.
    await db["n"].insert_one({"_id": 3, "o": [{"at": 9}, {"id": "x"}]})
    by_at = await db["n"].find({}, {"_id": 1}).sort("o.at", ASCENDING).to_list()
    assert [d["_id"] for d in by_at] == [3, 1, 2]


async def test_an_index_holding_empty_arrays_answers_as_a_scan() -> None:
    # An empty array's index entry sits below null, where a sort puts it: equality on [] and
    # ranges with an array bound still find what a scan of the documents finds.
    docs: list[dict[str, Any]] = [
        {"_id": 1, "a": []},
        {"_id": 2, "a": [[]]},
        {"_id": 3, "a": [1]},
        {"_id": 4, "a": None},
        {"_id": 5},
        {"_id": 6, "a": [0, 2]},
        {"_id": 7, "a": "x"},
    ]
    db = EmbeddedDatabase(Engine().database("empty"))
    await db["indexed"].create_index([("a", ASCENDING)])
    for name in ("indexed", "scanned"):
        await db[name].insert_many([dict(d) for d in docs])
    queries: list[dict[str, Any]] = [
        {"a": []},
        {"a": None},
        {"a": {"$in": [[], None]}},
        {"a": {"$gte": []}},
        {"a": {"$lt": [1]}},
        {"a": {"$gt": 0}},
    ]
    for query in queries:
        for way in (ASCENDING, DESCENDING):
            sort = [("a", way), ("_id", ASCENDING)]
            indexed = await db["indexed"].find(query, {"_id": 1}).sort(sort).to_list()
            scanned = await db["scanned"].find(query, {"_id": 1}).sort(sort).to_list()
            assert indexed == scanned, (query, way)
            expected = [d for d in docs if matches(d, query)]
            ids = [d["_id"] for d in sorted(expected, key=lambda d: order_key(d, sort))]
            assert [d["_id"] for d in indexed] == ids, (query, way)


STATUSES = ["new", "open", "in_progress", "resolved", None]
AGENTS = ["ag-1", "ag-2", None]
WORDS = ["poste", "luz", "calle", "panel", "factura"]


def _random_doc(rnd: random.Random, i: int) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": f"T-{i:05d}",
        "createdAt": T0 + timedelta(minutes=rnd.randrange(500)),
        "rank": rnd.randrange(4),
        "terms": rnd.sample(WORDS, rnd.randrange(0, 4)),
    }
    if doc["terms"] and rnd.random() < 0.1:
        doc["terms"].append(doc["terms"][0])  # a value held twice is still one match
    status = rnd.choice(STATUSES)
    if status is not None:
        doc["status"] = status
    agent = rnd.choice(AGENTS)
    if agent is not None or rnd.random() < 0.5:
        doc["agent"] = agent
    if rnd.random() < 0.3:
        doc["outbox"] = [{"at": T0 + timedelta(minutes=rnd.randrange(100))}]
    return doc


def _random_query(rnd: random.Random) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if rnd.random() < 0.6:
        query["status"] = rnd.choice(STATUSES)
    if rnd.random() < 0.4:
        query["agent"] = rnd.choice(AGENTS)
    if rnd.random() < 0.3:
        query["status"] = {"$in": rnd.sample(STATUSES, 2)}
    if rnd.random() < 0.3:
        query["terms"] = {"$all": rnd.sample(WORDS, rnd.randrange(1, 3))}
    elif rnd.random() < 0.2:
        query["terms"] = rnd.choice(WORDS)
    elif rnd.random() < 0.3:
        query["terms"] = {"$in": rnd.sample(WORDS, 2)}
    if rnd.random() < 0.2:
        query["outbox.at"] = {"$lte": T0 + timedelta(minutes=rnd.randrange(100))}
    if rnd.random() < 0.2:
        query["rank"] = {"$gte": rnd.randrange(4)}
    return query


SORTS = [
    [("createdAt", DESCENDING), ("_id", DESCENDING)],
    [("rank", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)],
    [("createdAt", ASCENDING), ("_id", ASCENDING)],
    [("status", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)],
]


MEDIAN = -1
"""`common_from`: from the median of the words' counts (some words common, some not)."""


@pytest.mark.parametrize(
    "common_from",
    [None, 0, MEDIAN],
    ids=["as-sized", "every-value-common", "rarer-values-join-kept-postings"],
)
async def test_indexed_answers_equal_a_full_scan(
    common_from: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random filters, sorts and pages: the planner's index walks, postings and ranges give
    exactly what filtering and sorting every document gives (an `$all` answered by lookups
    from its rarest value, or, when every value is common, by intersecting their sets; or,
    when the other values' sets are kept, by a set made for the rarest one too)."""
    rnd = random.Random(7)
    docs = [_random_doc(rnd, i) for i in range(600)]
    if common_from == MEDIAN:
        counts = sorted(sum(word in d["terms"] for d in docs) for word in WORDS)
        common_from = counts[len(counts) // 2]
        assert counts[0] < common_from and counts[0] >= POSTING_FROM  # rare, not tiny
    if common_from is not None:
        monkeypatch.setattr(collection_module, "WIDTH_CAP", common_from)
    db = EmbeddedDatabase(Engine().database("planner"))
    indexed = db["tickets"]
    await indexed.create_indexes(
        [
            IndexModel([("createdAt", DESCENDING)]),
            IndexModel([("status", ASCENDING), ("createdAt", DESCENDING)]),
            IndexModel([("agent", ASCENDING), ("rank", ASCENDING), ("createdAt", DESCENDING)]),
            IndexModel([("rank", ASCENDING), ("createdAt", DESCENDING)]),
            IndexModel([("terms", ASCENDING)]),
            IndexModel([("terms", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("outbox.at", ASCENDING)]),
        ]
    )
    await indexed.insert_many([dict(d) for d in docs])
    for _ in range(400):
        query, sort = _random_query(rnd), rnd.choice(SORTS)
        skip, limit = rnd.choice([0, 0, 5, 40]), rnd.choice([1, 20, 0])
        expected = sorted((d for d in docs if matches(d, query)), key=lambda d: order_key(d, sort))
        expected_ids = [d["_id"] for d in expected][skip : skip + limit if limit else None]
        found = await indexed.find(query, {"_id": 1}).sort(sort).skip(skip).limit(limit).to_list()
        assert [d["_id"] for d in found] == expected_ids, (query, sort, skip, limit)
        assert await indexed.count_documents(query) == len(expected), query


async def test_indexes_follow_updates_and_deletes() -> None:
    rnd = random.Random(3)
    collection = Engine().database("t").collection("t")
    from uts_shared.embedded.collection import spec_from

    collection.create_index(spec_from([("status", 1), ("createdAt", -1)]))
    collection.create_index(spec_from([("terms", 1)]))
    collection.create_index(spec_from([("terms", 1), ("createdAt", -1), ("_id", -1)]))
    newest = [("createdAt", -1), ("_id", -1)]
    docs = {f"T{i}": _random_doc(rnd, i) | {"_id": f"T{i}"} for i in range(200)}
    for doc in docs.values():
        collection.insert(doc)
    for _ in range(300):
        key = rnd.choice(list(docs))
        if rnd.random() < 0.1:
            collection.delete({"_id": key}, multi=False)
            docs.pop(key)
            continue
        status = rnd.choice(STATUSES)
        terms = rnd.sample(WORDS, 2)
        collection.update({"_id": key}, {"$set": {"status": status, "terms": terms}})
        docs[key] = {**docs[key], "status": status, "terms": terms}
        # A query asked again after a change sees it (no stale remembered answer).
        both = {"status": status, "terms": terms[0]}
        expected = sorted(k for k, d in docs.items() if matches(d, both))
        assert sorted(d["_id"] for d in collection.find(both)) == expected
        assert collection.count(both) == len(expected)
    for status in STATUSES:
        expected = sorted(k for k, d in docs.items() if d.get("status") == status)
        assert sorted(d["_id"] for d in collection.find({"status": status})) == expected
    for word in WORDS:
        holding = [d for d in docs.values() if word in d["terms"]]
        expected = sorted(d["_id"] for d in holding)
        assert sorted(d["_id"] for d in collection.find({"terms": word})) == expected
        # Walked newest first along the compound index, pinned to the word.
        by_age = [d["_id"] for d in sorted(holding, key=lambda d: order_key(d, newest))]
        found = collection.find({"terms": {"$all": [word]}}, sort=newest, limit=5)
        assert [d["_id"] for d in found] == by_age[:5]


def test_sorted_answers_follow_changes_to_the_sort_fields() -> None:
    # No index serves this sort: candidates are ordered by positions the engine remembers per
    # stored version, and a changed document must take its new place at once.
    rnd = random.Random(5)
    collection = Engine().database("t").collection("t")
    from uts_shared.embedded.collection import spec_from

    collection.create_index(spec_from([("terms", 1)]))
    docs = {f"T{i}": {"_id": f"T{i}", "terms": ["a"], "rank": rnd.random()} for i in range(100)}
    for doc in docs.values():
        collection.insert(doc)
    sort = [("rank", DESCENDING), ("_id", ASCENDING)]
    for _ in range(50):
        key = rnd.choice(list(docs))
        rank = rnd.random()
        collection.update({"_id": key}, {"$set": {"rank": rank}})
        docs[key] = {**docs[key], "rank": rank}
        expected = sorted(docs, key=lambda k: (-docs[k]["rank"], k))
        assert [d["_id"] for d in collection.find({"terms": "a"}, sort=sort)] == expected
        top = collection.find({"terms": "a"}, sort=sort, limit=5)
        assert [d["_id"] for d in top] == expected[:5]


async def test_a_sparse_index_never_leaves_documents_out_of_a_sort_or_range() -> None:
    # A document without the field sorts as null and matches {$lte: null}; a sparse index does
    # not hold it, so it must not answer these queries.
    c = EmbeddedDatabase(Engine().database("sparse"))["c"]
    await c.create_indexes([IndexModel([("key", ASCENDING)], unique=True, sparse=True)])
    await c.insert_many([{"_id": 1, "key": "k1"}, {"_id": 2}, {"_id": 3, "key": None}])
    up = await c.find({}, {"_id": 1}).sort([("key", ASCENDING), ("_id", ASCENDING)]).to_list()
    assert [d["_id"] for d in up] == [2, 3, 1]
    down = await c.find({}, {"_id": 1}).sort("key", DESCENDING).limit(1).to_list()
    assert [d["_id"] for d in down] == [1]
    assert await c.count_documents({"key": {"$lte": None}}) == 2


async def test_handed_out_documents_are_private_copies() -> None:
    db = EmbeddedDatabase(Engine().database("copies"))
    await db["c"].insert_one({"_id": 1, "value": [{"id": "a"}]})
    got = await db["c"].find_one({"_id": 1})
    assert got is not None
    got["value"][0]["id"] = "changed"
    got["value"].append("more")
    assert await db["c"].find_one({"_id": 1}) == {"_id": 1, "value": [{"id": "a"}]}


async def test_aggregation_is_refused_with_the_reason() -> None:
    db = EmbeddedDatabase(Engine().database("agg"))
    with pytest.raises(NotImplementedError, match="counters"):
        await db["c"].aggregate([{"$match": {}}])


def test_index_keys_sort_as_mongodb_compares_values() -> None:
    from uts_shared.embedded.keys import component

    values: list[Any] = [
        None,
        float("-inf"),
        -(2**63),
        -1.5,
        0,
        0.5,
        1,
        2**53,
        2**53 + 1,
        float("inf"),
        "",
        "a",
        "a\x00",
        "a\x00b",
        "ab",
        "é",
        {"a": 1},
        [1, 2],
        False,
        True,
        T0 - timedelta(days=40_000),
        T0,
    ]
    ascending = sorted(values, key=lambda v: component(v, 1))
    assert ascending == values
    descending = sorted(values, key=lambda v: component(v, -1))
    assert descending == list(reversed(values))
    # Equal values (as MongoDB compares them) give equal keys.
    assert component(1, 1) == component(1.0, 1) and component(0.0, 1) == component(-0.0, 1)
    assert component(2**53 + 1, 1) != component(float(2**53 + 1), 1)


async def test_a_count_of_any_of_several_values_is_exact_after_every_write() -> None:
    """Such a count is remembered between writes (a search page asks it each time): every
    write forgets it."""
    c = EmbeddedDatabase(Engine().database("remembered"))["c"]
    await c.create_indexes([IndexModel([("terms", ASCENDING), ("at", DESCENDING)])])
    for n in range(30):
        await c.insert_one({"_id": n, "terms": ["poste", f"w{n % 3}"], "at": n})
    either = {"terms": {"$in": ["w0", "w1"]}}
    assert await c.count_documents(either) == await c.count_documents(either) == 20
    await c.insert_one({"_id": 100, "terms": ["w1"], "at": 100})
    assert await c.count_documents(either) == 21
    await c.update_one({"_id": 0}, {"$set": {"terms": ["w2"]}})
    assert await c.count_documents(either) == 20
    await c.delete_one({"_id": 1})
    assert await c.count_documents(either) == 19
    assert len(await c.find(either).to_list(None)) == 19


async def test_a_count_of_one_indexed_value_is_exact_after_every_write() -> None:
    """Counts of an index's prefix (a list's total, the planner's weighing) are remembered
    until the next write, even one refused halfway."""
    c = EmbeddedDatabase(Engine().database("tallies"))["c"]
    await c.create_indexes(
        [
            IndexModel([("status", ASCENDING), ("at", DESCENDING)]),
            IndexModel([("ref", ASCENDING)], unique=True),
        ]
    )
    for n in range(30):
        await c.insert_one({"_id": n, "status": "open" if n % 3 else "closed", "ref": n, "at": n})
    opened = {"status": "open"}
    assert await c.count_documents(opened) == await c.count_documents(opened) == 20
    await c.update_one({"_id": 1}, {"$set": {"status": "closed"}})
    assert await c.count_documents(opened) == 19
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        await c.update_many({"status": "closed"}, {"$set": {"status": "open", "ref": 7}})
    assert await c.count_documents(opened) == 19
    await c.insert_one({"_id": 99, "status": "open", "ref": 99, "at": 99})
    page = await c.find(opened).sort("at", DESCENDING).limit(5).to_list(None)
    assert [d["_id"] for d in page] == [99, 29, 28, 26, 25]
    assert await c.count_documents(opened) == 20


def watched_reads(c: Any, field: str) -> list[int]:
    """How many times the engine reads entries of the index led by `field` (one count, kept
    up to date in the list)."""
    index = next(i for i in c._c.indexes.values() if i.spec.keys[0][0] == field)
    reads = [0]
    real = index.stored

    def counted(*args: Any) -> set[bytes]:
        reads[0] += 1
        return real(*args)

    index.stored = counted
    return reads


async def test_a_search_of_common_words_follows_writes_without_reading_its_words_again() -> None:
    """The documents of a common word are read from its index once, as a bitset of their
    sequence numbers that every write keeps current: a status change, a new word, a delete
    leave the count exact with no entries read again. A write refused halfway (its
    transaction lost) drops them: the next search reads its words again."""
    c = EmbeddedDatabase(Engine().database("scoped"))["c"]
    await c.create_indexes(
        [
            IndexModel([("terms", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("status", ASCENDING)]),
            IndexModel([("ref", ASCENDING)], unique=True),
        ]
    )
    for n in range(3_000):
        terms = ["poste", "apagada"] if n % 2 else ["poste", f"w{n % 7}"]
        await c.insert_one({"_id": n, "terms": terms, "status": "open", "ref": n, "at": n})
    reads = watched_reads(c, "terms")
    both = {"terms": {"$all": ["poste", "apagada"]}}
    assert await c.count_documents(both) == 1_500 and reads[0] == 2
    await c.update_many({"_id": {"$lt": 10}}, {"$set": {"status": "in_progress"}})
    assert await c.count_documents(both) == 1_500 and reads[0] == 2
    await c.update_one({"_id": 2}, {"$set": {"terms": ["poste", "apagada"]}})
    assert await c.count_documents(both) == 1_501 and reads[0] == 2
    await c.update_one({"_id": 5}, {"$set": {"terms": ["apagada"]}})
    await c.insert_one({"_id": 3_000, "terms": ["apagada", "poste"], "ref": 3_000, "at": -1})
    assert await c.count_documents(both) == 1_501 and reads[0] == 2
    await c.delete_one({"_id": 3})
    assert await c.count_documents(both) == 1_500 and reads[0] == 2
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        await c.update_many({"ref": {"$in": [4, 6]}}, {"$set": {"terms": ["apagada"], "ref": 8}})
    assert await c.count_documents(both) == 1_500 and reads[0] == 4
    page = await c.find(both).sort([("at", DESCENDING), ("_id", DESCENDING)]).limit(3).to_list(None)
    assert [d["_id"] for d in page] == [2999, 2997, 2995]
    assert [d["_id"] for d in await c.find(both).skip(1_498).to_list(None)] == [2999, 3_000]


async def test_postings_of_common_words_follow_every_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every value counted as common (its postings used for each `$all`): after random
    inserts, updates (one or many documents, words gained and lost), deletes and refused
    writes, counts, pages in index order and in natural order equal a filter of every
    document, with or without another condition."""
    monkeypatch.setattr(collection_module, "WIDTH_CAP", 0)
    rnd = random.Random(11)
    c = EmbeddedDatabase(Engine().database("postings"))["c"]
    await c.create_indexes(
        [
            IndexModel([("terms", ASCENDING), ("createdAt", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("status", ASCENDING), ("createdAt", DESCENDING)]),
            IndexModel([("ref", ASCENDING)], unique=True, sparse=True),
        ]
    )
    docs: dict[str, dict[str, Any]] = {}
    newest = [("createdAt", DESCENDING), ("_id", DESCENDING)]
    for step in range(400):
        roll = rnd.random()
        if roll < 0.4 or not docs:
            doc = _random_doc(rnd, step)
            await c.insert_one(dict(doc))
            docs[doc["_id"]] = doc
        elif roll < 0.7:
            key = rnd.choice(list(docs))
            terms = rnd.sample(WORDS, rnd.randrange(0, 4))
            await c.update_one({"_id": key}, {"$set": {"terms": terms}})
            docs[key] = {**docs[key], "terms": terms}
        elif roll < 0.8:
            word, other = rnd.sample(WORDS, 2)
            await c.update_many({"terms": word}, {"$addToSet": {"terms": other}})
            for d in docs.values():
                if word in d["terms"] and other not in d["terms"]:
                    d["terms"] = [*d["terms"], other]
        elif roll < 0.9:
            docs.pop((await c.find_one_and_delete({"_id": rnd.choice(list(docs))}))["_id"])
        elif len(docs) >= 2:
            holder, other = rnd.sample(list(docs), 2)
            await c.update_one({"_id": holder}, {"$set": {"ref": step}})
            docs[holder] = {**docs[holder], "ref": step}
            with pytest.raises(pymongo.errors.DuplicateKeyError):
                await c.update_one({"_id": other}, {"$set": {"ref": step, "terms": ["poste"]}})
        words = rnd.sample(WORDS, rnd.randrange(2, 4))
        query: dict[str, Any] = {"terms": {"$all": words}}
        if rnd.random() < 0.3:
            query["status"] = rnd.choice(STATUSES[:-1])
        expected = [d for d in docs.values() if matches(d, query)]
        assert await c.count_documents(query) == len(expected), (step, query)
        in_order = [d["_id"] for d in sorted(expected, key=lambda d: order_key(d, newest))]
        page = await c.find(query, {"_id": 1}).sort(newest).limit(5).to_list(None)
        assert [d["_id"] for d in page] == in_order[:5], (step, query)
        natural = await c.find(query, {"_id": 1}).to_list(None)
        assert sorted(d["_id"] for d in natural) == sorted(d["_id"] for d in expected)


def test_a_common_words_postings_outlast_the_rarer_words_when_too_many_are_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Rarer words asked beside a common one get postings too; when more are kept than the cap,
    a rarer word's go first (a short walk rebuilds them), never the common words' (a read of
    each of their documents), and every answer stays exact."""
    from uts_shared.embedded import indexes as indexes_module
    from uts_shared.embedded.collection import spec_from

    monkeypatch.setattr(collection_module, "WIDTH_CAP", 200)
    monkeypatch.setattr(indexes_module, "WIDTH_CAP", 200)
    monkeypatch.setattr(indexes_module, "POSTINGS_KEPT", 4)
    collection = Engine().database("t").collection("t")
    collection.create_index(spec_from([("terms", 1)]))
    rare = [f"raro{n}" for n in range(8)]
    for i in range(600):
        collection.insert({"_id": i, "terms": ["comun", "tambien", rare[i % 8]]})
    index = next(i for i in collection.indexes.values() if i.spec.keys[0][0] == "terms")
    assert collection.count({"terms": {"$all": ["comun", "tambien"]}}) == 600
    for round_ in range(2):
        for n, word in enumerate(rare):
            assert collection.count({"terms": {"$all": [word, "comun"]}}) == 75, (round_, n)
            assert index.holding(word) == 75  # its own postings, built for this search
            assert index.holding("comun") == 600 and index.holding("tambien") == 600
    collection.update({"_id": 0}, {"$set": {"terms": ["comun", rare[7]]}})
    assert collection.count({"terms": {"$all": [rare[0], "comun"]}}) == 74
    assert collection.count({"terms": {"$all": [rare[7], "comun"]}}) == 76


async def test_a_search_asked_again_stays_remembered_among_queries_asked_once() -> None:
    """Queries that name the time now (due clocks, sweeps) are new each time: they push out
    the least recently asked, never the search asked between them."""
    c = EmbeddedDatabase(Engine().database("recent"))["c"]
    await c.create_indexes([IndexModel([("terms", ASCENDING)]), IndexModel([("due", ASCENDING)])])
    for n in range(2_500):
        await c.insert_one({"_id": n, "terms": ["poste", "apagada", f"w{n % 5}"], "due": n})
    reads = watched_reads(c, "terms")
    both = {"terms": {"$all": ["poste", "apagada"]}}
    assert await c.count_documents(both) == 2_500 and reads[0] == 2
    for now in range(100):
        await c.find({"due": {"$lte": now}}).limit(1).to_list(None)
        assert await c.count_documents(both) == 2_500
    assert reads[0] == 2


def decodings(c: Any) -> list[int]:
    """How many times the engine decodes a stored record (one count, kept up to date)."""
    calls = [0]
    real = c._c._decode

    def counted(*args: Any) -> Any:
        calls[0] += 1
        return real(*args)

    c._c._decode = counted
    return calls


async def test_a_document_read_again_unchanged_is_not_decoded_again() -> None:
    """A page read twice is decoded twice; from then on its documents are copies of what was
    kept, each caller's own to change."""
    c = EmbeddedDatabase(Engine().database("kept"))["c"]
    await c.create_indexes([IndexModel([("status", ASCENDING)])])
    for n in range(50):
        await c.insert_one({"_id": n, "status": "open", "sla": {"due": T0}, "tags": [["a"]]})
    decoded = decodings(c)
    for _ in range(5):
        page = await c.find({"status": "open"}).sort("_id", ASCENDING).limit(20).to_list(None)
        assert [d["_id"] for d in page] == list(range(20))
        page[0]["sla"]["due"] = None
        page[0]["tags"][0].append("b")
        page[1]["status"] = "changed"
    assert decoded[0] == 40
    again = await c.find_one({"_id": 0})
    assert again == {"_id": 0, "status": "open", "sla": {"due": T0}, "tags": [["a"]]}
    assert (await c.find_one({"_id": 1}))["status"] == "open" and decoded[0] == 40


async def test_a_projection_of_a_kept_document_copies_only_its_fields(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A projected read of a document kept decoded copies the fields it names (a large field
    left out is never copied), and what it hands out is still the caller's own to change."""
    from uts_shared.embedded import decoded as kept

    c = EmbeddedDatabase(Engine().database("projected"))["c"]
    await c.create_indexes([IndexModel([("status", ASCENDING)])])
    big = [[n] for n in range(100)]
    for n in range(3):
        await c.insert_one({"_id": n, "status": "open", "tags": [["a"]], "big": big})
    for _ in range(2):
        await c.find({"status": "open"}).to_list(None)
    copies = [0]
    real = kept._copy

    def counted(value: Any) -> Any:
        copies[0] += 1
        return real(value)

    monkeypatch.setattr(kept, "_copy", counted)
    decoded = decodings(c)
    for _ in range(3):
        page = await c.find({"status": "open"}, {"tags": 1}).sort("_id", ASCENDING).to_list(None)
        assert page == [{"_id": n, "tags": [["a"]]} for n in range(3)]
        page[0]["tags"][0].append("b")
        one = await c.find_one({"_id": 1}, {"big": 0})
        assert one == {"_id": 1, "status": "open", "tags": [["a"]]}
        one["tags"].append("c")
        assert await c.count_documents({"status": "open", "tags": ["a"]}) == 3
    assert decoded[0] == 0
    assert copies[0] == 3 * (3 * 2 + 2)  # each tags array and the one array in it
    monkeypatch.undo()
    assert await c.find_one({"_id": 0}) == {
        "_id": 0,
        "status": "open",
        "tags": [["a"]],
        "big": big,
    }


async def test_a_view_of_a_kept_document_is_made_once_and_follows_its_writes() -> None:
    """A cursor's `views` (a reply's model of each document, say) are made once per document
    kept decoded, per key and projection; a write to a document makes its view again, from
    what was written; off the engine, `views_of` makes each view every time."""
    c = EmbeddedDatabase(Engine().database("views"))["c"]
    await c.create_indexes([IndexModel([("status", ASCENDING)])])
    for n in range(3):
        await c.insert_one({"_id": n, "status": "open", "tags": ["a"], "big": "x" * 100})
    made: list[Any] = []

    def summary(doc: dict[str, Any]) -> tuple[Any, ...]:
        made.append(doc["_id"])
        assert "big" not in doc
        return (doc["_id"], tuple(doc["tags"]))

    async def page(key: str = "summary") -> list[tuple[Any, ...]]:
        cursor = c.find({"status": "open"}, {"big": 0}).sort("_id", ASCENDING)
        return await views_of(cursor, key, summary)

    for _ in range(5):
        assert await page() == [(0, ("a",)), (1, ("a",)), (2, ("a",))]
    assert made == [0, 1, 2] * 2  # read twice before the documents are kept
    await c.update_one({"_id": 1}, {"$push": {"tags": "b"}})
    assert (await page())[1] == (1, ("a", "b"))
    await page()
    await page()
    assert made[6:] == [1, 1]  # the written one: first read, then kept again
    await page("other")
    assert made[8:] == [0, 1, 2]
    other = (
        await c.find({"status": "open"}, {"tags": 1})
        .sort("_id", ASCENDING)
        .views("summary", summary)
    )
    assert [v[0] for v in other] == [0, 1, 2] and made[11:] == [0, 1, 2]

    class Plain:
        def __init__(self, docs: list[dict[str, Any]]) -> None:
            self.docs = docs

        async def to_list(self, length: int | None = None) -> list[dict[str, Any]]:
            return self.docs

    plain = Plain([{"_id": 9, "tags": []}])
    assert await views_of(plain, "summary", summary) == [(9, ())]  # type: ignore[arg-type]
    assert await views_of(plain, "summary", summary) == [(9, ())]  # type: ignore[arg-type]
    assert made[14:] == [9, 9]


async def test_a_kept_document_follows_every_write_to_it() -> None:
    """What is kept decoded is checked against the stored record on every read: an update, a
    write refused halfway, a delete and a new document under the same `_id` all show."""
    c = EmbeddedDatabase(Engine().database("follows"))["c"]
    await c.create_indexes([IndexModel([("ref", ASCENDING)], unique=True)])
    await c.insert_one({"_id": 1, "ref": 1, "n": 0})
    await c.insert_one({"_id": 2, "ref": 2, "n": 0})
    for n in range(1, 4):
        await c.update_one({"_id": 1}, {"$inc": {"n": 1}})
        assert (await c.find_one({"_id": 1}))["n"] == n
        assert (await c.find_one({"_id": 1}))["n"] == n
    with pytest.raises(pymongo.errors.DuplicateKeyError):
        await c.update_many({}, {"$set": {"ref": 7, "n": 9}})
    assert [d["n"] for d in await c.find({}).sort("_id", ASCENDING).to_list(None)] == [3, 0]
    await c.delete_one({"_id": 1})
    assert await c.find_one({"_id": 1}) is None
    await c.insert_one({"_id": 1, "ref": 1, "n": 0})
    assert (await c.find_one({"_id": 1}))["n"] == 0


async def test_a_document_holding_mutable_values_other_than_documents_is_never_kept() -> None:
    """A regular expression is an object its reader may change: such a document is decoded
    fresh on every read."""
    c = EmbeddedDatabase(Engine().database("regex"))["c"]
    await c.insert_one({"_id": 1, "pattern": Regex("^poste", "i")})
    decoded = decodings(c)
    for _ in range(4):
        found = await c.find_one({"_id": 1})
        assert found["pattern"].flags == re.IGNORECASE
        found["pattern"].flags = 0
    assert decoded[0] == 4


async def test_dates_come_back_as_a_tz_aware_client_decodes_them() -> None:
    """`AsyncMongoClient(tz_aware=True)` answers dates in `bson.tz_util.utc`."""
    from bson.tz_util import utc

    c = EmbeddedDatabase(Engine().database("dates"))["c"]
    await c.insert_one({"_id": 1, "at": datetime(2026, 1, 1, 12, tzinfo=UTC)})
    found = await c.find_one({"_id": 1})
    assert found["at"] == T0 + timedelta(hours=12) and found["at"].tzinfo is utc


async def test_a_page_of_a_search_walks_its_word_not_the_newest_documents_of_all() -> None:
    """Two words each in more documents than the planner counts exactly, and a thousand newer
    documents holding neither: the page walks the entries of one of its words, newest first,
    not the whole collection's newest ones (which would step over the thousand first)."""
    c = EmbeddedDatabase(Engine().database("walks"))["c"]
    await c.create_indexes(
        [
            IndexModel([("at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("terms", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)]),
        ]
    )
    for n in range(3_000):
        await c.insert_one({"_id": n, "terms": ["poste", "apagada", f"w{n % 7}"], "at": n})
    for n in range(3_000, 4_000):
        await c.insert_one({"_id": n, "terms": ["luminaria"], "at": n})
    walked = walked_entries(c)
    both = {"terms": {"$all": ["poste", "apagada"]}}
    newest = [("at", DESCENDING), ("_id", DESCENDING)]
    page = await c.find(both).sort(newest).limit(20).to_list(None)
    assert [d["_id"] for d in page] == list(range(2_999, 2_979, -1))
    assert walked[0] <= 21


def walked_entries(c: Any) -> list[int]:
    """How many index entries the engine's walks yield (one count, kept up to date)."""
    walked = [0]
    for index in c._c.indexes.values():
        real = index._walk_bytes

        def counted(*args: Any, real: Any = real) -> Any:
            for key in real(*args):
                walked[0] += 1
                yield key

        index._walk_bytes = counted
    return walked


async def test_a_page_of_a_search_of_common_words_walks_the_rarest_one() -> None:
    """Both words in more documents than the planner counts exactly: the page walks the one
    in fewer documents (counted when their sets were intersected), whichever is named first."""
    c = EmbeddedDatabase(Engine().database("rarest"))["c"]
    await c.create_indexes(
        [IndexModel([("terms", ASCENDING), ("at", DESCENDING), ("_id", DESCENDING)])]
    )
    for n in range(6_000):
        terms = ["poste", "apagada"] if n % 3 == 0 else ["poste"]
        await c.insert_one({"_id": n, "terms": terms, "at": n})
    walked = walked_entries(c)
    both = {"terms": {"$all": ["poste", "apagada"]}}
    assert await c.count_documents(both) == 2_000
    newest = [("at", DESCENDING), ("_id", DESCENDING)]
    page = await c.find(both).sort(newest).limit(20).to_list(None)
    assert [d["_id"] for d in page] == list(range(5_997, 5_937, -3))
    assert walked[0] <= 21
