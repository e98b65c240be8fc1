"""`uts-admin tickets …`: repairs the tickets service makes on its own data, asked over the broker
(its database is its own): recomputing the search terms, publishing what waits in the outbox.

Either is safe to run at any time and again: a reindex writes only the tickets whose terms
differ; a replayed event keeps its eventId (consumers drop one they have seen).
"""

from __future__ import annotations

from typing import Annotated

import typer

from gateway.cli.common import broker_link, guarded, run, settings
from uts_shared.contracts import tickets as contract
from uts_shared.contracts.base import Empty

app = typer.Typer(
    help="The tickets service's search terms and outbox, over the broker (RABBITMQ_URL).",
    no_args_is_help=True,
)

Timeout = Annotated[
    float,
    typer.Option(min=1, help="Seconds to wait for the tickets service to finish."),
]


@app.command("reindex-search")
@guarded
def reindex_search(timeout: Timeout = 120.0) -> None:
    """Recompute every ticket's search terms from its id, subject and description (writes only
    the tickets whose stored terms differ)."""
    config = settings()

    async def reindex() -> int:
        async with broker_link(config) as link:
            done = await link.client.call(contract.ADMIN_REINDEX_SEARCH, Empty(), timeout=timeout)
            return done.reindexed

    reindexed = run(reindex(), rabbitmq_url=config.rabbitmq_url)
    typer.echo(f"reindexed {reindexed} ticket(s)")


@app.command("replay-outbox")
@guarded
def replay_outbox(timeout: Timeout = 120.0) -> None:
    """Publish every event waiting in the tickets' outboxes now (the relay's full sweep, which
    otherwise runs every OUTBOX_SWEEP_INTERVAL seconds)."""
    config = settings()

    async def replay() -> int:
        async with broker_link(config) as link:
            done = await link.client.call(contract.ADMIN_REPLAY_OUTBOX, Empty(), timeout=timeout)
            return done.published

    published = run(replay(), rabbitmq_url=config.rabbitmq_url)
    typer.echo(f"published {published} event(s) from the outbox")
