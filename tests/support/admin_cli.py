"""`uts-admin` in the test process: typer's CliRunner, off the event loop.

Each command runs its own `asyncio.run`, so it is invoked in a worker thread while the test's
services (a config service, a gateway, the test's own broker connection) keep serving on the
test's loop. The environment is the command's whole configuration: nothing of the developer's
(MONGODB_URL, UTS_DATA_DIR, ...) leaks in.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from click.testing import Result
from typer.testing import CliRunner

from gateway.agents import Agents, AgentStore
from gateway.auth import Passwords
from gateway.cli.app import app
from uts_shared.embedded import EmbeddedDatabase, Engine

CLEAN_ENV: dict[str, str | None] = {
    "RABBITMQ_URL": None,
    "MONGODB_URL": None,
    "MONGODB_DB": None,
    "UTS_DATA_DIR": None,
    "UTS_ENV": None,
    "RPC_TIMEOUT": None,
    "JWT_SECRET": None,
    "JWT_PREVIOUS_SECRETS": None,
    "JWT_EXPIRES_MINUTES": None,
}

CLOSED_PORT_URL = "amqp://guest:secret@127.0.0.1:1/"
"""A broker URL nothing answers at."""


async def admin(*args: str, **env: str | Path | None) -> Result:
    """`uts-admin <args>` with these environment variables (e.g. `RABBITMQ_URL=...`)."""
    environment = {**CLEAN_ENV, **{k: None if v is None else str(v) for k, v in env.items()}}
    runner = CliRunner()
    return await asyncio.to_thread(
        runner.invoke, app, list(args), env=environment, catch_exceptions=False
    )


def one_line_error(result: Result) -> str:
    """The command's error: one line on stderr, no stack trace."""
    assert "Traceback" not in result.output, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("uts-admin: "), lines[0]
    return lines[0]


@contextlib.asynccontextmanager
async def gateway_database(data_dir: Path) -> AsyncIterator[Agents]:
    """The agents in a gateway's embedded database under `data_dir` (opened, then closed:
    what a stopped gateway leaves behind)."""
    engine = Engine(data_dir)
    try:
        database: Any = EmbeddedDatabase(engine.database("uts_gateway"))
        agents = Agents(AgentStore(database), Passwords())
        await agents.store.ensure_indexes()
        yield agents
    finally:
        engine.close()
