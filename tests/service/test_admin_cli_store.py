"""`uts-admin store verify | backup | restore | export` on the embedded engine's files under
UTS_DATA_DIR: checked, backed up hot (beside a writer, and cut off by SIGKILL), restored only
into a stopped system, exported as mongorestore reads a dump (read back with PyMongo's `bson`)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import bson
from bson import Binary, Int64, ObjectId, json_util
from pymongo import IndexModel

from tests.support.admin_cli import admin, one_line_error
from tests.support.waiting import poll_until
from uts_shared.embedded import EmbeddedDatabase, Engine
from uts_shared.embedded.values import CODEC

T0 = dt.datetime(2026, 2, 3, 4, 5, 6, 789000, tzinfo=dt.UTC)


def start(*command: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env={**os.environ, **env})


def read_dump(path: Path) -> list[dict[str, Any]]:
    with open(path, "rb") as dump:
        return list(bson.decode_file_iter(dump, CODEC))


async def fill(data_dir: Path, name: str, count: int, *, size: int = 50) -> None:
    engine = Engine(data_dir)
    db = EmbeddedDatabase(engine.database(name))
    await db["tickets"].create_indexes([IndexModel([("status", 1), ("createdAt", -1)])])
    for i in range(count):
        status = "open" if i % 2 else "resolved"
        await db["tickets"].insert_one(
            {"_id": f"T{i:05d}", "status": status, "createdAt": T0, "text": "x" * size}
        )
    engine.close()


async def test_verify_says_ok_for_sound_databases_and_names_a_damaged_document(
    tmp_path: Path,
) -> None:
    await fill(tmp_path, "uts_tickets", 40)
    await fill(tmp_path, "uts_config", 5)
    result = await admin("store", "verify", UTS_DATA_DIR=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["uts_config: ok", "uts_tickets: ok"]

    data = tmp_path / "uts_tickets" / "data.mdb"
    raw = bytearray(data.read_bytes())
    # Its `_id` field inside its BSON, in every copy of the page (LMDB keeps earlier ones).
    field = b"_id\x00\x07\x00\x00\x00T00017"
    at = raw.find(field)
    while at >= 0:
        raw[at + 12] ^= 0x02
        at = raw.find(field, at + 1)
    data.write_bytes(bytes(raw))
    result = await admin("store", "verify", UTS_DATA_DIR=tmp_path)
    assert result.exit_code == 1
    assert "uts_tickets: 1 problem(s)" in result.stdout
    assert "'T00017' of collection tickets is damaged" in result.stdout
    assert "restore the last good backup" in one_line_error(result)


async def test_store_commands_refuse_without_a_data_dir_or_with_a_server(tmp_path: Path) -> None:
    result = await admin("store", "verify")
    assert "UTS_DATA_DIR is not set" in one_line_error(result)
    assert result.exit_code == 2
    result = await admin("store", "export", str(tmp_path), MONGODB_URL="mongodb://db:27017")
    assert "use its tools (mongodump, mongorestore)" in one_line_error(result)
    assert result.exit_code == 1


WRITER = textwrap.dedent(
    """
    import asyncio, sys
    from uts_shared.embedded import Engine
    from uts_shared.embedded.aio import EmbeddedDatabase

    async def main():
        db = EmbeddedDatabase(Engine(sys.argv[1]).database("uts_tickets"))
        i = 0
        while True:
            await db["tickets"].insert_one({"_id": i, "text": "w" * 200})
            await db["counters"].update_one({"_id": "n"}, {"$inc": {"seq": 1}}, upsert=True)
            print(i, flush=True)
            i += 1

    asyncio.run(main())
    """
)


async def test_a_hot_backup_beside_a_writer_is_consistent_and_restores_into_a_stopped_system(
    tmp_path: Path,
) -> None:
    live, copy, restored = tmp_path / "live", tmp_path / "backup", tmp_path / "restored"
    (live / "jwt-secret").parent.mkdir(parents=True)
    (live / "jwt-secret").write_text("key\n")
    writer = start(sys.executable, "-c", WRITER, str(live))
    assert writer.stdout is not None
    try:
        for line in writer.stdout:
            if int(line) >= 300:
                break
        result = await admin("store", "backup", str(copy), UTS_DATA_DIR=live)
        assert result.exit_code == 0, result.output
        assert "backup complete" in result.stdout

        # The writer holds the database: a restore into it is refused, nothing touched.
        result = await admin("store", "restore", str(copy), UTS_DATA_DIR=live)
        assert result.exit_code == 1
        assert "the system is running on" in one_line_error(result)
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()

    result = await admin("store", "restore", str(copy), UTS_DATA_DIR=restored)
    assert result.exit_code == 0, result.output
    assert (restored / "jwt-secret").read_text() == "key\n"
    result = await admin("store", "verify", UTS_DATA_DIR=restored)
    assert result.exit_code == 0, result.output
    engine = Engine(restored)
    db = EmbeddedDatabase(engine.database("uts_tickets"))
    ids = [d["_id"] for d in await db["tickets"].find({}).to_list()]
    counter = await db["counters"].find_one({"_id": "n"})
    engine.close()
    # One moment of the writer: every ticket up to the last, its count one behind at most.
    assert len(ids) > 300
    assert ids == list(range(len(ids)))
    assert counter is not None and counter["seq"] in (len(ids) - 1, len(ids))


async def test_a_backup_cut_off_by_sigkill_is_never_restored_and_the_data_is_untouched(
    tmp_path: Path,
) -> None:
    live, copy = tmp_path / "live", tmp_path / "backup"
    names = ["uts_a", "uts_b", "uts_c", "uts_d"]
    for name in names:
        await fill(live, name, 2000, size=2000)
    admin_cli = "from gateway.cli.app import main; main()"
    backup = start(
        sys.executable, "-c", admin_cli, "store", "backup", str(copy), UTS_DATA_DIR=str(live)
    )
    first = copy / "uts_a" / "data.mdb"
    await poll_until(first.exists, what="the backup's first copy", timeout=60, interval=0.002)
    backup.send_signal(signal.SIGKILL)
    backup.wait()

    assert not (copy / "BACKUP-COMPLETE.json").exists()
    restored = tmp_path / "restored"
    result = await admin("store", "restore", str(copy), UTS_DATA_DIR=restored)
    assert result.exit_code == 1
    assert "is not a complete backup" in one_line_error(result)
    assert not restored.exists()
    result = await admin("store", "verify", UTS_DATA_DIR=live)
    assert result.exit_code == 0, result.output
    engine = Engine(live)
    for name in names:
        assert engine.database(name).collection("tickets").size() == 2000
    engine.close()


async def test_an_export_reads_back_with_pymongo_bson_document_for_document(
    tmp_path: Path,
) -> None:
    engine = Engine(tmp_path / "data")
    db = EmbeddedDatabase(engine.database("uts_tickets"))
    await db["tickets"].create_indexes(
        [
            IndexModel([("status", 1), ("createdAt", -1), ("_id", -1)]),
            IndexModel([("idempotencyKey", 1)], unique=True, sparse=True, name="key_unique"),
        ]
    )
    documents: list[dict[str, Any]] = [
        {
            "_id": f"LUX-{i}",
            "status": ["open", "resolved"][i % 2],
            "createdAt": T0 + dt.timedelta(minutes=i),
            "customer": {"id": ObjectId(), "tags": ["vip", i], "phone": None},
            "priorityRank": i * 0.5,
            "big": Int64(2**40 + i),
            "escalated": i % 3 == 0,
            "file": Binary(uuid.uuid4().bytes),
            "notes": [{"at": T0, "text": "nota " * i}],
        }
        for i in range(25)
    ]
    await db["tickets"].insert_many(documents)
    await db["tickets"].delete_one({"_id": "LUX-3"})
    await db["customers"].insert_one({"_id": ObjectId(), "name": "Ana"})
    expected = {name: await db[name].find({}).to_list() for name in ("tickets", "customers")}
    indexes = await db["tickets"].index_information()
    engine.close()

    out = tmp_path / "dump"
    result = await admin("store", "export", str(out), UTS_DATA_DIR=tmp_path / "data")
    assert result.exit_code == 0, result.output
    assert "uts_tickets.tickets: 24 documents" in result.stdout
    for name, docs in expected.items():
        assert read_dump(out / "uts_tickets" / f"{name}.bson") == docs
    metadata = json_util.loads((out / "uts_tickets" / "tickets.metadata.json").read_text())
    assert metadata["collectionName"] == "tickets"
    exported = {i["name"]: i for i in metadata["indexes"]}
    assert set(exported) == set(indexes)
    for name, info in indexes.items():
        assert list(exported[name]["key"].items()) == info["key"]
        assert exported[name].get("unique", False) == info.get("unique", False)
        assert exported[name].get("sparse", False) == info.get("sparse", False)
