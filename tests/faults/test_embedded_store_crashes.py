"""Crash drills of the embedded store (LMDB): a killed writer, a full disk, a damaged document,
and a power loss under each `UTS_FSYNC` mode.

The power loss is simulated: the writer runs with a small preloaded library that, each time the
process asks the disk to keep the data file (fsync/fdatasync), copies that file aside. The
copy is what a disk holds after losing power: whatever was written but not yet synced is gone.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from uts_shared.embedded import DamagedDocument, EmbeddedDatabase, Engine
from uts_shared.embedded.storage import WriteFailed

WRITER = textwrap.dedent(
    """
    import asyncio, sys, time
    from uts_shared.embedded import Engine
    from uts_shared.embedded.aio import EmbeddedDatabase

    async def main():
        db = EmbeddedDatabase(Engine(sys.argv[1]).database("uts_tickets"))
        await db["tickets"].create_index([("status", 1), ("createdAt", -1)])
        pause = float(sys.argv[2])
        i = 0
        while True:
            await db["tickets"].insert_one(
                {"_id": i, "status": "open", "createdAt": i, "subject": "s" * 300}
            )
            await db["counters"].update_one({"_id": "n"}, {"$inc": {"seq": 1}}, upsert=True)
            print(i, flush=True)  # acknowledged
            i += 1
            if pause:
                time.sleep(pause)

    asyncio.run(main())
    """
)


def run_writer(data_dir: Path, *, pause: float = 0.0, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(data_dir), str(pause)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )


def acknowledged_before_kill(writer: subprocess.Popen[str], until: int) -> int:
    """Read acknowledgements up to `until`, then SIGKILL the writer; the last one read."""
    assert writer.stdout is not None
    acknowledged = -1
    for line in writer.stdout:
        acknowledged = int(line)
        if acknowledged >= until:
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    return acknowledged


def kept_ids(data_dir: Path) -> tuple[set[int], int, list[str]]:
    database = Engine(data_dir).database("uts_tickets")
    try:
        ids = {d["_id"] for d in database.collection("tickets").find({})}
        counter = database.collection("counters").get("n")
        return ids, 0 if counter is None else counter["seq"], database.verify()
    finally:
        database.close()


@pytest.mark.parametrize("mode", ["always", "everysec"])
def test_a_writer_killed_mid_write_loses_no_acknowledged_write(tmp_path: Path, mode: str) -> None:
    writer = run_writer(tmp_path, UTS_FSYNC=mode)
    acknowledged = acknowledged_before_kill(writer, 1500)

    ids, seq, problems = kept_ids(tmp_path)
    assert set(range(acknowledged + 1)) <= ids
    assert seq >= acknowledged + 1
    assert problems == []


# --- power loss ---------------------------------------------------------------------------------

SHIM = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void keep(int fd) {
    const char *to = getenv("DRILL_DISK");
    char link[64], path[PATH_MAX], buf[1 << 16];
    ssize_t n;
    if (!to) return;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, path, sizeof path - 1);
    if (n <= 0) return;
    path[n] = 0;
    if (n < 9 || strcmp(path + n - 9, "/data.mdb") != 0) return;
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", to);
    int in = open(path, O_RDONLY), out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0) write(out, buf, n);
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    rename(tmp, to);
}

int fdatasync(int fd) {
    int (*real)(int) = dlsym(RTLD_NEXT, "fdatasync");
    int r = real(fd);
    keep(fd);
    return r;
}

int fsync(int fd) {
    int (*real)(int) = dlsym(RTLD_NEXT, "fsync");
    int r = real(fd);
    keep(fd);
    return r;
}
"""


@pytest.fixture(scope="module")
def disk_shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        pytest.skip("the power-loss drill builds a small preloaded library: no C compiler here")
    where = tmp_path_factory.mktemp("shim")
    (where / "shim.c").write_text(SHIM)
    subprocess.run(
        [compiler, "-shared", "-fPIC", "-o", str(where / "shim.so"), str(where / "shim.c"), "-ldl"],
        check=True,
    )
    return where / "shim.so"


def power_loss(
    tmp_path: Path, shim: Path, mode: str, *, pause: float, cap: int
) -> tuple[int, set[int]]:
    """Run a writer with UTS_FSYNC=`mode`, cut the power (SIGKILL, then keep only what the
    disk was asked to keep); the last acknowledged write and the ids the disk kept.

    The power goes just after a sync (seen as a new copy of the file) and one more
    acknowledged write: the next once-a-second sync is then most of a second away."""
    live, disk = tmp_path / "live", tmp_path / "disk"
    (disk / "uts_tickets").mkdir(parents=True)
    kept = disk / "uts_tickets" / "data.mdb"
    writer = run_writer(
        live, pause=pause, UTS_FSYNC=mode, LD_PRELOAD=str(shim), DRILL_DISK=str(kept)
    )
    assert writer.stdout is not None
    acknowledged, synced_at, copies = -1, -1, set()
    for line in writer.stdout:
        acknowledged = int(line)
        copy = kept.stat().st_ino if kept.exists() else None
        if copy is not None and copy not in copies:
            copies.add(copy)
            synced_at = acknowledged
        if acknowledged >= cap or (len(copies) >= 2 and acknowledged > synced_at):
            break
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    ids, _, problems = kept_ids(disk)
    assert problems == []
    return acknowledged, ids


def test_under_always_a_power_loss_loses_no_acknowledged_write(
    tmp_path: Path, disk_shim: Path
) -> None:
    acknowledged, ids = power_loss(tmp_path, disk_shim, "always", pause=0.0, cap=300)
    assert set(range(acknowledged + 1)) <= ids


def test_under_everysec_a_power_loss_loses_at_most_the_unsynced_second(
    tmp_path: Path, disk_shim: Path
) -> None:
    # About 20 writes a second: the disk holds what the last once-a-second sync kept.
    acknowledged, ids = power_loss(tmp_path, disk_shim, "everysec", pause=0.05, cap=300)
    assert ids, "a sync ran within the first seconds"
    assert ids == set(range(len(ids)))  # a prefix: never a later write without an earlier
    lost = acknowledged + 1 - len(ids)
    assert 0 < lost <= 20 * 2  # the writes since the last sync, at most about a second's


# --- a full disk --------------------------------------------------------------------------------


@contextlib.contextmanager
def tiny_filesystem(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("the full-disk drill mounts a small tmpfs: not permitted here")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


async def test_a_full_disk_refuses_the_write_keeps_every_earlier_one_and_recovers(
    tmp_path: Path,
) -> None:
    with tiny_filesystem(tmp_path / "small", "2m") as small:
        filler = small / "filler"
        filler.write_bytes(b"f" * 512 * 1024)  # what an operator will free
        engine = Engine(small)
        db = EmbeddedDatabase(engine.database("uts_tickets"))
        await db["tickets"].create_index([("n", 1)])
        written = 0
        with pytest.raises(WriteFailed, match=r"Input/output error|No space left"):
            for written in range(100_000):  # the last one is the refused one
                await db["tickets"].insert_one({"_id": written, "n": written, "x": "y" * 500})
        assert await db["tickets"].count_documents({}) == written
        assert await db["tickets"].find_one({"_id": written}) is None
        assert engine.database("uts_tickets").verify() == []
        # Space comes back: writing works again, and nothing written before was lost.
        filler.unlink()
        await db["tickets"].delete_many({"n": {"$lt": 100}})
        await db["tickets"].insert_one({"_id": "after", "n": -1})
        engine.close()

        engine = Engine(small)
        db = EmbeddedDatabase(engine.database("uts_tickets"))
        assert await db["tickets"].count_documents({}) == written - 100 + 1
        assert await db["tickets"].count_documents({"n": {"$gte": 100}}) == written - 100
        assert engine.database("uts_tickets").verify() == []
        engine.close()


# --- a damaged document -------------------------------------------------------------------------


async def test_a_damaged_document_is_refused_naming_its_collection_and_id(tmp_path: Path) -> None:
    engine = Engine(tmp_path)
    db = EmbeddedDatabase(engine.database("uts_tickets"))
    marker = "marker-" + uuid.uuid4().hex
    await db["tickets"].insert_many(
        [{"_id": f"LUX-{i}", "subject": marker if i == 7 else "fine"} for i in range(20)]
    )
    engine.close()
    data = tmp_path / "uts_tickets" / "data.mdb"
    raw = bytearray(data.read_bytes())
    at = raw.find(marker.encode())
    while at >= 0:  # one flipped bit in the stored subject, in every copy LMDB keeps of it
        raw[at + 10] ^= 0x01
        at = raw.find(marker.encode(), at + 1)
    data.write_bytes(bytes(raw))

    engine = Engine(tmp_path)
    db = EmbeddedDatabase(engine.database("uts_tickets"))
    with pytest.raises(DamagedDocument, match=r"'LUX-7' of collection tickets"):
        await db["tickets"].find_one({"_id": "LUX-7"})
    with pytest.raises(DamagedDocument):
        await db["tickets"].find({}).to_list()
    assert (await db["tickets"].find_one({"_id": "LUX-8"})) == {"_id": "LUX-8", "subject": "fine"}
    problems = engine.database("uts_tickets").verify()
    assert any("LUX-7" in p and "tickets" in p for p in problems)
    engine.close()
