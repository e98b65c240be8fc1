"""Sign-in and the signed-in agent."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from pydantic import StringConstraints

from gateway.agents import AgentProfile, AgentsDep, PasswordChange
from gateway.auth import CurrentAgent, get_tokens
from gateway.proxies import ClientAddress
from gateway.ratelimit import LoginLimiterDep
from gateway.routes.envelope import Ok
from uts_shared.contracts.base import WireModel, example, stripped
from uts_shared.errors import Unauthorized

router = APIRouter(prefix="/auth", tags=["auth"])


class Login(WireModel):
    model_config = example({"email": "admin@example.com", "password": "correct horse battery"})

    email: Annotated[str, stripped(1, 254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class LoginResult(Ok):
    token: str
    agent: AgentProfile


class Me(Ok):
    agent: AgentProfile


class PasswordChanged(Ok):
    message: str = "Password changed"


@router.post(
    "/login",
    responses={
        401: {"description": "Invalid credentials"},
        403: {"description": "Account is disabled"},
        429: {"description": "Too many attempts (this account, or this address): `Retry-After`"},
    },
)
async def login(
    body: Login, request: Request, agents: AgentsDep, limiter: LoginLimiterDep, ip: ClientAddress
) -> LoginResult:
    """Exchange email and password for a bearer token (attempts limited per account and IP)."""
    await limiter.attempt(email=body.email, ip=ip)
    profile = await agents.authenticate(body.email, body.password)
    await limiter.succeeded(email=body.email, ip=ip)
    return LoginResult(token=get_tokens(request).issue(profile.principal()), agent=profile)


@router.get("/me")
async def me(agent: CurrentAgent, agents: AgentsDep) -> Me:
    """The signed-in agent's profile, fresh from the store (a removed agent gets 401)."""
    profile = await agents.get(agent.id)
    if profile is None:
        raise Unauthorized("Agent no longer exists")
    return Me(agent=profile)


@router.post(
    "/password",
    responses={
        422: {"description": "The current password is wrong, or the new one is not acceptable"},
        429: {"description": "Too many attempts: `Retry-After`"},
    },
)
async def change_password(
    body: PasswordChange,
    agent: CurrentAgent,
    agents: AgentsDep,
    limiter: LoginLimiterDep,
    ip: ClientAddress,
) -> PasswordChanged:
    """Change your own password; the current one is required (guesses count as sign-in
    attempts). Your sessions stay signed in."""
    await limiter.attempt(email=agent.email, ip=ip)
    await agents.change_password(agent.id, body.current_password, body.new_password)
    await limiter.succeeded(email=agent.email, ip=ip)
    return PasswordChanged()
