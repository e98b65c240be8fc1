"""Who is calling: password hashing (argon2), JWT (HS256) and the FastAPI dependencies.

The hot path decodes the bearer token (remembered once verified): the agent's id, name and role
travel in the signed claims. What stateless tokens cannot say, whether the agent was deactivated,
demoted or had its password reset since, `gateway.sessions.Sessions` answers from memory kept
current by broker events (and, now and then, the agents database).

An integrating system's API token (`uts_<id>_<secret>`, see `gateway.api_token_rules`) is the
other kind of bearer: `current_agent` resolves it to a `TokenPrincipal` (`token:<id>`, with its
scopes) through `gateway.api_tokens.ApiTokens`, and lets it through only to the routes its scopes
open (403 naming the scope otherwise, and on every route not open to tokens at all).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections import OrderedDict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Protocol

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from gateway.api_token_rules import Scope, is_api_token, refusal
from uts_shared.contracts.base import WireModel
from uts_shared.errors import Forbidden, Unauthorized

log = logging.getLogger(__name__)

ALGORITHM = "HS256"
ISSUER = "uts-gateway"
MIN_SECRET_BYTES = 32
VERIFIED_CACHE_SIZE = 10_000


class Role(StrEnum):
    ADMIN = "admin"
    AGENT = "agent"


class Agent(WireModel):
    """The authenticated agent, as carried in the token's claims."""

    id: str
    email: str
    first_name: str
    last_name: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def sees_every_ticket(self) -> bool:
        """Whatever the ticket-visibility setting says (admins always do)."""
        return self.is_admin


class TokenPrincipal(Agent):
    """An API token acting: id `token:<tokenId>` (what its writes record), its name as the
    author's name, never an admin; it may use only the routes its scopes open."""

    token_id: str
    scopes: frozenset[Scope]

    @property
    def sees_every_ticket(self) -> bool:
        """Ticket visibility restricts agents; a token an admin made for a whole system reads
        every ticket its scope opens."""
        return True


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- passwords ----------------------------------------------------------------------------------


class Passwords:
    """argon2id hashing (argon2-cffi's RFC 9106 defaults), off the event loop: ~50 ms of CPU."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None

    def hash_sync(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify_sync(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self.hash_sync, password)

    async def verify(self, password_hash: str, password: str) -> bool:
        return await asyncio.to_thread(self.verify_sync, password_hash, password)

    async def burn(self, password: str) -> None:
        """Spend a verification's time on an unknown account, so timing doesn't reveal emails."""
        if self._dummy is None:
            self._dummy = await self.hash(secrets.token_urlsafe(16))
        await self.verify(self._dummy, password)


# --- tokens -------------------------------------------------------------------------------------


def resolve_secret(secret: str | None) -> str:
    """The configured secret, or a random one for this process only (with a warning)."""
    if not secret:
        log.warning(
            "JWT_SECRET is not set: using a random secret for this process only; tokens will not "
            "survive a restart and other gateway replicas will reject them"
        )
        return secrets.token_urlsafe(48)
    if len(secret.encode()) < MIN_SECRET_BYTES:
        log.warning("JWT_SECRET is shorter than %d bytes: use a longer random secret", 32)
    return secret


def key_id(secret: str) -> str:
    """The `kid` a key's tokens carry: a short hash of it (never the key itself)."""
    return hashlib.sha256(secret.encode()).hexdigest()[:16]


class Tokens:
    """Issues and verifies the agents' bearer tokens.

    The current `secret` signs, each token naming it by its `kid` header; the `previous` ones
    (a key rotation: JWT_PREVIOUS_SECRETS) only verify the tokens they signed until those
    expire. A token without a `kid` (issued before key ids) verifies against the current key;
    one naming a key this gateway does not hold is refused."""

    def __init__(
        self,
        secret: str,
        *,
        expires_minutes: int,
        previous: Iterable[str] = (),
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._secret = secret
        self._kid = key_id(secret)
        self._keys = {key_id(key): key for key in previous if key}
        self._keys[self._kid] = secret
        self._ttl = timedelta(minutes=expires_minutes)
        self._clock = clock
        # Verified tokens -> (agent, issued, expiry): a signature check costs ~65 us per request.
        self._verified: OrderedDict[str, tuple[Agent, datetime, datetime]] = OrderedDict()

    def issue(self, agent: Agent) -> str:
        now = self._clock()
        claims = {
            "sub": agent.id,
            "email": agent.email,
            "firstName": agent.first_name,
            "lastName": agent.last_name,
            "role": agent.role.value,
            "iss": ISSUER,
            # Fractional: a token issued just after a revocation, in the same second, is newer.
            "iat": now.timestamp(),
            "exp": now + self._ttl,
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM, headers={"kid": self._kid})

    @property
    def key_id(self) -> str:
        """The `kid` of the key signing new tokens."""
        return self._kid

    def _key_of(self, token: str) -> str:
        """The key that should have signed `token`, from its `kid` (the current key without)."""
        kid = jwt.get_unverified_header(token).get("kid")
        if kid is None:
            return self._secret
        if not isinstance(kid, str) or kid not in self._keys:
            raise jwt.InvalidTokenError("unknown key id")
        return self._keys[kid]

    def verify(self, token: str) -> Agent:
        """The agent a token names; `Unauthorized` if it is malformed, forged or expired."""
        return self.verify_issued(token)[0]

    def verify_issued(self, token: str) -> tuple[Agent, datetime]:
        """The agent a token names and when the token was issued (see `verify`)."""
        cached = self._verified.get(token)
        if cached is not None:
            agent, issued, expires = cached
            if self._clock() < expires:
                return agent, issued
            del self._verified[token]
        agent, issued, expires = self._decode(token)
        self._verified[token] = (agent, issued, expires)
        if len(self._verified) > VERIFIED_CACHE_SIZE:
            self._verified.popitem(last=False)
        return agent, issued

    def forget(self, agent_id: str) -> None:
        """Drop the remembered tokens of one agent (its tokens were revoked)."""
        for token in [t for t, (agent, _, _) in self._verified.items() if agent.id == agent_id]:
            del self._verified[token]

    def _decode(self, token: str) -> tuple[Agent, datetime, datetime]:
        try:
            # Expiry is checked below against this object's clock (the same one `issue` uses).
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key_of(token),
                algorithms=[ALGORITHM],
                issuer=ISSUER,
                options={"require": ["sub", "role", "exp", "iat"], "verify_exp": False},
            )
            expires = datetime.fromtimestamp(float(claims["exp"]), UTC)
            issued = datetime.fromtimestamp(float(claims["iat"]), UTC)
            agent = Agent(
                id=claims["sub"],
                email=claims.get("email", ""),
                first_name=claims.get("firstName", ""),
                last_name=claims.get("lastName", ""),
                role=claims["role"],
            )
        except (jwt.InvalidTokenError, ValidationError, TypeError, ValueError, OverflowError):
            raise Unauthorized("Invalid token") from None
        if self._clock() >= expires:
            raise Unauthorized("Token expired")
        return agent, issued, expires


# --- dependencies (async: FastAPI would run plain functions in a thread) ------------------------

_bearer = HTTPBearer(
    auto_error=False,
    description="`Authorization: Bearer <token>`: an agent's token from login, or an API token "
    "(`uts_...`) where its scopes allow",
)


def get_tokens(request: Request) -> Tokens:
    tokens: Tokens = request.app.state.tokens
    return tokens


class TokenCheck(Protocol):
    """What the dependencies ask about a bearer token (`gateway.sessions.Sessions`)."""

    async def agent(self, token: str) -> Agent: ...


def get_sessions(request: Request) -> TokenCheck:
    sessions: TokenCheck = request.app.state.sessions
    return sessions


class ApiTokenCheck(Protocol):
    """What the dependencies ask about an API token (`gateway.api_tokens.ApiTokens`)."""

    async def principal(self, token: str) -> TokenPrincipal: ...


def get_api_tokens(request: Request) -> ApiTokenCheck:
    api_tokens: ApiTokenCheck = request.app.state.api_tokens
    return api_tokens


def route_template(request: Request) -> str:
    """The template of the route FastAPI matched (`/api/v2/tickets/{ticket_id}`)."""
    route = request.scope.get("route")
    template = getattr(route, "path_format", None)
    return template if isinstance(template, str) else ""


async def api_token_caller(request: Request, token: str) -> TokenPrincipal:
    """The API token's principal, if its scopes open this route (401 when the token is unknown,
    malformed or revoked; 403 naming the scope it lacks, or saying tokens aren't for here)."""
    principal = await get_api_tokens(request).principal(token)
    request.state.agent_id = principal.id  # for the access log
    refused = refusal(request.method, route_template(request), principal.scopes)
    if refused is not None:
        raise Forbidden(refused)
    return principal


async def current_agent(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Agent:
    """The agent named by the request's bearer token (401 when missing, invalid or revoked), or
    an API token's principal where its scopes allow (403 otherwise)."""
    if credentials is None:
        raise Unauthorized("Authentication required")
    token = credentials.credentials
    if is_api_token(token):
        return await api_token_caller(request, token)
    agent = await get_sessions(request).agent(token)
    request.state.agent_id = agent.id  # for the access log
    return agent


CurrentAgent = Annotated[Agent, Depends(current_agent)]


async def admin_agent(agent: CurrentAgent) -> Agent:
    """The current agent, if an admin (403 otherwise)."""
    if not agent.is_admin:
        raise Forbidden("Admin access required")
    return agent


AdminAgent = Annotated[Agent, Depends(admin_agent)]
