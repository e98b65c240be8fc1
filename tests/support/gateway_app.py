"""The real gateway app in memory: `create_app` on an in-process engine, driven through httpx.

No broker and no lifespan: good for everything the gateway answers by itself (sign-in, limits,
size checks, the OpenAPI document). Routes that call a service are out of reach here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from gateway.agents import AgentProfile, NewAgent
from gateway.main import Gateway, create_app
from gateway.settings import GatewaySettings
from uts_shared.mongo import private_database

SECRET = "unit-test-secret-that-is-at-least-32-bytes-long"
PASSWORD = "right-password"


def api_routes(routes: list[BaseRoute]) -> list[APIRoute]:
    """Every API route, those of included routers too (FastAPI keeps an included router as
    one entry of the app's routes, its own routes inside)."""
    found: list[APIRoute] = []
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            found.extend(api_routes(included.routes))
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


@dataclass
class GatewayApp:
    asgi: Any
    app: FastAPI
    gateway: Gateway
    database: Any

    def client(self, peer: str = "127.0.0.1") -> httpx.AsyncClient:
        """An HTTP client whose requests come from `peer` (the TCP peer the gateway sees)."""
        transport = httpx.ASGITransport(app=self.asgi, client=(peer, 50_000))
        return httpx.AsyncClient(transport=transport, base_url="http://gateway/api/v2")

    async def agent(self, email: str = "ana@example.com") -> AgentProfile:
        new = NewAgent(email=email, password=PASSWORD, first_name="Ana", last_name="Ruiz")
        return await self.gateway.agents.create(new)


@contextlib.asynccontextmanager
async def gateway_app(database: Any = None, **settings: Any) -> AsyncIterator[GatewayApp]:
    """A gateway app (its own fresh agents database unless one is given to share)."""
    database = database if database is not None else private_database("uts_gateway")
    asgi = create_app(GatewaySettings(**{"jwt_secret": SECRET, **settings}), database=database)
    app: FastAPI = asgi.other_asgi_app
    gateway: Gateway = app.state.gateway
    await gateway.agents.store.ensure_indexes()
    yield GatewayApp(asgi, app, gateway, database)
