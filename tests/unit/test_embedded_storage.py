"""The embedded engine keeps its data: clean and unclean stops, abandoned writes, fsync, owner."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from pymongo import IndexModel
from pymongo.errors import DuplicateKeyError, OperationFailure

from uts_shared.embedded import DataDirInUse, Engine
from uts_shared.embedded import storage as storage_module
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


def _unclean_stop(engine: Engine, name: str = "uts_tickets") -> None:
    """Let a database go as a killed process does: no last sync, no tidy close."""
    environment = engine.database(name).environment
    environment._stop.set()
    environment.env.close()
    os.close(environment._lock_fd)
    environment._lock_fd = -1


async def test_a_write_cut_off_midway_leaves_nothing_of_it_and_the_rest_recovers(
    tmp_path: Path,
) -> None:
    engine, db = open_db(tmp_path)
    await db["c"].create_index([("v", 1)], unique=True)
    for i in range(10):
        await db["c"].insert_one({"_id": i, "v": "x" * 100 + str(i)})
    # The document is written, then its unique index entry is found taken: the one
    # transaction is abandoned, so neither the document nor any entry of it remains.
    with pytest.raises(DuplicateKeyError):
        await db["c"].insert_one({"_id": 10, "v": "x" * 100 + "3"})
    _unclean_stop(engine)

    engine, db = open_db(tmp_path)
    assert await db["c"].count_documents({}) == 10
    assert await db["c"].find_one({"_id": 10}) is None
    await db["c"].insert_one({"_id": 10})
    engine.close()
    engine, db = open_db(tmp_path)
    assert await db["c"].count_documents({}) == 11
    assert not engine.database("uts_tickets").verify()
    engine.close()


def test_a_second_process_cannot_open_the_same_database(tmp_path: Path) -> None:
    engine, _ = open_db(tmp_path)
    with pytest.raises(DataDirInUse, match="another process"):
        Engine(tmp_path).database("uts_tickets")
    engine.close()
    Engine(tmp_path).database("uts_tickets").close()


async def test_writes_and_updates_survive_an_unclean_stop(tmp_path: Path) -> None:
    engine, db = open_db(tmp_path)
    await db["c"].create_index([("hits", 1)])
    for i in range(600):
        await db["c"].insert_one({"_id": i, "text": "y" * 200})
        if i % 3 == 0:
            await db["c"].update_one({"_id": i // 2}, {"$inc": {"hits": 1}})
    expected = {d["_id"]: d.get("hits") for d in await db["c"].find({}).to_list()}
    _unclean_stop(engine)

    engine, db = open_db(tmp_path)
    assert {d["_id"]: d.get("hits") for d in await db["c"].find({}).to_list()} == expected
    assert await db["c"].count_documents({"hits": 2}) == sum(1 for v in expected.values() if v == 2)
    engine.close()


async def test_a_slow_fsync_holds_no_write_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The once-a-second sync (UTS_FSYNC=everysec) runs beside the writes: on a slow disk a
    write does not wait for it (writes run on the services' event loop)."""
    monkeypatch.setenv("UTS_FSYNC", "everysec")
    engine, db = open_db(tmp_path)
    environment = engine.database("uts_tickets").environment
    await db["c"].insert_one({"_id": 0})
    syncing = threading.Event()
    real_flush = storage_module.flush

    def slow_flush(env: Any) -> None:
        syncing.set()
        time.sleep(0.5)
        real_flush(env)

    monkeypatch.setattr(storage_module, "flush", slow_flush)
    syncer = threading.Thread(target=lambda: storage_module.flush(environment.env))
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
    kept = {doc["_id"] for doc in database.collection("tickets").find({})}
    assert set(range(acknowledged + 1)) <= kept
    counter = database.collection("counters").get("n")
    assert counter is not None and counter["seq"] >= acknowledged + 1
    database.close()


JOURNAL_FORMAT = Path(__file__).parent / "data" / "journal_format"
"""A `var/data` written by the engine's earlier journal-and-snapshot format: a snapshot after
a clean stop, then a journal cut by an unclean one (see the expectations below)."""


async def test_a_database_kept_in_the_journal_format_is_migrated_on_first_start(
    tmp_path: Path,
) -> None:
    shutil.copytree(JOURNAL_FORMAT, tmp_path, dirs_exist_ok=True)
    engine, db = open_db(tmp_path)
    tickets, customers = db["tickets"], db["customers"]
    ids = [d["_id"] for d in await tickets.find({}, {"_id": 1}).to_list()]
    assert ids == [f"LUX-{i:04d}" for i in range(60) if i not in (1, 2)]
    resolved = await tickets.find({"status": "resolved"}).sort("createdAt", -1).to_list()
    assert [d["_id"] for d in resolved] == [f"LUX-{i:04d}" for i in range(57, -1, -3)]
    assert await tickets.count_documents({"searchTerms": "w3"}) == 9
    assert set(await tickets.index_information()) == {
        "_id_",
        "status_1_createdAt_-1__id_-1",
        "searchTerms_1",
    }
    assert await customers.count_documents({}) == 30
    assert (await customers.find_one({"_id": "C05"}) or {}).get("name") == "Ana"
    with pytest.raises(DuplicateKeyError):
        await customers.insert_one({"_id": "new", "phoneNumber": "+525500000007"})
    assert "scratch" not in await db.list_collection_names()
    assert engine.database("uts_tickets").verify() == []
    engine.close()

    kept = tmp_path / "uts_tickets"
    assert not list(kept.glob("journal-*")) and not list(kept.glob("snapshot-*"))
    assert sorted(p.name for p in (kept / "pre-lmdb").iterdir()) == [
        "journal-00000001.log",
        "snapshot-00000001.bson",
    ]
    engine, db = open_db(tmp_path)  # the second start reads LMDB only
    assert await db["tickets"].count_documents({}) == 58
    engine.close()


def test_an_in_memory_database_leaves_no_files_behind_even_when_killed() -> None:
    from uts_shared.embedded.storage import Environment

    script = (
        "import sys; from uts_shared.embedded import Engine; "
        "db = Engine().database('t'); db.collection('c').insert({'_id': 1}); "
        "print(db.directory, flush=True); sys.stdin.read()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None
    left = Path(holder.stdout.readline().strip())
    assert (left / "data.mdb").exists()
    holder.send_signal(signal.SIGKILL)
    holder.wait()

    fresh = Environment(None)  # the next in-memory database clears what a dead process left
    assert not left.exists()
    fresh.close()
    assert not fresh.directory.exists()


def _mapped_kb(data_file: Path) -> int:
    """Resident kB of this process's mappings of `data_file` (/proc/self/smaps)."""
    total, inside = 0, False
    for line in Path("/proc/self/smaps").read_text().splitlines():
        if "-" in line.split(" ", 1)[0] and len(line.split()) >= 5:
            inside = line.rstrip().endswith(str(data_file))
        elif inside and line.startswith("Rss:"):
            total += int(line.split()[1])
    return total


async def test_a_scan_of_a_whole_large_collection_lets_its_pages_go(tmp_path: Path) -> None:
    engine, db = open_db(tmp_path)
    await db["c"].insert_many([{"_id": i, "text": "z" * 1500} for i in range(6000)])
    data_file = (tmp_path / "uts_tickets" / "data.mdb").resolve()
    size_kb = data_file.stat().st_size // 1024

    assert len(await db["c"].find({}, {"_id": 1}).to_list()) == 6000
    assert _mapped_kb(data_file) < size_kb // 10  # read, then unmapped
    # A small read maps what it reads, and keeps it.
    assert await db["c"].find_one({"_id": 17}) == {"_id": 17, "text": "z" * 1500}
    assert 0 < _mapped_kb(data_file) < size_kb // 10
    engine.close()


async def test_a_database_tells_whether_it_is_as_a_clean_stop_left_it(tmp_path: Path) -> None:
    engine, db = open_db(tmp_path)
    assert db.unchanged_since_clean_stop  # a new database
    await db["c"].insert_one({"_id": 1})
    assert not db.unchanged_since_clean_stop  # written since it was opened
    engine.close()

    engine, db = open_db(tmp_path)
    assert db.unchanged_since_clean_stop
    assert await db["c"].count_documents({}) == 1  # reads change nothing
    assert db.unchanged_since_clean_stop
    await db["c"].insert_one({"_id": 2})
    _unclean_stop(engine)

    engine, db = open_db(tmp_path)
    assert not db.unchanged_since_clean_stop
    assert await db["c"].count_documents({}) == 2
    engine.close()
    engine, db = open_db(tmp_path)
    assert db.unchanged_since_clean_stop
    engine.close()

    migrated = tmp_path / "migrated"
    shutil.copytree(JOURNAL_FORMAT, migrated)
    engine, db = open_db(migrated)
    assert not db.unchanged_since_clean_stop  # the journal engine's last stop is not known
    engine.close()


async def test_index_entries_of_an_earlier_key_format_are_written_again_on_open(
    tmp_path: Path,
) -> None:
    # Key format 1 kept a field holding an empty array among the arrays; 2 puts it below null,
    # where a sort puts it. A database written under 1 has its entries rebuilt once, on open.
    from uts_shared.embedded import keys
    from uts_shared.embedded.engine import KEYS_FORMAT

    engine, db = open_db(tmp_path)
    await db["t"].create_index([("tags", 1)], name="tags")
    await db["t"].insert_many([{"_id": 1, "tags": []}, {"_id": 2, "tags": ["a"]}, {"_id": 3}])
    database = engine.database("uts_tickets")
    index = database.collections["t"].indexes["tags"]
    env = database.environment.env
    with env.begin(write=True) as txn:  # as format 1 wrote them
        txn.delete(keys.component([], 1), index.value_of(keys.id_bytes(1)), db=index.db)
        txn.put(keys.encode([]), index.value_of(keys.id_bytes(1)), db=index.db, dupdata=True)
        txn.delete(b"keys", db=database._state)
    assert database.verify() != []
    engine.close()

    engine, db = open_db(tmp_path)
    database = engine.database("uts_tickets")
    assert database.verify() == []
    assert db.unchanged_since_clean_stop  # the documents are as they were
    assert [d["_id"] for d in await db["t"].find({"tags": []}).to_list()] == [1]
    ordered = await db["t"].find({}, {"_id": 1}).sort([("tags", 1), ("_id", 1)]).to_list()
    assert [d["_id"] for d in ordered] == [1, 3, 2]
    with database.environment.env.begin() as txn:
        assert txn.get(b"keys", db=database._state) == KEYS_FORMAT
    await db["t"].delete_one({"_id": 1})
    assert database.verify() == []
    engine.close()
