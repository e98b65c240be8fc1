"""`uts-admin agents …` on the gateway's embedded database in a temporary UTS_DATA_DIR, with
revocations published on the real broker and refused at once by a running gateway."""

from __future__ import annotations

import asyncio
import contextlib
import re
import sys
import uuid
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from faststream.rabbit import RabbitQueue

from gateway.agents import AgentProfile, NewAgent
from gateway.auth import Role
from gateway.main import Gateway
from gateway.settings import GatewaySettings
from tests.support.admin_cli import CLOSED_PORT_URL, admin, gateway_database, one_line_error
from tests.support.events import EventRecorder, Recorded, observer
from tests.support.factories import unique_email
from tests.support.waiting import poll_until
from uts_shared.embedded import Engine
from uts_shared.errors import Forbidden, Unauthorized
from uts_shared.mongo import private_database

PASSWORD = "first-password"
SECRET = "admin-cli-test-secret-that-is-at-least-32-bytes"
GENERATED = re.compile(r"^password \(shown only now\): (\S+)$", re.MULTILINE)


@pytest.fixture
async def data_dir(tmp_path: Path) -> Path:
    """A gateway's data directory as a stopped gateway leaves it: its first admin there."""
    async with gateway_database(tmp_path) as agents:
        await agents.create(
            NewAgent(
                email="admin@example.com",
                password=PASSWORD,
                first_name="First",
                last_name="Admin",
                role=Role.ADMIN,
            )
        )
    return tmp_path


async def _agent(data_dir: Path, role: Role = Role.AGENT) -> AgentProfile:
    async with gateway_database(data_dir) as agents:
        return await agents.create(
            NewAgent(
                email=unique_email(),
                password=PASSWORD,
                first_name="Ana",
                last_name="Ruiz",
                role=role,
            )
        )


async def _stored(data_dir: Path, agent_id: str) -> AgentProfile:
    async with gateway_database(data_dir) as agents:
        return await agents.require(agent_id)


async def _signs_in(data_dir: Path, email: str, password: str) -> bool:
    async with gateway_database(data_dir) as agents:
        try:
            await agents.authenticate(email, password)
        except (Unauthorized, Forbidden):
            return False
        return True


@contextlib.asynccontextmanager
async def _agent_events(rabbit_url: str) -> AsyncIterator[EventRecorder]:
    queue = RabbitQueue(
        f"test.agent-events.{uuid.uuid4().hex[:8]}",
        exclusive=True,
        auto_delete=True,
        routing_key="agent.#",
    )
    async with observer(rabbit_url, queue, name="admin-cli-tests", timeout=5.0) as (_, recorder):
        yield recorder


@contextlib.asynccontextmanager
async def _running_gateway(rabbit_url: str) -> AsyncIterator[Gateway]:
    """A gateway replica on the broker with an agents database of its own (it learns of the
    CLI's changes from the broker only)."""
    settings = GatewaySettings(
        rabbitmq_url=rabbit_url, jwt_secret=SECRET, admin_password="gateway-admin-password"
    )
    gateway = Gateway(settings, database=private_database("uts_gateway"))
    await gateway.start()
    try:
        yield gateway
    finally:
        await gateway.stop()


def _revoked(recorder: EventRecorder, agent_id: str, reason: str) -> list[Recorded]:
    return [
        e
        for e in recorder.of("agent.tokens_revoked")
        if e.data["agentId"] == agent_id and e.data["reason"] == reason
    ]


# --- create -------------------------------------------------------------------------------------


async def test_create_prints_a_generated_password_that_signs_the_agent_in(data_dir: Path) -> None:
    email = unique_email()

    result = await admin(
        "agents",
        "create",
        "--email",
        email.upper(),
        "--first-name",
        "Ana",
        "--last-name",
        "Ruiz",
        "--role",
        "agent",
        UTS_DATA_DIR=data_dir,
    )

    assert result.exit_code == 0, result.output
    assert "created agent " in result.stdout and email in result.stdout
    found = GENERATED.search(result.stdout)
    assert found is not None, result.stdout
    assert await _signs_in(data_dir, email, found.group(1))
    async with gateway_database(data_dir) as agents:
        created = [a for a in await agents.list() if a.email == email]
    assert [(a.role, a.active, a.name) for a in created] == [(Role.AGENT, True, "Ana Ruiz")]


async def test_create_with_a_password_prints_none_and_a_taken_email_is_refused(
    data_dir: Path,
) -> None:
    email = unique_email()
    args = ["agents", "create", "--email", email, "--first-name", "Bea", "--last-name", "Soto"]

    first = await admin(
        *args, "--role", "admin", "--password", "chosen-password", UTS_DATA_DIR=data_dir
    )
    again = await admin(*args, "--role", "agent", UTS_DATA_DIR=data_dir)

    assert first.exit_code == 0, first.output
    assert "shown only now" not in first.stdout
    assert await _signs_in(data_dir, email, "chosen-password")
    assert again.exit_code == 1
    assert "already exists" in one_line_error(again)


async def test_create_refuses_bad_values_naming_their_options(data_dir: Path) -> None:
    result = await admin(
        "agents",
        "create",
        "--email",
        "not-an-email",
        "--first-name",
        " ",
        "--last-name",
        "Ruiz",
        "--role",
        "agent",
        "--password",
        "short",
        UTS_DATA_DIR=data_dir,
    )

    assert result.exit_code == 1
    error = one_line_error(result)
    assert "--email" in error and "--first-name" in error and "--password" in error


# --- deactivate and reset-password: revoked on the broker ------------------------------------


async def test_deactivate_revokes_the_agents_tokens_on_a_running_gateway_at_once(
    data_dir: Path, rabbit_url: str
) -> None:
    agent = await _agent(data_dir)
    async with _agent_events(rabbit_url) as recorder, _running_gateway(rabbit_url) as gateway:
        token = gateway.tokens.issue(agent.principal())
        assert (await gateway.sessions.agent(token)).id == agent.id

        result = await admin(
            "agents", "deactivate", agent.email, UTS_DATA_DIR=data_dir, RABBITMQ_URL=rabbit_url
        )

        assert result.exit_code == 0, result.output
        assert "deactivated" in result.stdout

        async def refused() -> bool:
            try:
                await gateway.sessions.agent(token)
            except Unauthorized:
                return True
            return False

        await poll_until(refused, what="the running gateway refusing the agent's old token")
        await recorder.wait_for(lambda _: bool(_revoked(recorder, agent.id, "deactivated")))
        updated = await recorder.wait_for(
            lambda events: any(
                e.routing_key == "agent.updated" and e.data["agentId"] == agent.id for e in events
            )
        )
    [change] = [e for e in updated if e.routing_key == "agent.updated"]
    assert change.data["active"] is False
    assert change.data["updatedBy"].startswith("cli:")
    stored = await _stored(data_dir, agent.id)
    assert stored.active is False
    assert not await _signs_in(data_dir, agent.email, PASSWORD)


async def test_deactivating_an_agent_twice_changes_nothing_the_second_time(
    data_dir: Path, rabbit_url: str
) -> None:
    agent = await _agent(data_dir)
    env = {"UTS_DATA_DIR": data_dir, "RABBITMQ_URL": rabbit_url}

    first = await admin("agents", "deactivate", agent.id, **env)
    before = await _stored(data_dir, agent.id)
    second = await admin("agents", "deactivate", agent.id, **env)

    assert (first.exit_code, second.exit_code) == (0, 0)
    assert "already deactivated" in second.stdout
    assert (await _stored(data_dir, agent.id)).updated_at == before.updated_at


async def test_reset_password_by_id_prints_the_new_one_and_ends_the_agents_sessions(
    data_dir: Path, rabbit_url: str
) -> None:
    agent = await _agent(data_dir)
    async with _agent_events(rabbit_url) as recorder:
        result = await admin(
            "agents", "reset-password", agent.id, UTS_DATA_DIR=data_dir, RABBITMQ_URL=rabbit_url
        )

        assert result.exit_code == 0, result.output
        await recorder.wait_for(lambda _: bool(_revoked(recorder, agent.id, "password_reset")))
    found = GENERATED.search(result.stdout)
    assert found is not None, result.stdout
    assert await _signs_in(data_dir, agent.email, found.group(1))
    assert not await _signs_in(data_dir, agent.email, PASSWORD)


async def test_reset_password_with_a_chosen_one_by_email(data_dir: Path, rabbit_url: str) -> None:
    agent = await _agent(data_dir)

    result = await admin(
        "agents",
        "reset-password",
        agent.email.upper(),
        "--password",
        "a-chosen-password",
        UTS_DATA_DIR=data_dir,
        RABBITMQ_URL=rabbit_url,
    )

    assert result.exit_code == 0, result.output
    assert "shown only now" not in result.stdout
    assert await _signs_in(data_dir, agent.email, "a-chosen-password")


# --- mistakes and what is not there --------------------------------------------------------------


async def test_an_unknown_agent_is_exit_1_with_a_message(data_dir: Path, rabbit_url: str) -> None:
    env = {"UTS_DATA_DIR": data_dir, "RABBITMQ_URL": rabbit_url}

    for command in ("deactivate", "reset-password"):
        result = await admin("agents", command, "nobody@example.com", **env)

        assert result.exit_code == 1
        assert "no agent with the email or id 'nobody@example.com'" in one_line_error(result)


async def test_the_last_active_admin_is_not_deactivated(data_dir: Path, rabbit_url: str) -> None:
    result = await admin(
        "agents",
        "deactivate",
        "admin@example.com",
        UTS_DATA_DIR=data_dir,
        RABBITMQ_URL=rabbit_url,
    )

    assert result.exit_code == 1
    assert "last active admin" in one_line_error(result)
    assert await _signs_in(data_dir, "admin@example.com", PASSWORD)


async def test_a_gateway_running_on_the_embedded_store_is_named_and_nothing_changes(
    data_dir: Path, rabbit_url: str
) -> None:
    agent = await _agent(data_dir)
    running = Engine(data_dir)  # what a running gateway holds: its database's lock
    running.database("uts_gateway")
    try:
        result = await admin(
            "agents", "deactivate", agent.email, UTS_DATA_DIR=data_dir, RABBITMQ_URL=rabbit_url
        )
    finally:
        running.close()

    assert result.exit_code == 2
    error = one_line_error(result)
    assert "a gateway is running on it" in error and str(data_dir) in error
    assert (await _stored(data_dir, agent.id)).active is True


async def test_a_broker_that_is_down_is_exit_2_naming_rabbitmq_url_and_nothing_changes(
    data_dir: Path,
) -> None:
    agent = await _agent(data_dir)

    result = await admin(
        "agents", "deactivate", agent.email, UTS_DATA_DIR=data_dir, RABBITMQ_URL=CLOSED_PORT_URL
    )

    assert result.exit_code == 2
    error = one_line_error(result)
    assert "RABBITMQ_URL=amqp://guest:***@127.0.0.1:1/" in error
    assert "secret" not in error
    assert (await _stored(data_dir, agent.id)).active is True


async def test_without_mongodb_url_or_uts_data_dir_it_says_where_agents_live() -> None:
    result = await admin("agents", "deactivate", "ana@example.com")

    assert result.exit_code == 2
    error = one_line_error(result)
    assert "MONGODB_URL" in error and "UTS_DATA_DIR" in error


async def test_a_data_dir_without_a_gateway_database_is_refused(tmp_path: Path) -> None:
    result = await admin("agents", "deactivate", "ana@example.com", UTS_DATA_DIR=tmp_path)

    assert result.exit_code == 2
    assert "no gateway database" in one_line_error(result)
    assert not (tmp_path / "uts_gateway").exists()


def _columns(lines: list[str]) -> list[int]:
    """Where each column of an aligned table starts (after a run of two spaces)."""
    header = lines[0]
    return [0, *(m.end() for m in re.finditer(r"  +", header))]


async def test_list_shows_every_agent_in_aligned_columns_beside_a_running_gateway(
    data_dir: Path,
) -> None:
    agent = await _agent(data_dir)
    async with gateway_database(data_dir) as agents:
        await agents.set_active(agent.id, False, by="test")
    # A gateway running on the files in another process: it holds the database's lock.
    script = (
        "import sys; from uts_shared.embedded import Engine; "
        f"Engine({str(data_dir)!r}).database('uts_gateway'); print('open', flush=True); "
        "sys.stdin.read()"
    )
    running = await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, stdin=PIPE, stdout=PIPE
    )
    try:
        assert running.stdout is not None and (await running.stdout.readline()).strip() == b"open"
        result = await admin("agents", "list", UTS_DATA_DIR=data_dir)
    finally:
        await running.communicate(b"")

    assert result.exit_code == 0, result.output
    summary, *table = result.stdout.splitlines()
    assert summary == "2 agents, 1 active"
    assert table[0].split() == ["ID", "EMAIL", "ROLE", "STATUS", "CREATED", "NAME"]
    admin_row, agent_row = table[1:]
    assert admin_row.split()[1:4] == ["admin@example.com", "admin", "active"]
    assert agent_row.split()[:4] == [agent.id, agent.email, "agent", "deactivated"]
    assert agent_row.endswith("Ana Ruiz")
    starts = _columns(table)
    for row in table[1:]:
        assert all(row[start - 2 : start] == "  " for start in starts[1:]), row
        assert all(row[start] != " " for start in starts), row
    assert (await _stored(data_dir, agent.id)).active is False  # read, nothing changed


async def test_list_of_a_data_dir_without_a_gateway_database_is_refused(tmp_path: Path) -> None:
    result = await admin("agents", "list", UTS_DATA_DIR=tmp_path)

    assert result.exit_code == 2
    assert "no gateway database" in one_line_error(result)
    assert not (tmp_path / "uts_gateway").exists()
