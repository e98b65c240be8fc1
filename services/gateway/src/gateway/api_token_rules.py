"""API tokens for integrating systems, the pure part: their format, how they are hashed, their
scopes and the one table of routes each scope opens.

A token is `uts_<id>_<secret>`: a prefix that says what it is (secret scanners and people
recognise it; JWTs start `eyJ`), the token's id (so it is looked up by id, never by its secret)
and 256 random bits. Only the SHA-256 of the whole token is stored: a fast hash is right for a
secret of that entropy (there is nothing to guess), and it binds the secret to its id. Hashes are
compared in constant time.

`required_scope(method, route)` names the scope a request needs from an API token, or None when
API tokens may not be used there at all. Anything not listed is refused, so a route added later
is closed to tokens until it is listed here: agent management, configuration, the API tokens
themselves, sign-in and password routes, an admin's assistant turn. The table works on route
templates (`/tickets/{ticket_id}`, as FastAPI matched them), never on the raw URL, so a path
parameter cannot make a route look like another.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from enum import StrEnum

API_PREFIX = "/api/v2"
"""Where the API's routers are mounted (`gateway.routes` mounts them here)."""

TOKEN_PREFIX = "uts_"
SECRET_BYTES = 32
PRINCIPAL_PREFIX = "token:"
"""An API token acts as `token:<id>`: what its writes record as their author."""

_TOKEN = re.compile(r"^uts_([0-9a-f]{32})_([A-Za-z0-9_-]{43})$")


class Scope(StrEnum):
    TICKETS_READ = "tickets:read"
    TICKETS_WRITE = "tickets:write"
    CUSTOMERS_WRITE = "customers:write"
    AI_TOOLS = "ai:tools"


SCOPES: tuple[str, ...] = tuple(scope.value for scope in Scope)


# --- format and hashing -----------------------------------------------------------------------


def new_token_id() -> str:
    return uuid.uuid4().hex


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def format_token(token_id: str, secret: str) -> str:
    return f"{TOKEN_PREFIX}{token_id}_{secret}"


def is_api_token(bearer: str) -> bool:
    """Whether a bearer credential is meant as an API token (an agent's JWT never is)."""
    return bearer.startswith(TOKEN_PREFIX)


def token_id_of(token: str) -> str | None:
    """The id a well-formed API token names; None for anything else."""
    match = _TOKEN.match(token)
    return match.group(1) if match else None


def token_hash(token: str) -> str:
    """What is stored: the SHA-256 of the whole token, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def hash_matches(token: str, stored: str) -> bool:
    """The token hashes to `stored` (compared in constant time)."""
    return hmac.compare_digest(token_hash(token).encode(), stored.encode())


def principal_id(token_id: str) -> str:
    return f"{PRINCIPAL_PREFIX}{token_id}"


# --- scopes -----------------------------------------------------------------------------------

_PARAMETER = re.compile(r"\{[^}]*\}")

_EXACT: dict[tuple[str, str], Scope] = {
    ("GET", "/customers/{}/tickets"): Scope.TICKETS_READ,
    ("GET", "/conversations"): Scope.TICKETS_READ,
    ("GET", "/conversations/{}"): Scope.TICKETS_READ,
    ("GET", "/conversations/{}/tickets"): Scope.TICKETS_READ,
    ("POST", "/customers"): Scope.CUSTOMERS_WRITE,
    ("PUT", "/customers/{}"): Scope.CUSTOMERS_WRITE,
    ("POST", "/conversations"): Scope.CUSTOMERS_WRITE,
    ("POST", "/conversations/{}/customer-replied"): Scope.CUSTOMERS_WRITE,
    ("GET", "/conversations/{}/messages"): Scope.TICKETS_READ,
    ("POST", "/conversations/{}/messages"): Scope.CUSTOMERS_WRITE,
    ("POST", "/conversations/{}/messages/{}/delivery"): Scope.CUSTOMERS_WRITE,
    ("POST", "/conversations/{}/handoff"): Scope.CUSTOMERS_WRITE,
    ("GET", "/attachments/{}"): Scope.TICKETS_READ,
    ("POST", "/ai/tool-calls"): Scope.AI_TOOLS,
}
"""Single routes outside `/tickets`, by method and template (parameters unnamed)."""

_UNDER_TICKETS: dict[str, Scope] = {
    "GET": Scope.TICKETS_READ,
    "POST": Scope.TICKETS_WRITE,
    "PUT": Scope.TICKETS_WRITE,
}
"""Every route under `/tickets`, by method (reads, creates and every change of a ticket)."""


def required_scope(method: str, route: str) -> Scope | None:
    """The scope an API token needs for `method` on the route template `route` (with or
    without the API prefix); None: API tokens are refused there."""
    path = route.removeprefix(API_PREFIX)
    if path == "/tickets" or path.startswith("/tickets/"):
        if method.upper() == "DELETE" and _PARAMETER.sub("{}", path) == "/tickets/{}/links/{}":
            return Scope.TICKETS_WRITE  # removing a link is a change like adding it
        return _UNDER_TICKETS.get(method.upper())
    return _EXACT.get((method.upper(), _PARAMETER.sub("{}", path)))


NOT_FOR_TOKENS = "API tokens can't be used here: sign in as an agent"


def refusal(method: str, route: str, scopes: frozenset[Scope]) -> str | None:
    """Why a token with `scopes` may not make this request (None: it may)."""
    needed = required_scope(method, route)
    if needed is None:
        return NOT_FOR_TOKENS
    if needed not in scopes:
        return f"This API token lacks the scope '{needed.value}' needed here"
    return None
