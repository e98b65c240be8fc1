"""`uts-admin store …`: the embedded engine's files under UTS_DATA_DIR (every service's
database): check them, back them up while the system runs, restore them into a stopped one,
export them for a MongoDB server (`mongorestore`).

With MONGODB_URL set the data is on that server: its own tools (mongodump, mongorestore) do this.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from gateway.cli.common import EXIT_MISTAKE, EXIT_UNAVAILABLE, fail, guarded, settings
from uts_shared.embedded import tools
from uts_shared.embedded.storage import DamagedDocument

app = typer.Typer(
    help="The embedded engine's databases under UTS_DATA_DIR: verify, backup, restore, export.",
    no_args_is_help=True,
)

Directory = Annotated[Path, typer.Argument(metavar="DIR", file_okay=False)]


def _data_dir() -> Path:
    config = settings()
    if config.mongodb_url:
        fail(
            "MONGODB_URL is set: the data is on that MongoDB server; use its tools "
            "(mongodump, mongorestore) instead",
            EXIT_MISTAKE,
        )
    if config.data_dir is None:
        fail(
            "UTS_DATA_DIR is not set: set it to the directory the system keeps its data in "
            "(make run: var/data)",
            EXIT_UNAVAILABLE,
        )
    return config.data_dir


def _some(data_dir: Path) -> None:
    if not tools.databases(data_dir):
        fail(f"no embedded database in {data_dir} (UTS_DATA_DIR)", EXIT_UNAVAILABLE)


@app.command()
@guarded
def verify() -> None:
    """Check every document's checksum and every index entry of every database."""
    data_dir = _data_dir()
    _some(data_dir)
    found = tools.verify(data_dir)
    for name, problems in found.items():
        typer.echo(f"{name}: " + ("ok" if not problems else f"{len(problems)} problem(s)"))
        for problem in problems:
            typer.echo(f"  {problem}")
    if any(found.values()):
        fail("damage found (listed above): restore the last good backup (uts-admin store restore)")


@app.command()
@guarded
def backup(target: Directory) -> None:
    """Copy every database into DIR (a new or empty directory) while the system runs: each
    database as of one moment, written with BACKUP-COMPLETE.json last."""
    data_dir = _data_dir()
    try:
        counts = tools.backup(data_dir, target)
    except tools.StoreToolError as exc:
        fail(str(exc))
    for name, count in counts.items():
        typer.echo(f"{name}: {count} documents")
    typer.echo(f"backup complete in {target}")


@app.command()
@guarded
def restore(source: Directory) -> None:
    """Replace the databases under UTS_DATA_DIR with the backup in DIR. Refused while the
    system runs; the databases replaced are kept in UTS_DATA_DIR/replaced-<time>."""
    data_dir = _data_dir()
    try:
        replaced = tools.restore(source, data_dir)
    except tools.StoreToolError as exc:
        fail(str(exc))
    if replaced is not None:
        typer.echo(f"the databases replaced are kept in {replaced}")
    typer.echo(f"restored {source} into {data_dir}: start the system")


@app.command()
@guarded
def export(target: Directory) -> None:
    """Write every collection as mongorestore reads it: DIR/<database>/<collection>.bson and
    <collection>.metadata.json (its indexes). Then: mongorestore --uri <server> --dir DIR."""
    data_dir = _data_dir()
    _some(data_dir)
    try:
        exported = tools.export(data_dir, target)
    except DamagedDocument as exc:
        fail(f"{exc} (nothing further exported)")
    for name, collections in exported.items():
        for collection, count in collections.items():
            typer.echo(f"{name}.{collection}: {count} documents")
    typer.echo(f"exported to {target}: mongorestore --uri <server> --dir {target}")
