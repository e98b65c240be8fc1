"""Which signed tokens may still act: revocations (deactivation, role change, password reset).

A token stays valid by its signature until it expires; an agent's tokens issued at or before
its revocation time are refused from then on, and a deactivated agent's tokens all are. This
replica learns of both three ways: its own changes (at once), `agent.tokens_revoked` and
`agent.updated` from other replicas (its own queue), and the agents database, read for an agent
when its first token is seen here and again every `recheck` seconds while it is used (a shared
database backs a lost event; a replica with a database of its own finds no document and relies
on the events). Revocation times only grow and an agent's state is the latest by its
`updatedAt`, so events arriving late or twice change nothing.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from gateway.agents import AgentStore
from gateway.auth import Agent, Tokens
from uts_shared.errors import Unauthorized

log = logging.getLogger(__name__)

REVOKED = "Token revoked: sign in again"
INACTIVE = "Account is disabled"

Disconnect = Callable[[str], Awaitable[None]]
"""Ends an agent's open sockets on this replica (`Realtime.disconnect_agent`)."""

LONG_AGO = datetime(1970, 1, 1, tzinfo=UTC)


class Sessions:
    """This replica's view of revoked tokens; `agent(token)` is what every request asks."""

    def __init__(
        self,
        tokens: Tokens,
        store: AgentStore,
        *,
        recheck: float,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._tokens = tokens
        self._store = store
        self._recheck = recheck
        self._monotonic = monotonic
        self._revoked_before: dict[str, datetime] = {}
        self._active: dict[str, tuple[bool, datetime]] = {}
        """Agent id -> (active, as of when): the latest state heard of."""
        self._checked: dict[str, float] = {}
        self._disconnect: Disconnect | None = None

    def on_revoked(self, disconnect: Disconnect) -> None:
        """Also end the agent's open sockets when its tokens are revoked."""
        self._disconnect = disconnect

    async def agent(self, token: str) -> Agent:
        """The agent a token names, if it may still act (else `Unauthorized`)."""
        agent, issued = self._tokens.verify_issued(token)
        if self._due(agent.id):
            await self._read(agent.id)
        active, _ = self._active.get(agent.id, (True, LONG_AGO))
        if not active:
            raise Unauthorized(INACTIVE)
        revoked = self._revoked_before.get(agent.id)
        if revoked is not None and issued <= revoked:
            raise Unauthorized(REVOKED)
        return agent

    async def revoke(self, agent_id: str, at: datetime) -> None:
        """Refuse the agent's tokens issued at or before `at` (and end its sockets here)."""
        if not self._revoke_before(agent_id, at):
            return
        self._tokens.forget(agent_id)
        if self._disconnect is not None:
            await self._disconnect(agent_id)
        log.info("tokens of agent %s issued until %s revoked", agent_id, at.isoformat())

    def set_active(self, agent_id: str, active: bool, *, as_of: datetime) -> None:
        """The agent's state as of `as_of`, unless a later one is known already."""
        _, known = self._active.get(agent_id, (True, LONG_AGO))
        if as_of >= known:
            self._active[agent_id] = (active, as_of)

    def _revoke_before(self, agent_id: str, at: datetime) -> bool:
        known = self._revoked_before.get(agent_id)
        if known is not None and at <= known:
            return False
        self._revoked_before[agent_id] = at
        return True

    def _due(self, agent_id: str) -> bool:
        checked = self._checked.get(agent_id)
        return checked is None or self._monotonic() - checked >= self._recheck

    async def _read(self, agent_id: str) -> None:
        self._checked[agent_id] = self._monotonic()
        try:
            doc = await self._store.by_id(agent_id)
        except Exception as exc:  # the events still apply; try the database again next time
            log.warning("could not read agent %s for its sessions: %r", agent_id, exc)
            del self._checked[agent_id]
            return
        if doc is None:
            return
        as_of = doc.get("updatedAt")
        as_of = as_of if isinstance(as_of, datetime) else LONG_AGO
        self.set_active(agent_id, bool(doc.get("active", True)), as_of=as_of)
        revoked = doc.get("tokensRevokedAt")
        if isinstance(revoked, datetime):
            self._revoke_before(agent_id, revoked)
