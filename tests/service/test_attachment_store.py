"""Where uploaded attachments are kept: GridFS on a MongoDB server (real_mongo only), files under
the data directory on the embedded store; both through the one interface the gateway uses."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from gateway.attachments import (
    AttachmentFiles,
    AttachmentStore,
    GridFsAttachments,
    StoredFile,
    attachment_store,
)
from uts_shared.mongo import open_database, private_database

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 2048  # several GridFS chunks


async def _round_trip(store: AttachmentStore) -> None:
    stored = StoredFile(
        id=store.new_id(),
        ticket_id="LUX-2026-000001",
        content_type="image/png",
        size=len(PNG),
        name="poste.png",
        uploaded_by="a1",
    )
    await store.save(stored, PNG)
    assert await store.find(stored.id) == stored
    assert b"".join([chunk async for chunk in store.chunks(stored.id)]) == PNG
    assert await store.find("0" * 32) is None
    assert await store.find("../etc/passwd") is None
    await store.remove(stored.id)
    await store.remove(stored.id)  # twice: nothing left, no error
    assert await store.find(stored.id) is None


async def test_on_the_embedded_store_attachments_are_files_under_the_data_directory(
    tmp_path: Path,
) -> None:
    store = attachment_store(private_database("gw"), real_server=False, data_dir=tmp_path)
    assert isinstance(store, AttachmentFiles)
    await _round_trip(store)
    assert store.directory == tmp_path / "attachments"


@pytest.mark.real_mongo
async def test_on_a_mongodb_server_attachments_are_kept_in_gridfs(mongo_url: str | None) -> None:
    database = open_database(mongo_url, f"uts_gridfs_{uuid.uuid4().hex[:8]}")
    store = attachment_store(database, real_server=True, data_dir=None)
    assert isinstance(store, GridFsAttachments)
    try:
        await _round_trip(store)
    finally:
        await database.client.drop_database(database.name)  # type: ignore[attr-defined]
