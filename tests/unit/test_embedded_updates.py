"""Update operators, upserts and unique indexes of the embedded engine, as MongoDB applies them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pymongo.errors
import pytest
from pymongo import IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from uts_shared.embedded import Engine
from uts_shared.embedded.aio import EmbeddedCollection, EmbeddedDatabase
from uts_shared.embedded.updating import WriteError, apply_update


def collection(name: str = "c") -> EmbeddedCollection:
    return EmbeddedDatabase(Engine().database("updates"))[name]


@pytest.mark.parametrize(
    ("doc", "update", "expected"),
    [
        ({"_id": 1}, {"$set": {"a.b": 2}}, {"_id": 1, "a": {"b": 2}}),
        ({"_id": 1, "a": 1}, {"$unset": {"a": ""}}, {"_id": 1}),
        ({"_id": 1}, {"$inc": {"s.total": 1}}, {"_id": 1, "s": {"total": 1}}),
        ({"_id": 1, "n": 2}, {"$inc": {"n": -3}}, {"_id": 1, "n": -1}),
        ({"_id": 1, "n": 5}, {"$min": {"n": 3}, "$max": {"m": 1}}, {"_id": 1, "n": 3, "m": 1}),
        ({"_id": 1}, {"$push": {"o": {"$each": [1, 2]}}}, {"_id": 1, "o": [1, 2]}),
        (
            {"_id": 1, "o": [1, 2, 3]},
            {"$push": {"o": {"$each": [4], "$slice": -2}}},
            {"_id": 1, "o": [3, 4]},
        ),
        ({"_id": 1, "o": [1]}, {"$addToSet": {"o": {"$each": [1, 2]}}}, {"_id": 1, "o": [1, 2]}),
        # $addToSet "only ensures that there are no duplicate items added to the set"
        # (https://www.mongodb.com/docs/manual/reference/operator/update/addToSet/)
        ({"_id": 1}, {"$addToSet": {"o": {"$each": [1, 1, 2]}}}, {"_id": 1, "o": [1, 2]}),
        (
            {"_id": 1, "o": [{"e": "a"}, {"e": "b"}, {"e": "c"}]},
            {"$pull": {"o": {"e": {"$in": ["a", "c"]}}}},
            {"_id": 1, "o": [{"e": "b"}]},
        ),
        ({"_id": 1, "o": [1, 2, 1]}, {"$pull": {"o": 1}}, {"_id": 1, "o": [2]}),
        ({"_id": 1, "o": [1, 5, 9]}, {"$pull": {"o": {"$gte": 5}}}, {"_id": 1, "o": [1]}),
        ({"_id": 1, "o": [1, 2]}, {"$pop": {"o": 1}}, {"_id": 1, "o": [1]}),
        # $min and $max compare across types by the BSON comparison order (null < numbers <
        # strings): https://www.mongodb.com/docs/manual/reference/operator/update/min/
        ({"_id": 1, "n": 5}, {"$min": {"n": None}}, {"_id": 1, "n": None}),
        ({"_id": 1, "n": 5}, {"$max": {"n": "a"}}, {"_id": 1, "n": "a"}),
        ({"_id": 1, "n": "a"}, {"$max": {"n": 7}}, {"_id": 1, "n": "a"}),
    ],
)
def test_update_operators_apply_as_on_a_server(
    doc: dict[str, Any], update: dict[str, Any], expected: dict[str, Any]
) -> None:
    assert apply_update(doc, update) == expected


def test_new_fields_are_added_in_field_name_order() -> None:
    # "update operators process document fields with string-based names in lexicographic order.
    # Fields with numeric names are processed in numeric order."
    # (https://www.mongodb.com/docs/manual/reference/operator/update/#behavior)
    after = apply_update(
        {"_id": 1, "s": 0},
        {"$set": {"z": 1, "a.10": "ten", "a.9": "nine"}, "$inc": {"m": 1, "s": 1}},
    )
    assert list(after) == ["_id", "s", "a", "m", "z"]
    assert list(after["a"]) == ["9", "10"]
    assert after["s"] == 1


def test_updates_leave_the_stored_version_untouched() -> None:
    stored = {"_id": 1, "notes": [{"n": 1}], "stats": {"total": 1}, "same": [1]}
    after = apply_update(stored, {"$push": {"notes": {"n": 2}}, "$inc": {"stats.total": 1}})
    assert stored == {"_id": 1, "notes": [{"n": 1}], "stats": {"total": 1}, "same": [1]}
    assert after["notes"] == [{"n": 1}, {"n": 2}]
    assert after["same"] is stored["same"]  # unchanged parts are shared, not copied


def test_bad_updates_are_refused() -> None:
    with pytest.raises(WriteError, match="_id"):
        apply_update({"_id": 1}, {"$set": {"_id": 2}})
    with pytest.raises(WriteError, match="non-numeric"):
        apply_update({"_id": 1, "a": "x"}, {"$inc": {"a": 1}})
    with pytest.raises(NotImplementedError, match="pipelines"):
        apply_update({"_id": 1}, [{"$set": {"a": 1}}])  # type: ignore[arg-type]
    with pytest.raises(NotImplementedError, match=r"\$rename"):
        apply_update({"_id": 1}, {"$rename": {"a": "b"}})


def test_bad_updates_carry_the_servers_error_codes() -> None:
    # ImmutableField 66, PathNotViable 28 (a field inside null), FailedToParse 9, BadValue 2:
    # https://www.mongodb.com/docs/manual/reference/error-codes/
    with pytest.raises(WriteError) as immutable:
        apply_update({"_id": 1}, {"$set": {"_id": 2}})
    with pytest.raises(WriteError) as through_null:
        apply_update({"_id": 1, "a": None}, {"$set": {"a.b": 1}})
    with pytest.raises(WriteError) as pop:
        apply_update({"_id": 1, "a": [1]}, {"$pop": {"a": 2}})
    with pytest.raises(WriteError) as each:
        apply_update({"_id": 1}, {"$push": {"a": {"$each": "xy"}}})
    with pytest.raises(WriteError) as without_each:
        apply_update({"_id": 1}, {"$push": {"a": {"$slice": 1}}})
    codes = [e.value.code for e in (immutable, through_null, pop, each, without_each)]
    assert codes == [66, 28, 9, 2, 2]
    assert isinstance(immutable.value, pymongo.errors.WriteError)
    with pytest.raises(NotImplementedError, match=r"positional update path a\.\$\.b"):
        apply_update({"_id": 1}, {"$set": {"a.$.b": 1}})


@pytest.mark.parametrize(
    "update",
    [
        {"$set": {"a": {"b": 2}}, "$inc": {"a.b": 1}},
        {"$set": {"a.b": 2}, "$unset": {"a": ""}},
        {"$set": {"a.b": 2, "a": {}}},
        {"$inc": {"n": 1}, "$setOnInsert": {"n": 0}},
    ],
)
async def test_conflicting_update_paths_are_refused_as_a_server_refuses_them(
    update: dict[str, Any],
) -> None:
    # A server refuses two paths of which one is or contains the other, before any change,
    # with ConflictingUpdateOperators (code 40: https://www.mongodb.com/docs/manual/reference/
    # error-codes/): "Updating the path ... would create a conflict at ...".
    c = collection()
    await c.insert_one({"_id": 1, "a": {"b": 1}, "n": 1})
    with pytest.raises(pymongo.errors.WriteError, match="would create a conflict at") as err:
        await c.update_one({"_id": 1}, update)
    assert err.value.code == 40
    # findAndModify reports it as a command error, not a write error.
    with pytest.raises(pymongo.errors.OperationFailure) as failed:
        await c.find_one_and_update({"_id": 1}, update)
    assert failed.value.code == 40 and not isinstance(failed.value, pymongo.errors.WriteError)
    assert await c.find_one({"_id": 1}) == {"_id": 1, "a": {"b": 1}, "n": 1}


async def test_setting_a_value_of_another_type_modifies_the_document() -> None:
    # Only "setting the value of the field to its current value" is no change
    # (https://www.mongodb.com/docs/manual/reference/command/update/#output, nModified); int,
    # double and boolean are distinct BSON types (.../reference/bson-types/), each stored as given.
    c = collection()
    await c.insert_one({"_id": 1, "n": 1, "o": {"x": 1}})
    same = await c.update_one({"_id": 1}, {"$set": {"n": 1, "o": {"x": 1}}})
    as_bool = await c.update_one({"_id": 1}, {"$set": {"n": True}})
    as_double = await c.update_one({"_id": 1}, {"$set": {"o.x": 1.0}})
    counts = [(r.matched_count, r.modified_count) for r in (same, as_bool, as_double)]
    assert counts == [(1, 0), (1, 1), (1, 1)]
    stored = await c.find_one({"_id": 1})
    assert stored is not None
    assert stored["n"] is True and type(stored["o"]["x"]) is float


async def test_upsert_starts_from_the_query_and_set_on_insert() -> None:
    c = collection()
    now = datetime(2026, 5, 1, 12, 0, 0, 123456, tzinfo=UTC)
    doc = await c.find_one_and_update(
        {"_id": "LUX-2026", "kind": "counter"},
        {"$inc": {"seq": 1}, "$set": {"updatedAt": now}, "$setOnInsert": {"createdAt": now}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc == {
        "_id": "LUX-2026",
        "kind": "counter",
        "seq": 1,
        "updatedAt": now.replace(microsecond=123000),  # a server keeps milliseconds
        "createdAt": now.replace(microsecond=123000),
    }
    again = await c.find_one_and_update(
        {"_id": "LUX-2026"},
        {"$inc": {"seq": 1}, "$setOnInsert": {"createdAt": "ignored"}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert again is not None and again["seq"] == 2 and again["createdAt"] == doc["createdAt"]


async def test_an_upsert_returns_the_new_document_even_when_it_left_the_filter() -> None:
    # findAndModify with upsert and new: true "returns the newly inserted document"
    # (https://www.mongodb.com/docs/manual/reference/command/findAndModify/#output), whether or
    # not the update kept it inside the filter.
    c = collection()
    doc = await c.find_one_and_update(
        {"_id": 0, "status": "new"},
        {"$unset": {"status": ""}},
        upsert=True,
        return_document=ReturnDocument.AFTER,
    )
    assert doc == {"_id": 0}


async def test_unique_indexes_refuse_duplicates_and_leave_the_document_as_it_was() -> None:
    c = collection()
    await c.create_indexes([IndexModel([("phone", 1)], unique=True)])
    await c.insert_one({"_id": "a", "phone": "+1"})
    await c.insert_one({"_id": "b", "phone": "+2"})
    with pytest.raises(DuplicateKeyError):
        await c.insert_one({"_id": "c", "phone": "+1"})
    with pytest.raises(DuplicateKeyError):
        await c.update_one({"_id": "b"}, {"$set": {"phone": "+1", "name": "x"}})
    assert await c.find_one({"_id": "b"}) == {"_id": "b", "phone": "+2"}
    with pytest.raises(DuplicateKeyError):
        await c.insert_one({"_id": "a"})
    assert await c.count_documents({}) == 2


async def test_sparse_unique_indexes_skip_documents_without_the_field() -> None:
    c = collection()
    await c.create_indexes([IndexModel([("key", 1)], unique=True, sparse=True)])
    await c.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 3, "key": "k"}])
    with pytest.raises(DuplicateKeyError):
        await c.insert_one({"_id": 4, "key": "k"})


async def test_find_one_and_update_returns_before_or_after_with_projection() -> None:
    c = collection()
    await c.insert_one({"_id": 1, "v": 1, "big": "x" * 10})
    before = await c.find_one_and_update({"_id": 1}, {"$inc": {"v": 1}}, projection={"big": 0})
    after = await c.find_one_and_update(
        {"_id": 1, "v": 2},
        {"$inc": {"v": 1}},
        projection={"v": 1, "_id": 0},
        return_document=ReturnDocument.AFTER,
    )
    missed = await c.find_one_and_update({"_id": 1, "v": 2}, {"$inc": {"v": 1}})
    assert (before, after, missed) == ({"_id": 1, "v": 1}, {"v": 3}, None)
    # A document projected to no field is still the document found: {} (findAndModify's
    # `value`, https://www.mongodb.com/docs/manual/reference/command/findAndModify/#output).
    nothing = await c.find_one_and_update({"_id": 1}, {"$inc": {"v": 1}}, {"_id": 0, "v": 0})
    assert nothing == {"big": "x" * 10}
    await c.insert_one({"_id": 2})
    assert await c.find_one_and_update({"_id": 2}, {"$set": {"n": 1}}, {"_id": 0, "n": 0}) == {}


async def test_inserted_documents_keep_id_first_and_refuse_an_array_id() -> None:
    # https://www.mongodb.com/docs/manual/core/document/#field-order: `_id` is always first;
    # an array or a regex cannot be an `_id`.
    c = collection()
    await c.insert_one({"name": "x", "_id": 7})
    stored = await c.find_one({"_id": 7})
    assert stored is not None and list(stored) == ["_id", "name"]
    with pytest.raises(pymongo.errors.WriteError, match="cannot be of type array"):
        await c.insert_one({"_id": [1, 2]})


async def test_an_emptied_collection_keeps_its_id_index_until_dropped() -> None:
    # A collection is made by its first insert and holds the `_id` index until it is dropped
    # (https://www.mongodb.com/docs/manual/indexes/#default-_id-index).
    c = collection()
    assert await c.index_information() == {}
    await c.insert_one({"_id": 1})
    await c.delete_many({})
    assert await c.index_information() == {"_id_": {"v": 2, "key": [("_id", 1)]}}
    await c.drop()
    assert await c.index_information() == {}


async def test_an_index_declared_again_with_other_options_is_refused() -> None:
    c = collection()
    await c.create_index([("phone", 1)], name="phone", unique=True)
    assert await c.create_index([("phone", 1)], name="phone", unique=True) == "phone"
    with pytest.raises(pymongo.errors.OperationFailure, match="different name or options"):
        await c.create_index([("phone", 1)], name="phone")


async def test_insert_gives_the_caller_its_object_id() -> None:
    c = collection()
    doc: dict[str, Any] = {"name": "x"}
    result = await c.insert_one(doc)
    assert doc["_id"] == result.inserted_id
    assert await c.find_one({"_id": result.inserted_id}) == doc


async def test_a_duplicate_key_error_names_the_index_and_the_key_as_a_server_does() -> None:
    # A server's E11000 error: "E11000 duplicate key error collection: <db>.<collection> index:
    # <name> dup key: { <field>: <value> }", with keyPattern and keyValue in its details
    # (https://www.mongodb.com/docs/manual/core/index-unique/).
    db = EmbeddedDatabase(Engine().database("dups"))
    c = db["customers"]
    await c.create_indexes(
        [
            IndexModel([("phone", 1)], unique=True, name="phone_unique"),
            IndexModel([("tags", 1), ("kind", -1)], unique=True),
        ]
    )
    await c.insert_one({"_id": "c1", "phone": "+52", "tags": ["a", "b"], "kind": 1})

    with pytest.raises(DuplicateKeyError) as taken_id:
        await c.insert_one({"_id": "c1", "phone": "+53"})
    assert taken_id.value.code == 11000
    assert taken_id.value.details is not None
    assert taken_id.value.details["keyPattern"] == {"_id": 1}
    assert taken_id.value.details["keyValue"] == {"_id": "c1"}
    assert 'collection: dups.customers index: _id_ dup key: { _id: "c1" }' in str(taken_id.value)

    with pytest.raises(DuplicateKeyError) as taken_phone:
        await c.update_one({"_id": "c2"}, {"$set": {"phone": "+52"}}, upsert=True)
    assert taken_phone.value.code == 11000
    assert taken_phone.value.details is not None
    assert taken_phone.value.details["keyPattern"] == {"phone": 1}
    assert taken_phone.value.details["keyValue"] == {"phone": "+52"}
    assert 'index: phone_unique dup key: { phone: "+52" }' in str(taken_phone.value)

    # A multikey index reports the element that is taken; a missing field is null.
    with pytest.raises(DuplicateKeyError) as taken_tag:
        await c.insert_one({"_id": "c3", "phone": "+54", "tags": ["z", "b"], "kind": 1})
    assert taken_tag.value.details is not None
    assert taken_tag.value.details["keyPattern"] == {"tags": 1, "kind": -1}
    assert taken_tag.value.details["keyValue"] == {"tags": "b", "kind": 1}
    assert 'index: tags_1_kind_-1 dup key: { tags: "b", kind: 1 }' in str(taken_tag.value)
    await c.insert_one({"_id": "c4", "phone": "+55"})
    with pytest.raises(DuplicateKeyError) as taken_null:
        await c.insert_one({"_id": "c5", "phone": "+56"})
    assert taken_null.value.details is not None
    assert taken_null.value.details["keyValue"] == {"tags": None, "kind": None}

    # An index declared over documents that already share a value (sparse: the documents
    # without an email do not share null).
    await c.insert_one({"_id": "c6", "phone": "+57", "email": "x@y", "tags": ["q"]})
    await c.insert_one({"_id": "c7", "phone": "+58", "email": "x@y", "tags": ["r"]})
    with pytest.raises(DuplicateKeyError) as declared:
        await c.create_index([("email", 1)], unique=True, sparse=True)
    assert declared.value.details is not None
    assert declared.value.details["keyValue"] == {"email": "x@y"}
    # Nothing of the refused writes was kept.
    assert await c.count_documents({}) == 4
