"""Reading a database kept by the engine's earlier journal-and-snapshot format, once.

That format (until this engine moved to LMDB): in the database's directory,
`snapshot-<gen>.bson` (the whole database as of the start of `journal-<gen>.log`, ending with
an `end` record) and `journal-<gen>.log` (every write after it); each record a BSON document
`{c: collection, o: put|delete|index|unindex|drop, d: payload}` followed by its CRC32.
`pending` says whether a directory holds such files; `replay` gives the state they describe
(the newest complete snapshot, then the journals in order, each up to its first bad record);
the caller loads it into LMDB and `retire` moves the files aside, into `pre-lmdb/`.
"""

from __future__ import annotations

import logging
import re
import struct
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bson

from uts_shared.embedded.values import CODEC, hash_key

log = logging.getLogger(__name__)

_FILE = re.compile(r"^(journal|snapshot)-(\d{8})\.(log|bson)$")
_CRC = struct.Struct("<I")
_LENGTH = struct.Struct("<i")
RETIRED = "pre-lmdb"


@dataclass
class OldCollection:
    documents: dict[Any, dict[str, Any]] = field(default_factory=dict)
    """By `_id` (MongoDB equality), in the order they were first written."""
    indexes: dict[str, dict[str, Any]] = field(default_factory=dict)
    exists: bool = False
    """Made (a document or an index written) and not dropped since, as the old engine told."""


def _records(path: Path) -> list[dict[str, Any]]:
    data = path.read_bytes()
    records: list[dict[str, Any]] = []
    pos = 0
    while pos + 4 <= len(data):
        (length,) = _LENGTH.unpack_from(data, pos)
        end = pos + length
        if length < 5 or end + 4 > len(data):
            break
        body = data[pos:end]
        if _CRC.unpack_from(data, end)[0] != zlib.crc32(body):
            log.warning(
                "%s: a bad record at byte %d; the rest of the file is unreadable", path, pos
            )
            break
        records.append(bson.decode(body, CODEC))
        pos = end + 4
    return records


def _files(directory: Path, kind: str) -> dict[int, Path]:
    found: dict[int, Path] = {}
    for path in directory.iterdir() if directory.is_dir() else []:
        m = _FILE.match(path.name)
        if m and m.group(1) == kind:
            found[int(m.group(2))] = path
    return found


def pending(directory: Path) -> bool:
    return bool(_files(directory, "journal") or _files(directory, "snapshot"))


def replay(directory: Path) -> dict[str, OldCollection]:
    """The collections the old files describe."""
    state: dict[str, OldCollection] = {}
    snapshots = _files(directory, "snapshot")
    base = 0
    records: list[dict[str, Any]] = []
    for gen in sorted(snapshots, reverse=True):
        found = _records(snapshots[gen])
        if found and found[-1]["o"] == "end":
            base = gen
            records.extend(found[:-1])
            break
        log.warning("ignoring incomplete snapshot %s", snapshots[gen])
    journals = _files(directory, "journal")
    for gen in sorted(g for g in journals if g >= base):
        records.extend(_records(journals[gen]))
    for record in records:
        collection = state.setdefault(record["c"], OldCollection())
        op, payload = record["o"], record["d"]
        if op == "put":
            collection.exists = True
            collection.documents[hash_key(payload["_id"])] = payload
        elif op == "delete":
            collection.documents.pop(hash_key(payload), None)
        elif op == "index":
            collection.exists = True
            collection.indexes[payload["name"]] = payload
        elif op == "unindex":
            collection.indexes.pop(payload, None)
        elif op == "drop":
            state[record["c"]] = OldCollection()
    return state


def retire(directory: Path) -> Path:
    """Move the old files into `pre-lmdb/` (kept until someone deletes them)."""
    target = directory / RETIRED
    target.mkdir(exist_ok=True)
    for kind in ("journal", "snapshot"):
        for path in _files(directory, kind).values():
            path.rename(target / path.name)
    return target
