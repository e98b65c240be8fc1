"""Every MongoDB call of the reply library (canned replies, macros) and its indexes.

One collection per kind (`canned_replies`, `macros`), one document per item: `shared`, `ownerId`
(none when shared), `title`, the kind's own fields, `createdBy`, `createdAt`, `updatedAt`. What
an agent may use is one indexed query: its own (`ownerId`) and the shared ones, by title.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument

from uts_shared.mongo import Document
from uts_shared.store_types import Database

REPLIES = "canned_replies"
MACROS = "macros"


class LibraryStore:
    """One kind's collection."""

    def __init__(self, database: Database, collection: str) -> None:
        self.items = database[collection]

    async def ensure_indexes(self) -> None:
        await self.items.create_indexes(
            [
                IndexModel([("ownerId", ASCENDING), ("title", ASCENDING)], name="personal"),
                IndexModel([("shared", ASCENDING), ("title", ASCENDING)], name="shared"),
            ]
        )

    async def visible(self, agent_id: str, limit: int) -> list[Document]:
        """The agent's own and the shared ones, by title (at most `limit`)."""
        query = {"$or": [{"ownerId": agent_id}, {"shared": True}]}
        cursor = self.items.find(query).sort([("title", ASCENDING), ("_id", ASCENDING)])
        return list(await cursor.limit(limit).to_list(None))

    async def count(self, *, owner_id: str | None) -> int:
        query: Document = {"ownerId": owner_id} if owner_id else {"shared": True}
        return int(await self.items.count_documents(query))

    async def insert(self, doc: Document) -> None:
        await self.items.insert_one(doc)

    async def get(self, item_id: str) -> Document | None:
        found: Document | None = await self.items.find_one({"_id": item_id})
        return found

    async def update(self, item_id: str, changes: Mapping[str, Any]) -> Document | None:
        doc: Document | None = await self.items.find_one_and_update(
            {"_id": item_id}, {"$set": dict(changes)}, return_document=ReturnDocument.AFTER
        )
        return doc

    async def delete(self, item_id: str) -> Document | None:
        doc: Document | None = await self.items.find_one_and_delete({"_id": item_id})
        return doc
