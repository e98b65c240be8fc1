"""API tokens for integrating systems: admins create, list and revoke them.

The token itself is answered once, by the create; lists show everything else (never the secret,
nor its hash). Revoking refuses the token on every gateway replica at once. API tokens can't
manage API tokens (403), nor agents, nor the configuration.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BeforeValidator, Field

from gateway.api_token_rules import SCOPES, Scope
from gateway.api_tokens import ApiTokensDep, ApiTokenView
from gateway.auth import AdminAgent, admin_agent
from gateway.routes.envelope import Ok
from uts_shared.contracts.base import ID_MAX, Name, WireModel, example

router = APIRouter(prefix="/api-tokens", tags=["api-tokens"], dependencies=[Depends(admin_agent)])


def _known_scopes(value: Any) -> Any:
    """Every scope known (else one error naming `scopes` and the unknown one), each once."""
    if not isinstance(value, list):
        return value
    unknown = [str(s) for s in value if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope '{unknown[0][:40]}': use {', '.join(SCOPES)}")
    if len(value) > len(SCOPES):  # as the document's maxItems says, repeats counted
        raise ValueError(f"at most {len(SCOPES)} scopes")
    return list(dict.fromkeys(value))


Scopes = Annotated[
    list[Scope],
    BeforeValidator(_known_scopes),
    Field(min_length=1, max_length=len(SCOPES)),
]


class NewApiToken(WireModel):
    """Body of `POST /api/v2/api-tokens`."""

    model_config = example({"name": "CRM sync", "scopes": ["tickets:read", "customers:write"]})

    name: Name
    """What the token is for (shown in lists, and as the author of what it writes)."""
    scopes: Scopes
    """`tickets:read`, `tickets:write`, `customers:write`, `ai:tools` (at least one)."""


class ApiTokenCreatedOut(Ok):
    token: str
    """The token, `uts_<id>_<secret>`: shown only now (only its hash is kept)."""
    api_token: ApiTokenView


class ApiTokenList(Ok):
    api_tokens: list[ApiTokenView]


class ApiTokenOut(Ok):
    api_token: ApiTokenView


TokenId = Annotated[str, Path(min_length=1, max_length=ID_MAX)]
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {403: {"description": "Admins only"}}


@router.post("", status_code=201, responses=ADMIN_ONLY)
async def create_api_token(
    body: NewApiToken, admin: AdminAgent, api_tokens: ApiTokensDep
) -> ApiTokenCreatedOut:
    """A token for an integrating system (admin only); the answer is the only time the token
    itself is shown."""
    token, view = await api_tokens.create(body.name, body.scopes, by=admin.id)
    return ApiTokenCreatedOut(token=token, api_token=view)


@router.get("", responses=ADMIN_ONLY)
async def list_api_tokens(api_tokens: ApiTokensDep) -> ApiTokenList:
    """Every token, oldest first, revoked ones included (never a secret)."""
    return ApiTokenList(api_tokens=await api_tokens.list())


@router.delete("/{token_id}", responses={**ADMIN_ONLY, 404: {"description": "No such API token"}})
async def revoke_api_token(
    token_id: TokenId, admin: AdminAgent, api_tokens: ApiTokensDep
) -> ApiTokenOut:
    """Revoke a token (admin only): refused on every gateway replica from now on."""
    return ApiTokenOut(api_token=await api_tokens.revoke(token_id, by=admin.id))
