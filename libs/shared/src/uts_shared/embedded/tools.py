"""What an operator does to the embedded engine's files (`uts-admin store ...`): check every
document and index, back up while the system runs, restore a stopped one, export for MongoDB.

Each database under the data directory is an LMDB environment (`<data dir>/<name>/data.mdb`).
Checks, backups and exports open it read-only beside the running services (LMDB lets readers
of other processes in; each works on one consistent read transaction), so they need no stop.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bson import json_util
from bson.json_util import CANONICAL_JSON_OPTIONS

from uts_shared.embedded.engine import Database
from uts_shared.embedded.storage import held_by_someone

COMPLETE = "BACKUP-COMPLETE.json"
"""Written last into a backup: a backup without it was cut off and is never restored."""


class StoreToolError(RuntimeError):
    """The operation cannot be done (named reason); nothing was changed."""


def databases(data_dir: Path) -> list[str]:
    """The embedded databases kept under `data_dir`."""
    if not data_dir.is_dir():
        return []
    return sorted(p.parent.name for p in data_dir.glob("*/data.mdb"))


@contextmanager
def reading(data_dir: Path, name: str) -> Iterator[Database]:
    database = Database(name, data_dir, readonly=True)
    try:
        yield database
    finally:
        database.close()


def verify(data_dir: Path) -> dict[str, list[str]]:
    """Per database, what is wrong (every document's checksum, every index's entries)."""
    found: dict[str, list[str]] = {}
    for name in databases(data_dir):
        with reading(data_dir, name) as database:
            found[name] = database.verify()
    return found


def backup(data_dir: Path, target: Path) -> dict[str, int]:
    """A consistent copy of every database (each as of one moment) into `target`, plus the
    data directory's own files (the JWT keys); documents per database."""
    names = databases(data_dir)
    if not names:
        raise StoreToolError(f"no embedded database in {data_dir}")
    if target.exists() and any(target.iterdir()):
        raise StoreToolError(f"{target} is not empty: back up into a new directory")
    target.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for name in names:
        (target / name).mkdir()
        with reading(data_dir, name) as database:
            database.environment.env.copy(str(target / name), compact=True)
            counts[name] = sum(c.size() for c in database.collections.values())
    for path in data_dir.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    stamp = {"at": dt.datetime.now(dt.UTC).isoformat(), "documents": counts}
    (target / f"{COMPLETE}.tmp").write_text(json.dumps(stamp, indent=2))
    (target / f"{COMPLETE}.tmp").rename(target / COMPLETE)
    return counts


def restore(source: Path, data_dir: Path) -> Path | None:
    """Put the backup in `source` in place of the databases under `data_dir` (stopped: a
    running system holds their locks); the directory the replaced ones were moved to."""
    if not (source / COMPLETE).is_file():
        raise StoreToolError(
            f"{source} is not a complete backup (no {COMPLETE}: it was cut off, or is not one)"
        )
    running = [n for n in databases(data_dir) if held_by_someone(data_dir / n)]
    if running:
        raise StoreToolError(
            f"the system is running on {data_dir} (databases {', '.join(running)} are open): "
            "stop it first, then restore"
        )
    names = databases(source)
    replaced = None
    present = [n for n in names if (data_dir / n).exists()]
    if present:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        replaced = data_dir / f"replaced-{stamp}"
        replaced.mkdir(parents=True)
        for name in present:
            (data_dir / name).rename(replaced / name)
    data_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        (data_dir / name).mkdir()
        shutil.copy2(source / name / "data.mdb", data_dir / name / "data.mdb")
    for path in source.iterdir():
        if path.is_file() and path.name != COMPLETE:
            shutil.copy2(path, data_dir / path.name)
    return replaced


def export(data_dir: Path, target: Path) -> dict[str, dict[str, int]]:
    """Every collection as `mongorestore` reads a dump: `<target>/<database>/<collection>.bson`
    (the documents' BSON, one after another) and `<collection>.metadata.json` (its indexes).
    `mongorestore --dir <target>` then loads them into a MongoDB server."""
    exported: dict[str, dict[str, int]] = {}
    for name in databases(data_dir):
        folder = target / name
        folder.mkdir(parents=True, exist_ok=True)
        exported[name] = {}
        with reading(data_dir, name) as database:
            for collection in database.collections.values():
                count = 0
                with open(folder / f"{collection.name}.bson", "wb") as out:
                    for raw in collection.raw_documents():
                        out.write(raw)
                        count += 1
                metadata = _metadata(collection.name, collection.index_specs())
                (folder / f"{collection.name}.metadata.json").write_text(metadata)
                exported[name][collection.name] = count
    return exported


def _metadata(collection: str, specs: list[Any]) -> str:
    indexes: list[dict[str, Any]] = [{"v": 2, "key": {"_id": 1}, "name": "_id_"}]
    for spec in specs:
        entry: dict[str, Any] = {"v": 2, "key": dict(spec.keys), "name": spec.name}
        if spec.unique:
            entry["unique"] = True
        if spec.sparse:
            entry["sparse"] = True
        indexes.append(entry)
    document = {
        "indexes": indexes,
        "uuid": "",
        "collectionName": collection,
        "type": "collection",
        "options": {},
    }
    return json_util.dumps(document, json_options=CANONICAL_JSON_OPTIONS)
