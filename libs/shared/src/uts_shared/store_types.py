"""What a store may call on a database: the part of PyMongo's async API both a MongoDB server
(`AsyncDatabase`) and the embedded engine answer, as protocols, so mypy checks every store call
(a misspelt method or a wrong argument is a type error, not a runtime surprise)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Hashable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

from pymongo import IndexModel

Document = dict[str, Any]
Filter = Mapping[str, Any]
Projection = Mapping[str, Any] | Sequence[str] | None
Sort = str | Sequence[tuple[str, int]]


class Cursor(Protocol):
    def sort(self, key_or_list: Sort, direction: int | None = None) -> Cursor: ...

    def skip(self, skip: int) -> Cursor: ...

    def limit(self, limit: int) -> Cursor: ...

    async def to_list(self, length: int | None = None) -> list[Document]: ...

    def __aiter__(self) -> AsyncIterator[Document]: ...


T = TypeVar("T")


async def views_of(cursor: Cursor, key: Hashable, make: Callable[[Document], T]) -> list[T]:
    """`make` of each document `cursor` reads. The embedded engine makes each once per
    document it keeps decoded (a page read again costs none of it): a view is shared between
    reads, never to be changed, and `make` must depend on the document alone."""
    remembered = getattr(type(cursor), "views", None)
    if remembered is not None:
        found: list[T] = await remembered(cursor, key, make)
        return found
    return [make(doc) for doc in await cursor.to_list(None)]


class Collection(Protocol):
    @property
    def name(self) -> str: ...

    def find(
        self, filter: Filter | None = None, projection: Projection = None, **kwargs: Any
    ) -> Cursor: ...

    async def find_one(
        self, filter: Filter | None = None, projection: Projection = None, **kwargs: Any
    ) -> Document | None: ...

    async def find_one_and_update(
        self,
        filter: Filter,
        update: Mapping[str, Any],
        projection: Projection = None,
        *,
        sort: Sort | None = None,
        upsert: bool = False,
        return_document: bool = False,
        **kwargs: Any,
    ) -> Document | None: ...

    async def find_one_and_delete(
        self, filter: Filter, projection: Projection = None, **kwargs: Any
    ) -> Document | None: ...

    async def insert_one(self, document: Mapping[str, Any], **kwargs: Any) -> Any: ...

    async def insert_many(self, documents: Sequence[Mapping[str, Any]], **kwargs: Any) -> Any: ...

    async def update_one(
        self, filter: Filter, update: Mapping[str, Any], upsert: bool = False, **kwargs: Any
    ) -> Any: ...

    async def update_many(
        self, filter: Filter, update: Mapping[str, Any], upsert: bool = False, **kwargs: Any
    ) -> Any: ...

    async def delete_one(self, filter: Filter, **kwargs: Any) -> Any: ...

    async def delete_many(self, filter: Filter, **kwargs: Any) -> Any: ...

    async def count_documents(self, filter: Filter, **kwargs: Any) -> int: ...

    async def create_index(self, keys: str | Sequence[tuple[str, int]], **kwargs: Any) -> str: ...

    async def create_indexes(self, indexes: Sequence[IndexModel], **kwargs: Any) -> list[str]: ...

    async def drop_index(self, index_or_name: str, **kwargs: Any) -> None: ...

    async def index_information(self, **kwargs: Any) -> Mapping[str, Any]: ...

    async def drop(self, **kwargs: Any) -> None: ...


class Database(Protocol):
    @property
    def name(self) -> str: ...

    def __getitem__(self, name: str) -> Collection: ...

    async def command(self, command: str | Mapping[str, Any], **kwargs: Any) -> Document: ...
