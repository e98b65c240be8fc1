"""The embedded engine keeps its data: clean and unclean stops, torn writes, snapshots, owner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError, OperationFailure

from uts_shared.embedded import DataDirInUse, Engine
from uts_shared.embedded import journal as journal_module
from uts_shared.embedded.aio import EmbeddedDatabase


def open_db(directory: Path, name: str = "uts_tickets") -> tuple[Engine, EmbeddedDatabase]:
    engine = Engine(directory)
    return engine, EmbeddedDatabase(engine.database(name))


async def test_a_reopened_database_has_every_document_index_and_delete(tmp_path: Path) -> None:
    engine, db = open_db(tmp_path)
    await db["customers"].create_indexes([IndexModel([("phone", 1)], unique=True)])
    await db["customers"].create_index([("name", 1)], name="by_name")
    await db["customers"].insert_many([{"_id": f"c{i}", "phone": f"+{i}"} for i in range(50)])
    await db["customers"].drop_index("by_name")
    await db["customers"].update_one({"_id": "c7"}, {"$set": {"name": "Ana"}})
    await db["customers"].delete_one({"_id": "c9"})
    await db["scratch"].insert_one({"_id": 1})
    await db.drop_collection("scratch")
    engine.close()

    engine, db = open_db(tmp_path)
    assert await db["customers"].count_documents({}) == 49
    kept = await db["customers"].find_one({"_id": "c7"})
    assert kept == {"_id": "c7", "phone": "+7", "name": "Ana"}
    assert await db["customers"].find_one({"_id": "c9"}) is None
    assert await db["scratch"].count_documents({}) == 0
    with pytest.raises(DuplicateKeyError):
        await db["customers"].insert_one({"_id": "new", "phone": "+3"})
    assert "by_name" not in await db["customers"].index_information()
    with pytest.raises(OperationFailure, match="index not found"):
        await db["customers"].drop_index("by_name")
    engine.close()


def test_a_torn_last_write_is_cut_off_and_the_rest_recovers(tmp_path: Path) -> None:
    database = Engine(tmp_path).database("uts_tickets")
    for i in range(10):
        database.collection("c").insert({"_id": i, "v": "x" * 100})
    storage = database._storage
    assert storage is not None
    journal = tmp_path / "uts_tickets" / f"journal-{storage.generation:08d}.log"
    # A crash without the final snapshot: drop the engine, keep the journal as it is on disk.
    storage._stop.set()
    os.close(storage._fd)
    os.close(storage._lock_fd)
    with journal.open("ab") as f:
        f.write(b"\x40\x00\x00\x00partial-record")

    database = Engine(tmp_path).database("uts_tickets")
    assert len(database.collection("c").docs) == 10
    database.collection("c").insert({"_id": 10})
    database.close()
    assert len(Engine(tmp_path).database("uts_tickets").collection("c").docs) == 11


def test_a_second_process_cannot_open_the_same_database(tmp_path: Path) -> None:
    engine, _ = open_db(tmp_path)
    with pytest.raises(DataDirInUse, match="another process"):
        Engine(tmp_path).database("uts_tickets")
    engine.close()
    Engine(tmp_path).database("uts_tickets").close()


async def test_writes_during_a_snapshot_are_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(journal_module, "COMPACT_MIN_BYTES", 20_000)
    engine, db = open_db(tmp_path)
    for i in range(600):
        await db["c"].insert_one({"_id": i, "text": "y" * 200})
        if i % 3 == 0:
            await db["c"].update_one({"_id": i // 2}, {"$inc": {"hits": 1}})
    files = {p.name.split("-")[0] for p in (tmp_path / "uts_tickets").iterdir()}
    assert "snapshot" in files  # at least one compaction ran
    expected = {d["_id"]: d.get("hits") for d in await db["c"].find({}).to_list()}
    storage = engine.database("uts_tickets")._storage
    assert storage is not None
    if storage._compacting is not None:
        storage._compacting.join()
    storage._stop.set()
    os.close(storage._fd)
    os.close(storage._lock_fd)  # an unclean stop: no final snapshot

    engine, db = open_db(tmp_path)
    assert {d["_id"]: d.get("hits") for d in await db["c"].find({}).to_list()} == expected
    engine.close()


async def test_a_slow_fsync_holds_no_write_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The once-a-second fsync runs beside the writes: on a slow disk a write does not wait
    for it (writes run on the services' event loop)."""
    engine, db = open_db(tmp_path)
    storage = engine.database("uts_tickets")._storage
    assert storage is not None
    await db["c"].insert_one({"_id": 0})
    syncing = threading.Event()
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        syncing.set()
        time.sleep(0.5)
        real_fsync(fd)

    monkeypatch.setattr(journal_module.os, "fsync", slow_fsync)
    syncer = threading.Thread(target=storage._sync)
    syncer.start()
    assert syncing.wait(5)
    started = time.perf_counter()
    await db["c"].insert_one({"_id": 1})
    assert time.perf_counter() - started < 0.2
    syncer.join()
    monkeypatch.undo()
    engine.close()

    engine, db = open_db(tmp_path)
    assert await db["c"].count_documents({}) == 2
    engine.close()


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from uts_shared.embedded import Engine
    from uts_shared.embedded.aio import EmbeddedDatabase

    async def main():
        db = EmbeddedDatabase(Engine(sys.argv[1]).database("uts_tickets"))
        i = 0
        while True:
            await db["tickets"].insert_one({"_id": i, "subject": "s" * 300})
            await db["counters"].update_one({"_id": "n"}, {"$inc": {"seq": 1}}, upsert=True)
            print(i, flush=True)  # acknowledged
            i += 1

    asyncio.run(main())
    """
)


def test_a_killed_process_loses_no_acknowledged_write(tmp_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    acknowledged = -1
    for line in writer.stdout:
        acknowledged = int(line)
        if acknowledged >= 2000:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait()

    database = Engine(tmp_path).database("uts_tickets")
    kept = {doc["_id"] for doc in database.collection("tickets").docs.values()}
    assert set(range(acknowledged + 1)) <= kept
    counter = database.collection("counters").get("n")
    assert counter is not None and counter["seq"] >= acknowledged + 1
    database.close()
