"""The API's routers, mounted under `/api/v2` by `gateway.main` (append new areas here)."""

from __future__ import annotations

from fastapi import APIRouter

from gateway.api_token_rules import API_PREFIX
from gateway.routes import (
    agents,
    api_tokens,
    auth,
    config,
    conversations,
    customers,
    tickets,
    webhooks,
)
from gateway.routes import ai as ai_routes
from gateway.routes import openai_webhook as openai_routes

__all__ = ["API_PREFIX", "ROUTERS"]

# Matched in this order, route by route: the busiest area (tickets) first. No two areas share
# a path, so the order changes only how fast a request finds its route.
ROUTERS: list[APIRouter] = [tickets.router, customers.router, conversations.router]
ROUTERS += [auth.router, agents.router, api_tokens.router, config.reads, config.router]
ROUTERS += [webhooks.router]
ROUTERS += [ai_routes.router, openai_routes.router]
