"""API tokens of integrating systems (the gateway's database, `uts_gateway`): created and revoked
by admins, verified on every request that presents one.

The hot path: a token is parsed (`uts_<id>_<secret>`), its record found by id in this replica's
memory (read from the database at most every `cache_ttl` seconds), its SHA-256 compared with the
stored one in constant time. `lastUsedAt` is written at most once a minute per token and replica
(and, in a database shared by replicas, only when the stored one is that old), never per request.

Revocation is refused at once everywhere: the replica that revokes stores `revokedAt`, forgets
the token and publishes `api_token.revoked`; every replica (`gateway.api_token_events`)
remembers the id as revoked, drops its cached record and stores `revokedAt` in its own database.
A lost event is bounded by `cache_ttl` on replicas sharing the database. Creations go out too
(`api_token.created`, with the hash): replicas keeping a database of their own (the embedded
engine) store the token, so it works on every replica started before it was made.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any, Protocol

from fastapi import Depends, Request
from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from gateway.api_token_rules import (
    SCOPES,
    Scope,
    format_token,
    hash_matches,
    new_secret,
    new_token_id,
    principal_id,
    token_hash,
    token_id_of,
)
from gateway.auth import Role, TokenPrincipal
from uts_shared.clock import utc_now
from uts_shared.contracts.agents import ApiTokenCreated, ApiTokenRevoked
from uts_shared.contracts.base import WireModel
from uts_shared.errors import NotFound, Unauthorized
from uts_shared.store_types import Database

log = logging.getLogger(__name__)

COLLECTION = "api_tokens"
INVALID = "Invalid API token"
REVOKED = "API token revoked"
AUTHOR_SUFFIX = "(API token)"
"""Writes made with a token are signed "<token name> (API token)"."""
CACHED_TOKENS = 10_000
TOUCH_EVERY = timedelta(minutes=1)


class ApiTokenView(WireModel):
    """An API token as admins see it: never its secret, nor the secret's hash."""

    id: str
    name: str
    scopes: list[Scope]
    created_at: datetime
    created_by: str
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> ApiTokenView:
        return cls(
            id=doc["_id"],
            name=doc.get("name", ""),
            scopes=doc.get("scopes", []),
            created_at=doc["createdAt"],
            created_by=doc.get("createdBy", ""),
            last_used_at=doc.get("lastUsedAt"),
            revoked_at=doc.get("revokedAt"),
        )


class ApiTokenStore:
    """Every MongoDB call about API tokens; `_id` is the token id, `secretHash` its hash."""

    def __init__(self, database: Database) -> None:
        self._tokens = database[COLLECTION]

    async def insert(self, doc: dict[str, Any]) -> None:
        """Insert one token; `DuplicateKeyError` when the id is taken."""
        await self._tokens.insert_one(doc)

    async def keep(self, doc: dict[str, Any]) -> None:
        """Store a token another replica created, unless it is here already."""
        fields = {k: v for k, v in doc.items() if k != "_id"}
        await self._tokens.update_one({"_id": doc["_id"]}, {"$setOnInsert": fields}, upsert=True)

    async def by_id(self, token_id: str) -> dict[str, Any] | None:
        doc: dict[str, Any] | None = await self._tokens.find_one({"_id": token_id})
        return doc

    async def list(self) -> list[dict[str, Any]]:
        docs: list[dict[str, Any]] = (
            await self._tokens.find({}, {"secretHash": 0}).sort("createdAt", ASCENDING).to_list()
        )
        return docs

    async def revoke(self, token_id: str, at: datetime, by: str) -> dict[str, Any] | None:
        """Set `revokedAt` unless it is set; the token after it (None: no such token)."""
        doc: dict[str, Any] | None = await self._tokens.find_one_and_update(
            {"_id": token_id, "revokedAt": None},
            {"$set": {"revokedAt": at, "revokedBy": by}},
            projection={"secretHash": 0},
            return_document=ReturnDocument.AFTER,
        )
        if doc is None:  # unknown, or revoked already (its first revocation stands)
            doc = await self._tokens.find_one({"_id": token_id}, {"secretHash": 0})
        return doc

    async def touch(self, token_id: str, at: datetime) -> None:
        """`lastUsedAt = at`, unless another replica wrote one in the last minute."""
        await self._tokens.update_one(
            {
                "_id": token_id,
                "$or": [{"lastUsedAt": None}, {"lastUsedAt": {"$lte": at - TOUCH_EVERY}}],
            },
            {"$set": {"lastUsedAt": at}},
        )


class Announcer(Protocol):
    """Who hears about created and revoked tokens: every gateway replica."""

    async def created(self, created: ApiTokenCreated) -> None: ...

    async def revoked(self, revoked: ApiTokenRevoked) -> None: ...


class Unannounced:
    async def created(self, created: ApiTokenCreated) -> None:
        return None

    async def revoked(self, revoked: ApiTokenRevoked) -> None:
        return None


@dataclass(frozen=True)
class _Known:
    """A token's record as this replica last read it."""

    secret_hash: str
    principal: TokenPrincipal
    revoked: bool
    until: float
    """Monotonic time after which it is read again."""


def _principal(doc: dict[str, Any]) -> TokenPrincipal:
    return TokenPrincipal(
        id=principal_id(doc["_id"]),
        email="",
        first_name=str(doc.get("name", "")),
        last_name=AUTHOR_SUFFIX,
        role=Role.AGENT,
        token_id=doc["_id"],
        scopes=frozenset(Scope(s) for s in doc.get("scopes", []) if s in SCOPES),
    )


class ApiTokens:
    """Create, list and revoke tokens (admins); `principal(token)` for every request."""

    def __init__(
        self,
        store: ApiTokenStore,
        *,
        cache_ttl: float = 5.0,
        clock: Callable[[], datetime] = utc_now,  # ms, as stored: answers equal what lists show
        monotonic: Callable[[], float] = time.monotonic,
        new_id: Callable[[], str] = new_token_id,
        secret: Callable[[], str] = new_secret,
    ) -> None:
        self.store = store
        self._cache_ttl = cache_ttl
        self._clock = clock
        self._monotonic = monotonic
        self._new_id = new_id
        self._secret = secret
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._revoked: set[str] = set()
        """Ids of tokens this replica heard were revoked: refused without asking anyone."""
        self._touched: dict[str, float] = {}
        self.announcer: Announcer = Unannounced()

    def announce_to(self, announcer: Announcer) -> None:
        self.announcer = announcer

    # --- admins ---------------------------------------------------------------------------------

    async def create(self, name: str, scopes: list[Scope], *, by: str) -> tuple[str, ApiTokenView]:
        """A new token: its only copy (shown once) and what admins see of it."""
        for _ in range(3):
            token_id = self._new_id()
            token = format_token(token_id, self._secret())
            values = [s.value for s in scopes]
            doc: dict[str, Any] = {
                "_id": token_id,
                "name": name,
                "scopes": values,
                "secretHash": token_hash(token),
                "createdAt": self._clock(),
                "createdBy": by,
                "lastUsedAt": None,
                "revokedAt": None,
            }
            try:
                await self.store.insert(doc)
            except DuplicateKeyError:  # 128 random bits: never, but never a 500 either
                continue
            break
        else:  # pragma: no cover
            raise RuntimeError("no free API token id")
        log.info("API token %s (%s) created by %s", token_id, ", ".join(values), by)
        await self.announcer.created(
            ApiTokenCreated(
                token_id=token_id,
                name=name,
                scopes=values,
                secret_hash=doc["secretHash"],
                created_at=doc["createdAt"],
                created_by=by,
            )
        )
        return token, ApiTokenView.from_document(doc)

    async def list(self) -> list[ApiTokenView]:
        return [ApiTokenView.from_document(doc) for doc in await self.store.list()]

    async def revoke(self, token_id: str, *, by: str) -> ApiTokenView:
        """Refused from now on, on every replica (404 for an unknown token; revoking a revoked
        token again changes nothing)."""
        now = self._clock()
        doc = await self.store.revoke(token_id, now, by)
        if doc is None:
            raise NotFound(f"API token '{token_id}' not found", context={"id": token_id})
        view = ApiTokenView.from_document(doc)
        self.forget(token_id)
        if view.revoked_at == now:
            log.info("API token %s revoked by %s", token_id, by)
        await self.announcer.revoked(
            ApiTokenRevoked(token_id=token_id, revoked_at=view.revoked_at or now, revoked_by=by)
        )
        return view

    # --- what other replicas did ------------------------------------------------------------------

    async def learn_created(self, created: ApiTokenCreated) -> None:
        """Another replica (or this one) created a token: keep it if this database lacks it."""
        await self.store.keep(
            {
                "_id": created.token_id,
                "name": created.name,
                "scopes": list(created.scopes),
                "secretHash": created.secret_hash,
                "createdAt": created.created_at,
                "createdBy": created.created_by,
                "lastUsedAt": None,
                "revokedAt": None,
            }
        )

    async def learn_revoked(self, revoked: ApiTokenRevoked) -> None:
        """Another replica (or this one) revoked a token: refused here from now on."""
        self.forget(revoked.token_id)
        await self.store.revoke(revoked.token_id, revoked.revoked_at, revoked.revoked_by)

    def forget(self, token_id: str) -> None:
        """Refuse the token here at once (it was revoked)."""
        self._revoked.add(token_id)
        self._known.pop(token_id, None)
        self._touched.pop(token_id, None)

    # --- every request ----------------------------------------------------------------------------

    async def principal(self, token: str) -> TokenPrincipal:
        """Who the token acts as (`Unauthorized` when it is malformed, unknown or revoked)."""
        token_id = token_id_of(token)
        if token_id is None:
            raise Unauthorized(INVALID)
        if token_id in self._revoked:
            raise Unauthorized(REVOKED)
        known = self._known.get(token_id)
        if known is None or self._monotonic() >= known.until:
            known = await self._read(token_id)
        if not hash_matches(token, known.secret_hash):
            raise Unauthorized(INVALID)
        if known.revoked or token_id in self._revoked:
            raise Unauthorized(REVOKED)
        await self._touch(token_id)
        return known.principal

    async def _read(self, token_id: str) -> _Known:
        doc = await self.store.by_id(token_id)
        if doc is None or not isinstance(doc.get("secretHash"), str):
            raise Unauthorized(INVALID)
        known = _Known(
            secret_hash=doc["secretHash"],
            principal=_principal(doc),
            revoked=doc.get("revokedAt") is not None,
            until=self._monotonic() + self._cache_ttl,
        )
        self._known[token_id] = known
        self._known.move_to_end(token_id)
        if len(self._known) > CACHED_TOKENS:
            self._known.popitem(last=False)
        return known

    async def _touch(self, token_id: str) -> None:
        now = self._monotonic()
        last = self._touched.get(token_id)
        if last is not None and now - last < TOUCH_EVERY.total_seconds():
            return
        self._touched[token_id] = now
        if len(self._touched) > CACHED_TOKENS:
            self._touched.pop(next(iter(self._touched)))
        try:
            await self.store.touch(token_id, self._clock())
        except Exception as exc:  # a missed lastUsedAt must not refuse the request
            log.warning("could not record the use of API token %s: %r", token_id, exc)


async def get_api_tokens(request: Request) -> ApiTokens:
    api_tokens: ApiTokens = request.app.state.api_tokens
    return api_tokens


ApiTokensDep = Annotated[ApiTokens, Depends(get_api_tokens)]
