"""The API's routers, mounted under `/api/v2` by `gateway.main` (append new areas here)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from gateway.api_token_rules import API_PREFIX
from gateway.routes import (
    agents,
    api_tokens,
    attachments,
    auth,
    config,
    conversations,
    customers,
    exports,
    library,
    messages,
    notifications,
    reports,
    ticket_map,
    tickets,
    views,
    webhooks,
)
from gateway.routes import ai as ai_routes
from gateway.routes import openai_webhook as openai_routes
from uts_shared.contracts.config import REGISTRY, Setting

__all__ = ["API_PREFIX", "routers"]


def routers(settings: Sequence[Setting] = REGISTRY) -> list[APIRouter]:
    """Every area's routers, the configuration's from the settings table `settings`.

    Matched in this order, route by route: the busiest areas first (tickets; the assistant's
    tool calls, a system's, one per function call the model makes). No two areas share a path,
    so the order changes only how fast a request finds its route.
    """
    # `/tickets/export` and `/tickets/map` before `/tickets/{ticket_id}`.
    found: list[APIRouter] = [
        exports.router,
        ticket_map.router,
        tickets.router,
        customers.router,
        conversations.router,
        ai_routes.router,
    ]
    found += [messages.router, attachments.router]
    found += [auth.router, agents.router, api_tokens.router, notifications.router]
    found += [config.reads, *config.setting_routers(settings), config.router]
    found += [webhooks.router, views.router, library.replies, library.macros, reports.router]
    found += [openai_routes.router]
    return found
