"""The embedded engine behind the few `AsyncMongoClient` calls the stores make.

Calls run synchronously inside the coroutine (LMDB, microseconds each, one transaction per
call). Documents handed out are private copies, as a driver's are.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pymongo import IndexModel, ReturnDocument
from pymongo.errors import OperationFailure

from uts_shared.embedded.collection import Collection, Document, Sort, spec_from
from uts_shared.embedded.decoded import clone
from uts_shared.embedded.engine import Database
from uts_shared.embedded.updating import WriteError


def refuse(call: str, options: Mapping[str, Any]) -> None:
    """Options the engine does not implement are refused by name, never ignored (None is
    PyMongo's own default for each of them: the answer is the same without it)."""
    given = sorted(name for name, value in options.items() if value is not None)
    if given:
        raise NotImplementedError(
            f"embedded engine: {call}() does not support the option(s) {', '.join(given)}"
        )


def _projector(projection: Any) -> Any:
    """A function giving a document's projection as a new dict (the collection copies the
    arrays and embedded documents it keeps); None: the whole document."""
    if not isinstance(projection, Mapping) and projection is not None:
        projection = dict.fromkeys(projection, 1)
    if not projection:
        return None
    for name, value in projection.items():
        if "." in name:
            raise NotImplementedError(f"embedded engine: dotted projection {name} is not supported")
        if isinstance(value, Mapping):
            operator = next(iter(value), name)
            raise NotImplementedError(
                f"embedded engine: projection operator {operator} ({name}) is not supported"
            )
    with_id = bool(projection.get("_id", 1))
    fields = {k: bool(v) for k, v in projection.items() if k != "_id"}
    if any(fields.values()) and not all(fields.values()):
        excluded = next(k for k, v in fields.items() if not v)
        raise OperationFailure(
            f"Cannot do exclusion on field {excluded} in inclusion projection", code=31254
        )
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
        pairs = [(key, direction if direction is not None else 1)]
    elif isinstance(key, Mapping):
        pairs = list(key.items())
    else:
        pairs = list(key)
    for path, way in pairs:
        if isinstance(way, bool) or way not in (1, -1):
            raise NotImplementedError(
                f"embedded engine: sort {path!r} by {way!r} is not supported (1 or -1)"
            )
    return [(str(k), int(v)) for k, v in pairs]


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


T = TypeVar("T")


def _shape(projection: Any) -> Hashable:
    if isinstance(projection, Mapping):
        return tuple(sorted(projection.items()))
    return None if projection is None else tuple(projection)


class EmbeddedCursor:
    def __init__(self, collection: Collection, query: Any, projection: Any) -> None:
        self._collection = collection
        self._query = query
        self._project = _projector(projection)
        self._shape = _shape(projection)
        self._sort: Sort | None = None
        self._skip = 0
        self._limit = 0

    def sort(self, key: Any, direction: int | None = None) -> EmbeddedCursor:
        self._sort = _sort(key, direction)
        return self

    def skip(self, n: int) -> EmbeddedCursor:
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError("skip must be an integer")
        if n < 0:
            raise ValueError("skip must be >= 0")
        self._skip = n
        return self

    def limit(self, n: int) -> EmbeddedCursor:
        if not isinstance(n, int) or isinstance(n, bool):
            raise TypeError("limit must be an integer")
        self._limit = abs(n)  # a negative limit is a single batch of that many: the same page
        return self

    def hint(self, index: Any) -> EmbeddedCursor:
        raise NotImplementedError("embedded engine: hint() is not supported (the planner chooses)")

    def _documents(
        self, view: tuple[Hashable, Callable[[Document], Any]] | None = None
    ) -> list[Any]:
        # Projected as each is read: a scan never holds every whole document at once.
        return self._collection.find(
            self._query,
            sort=self._sort,
            skip=self._skip,
            limit=self._limit,
            project=self._project,
            view=view,
        )

    async def views(self, key: Hashable, make: Callable[[Document], T]) -> list[T]:
        """`make` of each document read (as projected): made once per document the engine
        keeps decoded, `key` and projection, so a page read again costs none of it (the views
        are shared between reads: never change one)."""
        return self._documents(((key, self._shape), make))

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
        self, filter: Any = None, projection: Any = None, *, sort: Any = None, **options: Any
    ) -> Document | None:
        refuse("find_one", options)
        query = filter if isinstance(filter, Mapping) or filter is None else {"_id": filter}
        found = self._c.find(
            query, sort=_sort(sort) if sort else None, limit=1, project=_projector(projection)
        )
        return found[0] if found else None

    def find(
        self,
        filter: Any = None,
        projection: Any = None,
        *,
        sort: Any = None,
        skip: int = 0,
        limit: int = 0,
        **options: Any,
    ) -> EmbeddedCursor:
        refuse("find", options)
        cursor = EmbeddedCursor(self._c, filter, projection).skip(skip).limit(limit)
        return cursor.sort(sort) if sort else cursor

    async def count_documents(self, filter: Mapping[str, Any], **options: Any) -> int:
        refuse("count_documents", options)
        return self._c.count(filter)

    async def estimated_document_count(self, **options: Any) -> int:
        refuse("estimated_document_count", options)
        return self._c.size()

    async def distinct(self, key: str, filter: Mapping[str, Any] | None = None) -> list[Any]:
        from uts_shared.embedded.values import MISSING, hash_key, resolve

        seen: dict[Any, Any] = {}
        parts = tuple(key.split("."))
        for doc in self._c.find(filter):
            for value in resolve(doc, parts):
                for item in value if isinstance(value, list) else [value]:
                    if item is not MISSING:
                        seen.setdefault(hash_key(item), clone(item))
        return list(seen.values())

    async def aggregate(self, pipeline: Sequence[Mapping[str, Any]], **options: Any) -> Any:
        raise NotImplementedError(
            "embedded engine: no aggregation pipelines; keep counters or use find (README)"
        )

    # --- writes -----------------------------------------------------------------------------

    async def insert_one(self, document: Document, **options: Any) -> InsertOneResult:
        refuse("insert_one", options)
        stored = self._c.insert(document)
        document.setdefault("_id", stored["_id"])  # as PyMongo does
        return InsertOneResult(stored["_id"])

    async def insert_many(self, documents: Sequence[Document], **options: Any) -> InsertManyResult:
        refuse("insert_many", options)
        ids = []
        for document in documents:
            stored = self._c.insert(document)
            document.setdefault("_id", stored["_id"])
            ids.append(stored["_id"])
        return InsertManyResult(ids)

    async def update_one(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        upsert: bool = False,
        **options: Any,
    ) -> UpdateResult:
        refuse("update_one", options)
        r = self._c.update(filter, update, upsert=upsert)
        return UpdateResult(r.matched, r.modified, r.upserted_id)

    async def update_many(
        self,
        filter: Mapping[str, Any],
        update: Mapping[str, Any],
        upsert: bool = False,
        **options: Any,
    ) -> UpdateResult:
        refuse("update_many", options)
        r = self._c.update(filter, update, upsert=upsert, multi=True)
        return UpdateResult(r.matched, r.modified, r.upserted_id)

    async def replace_one(
        self,
        filter: Mapping[str, Any],
        replacement: Mapping[str, Any],
        upsert: bool = False,
        **options: Any,
    ) -> UpdateResult:
        refuse("replace_one", options)
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
        **options: Any,
    ) -> Document | None:
        refuse("find_one_and_update", options)
        try:
            r = self._c.update(filter, update, upsert=upsert, sort=_sort(sort) if sort else None)
        except WriteError as error:  # a command's error on a server, not a write error
            raise OperationFailure(str(error), code=error.code) from error
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
        **options: Any,
    ) -> Document | None:
        refuse("find_one_and_replace", options)
        r = self._c.update(
            filter, replacement, upsert=upsert, replace=True, sort=_sort(sort) if sort else None
        )
        return self._returned(r.before, r.after, projection, return_document)

    def _returned(
        self, before: Document | None, after: Document | None, projection: Any, which: bool
    ) -> Document | None:
        chosen = after if which == ReturnDocument.AFTER else before
        project = _projector(projection)
        return chosen if chosen is None or project is None else project(chosen)

    async def find_one_and_delete(
        self,
        filter: Mapping[str, Any],
        projection: Any = None,
        sort: Any = None,
        **options: Any,
    ) -> Document | None:
        refuse("find_one_and_delete", options)
        removed = self._c.delete(filter, multi=False, sort=_sort(sort) if sort else None)
        project = _projector(projection)
        return None if not removed else removed[0] if project is None else project(removed[0])

    async def delete_one(self, filter: Mapping[str, Any], **options: Any) -> DeleteResult:
        refuse("delete_one", options)
        return DeleteResult(len(self._c.delete(filter, multi=False)))

    async def delete_many(self, filter: Mapping[str, Any], **options: Any) -> DeleteResult:
        refuse("delete_many", options)
        return DeleteResult(len(self._c.delete(filter, multi=True)))

    # --- indexes ----------------------------------------------------------------------------

    async def create_index(self, keys: Any, **options: Any) -> str:
        given = {name: value for name, value in options.items() if value is not None}
        return self._c.create_index(spec_from(keys, **given))

    async def create_indexes(self, indexes: Sequence[IndexModel], **options: Any) -> list[str]:
        refuse("create_indexes", options)
        names = []
        for model in indexes:
            doc = dict(model.document)
            keys = list(doc.pop("key").items())
            names.append(self._c.create_index(spec_from(keys, **doc)))
        return names

    async def drop_index(self, name: str, **options: Any) -> None:
        refuse("drop_index", options)
        if not self._c.drop_index(name):
            raise OperationFailure(f"index not found with name [{name}]", code=27)

    async def index_information(self, **options: Any) -> dict[str, Any]:
        refuse("index_information", options)
        if not self._c.exists:  # a collection never made (or dropped) has no indexes
            return {}
        info: dict[str, Any] = {"_id_": {"v": 2, "key": [("_id", 1)]}}
        for spec in self._c.index_specs():
            entry: dict[str, Any] = {"v": 2, "key": list(spec.keys)}
            if spec.unique:
                entry["unique"] = True
            if spec.sparse:
                entry["sparse"] = True
            info[spec.name] = entry
        return info

    async def drop(self, **options: Any) -> None:
        refuse("drop", options)
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

    async def command(self, command: str | Mapping[str, Any], **options: Any) -> Document:
        refuse("command", options)
        if command == "ping" or (isinstance(command, Mapping) and "ping" in command):
            return {"ok": 1.0}
        raise NotImplementedError(f"embedded engine: command {command!r}")

    async def list_collection_names(self) -> list[str]:
        return self.engine_database.collection_names()

    async def drop_collection(self, name: str) -> None:
        self.engine_database.drop_collection(name)
