"""Every MongoDB call of the saved views (database `uts_tickets`, collection `saved_views`).

One document per view: `scope` is its owner's agent id, or `SHARED` for a view every agent sees;
`nameKey` is its name folded (case and accents), unique within a scope, so two views of one
owner never share a name however they are typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from uts_shared.contracts.saved_views import SavedView
from uts_shared.store_types import Database

COLLECTION = "saved_views"
SHARED = "*"
"""The scope of the views admins share (no agent id is `*`)."""


class NameTaken(Exception):
    """Another view of the same scope has this name."""


def _view(doc: Mapping[str, Any]) -> SavedView:
    shared = doc["scope"] == SHARED
    return SavedView(
        id=doc["_id"],
        name=doc["name"],
        filters=doc["filters"],
        shared=shared,
        owner_id=None if shared else doc["scope"],
        created_by=doc["createdBy"],
        created_at=doc["createdAt"],
        updated_at=doc["updatedAt"],
    )


class SavedViewStore:
    def __init__(self, database: Database) -> None:
        self._views = database[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self._views.create_indexes(
            [
                IndexModel(
                    [("scope", ASCENDING), ("nameKey", ASCENDING)],
                    unique=True,
                    name="scope_name_unique",
                )
            ]
        )

    async def of_scopes(self, *scopes: str) -> list[SavedView]:
        """The views of these scopes, each scope's by name (one indexed query)."""
        found = self._views.find({"scope": {"$in": list(scopes)}}).sort(
            [("scope", ASCENDING), ("nameKey", ASCENDING)]
        )
        views = [_view(doc) async for doc in found]
        order = {scope: i for i, scope in enumerate(scopes)}
        return sorted(views, key=lambda v: order[SHARED if v.shared else v.owner_id or ""])

    async def count(self, scope: str) -> int:
        return await self._views.count_documents({"scope": scope})

    async def get(self, view_id: str) -> tuple[str, SavedView] | None:
        """The view and its scope."""
        doc = await self._views.find_one({"_id": view_id})
        return None if doc is None else (doc["scope"], _view(doc))

    async def insert(
        self,
        view_id: str,
        scope: str,
        name: str,
        name_key: str,
        filters: dict[str, str],
        *,
        by: str,
        now: datetime,
    ) -> SavedView:
        doc = {
            "_id": view_id,
            "scope": scope,
            "name": name,
            "nameKey": name_key,
            "filters": filters,
            "createdBy": by,
            "createdAt": now,
            "updatedAt": now,
        }
        try:
            await self._views.insert_one(doc)
        except DuplicateKeyError as exc:
            raise NameTaken from exc
        return _view(doc)

    async def update(
        self, view_id: str, changes: dict[str, Any], now: datetime
    ) -> SavedView | None:
        try:
            doc = await self._views.find_one_and_update(
                {"_id": view_id},
                {"$set": {**changes, "updatedAt": now}},
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError as exc:
            raise NameTaken from exc
        return None if doc is None else _view(doc)

    async def delete(self, view_id: str) -> SavedView | None:
        doc = await self._views.find_one_and_delete({"_id": view_id})
        return None if doc is None else _view(doc)
