"""`uts-admin agents …`: create, deactivate and reset the password of agents in the gateway's
own database, through `Agents` (the class behind `/api/v2/agents`: same rules, same log lines).

Deactivating and resetting a password also publish `agent.tokens_revoked` (and `agent.updated`)
on the broker, so running gateways refuse the agent's old tokens at once.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import AsyncIterator, Awaitable
from datetime import datetime
from typing import Annotated, Any, cast

import typer
from pydantic import ValidationError
from pydantic.alias_generators import to_camel
from pymongo.errors import ConnectionFailure

from gateway.agent_events import AgentAnnouncer
from gateway.agents import AgentProfile, Agents, AgentStore, NewAgent, NewPassword
from gateway.auth import Passwords, Role
from gateway.cli.common import (
    EXIT_UNAVAILABLE,
    broker_link,
    fail,
    guarded,
    operator,
    redact,
    run,
    settings,
)
from gateway.cli.table import aligned
from gateway.settings import GatewaySettings
from uts_shared.contracts.agents import RevocationReason
from uts_shared.embedded import DataDirInUse, EmbeddedDatabase, Engine
from uts_shared.embedded.engine import Database as EngineDatabase
from uts_shared.errors import field_errors_from_pydantic
from uts_shared.logs import escape_controls
from uts_shared.messaging import events_exchange
from uts_shared.mongo import open_database
from uts_shared.store_types import Database

app = typer.Typer(
    help="The gateway's agents, in its database (MONGODB_URL, or the embedded engine's files "
    "under UTS_DATA_DIR).",
    no_args_is_help=True,
)

OPTIONS = {
    "email": "--email",
    "firstName": "--first-name",
    "lastName": "--last-name",
    "role": "--role",
    "password": "--password",
}
"""A refused field as the option that gave it."""

EmailOrId = Annotated[str, typer.Argument(metavar="EMAIL_OR_ID", help="The agent's email or id.")]
PasswordOption = Annotated[
    str | None,
    typer.Option(
        help="At least 12 characters, not a common one; generated and printed once when not given."
    ),
]


@contextlib.asynccontextmanager
async def agents_database(config: GatewaySettings) -> AsyncIterator[Database]:
    """The gateway's database, as the gateway opens it: the MongoDB server at MONGODB_URL, or
    the embedded engine's files under UTS_DATA_DIR (an engine of the command's own, closed at
    the end: its writes synced and its lock released)."""
    if config.mongodb_url:
        database = open_database(
            config.mongodb_url,
            config.mongodb_db,
            read_preference=config.mongodb_read_preference,
        )
        try:
            yield database
        except ConnectionFailure as exc:
            fail(
                f"cannot reach MongoDB at MONGODB_URL={redact(config.mongodb_url)}: {exc}",
                EXIT_UNAVAILABLE,
            )
        finally:
            await database.client.close()  # type: ignore[attr-defined]  # a server's client
        return
    if config.data_dir is None:
        fail(
            "neither MONGODB_URL nor UTS_DATA_DIR is set: a gateway started like that keeps its "
            "agents in its own memory, out of reach. Set MONGODB_URL to the gateway's MongoDB, "
            "or UTS_DATA_DIR to its data directory (make run: var/data)",
            EXIT_UNAVAILABLE,
        )
    where = config.data_dir / config.mongodb_db
    if not where.is_dir():
        fail(
            f"no gateway database in {where}: UTS_DATA_DIR must be the directory the gateway "
            "keeps its data in (make run: var/data), and the gateway must have run once",
            EXIT_UNAVAILABLE,
        )
    engine = Engine(config.data_dir)
    try:
        embedded = EmbeddedDatabase(engine.database(config.mongodb_db))
    except DataDirInUse:
        holder = _lock_holder(where)
        fail(
            f"the gateway's embedded database in {where} is open in another process"
            f"{holder}: a gateway is running on it, and the embedded engine lets one process "
            "in at a time. Stop the gateway and run this again, or make the change in the "
            "console (Settings → Agents) or through /api/v2/agents while it runs",
            EXIT_UNAVAILABLE,
        )
    try:
        yield cast(Database, embedded)
    finally:
        engine.close()


@contextlib.asynccontextmanager
async def agents_to_read(config: GatewaySettings) -> AsyncIterator[Database]:
    """The gateway's database to read only: the embedded engine's files are opened beside a
    gateway that may be running on them (no lock taken, nothing written)."""
    if config.mongodb_url or config.data_dir is None:
        async with agents_database(config) as database:
            yield database
        return
    where = config.data_dir / config.mongodb_db
    if not (where / "data.mdb").is_file():
        fail(
            f"no gateway database in {where}: UTS_DATA_DIR must be the directory the gateway "
            "keeps its data in (make run: var/data), and the gateway must have run once",
            EXIT_UNAVAILABLE,
        )
    files = EngineDatabase(config.mongodb_db, config.data_dir, readonly=True)
    try:
        yield cast(Database, EmbeddedDatabase(files))
    finally:
        files.close()


def _lock_holder(where: Any) -> str:
    with contextlib.suppress(OSError):
        pid = (where / "LOCK").read_text().strip()
        if pid:
            return f" (pid {pid})"
    return ""


class Announcements:
    """The `Announcer` of a command: publishes each change, and keeps what the broker did not
    take (the change itself is stored already) to report it."""

    def __init__(self, out: AgentAnnouncer) -> None:
        self._out = out
        self.missed: list[str] = []

    async def updated(self, profile: AgentProfile, *, by: str) -> None:
        await self._publish("agent.updated", self._out.updated(profile, by=by))

    async def revoked(self, agent_id: str, at: datetime, *, reason: RevocationReason) -> None:
        await self._publish("agent.tokens_revoked", self._out.revoked(agent_id, at, reason=reason))

    async def _publish(self, what: str, publishing: Awaitable[None]) -> None:
        try:
            await publishing
        except Exception as exc:
            self.missed.append(f"{what} ({type(exc).__name__}: {exc})")


async def find(agents: Agents, ref: str) -> AgentProfile:
    """The agent with this id or email; a one-line failure when there is none."""
    ref = ref.strip()
    profile = await agents.get(ref)
    if profile is None and "@" in ref:
        doc = await agents.store.by_email(ref.lower())
        profile = AgentProfile.from_document(doc) if doc is not None else None
    if profile is None:
        fail(f"no agent with the email or id '{ref}'")
    return profile


def refused(exc: ValidationError) -> str:
    errors = field_errors_from_pydantic(exc.errors(include_input=False))
    return "; ".join(f"{OPTIONS.get(to_camel(e.field), e.field)}: {e.reason}" for e in errors)


def _shown_once(password: str) -> None:
    typer.echo(f"password (shown only now): {password}")


def _warn_unpublished(missed: list[str], config: GatewaySettings) -> None:
    if missed:
        typer.echo(
            f"uts-admin: warning: stored, but the broker did not take {', '.join(missed)}; "
            "gateways sharing this database refuse the old tokens within SESSION_RECHECK "
            f"seconds ({config.session_recheck:g})",
            err=True,
        )


@app.command()
@guarded
def create(
    email: Annotated[str, typer.Option(help="Sign-in email (unique).")],
    first_name: Annotated[str, typer.Option(help="First name.")],
    last_name: Annotated[str, typer.Option(help="Last name.")],
    role: Annotated[Role, typer.Option(case_sensitive=False, help="admin or agent.")],
    password: PasswordOption = None,
) -> None:
    """Create an agent (prints a generated password when none is given)."""
    config = settings()
    generated = None if password is not None else secrets.token_urlsafe(12)
    try:
        new = NewAgent(
            email=email,
            password=password if password is not None else generated,
            first_name=first_name,
            last_name=last_name,
            role=role,
        )
    except ValidationError as exc:
        fail(refused(exc))

    async def create_agent() -> AgentProfile:
        async with agents_database(config) as database:
            agents = Agents(AgentStore(database), Passwords())
            await agents.store.ensure_indexes()
            return await agents.create(new, by=operator())

    profile = run(create_agent())
    typer.echo(f"created agent {profile.id} {profile.email} ({profile.role.value})")
    if generated is not None:
        _shown_once(generated)


COLUMNS = ("ID", "EMAIL", "ROLE", "STATUS", "CREATED", "NAME")


def _row(agent: AgentProfile) -> list[str]:
    status = "active" if agent.active else "deactivated"
    created = agent.created_at.strftime("%Y-%m-%d %H:%MZ")
    return [agent.id, agent.email, agent.role.value, status, created, escape_controls(agent.name)]


@app.command("list")
@guarded
def list_() -> None:
    """Show every agent (id, email, role, status, created, name) in the order they were
    created; changes nothing, and reads beside a running gateway."""
    config = settings()

    async def read() -> list[AgentProfile]:
        async with agents_to_read(config) as database:
            return await Agents(AgentStore(database), Passwords()).list()

    found = run(read())
    typer.echo(f"{len(found)} agents, {sum(a.active for a in found)} active")
    if found:
        for line in aligned(COLUMNS, [_row(agent) for agent in found]):
            typer.echo(line)


@app.command()
@guarded
def deactivate(agent: EmailOrId) -> None:
    """Deactivate an agent: it can't sign in or be assigned, its tokens stop working at once."""
    config = settings()

    async def deactivate_agent() -> tuple[AgentProfile, list[str] | None]:
        async with agents_database(config) as database, broker_link(config) as link:
            await link.broker.declare_exchange(events_exchange)
            announcements = Announcements(AgentAnnouncer(link.broker))
            agents = Agents(AgentStore(database), Passwords(), announcer=announcements)
            profile = await find(agents, agent)
            if not profile.active:
                return profile, None
            after = await agents.set_active(profile.id, False, by=operator())
            return after, announcements.missed

    profile, missed = run(deactivate_agent(), rabbitmq_url=config.rabbitmq_url)
    if missed is None:
        typer.echo(f"agent {profile.id} {profile.email} is already deactivated")
        return
    typer.echo(f"deactivated agent {profile.id} {profile.email}; its tokens are revoked")
    _warn_unpublished(missed, config)


@app.command("reset-password")
@guarded
def reset_password(agent: EmailOrId, password: PasswordOption = None) -> None:
    """Set a new password (printed when generated); the agent's sessions end at once."""
    config = settings()
    generated = None if password is not None else secrets.token_urlsafe(12)
    try:
        new = NewPassword(password=password if password is not None else generated)
    except ValidationError as exc:
        fail(refused(exc))

    async def reset() -> tuple[AgentProfile, list[str]]:
        async with agents_database(config) as database, broker_link(config) as link:
            await link.broker.declare_exchange(events_exchange)
            announcements = Announcements(AgentAnnouncer(link.broker))
            agents = Agents(AgentStore(database), Passwords(), announcer=announcements)
            profile = await find(agents, agent)
            after = await agents.reset_password(profile.id, new.password, by=operator())
            return after, announcements.missed

    profile, missed = run(reset(), rabbitmq_url=config.rabbitmq_url)
    typer.echo(f"password of agent {profile.id} {profile.email} reset; its sessions are ended")
    if generated is not None:
        _shown_once(generated)
    _warn_unpublished(missed, config)
