"""Every MongoDB call of the config service (database `uts_config`) and its indexes; the
driver's errors leave it as `Unavailable`.

`system_settings`: one SystemSettings document per key (unique). `setting_changes`: the change
history. Each write that must be atomic touches one document: a change of a value is one
conditional `find_one_and_update` that also refuses non-editable settings, and custom presets are
pushed/pulled inside the `configuration_presets` document. The history entry is written right
after (no transactions on the in-process engine, see docs/STORAGE.md).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, ParamSpec, TypeVar

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError, PyMongoError

from uts_shared.contracts.config import ChangeRecord, SettingKey, SettingRecord
from uts_shared.errors import Unavailable
from uts_shared.store_types import Database

P = ParamSpec("P")
R = TypeVar("R")


def _unavailable_when_down(method: Callable[P, Awaitable[R]]) -> Callable[P, Awaitable[R]]:
    """The driver's failures in the service's words: `Unavailable` (a 503 for callers)."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except PyMongoError as exc:
            raise Unavailable(
                "the configuration store is unavailable", context={"reason": str(exc)[:200]}
            ) from exc

    return call


SETTINGS = "system_settings"
CHANGES = "setting_changes"

_SETTING_FIELDS = tuple(f.alias or n for n, f in SettingRecord.model_fields.items())
_CHANGE_FIELDS = tuple(f.alias or n for n, f in ChangeRecord.model_fields.items())
_EDITABLE = {"isEditable": {"$ne": False}}


def _setting(doc: dict[str, Any]) -> SettingRecord:
    # Only known fields: documents written by other tools (e.g. a mongoose `__v`) still load.
    return SettingRecord.model_validate({k: doc[k] for k in _SETTING_FIELDS if k in doc})


class SettingsStore:
    def __init__(self, database: Database) -> None:
        self._settings = database[SETTINGS]
        self._changes = database[CHANGES]

    async def ensure_indexes(self) -> None:
        await self._settings.create_indexes(
            [
                IndexModel([("key", ASCENDING)], unique=True, name="key_unique"),
                IndexModel([("category", ASCENDING), ("key", ASCENDING)], name="category_key"),
            ]
        )
        await self._changes.create_indexes(
            [
                IndexModel([("key", ASCENDING), ("changedAt", DESCENDING)], name="key_changedAt"),
                IndexModel([("changedAt", DESCENDING)], name="changedAt"),
            ]
        )

    @_unavailable_when_down
    async def insert_if_absent(self, record: SettingRecord) -> bool:
        """Seed one key; True when this call created it (safe when replicas race)."""
        doc = record.model_dump()
        doc.pop("key")
        try:
            result = await self._settings.update_one(
                {"key": record.key}, {"$setOnInsert": doc}, upsert=True
            )
        except DuplicateKeyError:
            # Two upserts raced on the unique index: the other one inserted it.
            return False
        return result.upserted_id is not None

    @_unavailable_when_down
    async def get(self, key: str) -> SettingRecord | None:
        doc = await self._settings.find_one({"key": str(key)})
        return None if doc is None else _setting(doc)

    @_unavailable_when_down
    async def all_settings(self) -> list[SettingRecord]:
        docs = await self._settings.find({}).sort("key", ASCENDING).to_list()
        return [_setting(d) for d in docs]

    @_unavailable_when_down
    async def set_value(
        self, key: str, value: Any, *, by: str, now: datetime
    ) -> SettingRecord | None:
        """Replace an editable setting's value; the document before, or None if not changed
        (missing or `isEditable: false`)."""
        before = await self._settings.find_one_and_update(
            {"key": str(key), **_EDITABLE},
            {"$set": {"value": value, "updatedBy": by, "updatedAt": now}},
            return_document=ReturnDocument.BEFORE,
        )
        return None if before is None else _setting(before)

    @_unavailable_when_down
    async def push_preset(
        self, preset: dict[str, Any], *, by: str, now: datetime
    ) -> SettingRecord | None:
        """Append a custom preset unless its id is taken; the document before, or None."""
        before = await self._settings.find_one_and_update(
            {
                "key": SettingKey.CONFIGURATION_PRESETS.value,
                **_EDITABLE,
                "value.id": {"$ne": preset["id"]},
            },
            {"$push": {"value": preset}, "$set": {"updatedBy": by, "updatedAt": now}},
            return_document=ReturnDocument.BEFORE,
        )
        return None if before is None else _setting(before)

    @_unavailable_when_down
    async def pull_preset(self, preset_id: str, *, by: str, now: datetime) -> SettingRecord | None:
        """Remove a custom (non built-in) preset; the document before, or None if not there."""
        before = await self._settings.find_one_and_update(
            {
                "key": SettingKey.CONFIGURATION_PRESETS.value,
                **_EDITABLE,
                "value": {"$elemMatch": {"id": preset_id, "builtin": {"$ne": True}}},
            },
            {"$pull": {"value": {"id": preset_id}}, "$set": {"updatedBy": by, "updatedAt": now}},
            return_document=ReturnDocument.BEFORE,
        )
        return None if before is None else _setting(before)

    @_unavailable_when_down
    async def record_change(self, change: ChangeRecord) -> None:
        await self._changes.insert_one(change.model_dump())

    @_unavailable_when_down
    async def changes(
        self, key: str | None, *, page: int, limit: int
    ) -> tuple[list[ChangeRecord], int]:
        """One page of changes, newest first, and how many there are in all."""
        query = {} if key is None else {"key": str(key)}
        total = await self._changes.count_documents(query)
        cursor = self._changes.find(query).sort([("changedAt", DESCENDING), ("_id", DESCENDING)])
        docs = await cursor.skip((page - 1) * limit).limit(limit).to_list()
        changes = [
            ChangeRecord.model_validate({k: d[k] for k in _CHANGE_FIELDS if k in d}) for d in docs
        ]
        return changes, total
