"""The agents the gateway owns (its own database, `uts_gateway`): store, sign-in, bootstrap and
the directory's management (edit, deactivate, reactivate, password resets and changes)."""

from __future__ import annotations

import functools
import logging
import secrets
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from pydantic import AfterValidator, ConfigDict, StringConstraints, ValidationError, field_validator
from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from gateway.auth import Agent, Passwords, Role, utc_now
from uts_shared.contracts.agents import RevocationReason, display_name
from uts_shared.contracts.base import (
    NAME_MAX,
    Shape,
    WireModel,
    example,
    optional_not_null,
    stripped,
)
from uts_shared.contracts.tickets import EMAIL
from uts_shared.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    Unauthorized,
    ValidationFailed,
)
from uts_shared.store_types import Database

log = logging.getLogger(__name__)

COLLECTION = "agents"
INVALID_CREDENTIALS = "Invalid credentials"

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, min_length=3, max_length=254),
    Shape(EMAIL, "must be an email address"),
]
Name = Annotated[str, stripped(1, NAME_MAX)]
PASSWORD_MIN = 12


@functools.cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's list, from leaked password sets)."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def _uncommon(password: str) -> str:
    if password.lower() in _common_passwords():
        raise ValueError("is one of the most common passwords: choose another")
    return password


Password = Annotated[
    str,
    StringConstraints(min_length=PASSWORD_MIN, max_length=1024),
    AfterValidator(_uncommon),
]


class NewAgent(WireModel):
    """Body of `POST /api/v2/agents`."""

    model_config = example(
        {
            "email": "ana.ruiz@example.com",
            "password": "una frase larga y secreta",
            "firstName": "Ana",
            "lastName": "Ruiz",
            "role": "agent",
        }
    )

    email: Email
    password: Password
    first_name: Name
    last_name: Name
    role: Role = Role.AGENT


class AgentChanges(WireModel):
    """Body of `PATCH /api/v2/agents/{id}`: only the fields given change."""

    # At least one field, none null: the document says so (a client leaves a field out).
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"lastName": "Ruiz Díaz", "role": "admin"}],
            "minProperties": 1,
        }
    )

    first_name: Name | None = optional_not_null()
    last_name: Name | None = optional_not_null()
    role: Role | None = optional_not_null()

    @field_validator("first_name", "last_name", "role", mode="before")
    @classmethod
    def _given(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("leave the field out rather than null")
        return value


class NewPassword(WireModel):
    """Body of an admin's password reset; an admin resetting its own gives the current one."""

    model_config = example({"password": "otra frase larga y secreta"})

    password: Password
    current_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None


class PasswordChange(WireModel):
    """Body of `POST /api/v2/auth/password`: the agent's own password, current one required."""

    model_config = example(
        {"currentPassword": "una frase larga y secreta", "newPassword": "otra frase larga"}
    )

    current_password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]
    new_password: Password


class AgentProfile(WireModel):
    """An agent as the API shows it (never the password hash)."""

    id: str
    email: str
    first_name: str
    last_name: str
    role: Role
    active: bool
    created_at: datetime
    updated_at: datetime | None = None

    @property
    def name(self) -> str:
        return display_name(self.first_name, self.last_name)

    def principal(self) -> Agent:
        return Agent(
            id=self.id,
            email=self.email,
            first_name=self.first_name,
            last_name=self.last_name,
            role=self.role,
        )

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> AgentProfile:
        return cls(
            id=doc["_id"],
            email=doc["email"],
            first_name=doc.get("firstName", ""),
            last_name=doc.get("lastName", ""),
            role=doc.get("role", Role.AGENT),
            active=doc.get("active", True),
            created_at=doc["createdAt"],
            updated_at=doc.get("updatedAt"),
        )


class AgentStore:
    """Every MongoDB call about agents; documents are camelCase, `_id` is the agent id."""

    def __init__(self, database: Database) -> None:
        self._agents = database[COLLECTION]

    async def ensure_indexes(self) -> None:
        await self._agents.create_indexes(
            [
                IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
                IndexModel([("role", ASCENDING)], name="role"),
            ]
        )

    async def insert(self, doc: dict[str, Any]) -> None:
        """Insert one agent; `DuplicateKeyError` when the email is taken."""
        await self._agents.insert_one(doc)

    async def by_email(self, email: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self._agents.find_one({"email": email})
        return doc

    async def by_id(self, agent_id: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self._agents.find_one({"_id": agent_id})
        return doc

    async def any_admin(self) -> bool:
        return await self._agents.find_one({"role": Role.ADMIN.value}) is not None

    async def list(self) -> list[dict[str, Any]]:
        docs: list[dict[str, Any]] = (
            await self._agents.find({}, {"passwordHash": 0}).sort("createdAt", ASCENDING).to_list()
        )
        return docs

    async def update(self, agent_id: str, fields: dict[str, Any]) -> dict[str, Any] | None:
        """Set `fields` on one agent; the agent after it, or None if there is no such agent."""
        doc: dict[str, Any] | None = await self._agents.find_one_and_update(
            {"_id": agent_id},
            {"$set": fields},
            projection={"passwordHash": 0},
            return_document=ReturnDocument.AFTER,
        )
        return doc

    async def active_admins(self) -> int:
        return int(await self._agents.count_documents({"role": Role.ADMIN.value, "active": True}))

    async def set_password_hash(self, agent_id: str, password_hash: str) -> None:
        await self._agents.update_one({"_id": agent_id}, {"$set": {"passwordHash": password_hash}})


class Announcer(Protocol):
    """Who hears about directory changes: this replica's sessions, and the other services."""

    async def updated(self, profile: AgentProfile, *, by: str) -> None: ...

    async def revoked(self, agent_id: str, at: datetime, *, reason: RevocationReason) -> None: ...


class Unannounced:
    """No one to tell (an `Agents` used on its own)."""

    async def updated(self, profile: AgentProfile, *, by: str) -> None:
        return None

    async def revoked(self, agent_id: str, at: datetime, *, reason: RevocationReason) -> None:
        return None


class Agents:
    """Create, list, edit and sign in agents; create the first admin."""

    def __init__(
        self,
        store: AgentStore,
        passwords: Passwords,
        *,
        clock: Callable[[], datetime] = utc_now,
        new_id: Callable[[], str] = lambda: uuid.uuid4().hex,
        announcer: Announcer | None = None,
    ) -> None:
        self.store = store
        self._passwords = passwords
        self._clock = clock
        self._new_id = new_id
        self.announcer: Announcer = announcer or Unannounced()

    async def create(self, new: NewAgent, *, by: str | None = None) -> AgentProfile:
        """A new agent; `Conflict` when the email is already taken."""
        doc = {
            "_id": self._new_id(),
            "email": new.email,
            "passwordHash": await self._passwords.hash(new.password),
            "firstName": new.first_name,
            "lastName": new.last_name,
            "role": new.role.value,
            "active": True,
            "createdAt": self._clock(),
        }
        try:
            await self.store.insert(doc)
        except DuplicateKeyError:
            raise Conflict(
                "An agent with this email already exists",
                context={"email": new.email},
                reason="agent_email_taken",
            ) from None
        log.info("agent %s (%s) created by %s", doc["_id"], new.role.value, by or "bootstrap")
        return AgentProfile.from_document(doc)

    async def list(self) -> list[AgentProfile]:
        return [AgentProfile.from_document(doc) for doc in await self.store.list()]

    async def get(self, agent_id: str) -> AgentProfile | None:
        doc = await self.store.by_id(agent_id)
        return AgentProfile.from_document(doc) if doc else None

    async def require(self, agent_id: str) -> AgentProfile:
        """The agent, or NotFound."""
        profile = await self.get(agent_id)
        if profile is None:
            raise NotFound(f"Agent '{agent_id}' not found", context={"agentId": agent_id})
        return profile

    async def edit(self, agent_id: str, changes: AgentChanges, *, by: str) -> AgentProfile:
        """New name and/or role; a role change ends the agent's sessions (its token names the
        old role). The last active admin keeps the admin role."""
        given = changes.model_dump(exclude_none=True)
        if not given:
            raise ValidationFailed(
                "nothing to change: give firstName, lastName or role",
                details=[FieldError(field="body", reason="firstName, lastName or role")],
            )
        before = await self.require(agent_id)
        role_changed = changes.role is not None and changes.role is not before.role
        if role_changed and before.role is Role.ADMIN and before.active:
            await self._keep_an_admin(agent_id, "demote")
        fields: dict[str, Any] = {
            "firstName": changes.first_name or before.first_name,
            "lastName": changes.last_name or before.last_name,
            "role": (changes.role or before.role).value,
        }
        now = self._clock()
        if role_changed:
            fields["tokensRevokedAt"] = now
        after = await self._write(agent_id, fields, now)
        log.info("agent %s edited by %s (%s)", agent_id, by, ", ".join(sorted(given)))
        if role_changed:
            await self.announcer.revoked(agent_id, now, reason="role_changed")
        await self.announcer.updated(after, by=by)
        return after

    async def set_active(self, agent_id: str, active: bool, *, by: str) -> AgentProfile:
        """Deactivate (its tokens stop working, it can't sign in or be assigned) or reactivate
        (it signs in again; tokens from before the deactivation stay refused)."""
        before = await self.require(agent_id)
        if not active and before.active and before.role is Role.ADMIN:
            await self._keep_an_admin(agent_id, "deactivate")
        now = self._clock()
        fields: dict[str, Any] = {"active": active}
        if not active:
            fields["tokensRevokedAt"] = now
        after = await self._write(agent_id, fields, now)
        log.info("agent %s %s by %s", agent_id, "reactivated" if active else "deactivated", by)
        if not active:
            await self.announcer.revoked(agent_id, now, reason="deactivated")
        await self.announcer.updated(after, by=by)
        return after

    async def reset_password(self, agent_id: str, password: str, *, by: str) -> AgentProfile:
        """An admin sets a new password; the agent's current sessions end."""
        await self.require(agent_id)
        password_hash = await self._passwords.hash(password)
        now = self._clock()
        fields = {"passwordHash": password_hash, "tokensRevokedAt": now}
        after = await self._write(agent_id, fields, now)
        log.info("password of agent %s reset by %s", agent_id, by)
        await self.announcer.revoked(agent_id, now, reason="password_reset")
        return after

    async def change_password(self, agent_id: str, current: str, new: str) -> None:
        """The agent's own change; the current password must be right (422 naming it)."""
        doc = await self.store.by_id(agent_id)
        if doc is None:
            raise Unauthorized("Agent no longer exists")
        if not await self._passwords.verify(doc.get("passwordHash", ""), current):
            raise ValidationFailed.on("currentPassword", "is not your current password")
        if current == new:
            raise ValidationFailed.on("newPassword", "is the same as the current password")
        await self.store.set_password_hash(agent_id, await self._passwords.hash(new))
        log.info("agent %s changed its password", agent_id)

    async def _keep_an_admin(self, agent_id: str, action: str) -> None:
        if await self.store.active_admins() <= 1:
            raise Conflict(
                f"Cannot {action} the last active admin: make another agent an admin first",
                context={"agentId": agent_id},
            )

    async def _write(self, agent_id: str, fields: dict[str, Any], now: datetime) -> AgentProfile:
        doc = await self.store.update(agent_id, {**fields, "updatedAt": now})
        if doc is None:
            raise NotFound(f"Agent '{agent_id}' not found", context={"agentId": agent_id})
        return AgentProfile.from_document(doc)

    async def authenticate(self, email: str, password: str) -> AgentProfile:
        """The agent with these credentials; one 401 for an unknown email or a wrong password."""
        doc = await self.store.by_email(email.strip().lower())
        if doc is None:
            await self._passwords.burn(password)
            raise Unauthorized(INVALID_CREDENTIALS, reason="invalid_credentials")
        password_hash = doc.get("passwordHash", "")
        if not await self._passwords.verify(password_hash, password):
            raise Unauthorized(INVALID_CREDENTIALS, reason="invalid_credentials")
        profile = AgentProfile.from_document(doc)
        if not profile.active:
            raise Forbidden("Account is disabled")
        if self._passwords.needs_rehash(password_hash):
            await self.store.set_password_hash(profile.id, await self._passwords.hash(password))
        return profile

    async def ensure_admin(
        self, *, email: str, password: str | None, first_name: str, last_name: str
    ) -> str | None:
        """Create the first admin if there is none; returns the password if it was generated.

        Replicas starting together race on the unique email: the loser leaves the winner's admin.
        """
        if await self.store.any_admin():
            return None
        generated = None if password else secrets.token_urlsafe(12)
        try:
            new = NewAgent(
                email=email,
                password=password or generated or "",
                first_name=first_name,
                last_name=last_name,
                role=Role.ADMIN,
            )
        except ValidationError as exc:
            problems = "; ".join(f"{e['loc'][0]}: {e['msg']}" for e in exc.errors())
            raise RuntimeError(f"cannot create the first admin from ADMIN_*: {problems}") from None
        try:
            await self.create(new)
        except Conflict:
            # Another replica won the race (or a non-admin agent already uses this email).
            log.info("first admin not created: %s is already taken", new.email)
            return None
        return generated


async def get_agents(request: Request) -> Agents:
    agents: Agents = request.app.state.agents
    return agents


AgentsDep = Annotated[Agents, Depends(get_agents)]
