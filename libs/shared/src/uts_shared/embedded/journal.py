"""Keeping an embedded database on disk: a write-ahead journal plus snapshots.

Files in the database's directory:
- `journal-<gen>.log`: every write, appended (one `write()` per operation) before the call
  returns, so a killed process loses nothing the kernel got; `fsync` runs every second, so a
  machine that loses power loses at most the last second.
- `snapshot-<gen>.bson`: the whole database as of the start of `journal-<gen>`; written to a
  temporary name in a background thread and renamed when complete.
- `LOCK`: held (flock) by the one process that has the database open.
Each record is a BSON document followed by its CRC32. Recovery loads the newest complete
snapshot, replays the journals from its generation on, and cuts a torn last record off.
Replaying is idempotent (a `put` is a whole document), so a crash at any point is safe.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import struct
import threading
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bson

from uts_shared.embedded.values import CODEC

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(journal|snapshot)-(\d{8})\.(log|bson)$")
_CRC = struct.Struct("<I")
_LENGTH = struct.Struct("<i")

SYNC_INTERVAL = 1.0
COMPACT_MIN_BYTES = 32 * 1024 * 1024
SNAPSHOT_SLICE = 0.0002
"""The snapshot thread lets the GIL go after this long (seconds). Left to the interpreter's
5 ms switch interval, the event loop waited up to that long for the GIL after every I/O wait
while a snapshot was written, and writes' p99 doubled (seen under a create load: 97 -> 196 ms)."""


class DataDirInUse(RuntimeError):
    """Another process has this database open."""


@dataclass(frozen=True)
class Record:
    collection: str
    op: str  # put | delete | index | unindex | drop
    payload: Any


def frame(record: Record) -> bytes:
    body = bson.encode({"c": record.collection, "o": record.op, "d": record.payload})
    return body + _CRC.pack(zlib.crc32(body))


def read_records(path: Path) -> tuple[list[Record], int]:
    """The intact records of a file and the length of its intact prefix."""
    data = path.read_bytes()
    records: list[Record] = []
    pos = 0
    while pos + 4 <= len(data):
        (length,) = _LENGTH.unpack_from(data, pos)
        end = pos + length
        if length < 5 or end + 4 > len(data):
            break
        body = data[pos:end]
        if _CRC.unpack_from(data, end)[0] != zlib.crc32(body):
            break
        raw = bson.decode(body, CODEC)
        records.append(Record(raw["c"], raw["o"], raw["d"]))
        pos = end + 4
    return records, pos


class Storage:
    """One database directory: recovery, the journal, snapshots, the lock."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = os.open(directory / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._lock_fd, 32, 0).decode(errors="replace").strip()
            os.close(self._lock_fd)
            raise DataDirInUse(
                f"{directory} is open in another process (pid {holder or '?'}); "
                "stop it or set UTS_DATA_DIR to another directory"
            ) from None
        os.ftruncate(self._lock_fd, 0)
        os.pwrite(self._lock_fd, str(os.getpid()).encode(), 0)
        self._mutex = threading.Lock()
        self._fd = -1
        self.generation = 0
        self._journal_bytes = 0
        self._snapshot_bytes = 0
        self._dirty = False
        self._compacting: threading.Thread | None = None
        self._stop = threading.Event()
        self._syncer = threading.Thread(target=self._sync_loop, name="journal-sync", daemon=True)

    # --- recovery ---------------------------------------------------------------------------

    def _files(self, kind: str) -> dict[int, Path]:
        found: dict[int, Path] = {}
        for path in self.directory.iterdir():
            m = _FILE.match(path.name)
            if m and m.group(1) == kind:
                found[int(m.group(2))] = path
        return found

    def recover(self) -> Iterator[Record]:
        """Every record needed to rebuild the database, oldest first; then opens the journal."""
        snapshots = self._files("snapshot")
        base = 0
        for gen in sorted(snapshots, reverse=True):
            records, _ = read_records(snapshots[gen])
            if records and records[-1].op == "end":
                base = gen
                self._snapshot_bytes = snapshots[gen].stat().st_size
                yield from records[:-1]
                break
            log.warning("ignoring incomplete snapshot %s", snapshots[gen])
        journals = {g: p for g, p in self._files("journal").items() if g >= base}
        last = max(journals, default=base)
        for gen in sorted(journals):
            records, intact = read_records(journals[gen])
            size = journals[gen].stat().st_size
            if intact < size:
                log.warning(
                    "%s: cutting off %d bytes of a torn last write", journals[gen], size - intact
                )
                with open(journals[gen], "r+b") as f:
                    f.truncate(intact)
            yield from records
        self.generation = last
        self._open_journal(last)
        self._remove_before(base)
        self._syncer.start()

    def _open_journal(self, gen: int) -> None:
        path = self.directory / f"journal-{gen:08d}.log"
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._journal_bytes = os.fstat(self._fd).st_size

    def _remove_before(self, gen: int) -> None:
        for kind in ("journal", "snapshot"):
            for g, path in self._files(kind).items():
                if g < gen:
                    path.unlink(missing_ok=True)
        for path in self.directory.glob("*.tmp"):
            path.unlink(missing_ok=True)

    # --- writing ----------------------------------------------------------------------------

    def append(self, records: Sequence[Record]) -> None:
        data = b"".join(frame(r) for r in records)
        with self._mutex:
            os.write(self._fd, data)
            self._dirty = True
            self._journal_bytes += len(data)

    def wants_compaction(self) -> bool:
        threshold = max(COMPACT_MIN_BYTES, 2 * self._snapshot_bytes)
        return self._journal_bytes > threshold and self._compacting is None

    def compact(self, state: list[Record], *, wait: bool = False) -> None:
        """Start a new journal and write `state` (the database as of now) as its snapshot.

        `state` holds references to stored documents, which are never changed in place, so
        the snapshot can be encoded in another thread while writes go on.
        """
        with self._mutex:
            finished = self._fd  # synced and closed by the snapshot thread, not here
            self._dirty = False
            self.generation += 1
            self._open_journal(self.generation)
            gen = self.generation
        worker = threading.Thread(
            target=self._write_snapshot, args=(gen, state, finished), name="snapshot", daemon=True
        )
        self._compacting = worker
        worker.start()
        if wait:
            worker.join()

    def _write_snapshot(self, gen: int, state: list[Record], finished: int) -> None:
        target = self.directory / f"snapshot-{gen:08d}.bson"
        temp = target.with_suffix(".tmp")
        try:
            with contextlib.suppress(OSError):
                os.fsync(finished)
            os.close(finished)
            with open(temp, "wb") as f:
                mark = time.perf_counter()
                for record in state:
                    f.write(frame(record))
                    if time.perf_counter() - mark > SNAPSHOT_SLICE:
                        time.sleep(0)  # the event loop's turn
                        mark = time.perf_counter()
                f.write(frame(Record("", "end", len(state))))
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, target)
            _fsync_directory(self.directory)
            self._snapshot_bytes = target.stat().st_size
            self._remove_before(gen)
        except OSError:
            log.exception("snapshot %s failed; the journal still has everything", target)
        finally:
            self._compacting = None

    def _fsync_locked(self) -> None:
        if self._dirty and self._fd >= 0:
            os.fsync(self._fd)
            self._dirty = False

    def _sync(self) -> None:
        """fsync what was appended, without holding appends up meanwhile (they take the mutex
        on the event loop's thread)."""
        with self._mutex:
            if not self._dirty or self._fd < 0:
                return
            fd = os.dup(self._fd)  # stays valid if a compaction closes the journal meanwhile
            self._dirty = False
        try:
            os.fsync(fd)
        except OSError:
            with self._mutex:
                self._dirty = True
            raise
        finally:
            os.close(fd)

    def _sync_loop(self) -> None:
        while not self._stop.wait(SYNC_INTERVAL):
            with contextlib.suppress(OSError):
                self._sync()

    def close(self, final_state: list[Record] | None) -> None:
        """Write a last snapshot (fast next start), sync, and let the directory go."""
        worker = self._compacting
        if worker is not None:
            worker.join()
        if final_state is not None:
            self.compact(final_state, wait=True)
        with self._mutex:
            self._fsync_locked()
            self._stop.set()
            os.close(self._fd)
            self._fd = -1
        os.close(self._lock_fd)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
