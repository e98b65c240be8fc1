"""The `uts-admin` command: its groups and the process's logging."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from gateway.cli import agents, config, dead_letters, jwt, queues, store, tickets

app = typer.Typer(
    name="uts-admin",
    help="Administer the Universal Ticket System: agents, configuration, dead letters, the "
    "durable queues' type, the tickets service's search terms and outbox, the JWT signing key. "
    "Reads the gateway's environment (RABBITMQ_URL, RABBITMQ_QUEUE_TYPE, MONGODB_URL / "
    "UTS_DATA_DIR, RPC_TIMEOUT).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(agents.app, name="agents")
app.add_typer(config.app, name="config")
app.add_typer(dead_letters.app, name="dead-letters")
app.add_typer(jwt.app, name="jwt")
app.add_typer(queues.app, name="queues")
app.add_typer(tickets.app, name="tickets")
app.add_typer(store.app, name="store")

QUIET = ("aio_pika", "aiormq", "faststream", "pymongo")
"""Libraries whose own lines on a failed connection would repeat the command's one line."""


@app.callback()
def configure(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Also show the log lines of what is done.")
    ] = False,
) -> None:
    if verbose:
        logging.getLogger().setLevel(logging.INFO)
        for name in QUIET:
            logging.getLogger(name).setLevel(logging.INFO)


def main() -> None:
    """The `uts-admin` script: warnings and errors of its own only, then the command."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL)
    app()
