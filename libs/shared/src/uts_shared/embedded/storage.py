"""Where an embedded database lives: an LMDB environment, its lock, its durability, checksums.

One environment per database (`<data dir>/<database>/`: LMDB's `data.mdb` and `lock.mdb`, and
`LOCK`, held by the one process that has it open). Every write call is one LMDB write
transaction, so a killed process loses nothing it was told was written and a crash cannot tear
a write. `UTS_FSYNC` chooses when the disk is asked to keep it:
- `everysec` (default): transactions commit without fsync; a thread syncs once a second, so a
  power loss can lose the last second of writes (and, LMDB warns, a filesystem that reorders
  writes can then damage the file: `uts-admin store verify` says so, a backup repairs it).
- `always`: every transaction is synced before the call returns.
Without a directory the environment lives in a private temporary directory (tmpfs when there
is one), removed when the engine closes: the tests' in-memory engine.

Each document is stored as `crc32 | seq | BSON`; the checksum covers its key too and is checked
on every read, so a damaged document is refused (`DamagedDocument`), never served changed.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import logging
import os
import shutil
import struct
import tempfile
import threading
import zlib
from pathlib import Path
from typing import Any, Literal

import lmdb

log = logging.getLogger(__name__)

FsyncMode = Literal["always", "everysec"]
SYNC_INTERVAL = 1.0
MAP_SIZE = int(os.environ.get("UTS_LMDB_MAP_SIZE", str(64 << 30)))
"""Address space reserved per database (the file grows only as it fills)."""
TEMP_MAP_SIZE = 1 << 30
TEMP_PREFIX = "uts-embedded-"
MAX_DBS = 4096

_HEADER = struct.Struct(">IQ")
SEQ_KEY = struct.Struct(">Q")
"""A sequence number as the key of a document's natural-order entry."""
_LIBC = ctypes.CDLL(None, use_errno=True)
_MADV_DONTNEED = 4


class DataDirInUse(RuntimeError):
    """Another process has this database open."""


class DamagedDocument(RuntimeError):
    """A stored document failed its checksum: it is refused, not served changed."""

    def __init__(self, collection: str, _id: Any) -> None:
        super().__init__(
            f"embedded engine: document {_id!r} of collection {collection} is damaged "
            "(checksum mismatch); restore it from a backup (uts-admin store restore)"
        )
        self.collection = collection
        self.id = _id


class WriteFailed(OSError):
    """LMDB could not commit a write (a full disk, an I/O error): nothing of it was kept."""


def fsync_mode() -> FsyncMode:
    value = os.environ.get("UTS_FSYNC", "everysec").strip().lower() or "everysec"
    if value not in ("always", "everysec"):
        raise ValueError(f"UTS_FSYNC must be always or everysec, not {value!r}")
    return "always" if value == "always" else "everysec"


def pack(key: bytes, seq: int, body: bytes) -> bytes:
    crc = zlib.crc32(body, zlib.crc32(struct.pack(">Q", seq), zlib.crc32(key)))
    return _HEADER.pack(crc, seq) + body


def unpack(key: bytes, record: bytes) -> tuple[int, memoryview] | None:
    """(seq, BSON) of a stored record; None when its checksum fails."""
    if len(record) < _HEADER.size:
        return None
    crc, seq = _HEADER.unpack_from(record)
    body = memoryview(record)[_HEADER.size :]
    if zlib.crc32(body, zlib.crc32(record[4:12], zlib.crc32(key))) != crc:
        return None
    return seq, body


def seq_of(record: bytes) -> int:
    return int(_HEADER.unpack_from(record)[1])


class Environment:
    """One database's LMDB environment (opened, locked, synced, closed)."""

    def __init__(
        self, directory: Path | None, *, mode: FsyncMode | None = None, readonly: bool = False
    ) -> None:
        self.temporary = directory is None
        self.readonly = readonly
        if directory is None:
            directory = _temporary_directory()
        self.directory = directory
        self.mode: FsyncMode = "everysec" if self.temporary else (mode or fsync_mode())
        directory.mkdir(parents=True, exist_ok=True)
        self._lock_fd = -1
        if not self.temporary and not readonly:
            self._lock_fd = _lock(directory)
        self.env = lmdb.open(
            str(directory),
            map_size=TEMP_MAP_SIZE if self.temporary else MAP_SIZE,
            max_dbs=MAX_DBS,
            sync=self.mode == "always",
            metasync=self.mode == "always",
            readahead=False,
            # Writing pages in place saves a copy per commit (~20%), but grows the file to the
            # whole map at once (sparse): only for the temporary environments.
            writemap=self.temporary,
            max_readers=1024,
            readonly=readonly,
            create=not readonly,
        )
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None
        if self.mode == "everysec" and not self.temporary and not readonly:
            self._syncer = threading.Thread(target=self._sync_loop, name="lmdb-sync", daemon=True)
            self._syncer.start()

    def _sync_loop(self) -> None:
        while not self._stop.wait(SYNC_INTERVAL):
            try:
                flush(self.env)
            except lmdb.Error:
                log.exception("syncing %s failed; retrying in a second", self.directory)

    def sync(self) -> None:
        self.env.sync(True)

    def release(self) -> None:
        """Unmap the data file's pages from this process (they stay in the page cache, and a
        later read maps them back): after a scan of a whole large collection, whose pages (and
        their neighbours, which the kernel maps around each one read) are not a working set."""
        if self.temporary or not os.path.exists("/proc/self/maps"):  # Linux only
            return
        target = os.path.realpath(self.directory / "data.mdb")
        with open("/proc/self/maps") as maps:
            regions = [line.split()[0] for line in maps if line.rstrip().endswith(target)]
        for region in regions:
            start, end = (int(x, 16) for x in region.split("-"))
            _LIBC.madvise(ctypes.c_void_p(start), ctypes.c_size_t(end - start), _MADV_DONTNEED)

    @property
    def closed(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join()
            self._syncer = None
        with contextlib.suppress(lmdb.Error):
            if not self.temporary and not self.readonly:
                self.env.sync(True)
            self.env.close()
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1
        if self.temporary:
            shutil.rmtree(self.directory, ignore_errors=True)


def _temporary_directory() -> Path:
    """A private directory (tmpfs when there is one), named after this process; those left by
    processes that died without cleaning up (SIGKILL) are removed on the way."""
    parent = Path("/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir())
    for stale in parent.glob(f"{TEMP_PREFIX}*"):
        pid = stale.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", dir=parent))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def flush(env: lmdb.Environment) -> None:
    """Ask the disk to keep every committed transaction (LMDB takes no writer lock for it)."""
    env.sync(True)


def _lock(directory: Path) -> int:
    fd = os.open(directory / "LOCK", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = os.pread(fd, 32, 0).decode(errors="replace").strip()
        os.close(fd)
        raise DataDirInUse(
            f"{directory} is open in another process (pid {holder or '?'}); "
            "stop it or set UTS_DATA_DIR to another directory"
        ) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, str(os.getpid()).encode(), 0)
    return fd


def held_by_someone(directory: Path) -> bool:
    """True while a process holds `directory`'s lock (a running system)."""
    path = directory / "LOCK"
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
