"""`uts-admin tickets …`: repairs the tickets service makes on its own data, asked over the broker
(its database is its own): recomputing the search terms, publishing what waits in the outbox,
rebuilding the ticket counts.

Each is safe to run again: a reindex writes only the tickets whose terms differ; a replayed
event keeps its eventId (consumers drop one they have seen); a rebuild replaces each count
with what the tickets say (exact when no write lands meanwhile).
"""

from __future__ import annotations

from typing import Annotated, TypeVar

import typer

from gateway.cli.common import broker_link, guarded, run, settings
from uts_shared.contracts import tickets as contract
from uts_shared.contracts.base import Empty, Rpc

app = typer.Typer(
    help="The tickets service's search terms, outbox and counts, over the broker (RABBITMQ_URL).",
    no_args_is_help=True,
)

R = TypeVar("R")

Timeout = Annotated[
    float,
    typer.Option(min=1, help="Seconds to wait for the tickets service to finish."),
]


def _ask(spec: Rpc[Empty, R], timeout: float) -> R:
    """The tickets service's answer to one admin request (it may take a while)."""
    config = settings()

    async def ask() -> R:
        async with broker_link(config) as link:
            return await link.client.call(spec, Empty(), timeout=timeout)

    return run(ask(), rabbitmq_url=config.rabbitmq_url)


@app.command("reindex-search")
@guarded
def reindex_search(timeout: Timeout = 120.0) -> None:
    """Recompute every ticket's search terms from its id, subject and description (writes only
    the tickets whose stored terms differ)."""
    done = _ask(contract.ADMIN_REINDEX_SEARCH, timeout)
    typer.echo(f"reindexed {done.reindexed} ticket(s)")


@app.command("replay-outbox")
@guarded
def replay_outbox(timeout: Timeout = 120.0) -> None:
    """Publish every event waiting in the tickets' outboxes now (the relay's full sweep, which
    otherwise runs every OUTBOX_SWEEP_INTERVAL seconds)."""
    done = _ask(contract.ADMIN_REPLAY_OUTBOX, timeout)
    typer.echo(f"published {done.published} event(s) from the outbox")


@app.command("rebuild-counts")
@guarded
def rebuild_counts(timeout: Timeout = 120.0) -> None:
    """Rebuild the ticket counts (stats by status, agent and customer; customers' ticket
    totals) from the tickets, less what still waits in their outboxes."""
    done = _ask(contract.ADMIN_REBUILD_COUNTS, timeout)
    typer.echo(f"counts rebuilt from {done.tickets} ticket(s)")
