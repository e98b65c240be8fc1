"""Agents: creation, sign-in and the first admin (on an in-memory engine, no I/O)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from pydantic import ValidationError

from gateway.agents import (
    INVALID_CREDENTIALS,
    AgentChanges,
    AgentProfile,
    Agents,
    AgentStore,
    NewAgent,
    NewPassword,
    PasswordChange,
)
from gateway.auth import Passwords, Role
from uts_shared.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from uts_shared.mongo import private_database

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
async def agents() -> Agents:
    ids = (f"agent-{n}" for n in itertools.count(1))
    times = (NOW + timedelta(seconds=n) for n in itertools.count())
    store = AgentStore(private_database("uts_gateway"))
    await store.ensure_indexes()
    return Agents(store, Passwords(FAST), clock=lambda: next(times), new_id=lambda: next(ids))


def new(email: str = "Ana@Example.com", role: Role = Role.AGENT) -> NewAgent:
    return NewAgent(
        email=email, password="s3cret-passphrase", first_name="Ana", last_name="Ruiz", role=role
    )


async def test_created_agent_is_stored_lowercased_with_a_hash_not_the_password(
    agents: Agents,
) -> None:
    profile = await agents.create(new())
    assert (profile.id, profile.email, profile.role, profile.active) == (
        "agent-1",
        "ana@example.com",
        Role.AGENT,
        True,
    )
    assert profile.created_at == NOW
    doc = await agents.store.by_email("ana@example.com")
    assert doc is not None and doc["passwordHash"].startswith("$argon2id$")
    assert "s3cret-passphrase" not in str(doc)
    assert "passwordHash" not in profile.model_dump(by_alias=True)


async def test_same_email_in_another_case_is_a_conflict(agents: Agents) -> None:
    await agents.create(new("ana@example.com"))
    with pytest.raises(Conflict, match="already exists"):
        await agents.create(new("ANA@example.COM"))


async def test_sign_in_with_right_password_whatever_the_email_case(agents: Agents) -> None:
    created = await agents.create(new())
    assert (await agents.authenticate(" ANA@example.com ", "s3cret-passphrase")).id == created.id


async def test_wrong_password_and_unknown_email_fail_alike(agents: Agents) -> None:
    await agents.create(new())
    for email, password in (
        ("ana@example.com", "wrong-pass"),
        ("who@example.com", "s3cret-passphrase"),
    ):
        with pytest.raises(Unauthorized) as failed:
            await agents.authenticate(email, password)
        assert failed.value.message == INVALID_CREDENTIALS


async def test_inactive_agent_cannot_sign_in(agents: Agents) -> None:
    created = await agents.create(new())
    await agents.set_active(created.id, False, by="boss")
    with pytest.raises(Forbidden, match="disabled"):
        await agents.authenticate("ana@example.com", "s3cret-passphrase")


async def test_weak_hash_is_upgraded_at_sign_in(agents: Agents) -> None:
    created = await agents.create(new())
    upgraded = Agents(agents.store, Passwords())  # production parameters
    await upgraded.authenticate("ana@example.com", "s3cret-passphrase")
    doc = await agents.store.by_id(created.id)
    assert doc is not None and "m=65536" in doc["passwordHash"]


async def test_first_admin_created_once_with_the_given_password(agents: Agents) -> None:
    args = {"email": "Boss@Example.com", "first_name": "Boss", "last_name": "One"}
    assert await agents.ensure_admin(password="admin-password", **args) is None
    assert await agents.ensure_admin(password="other-password", **args) is None
    admins = [a for a in await agents.list() if a.role is Role.ADMIN]
    assert [a.email for a in admins] == ["boss@example.com"]
    assert (await agents.authenticate("boss@example.com", "admin-password")).role is Role.ADMIN


async def test_first_admin_without_password_gets_a_generated_one_returned_once(
    agents: Agents,
) -> None:
    generated = await agents.ensure_admin(
        email="boss@example.com", password=None, first_name="B", last_name="O"
    )
    assert generated is not None and len(generated) >= 12
    await agents.authenticate("boss@example.com", generated)
    again = await agents.ensure_admin(
        email="boss@example.com", password=None, first_name="B", last_name="O"
    )
    assert again is None


async def test_unusable_admin_settings_stop_the_start_with_a_clear_reason(agents: Agents) -> None:
    with pytest.raises(RuntimeError, match="ADMIN_"):
        await agents.ensure_admin(
            email="boss@example.com", password="short", first_name="B", last_name="O"
        )


@pytest.mark.parametrize(
    "password", ["short", "eleven-char", "Qwerty123456", "leavemealone", "123QWEasdZXC"]
)
def test_a_password_shorter_than_12_or_among_the_most_common_is_refused(password: str) -> None:
    for make in (
        lambda: NewAgent(email="a@example.com", password=password, first_name="A", last_name="B"),
        lambda: NewPassword(password=password),
        lambda: PasswordChange(current_password="whatever-it-was", new_password=password),
    ):
        with pytest.raises(ValidationError):
            make()


def test_a_long_uncommon_password_is_accepted() -> None:
    assert NewPassword(password="una frase larga y secreta").password


async def test_agents_list_oldest_first_without_hashes(agents: Agents) -> None:
    await agents.create(new("one@example.com"))
    await agents.create(new("two@example.com", Role.ADMIN))
    listed = await agents.list()
    assert [a.email for a in listed] == ["one@example.com", "two@example.com"]


# --- the directory's management --------------------------------------------------------------


class Heard:
    """Records what `Agents` announces (this replica's sessions and the broker, elsewhere)."""

    def __init__(self) -> None:
        self.updates: list[tuple[str, str, bool]] = []
        self.revocations: list[tuple[str, str]] = []

    async def updated(self, profile: AgentProfile, *, by: str) -> None:
        self.updates.append((profile.id, profile.name, profile.active))

    async def revoked(self, agent_id: str, at: datetime, *, reason: str) -> None:
        self.revocations.append((agent_id, reason))


@pytest.fixture
def heard(agents: Agents) -> Heard:
    agents.announcer = heard = Heard()
    return heard


async def test_admin_renames_an_agent_and_everyone_hears_of_it(
    agents: Agents, heard: Heard
) -> None:
    created = await agents.create(new())
    edited = await agents.edit(created.id, AgentChanges(last_name="Soto"), by="boss")
    assert (edited.first_name, edited.last_name, edited.role) == ("Ana", "Soto", Role.AGENT)
    assert edited.updated_at is not None and edited.updated_at > created.created_at
    assert heard.updates == [(created.id, "Ana Soto", True)]
    assert heard.revocations == []  # a new name leaves the sessions alone
    with pytest.raises(ValidationFailed):
        await agents.edit(created.id, AgentChanges(), by="boss")
    with pytest.raises(NotFound):
        await agents.edit("nobody", AgentChanges(first_name="X"), by="boss")


async def test_a_role_change_ends_the_agents_sessions(agents: Agents, heard: Heard) -> None:
    created = await agents.create(new())
    promoted = await agents.edit(created.id, AgentChanges(role=Role.ADMIN), by="boss")
    assert promoted.role is Role.ADMIN
    assert heard.revocations == [(created.id, "role_changed")]
    doc = await agents.store.by_id(created.id)
    assert doc is not None and doc["tokensRevokedAt"] == promoted.updated_at


async def test_deactivated_agent_cannot_sign_in_until_reactivated(
    agents: Agents, heard: Heard
) -> None:
    created = await agents.create(new())
    off = await agents.set_active(created.id, False, by="boss")
    assert off.active is False
    assert heard.revocations == [(created.id, "deactivated")]
    with pytest.raises(Forbidden, match="disabled"):
        await agents.authenticate("ana@example.com", "s3cret-passphrase")
    on = await agents.set_active(created.id, True, by="boss")
    assert on.active is True
    assert (await agents.authenticate("ana@example.com", "s3cret-passphrase")).id == created.id
    assert [active for _, _, active in heard.updates] == [False, True]
    assert heard.revocations == [(created.id, "deactivated")]  # reactivating revives no token


async def test_the_last_active_admin_is_neither_demoted_nor_deactivated(
    agents: Agents, heard: Heard
) -> None:
    boss = await agents.create(new("boss@example.com", Role.ADMIN))
    with pytest.raises(Conflict, match="last active admin"):
        await agents.edit(boss.id, AgentChanges(role=Role.AGENT), by=boss.id)
    with pytest.raises(Conflict, match="last active admin"):
        await agents.set_active(boss.id, False, by=boss.id)
    other = await agents.create(new("other@example.com", Role.ADMIN))
    await agents.set_active(boss.id, False, by=other.id)
    with pytest.raises(Conflict):
        await agents.edit(other.id, AgentChanges(role=Role.AGENT), by=other.id)


async def test_admin_resets_a_password_and_the_old_sessions_end(
    agents: Agents, heard: Heard
) -> None:
    created = await agents.create(new())
    await agents.reset_password(created.id, "brand-new-pass", by="boss")
    assert heard.revocations == [(created.id, "password_reset")]
    with pytest.raises(Unauthorized):
        await agents.authenticate("ana@example.com", "s3cret-passphrase")
    assert (await agents.authenticate("ana@example.com", "brand-new-pass")).id == created.id


async def test_an_agent_changes_its_own_password_given_the_current_one(agents: Agents) -> None:
    created = await agents.create(new())
    with pytest.raises(ValidationFailed) as wrong:
        await agents.change_password(created.id, "not-my-pass", "brand-new-pass")
    assert [d.field for d in wrong.value.details] == ["currentPassword"]
    with pytest.raises(ValidationFailed) as same:
        await agents.change_password(created.id, "s3cret-passphrase", "s3cret-passphrase")
    assert [d.field for d in same.value.details] == ["newPassword"]
    await agents.change_password(created.id, "s3cret-passphrase", "brand-new-pass")
    assert (await agents.authenticate("ana@example.com", "brand-new-pass")).id == created.id
