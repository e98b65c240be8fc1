"""The assistant's tools over HTTP, an admin's whole assistant turn, and the plan's sync endpoint.

- `POST /ai/tool-calls`: the broker RPC `ai.tool_calls` for systems that prefer HTTP; callers
  authenticate with an API token with the `ai:tools` scope, as an admin, or with the single
  service token (`AI_TOOLS_SERVICE_TOKEN`, bearer: deprecated, kept working for existing
  callers; give each caller an `ai:tools` API token instead, which can be revoked alone).
- `POST /ai/respond` (admin): one whole assistant turn (`ai.respond`), to try the assistant.
- `POST /config/sync-assistant` (admin): the plan pushed instructions and tools to an OpenAI
  Assistant; on the Responses API they travel with every model call, so this answers with what
  the ai-tools service sends (the config service's rendering) and says no remote sync is needed.
"""

from __future__ import annotations

import logging
import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.api_token_rules import is_api_token
from gateway.auth import AdminAgent, api_token_caller, get_sessions
from gateway.routes.envelope import Ok, answer_fields
from gateway.rpc import RpcDep
from uts_shared.contracts import ai_tools, config
from uts_shared.contracts.base import Empty, WireModel, example
from uts_shared.contracts.tickets import Handler
from uts_shared.errors import Forbidden, Unauthorized
from uts_shared.settings import blank_is_unset, secrets_dir

log = logging.getLogger(__name__)

router = APIRouter(tags=["ai"])

SERVICE_CALLER = "service:ai-tools-token"


class AiRouteSettings(BaseSettings):
    """The gateway's AI settings, read from the environment once per app."""

    model_config = SettingsConfigDict(extra="ignore", secrets_dir=secrets_dir())

    openai_webhook_secret: SecretStr | None = None
    """`whsec_...` from the OpenAI dashboard; unset -> `POST /openai/webhook` answers 503."""
    ai_tools_service_token: SecretStr | None = None
    """Deprecated: one bearer token for `POST /ai/tool-calls`, kept for existing callers; use an
    API token with the `ai:tools` scope (unset: admins and such API tokens only)."""
    ai_tool_calls_timeout: float = Field(default=30.0, gt=0)
    ai_respond_timeout: float = Field(default=180.0, gt=0)
    """A whole turn is several model calls and tool rounds."""
    openai_webhook_dedupe_ttl: float = Field(default=24 * 3600.0, gt=0)
    openai_webhook_dedupe_max: int = Field(default=100_000, ge=1)

    _blank = field_validator("openai_webhook_secret", "ai_tools_service_token", mode="before")(
        blank_is_unset
    )


def settings_of(request: Request) -> AiRouteSettings:
    settings: AiRouteSettings | None = getattr(request.app.state, "ai_settings", None)
    if settings is None:
        settings = AiRouteSettings()
        request.app.state.ai_settings = settings
        if settings.ai_tools_service_token is not None:
            log.warning(
                "AI_TOOLS_SERVICE_TOKEN is deprecated: give each caller of /ai/tool-calls an "
                "API token with the ai:tools scope (POST /api/v2/api-tokens) instead"
            )
    return settings


async def ai_settings(request: Request) -> AiRouteSettings:
    """As a dependency: `async`, or FastAPI would hand each request's call to a worker thread."""
    return settings_of(request)


AiSettings = Annotated[AiRouteSettings, Depends(ai_settings)]

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token with the `ai:tools` scope, an admin JWT, or the (deprecated) AI "
    "tools service token",
)


async def service_or_admin(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    settings: AiSettings,
) -> str:
    """Who calls: an `ai:tools` API token, the service token's holder, or an admin (401 without
    a valid token, 403 for a non-admin agent or an API token without the scope)."""
    if credentials is None:
        raise Unauthorized("Authentication required")
    bearer = credentials.credentials
    token = settings.ai_tools_service_token
    if token is not None and secrets.compare_digest(
        bearer.encode(), token.get_secret_value().encode()
    ):
        return SERVICE_CALLER
    if is_api_token(bearer):
        return (await api_token_caller(request, bearer)).id
    agent = await get_sessions(request).agent(bearer)
    if not agent.is_admin:
        raise Forbidden("Admin access, or an API token with the scope 'ai:tools', required")
    return agent.id


ServiceOrAdmin = Annotated[str, Depends(service_or_admin)]


class ToolCallsOut(Ok):
    outputs: list[ai_tools.FunctionCallOutput]


class RespondOut(Ok):
    text: str
    response_id: str | None
    handled_by: Handler
    tool_calls: list[ai_tools.ToolCallRecord]
    loop_guard_tripped: bool


class SyncRequest(WireModel):
    """The plan's body; both parts are answered unless one is turned off."""

    model_config = example({"syncInstructions": True, "syncTools": True})

    sync_instructions: bool = True
    sync_tools: bool = True


class SyncResults(WireModel):
    instructions: str | None = None
    tools: list[dict[str, Any]] | None = None
    unknown_variables: list[str] = Field(default_factory=list)


class SyncOut(Ok):
    remote_sync_required: bool = False
    message: str
    results: SyncResults
    synced_at: datetime


NO_SYNC_NEEDED = (
    "No remote sync is needed: the assistant runs on the OpenAI Responses API, and the "
    "ai-tools service sends these instructions and tools with every model call, rendered from "
    "the current configuration."
)


@router.post("/ai/tool-calls", response_model=ToolCallsOut)
async def tool_calls(
    body: ai_tools.ToolCallsRequest, caller: ServiceOrAdmin, rpc: RpcDep, settings: AiSettings
) -> Response:
    """Run the assistant's function calls for a customer; one output per call, in order."""
    result = await rpc.call(ai_tools.TOOL_CALLS, body, timeout=settings.ai_tool_calls_timeout)
    return answer_fields(result)


@router.post("/ai/respond", response_model=RespondOut)
async def respond(
    body: ai_tools.RespondRequest, agent: AdminAgent, rpc: RpcDep, settings: AiSettings
) -> Response:
    """One whole assistant turn for a customer's message (model, tool rounds, final text)."""
    result = await rpc.call(ai_tools.RESPOND, body, timeout=settings.ai_respond_timeout)
    return answer_fields(result)


@router.post("/config/sync-assistant")
async def sync_assistant(
    agent: AdminAgent, rpc: RpcDep, body: SyncRequest | None = None
) -> SyncOut:
    """The plan's sync: answers with the rendering the model gets; nothing to push remotely."""
    wanted = body or SyncRequest()
    rendered = await rpc.call(config.RENDER_ASSISTANT, Empty())
    return SyncOut(
        message=NO_SYNC_NEEDED,
        results=SyncResults(
            instructions=rendered.instructions if wanted.sync_instructions else None,
            tools=rendered.tools if wanted.sync_tools else None,
            unknown_variables=rendered.unknown_variables,
        ),
        synced_at=datetime.now(UTC),
    )
