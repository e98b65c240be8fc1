"""The embedded engine behind the few `AsyncMongoClient` calls the stores make.

Calls run synchronously inside the coroutine (LMDB, microseconds each, one transaction per
call). Documents handed out are private copies, as a driver's are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pymongo import IndexModel, ReturnDocument
from pymongo.errors import OperationFailure

from uts_shared.embedded.collection import Collection, Document, Sort, spec_from
from uts_shared.embedded.engine import Database

_CONTAINERS = (dict, list)


def _clone(value: Any) -> Any:
    # Scalars are shared (immutable); the type test inline saves a call per scalar.
    kind = type(value)
    if kind is dict:
        return {k: _clone(v) if type(v) in _CONTAINERS else v for k, v in value.items()}
    if kind is list:
        return [_clone(v) if type(v) in _CONTAINERS else v for v in value]
    return value


def _own(doc: Document) -> Document:
    return doc


def _projector(projection: Any) -> Any:
    """A function giving a document's projection (documents are decoded from LMDB for each
    read: already the caller's own, nothing to copy)."""
    if not isinstance(projection, Mapping) and projection is not None:
        projection = dict.fromkeys(projection, 1)
    if not projection:
        return _own
    if any("." in k for k in projection):
        raise NotImplementedError("embedded engine: dotted projections are not supported")
    with_id = bool(projection.get("_id", 1))
    fields = {k: bool(v) for k, v in projection.items() if k != "_id"}
    if any(fields.values()) or (not fields and with_id):
        keep = [k for k, v in fields.items() if v]
        if with_id:
            keep.insert(0, "_id")
        return lambda doc: {k: doc[k] for k in keep if k in doc}
    drop = {k for k, v in fields.items() if not v}
    if not with_id:
        drop.add("_id")
    return lambda doc: {k: v for k, v in doc.items() if k not in drop}


def _sort(key: Any, direction: int | None = None) -> Sort:
    if isinstance(key, str):
        return [(key, direction if direction is not None else 1)]
    if isinstance(key, Mapping):
        return [(str(k), int(v)) for k, v in key.items()]
    return [(str(k), int(v)) for k, v in key]


@dataclass(frozen=True)
class InsertOneResult:
    inserted_id: Any
    acknowledged: bool = True


@dataclass(frozen=True)
class InsertManyResult:
    inserted_ids: list[Any]
    acknowledged: bool = True


@dataclass(frozen=True)
class UpdateResult:
    matched_count: int
    modified_count: int
    upserted_id: Any
    acknowledged: bool = True


@dataclass(frozen=True)
class DeleteResult:
    deleted_count: int
    acknowledged: bool = True


class EmbeddedCursor:
    def __init__(self, collection: Collection, query: Any, projection: Any) -> None:
        self._collection = collection
        self._query = query
        self._project = _projector(projection)
        self._sort: Sort | None = None
        self._skip = 0
        self._limit = 0

    def sort(self, key: Any, direction: int | None = None) -> EmbeddedCursor:
        self._sort = _sort(key, direction)
        return self

    def skip(self, n: int) -> EmbeddedCursor:
        self._skip = n
        return self

    def limit(self, n: int) -> EmbeddedCursor:
        self._limit = n
        return self

    def hint(self, index: Any) -> EmbeddedCursor:
        return self

    def _documents(self) -> list[Document]:
        # Projected as each is read: a scan never holds every whole document at once.
        return self._collection.find(
            self._query,
            sort=self._sort,
            skip=self._skip,
            limit=self._limit,
            project=self._project,
        )

    async def to_list(self, length: int | None = None) -> list[Document]:
        docs = self._documents()
        return docs if length is None else docs[:length]

    def __aiter__(self) -> AsyncIterator[Document]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Document]:
        for doc in self._documents():
            yield doc


class EmbeddedCollection:
    def __init__(self, collection: Collection, database: EmbeddedDatabase) -> None:
        self._c = collection
        self.database = database
        self.name = collection.name

    # --- reads ------------------------------------------------------------------------------

    async def find_one(
        self, filter: Any = None, projection: Any = None, *, sort: Any = None, **_: Any
    ) -> Document | None:
        query = filter if isinstance(filter, Mapping) or filter is None else {"_id": filter}
        found = self._c.find(query, sort=_sort(sort) if sort else None, limit=1)
        return _projector(projection)(found[0]) if found else None

    def find(
        self,
        filter: Any = None,
        projection: Any = None,
        *,
        sort: Any = None,
        skip: int = 0,
        limit: int = 0,
        **_: Any,
    ) -> EmbeddedCursor:
        cursor = EmbeddedCursor(self._c, filter, projection).skip(skip).limit(limit)
        return cursor.sort(sort) if sort else cursor

    async def count_documents(self, filter: Mapping[str, Any], **_: Any) -> int:
        return self._c.count(filter)

    async def estimated_document_count(self, **_: Any) -> int:
        return self._c.size()

    async def distinct(self, key: str, filter: Mapping[str, Any] | None = None) -> list[Any]:
        from uts_shared.embedded.values import MISSING, hash_key, resolve

        seen: dict[Any, Any] = {}
        parts = tuple(key.split("."))
        for doc in self._c.find(filter):
            for value in resolve(doc, parts):
                for item in value if isinstance(value, list) else [value]:
                    if item is not MISSING:
                        seen.setdefault(hash_key(item), _clone(item))
        return list(seen.values())

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]], **_: Any) -> Any:
        raise NotImplementedError(
            "embedded engine: no aggregation pipelines; keep counters or use find (README)"
        )

    # --- writes -----------------------------------------------------------------------------

    async def insert_one(self, document: Document, **_: Any) -> InsertOneResult:
        stored = self._c.insert(document)
        document.setdefault("_id", stored["_id"])  # as PyMongo does
        return InsertOneResult(stored["_id"])

    async def insert_many(self, documents: Sequence[Document], **_: Any) -> InsertManyResult:
        ids = []
        for document in documents:
            stored = self._c.insert(document)
            document.setdefault("_id", stored["_id"])
            ids.append(stored["_id"])
        return InsertManyResult(ids)

    async def update_one(
        self, filter: Mapping[str, Any], update: Mapping[str, Any], upsert: bool = False, **_: Any
    ) -> UpdateResult:
        r = self._c.update(filter, update, upsert=upsert)
        return UpdateResult(r.matched, r.modified, r.upserted_id)

    async def update_many(
        self, filter: Mapping[str, Any], update: Mapping[str, Any], upsert: bool = False, **_: Any
    ) -> UpdateResult:
        r = self._c.update(filter, update, upsert=upsert, multi=True)
        return UpdateResult(r.matched, r.modified, r.upserted_id)

    async def replace_one(
        self,
        filter: Mapping[str, Any],
        replacement: Mapping[str, Any],
        upsert: bool = False,
        **_: Any,
    ) -> UpdateResult:
        r = self._c.update(filter, replacement, upsert=upsert, replace=True)
        return UpdateResult(r.matched, r.modified, r.upserted_id)

    async def find_one_and_update(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        projection: Any = None,
        *,
        sort: Any = None,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
        **_: Any,
    ) -> Document | None:
        r = self._c.update(filter, update, upsert=upsert, sort=_sort(sort) if sort else None)
        return self._returned(r.before, r.after, projection, return_document)

    async def find_one_and_replace(
        self,
        filter: Mapping[str, Any],
        replacement: Mapping[str, Any],
        projection: Any = None,
        *,
        sort: Any = None,
        upsert: bool = False,
        return_document: bool = ReturnDocument.BEFORE,
        **_: Any,
    ) -> Document | None:
        r = self._c.update(
            filter, replacement, upsert=upsert, replace=True, sort=_sort(sort) if sort else None
        )
        return self._returned(r.before, r.after, projection, return_document)

    def _returned(
        self, before: Document | None, after: Document | None, projection: Any, which: bool
    ) -> Document | None:
        chosen = after if which == ReturnDocument.AFTER else before
        return None if chosen is None else _projector(projection)(chosen)

    async def find_one_and_delete(
        self, filter: Mapping[str, Any], projection: Any = None, sort: Any = None, **_: Any
    ) -> Document | None:
        removed = self._c.delete(filter, multi=False, sort=_sort(sort) if sort else None)
        return _projector(projection)(removed[0]) if removed else None

    async def delete_one(self, filter: Mapping[str, Any], **_: Any) -> DeleteResult:
        return DeleteResult(len(self._c.delete(filter, multi=False)))

    async def delete_many(self, filter: Mapping[str, Any], **_: Any) -> DeleteResult:
        return DeleteResult(len(self._c.delete(filter, multi=True)))

    # --- indexes ----------------------------------------------------------------------------

    async def create_index(self, keys: Any, **options: Any) -> str:
        return self._c.create_index(spec_from(keys, **options))

    async def create_indexes(self, indexes: Sequence[IndexModel], **_: Any) -> list[str]:
        names = []
        for model in indexes:
            doc = dict(model.document)
            keys = list(doc.pop("key").items())
            names.append(self._c.create_index(spec_from(keys, **doc)))
        return names

    async def drop_index(self, name: str, **_: Any) -> None:
        if not self._c.drop_index(name):
            raise OperationFailure(f"index not found with name [{name}]", code=27)

    async def index_information(self) -> dict[str, Any]:
        info: dict[str, Any] = {"_id_": {"key": [("_id", 1)]}}
        for spec in self._c.index_specs():
            entry: dict[str, Any] = {"key": list(spec.keys)}
            if spec.unique:
                entry["unique"] = True
            if spec.sparse:
                entry["sparse"] = True
            info[spec.name] = entry
        return info

    async def drop(self) -> None:
        self.database.engine_database.drop_collection(self.name)


class EmbeddedDatabase:
    def __init__(self, database: Database) -> None:
        self.engine_database = database
        self.name = database.name

    @property
    def unchanged_since_clean_stop(self) -> bool:
        """The process that had this database open last closed it, and nothing was written
        since it was opened (a new database too)."""
        return self.engine_database.unchanged_since_clean_stop

    def __getitem__(self, name: str) -> EmbeddedCollection:
        return EmbeddedCollection(self.engine_database.collection(name), self)

    def get_collection(self, name: str) -> EmbeddedCollection:
        return self[name]

    async def command(self, command: str | Mapping[str, Any], **_: Any) -> Document:
        if command == "ping" or (isinstance(command, Mapping) and "ping" in command):
            return {"ok": 1.0}
        raise NotImplementedError(f"embedded engine: command {command!r}")

    async def list_collection_names(self) -> list[str]:
        return self.engine_database.collection_names()

    async def drop_collection(self, name: str) -> None:
        self.engine_database.drop_collection(name)
