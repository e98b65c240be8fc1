"""Outbound webhooks for systems that do not speak AMQP: admins register URLs with the ticket
event types they want, read each one's delivery log, switch them off and on, and delete them.

The tickets service owns the subscriptions and makes the deliveries (signed with Standard
Webhooks, retried for a day, switched off after repeated failures with the reason). The secret
is answered once, by the create. Admins only: API tokens are refused here (`api_token_rules`
opens no route under `/webhooks`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query

from gateway.auth import AdminAgent, admin_agent
from gateway.routes.envelope import Ok
from gateway.rpc import RpcDep
from uts_shared.contracts import webhooks as w
from uts_shared.contracts.base import Id, Text, WireModel, example
from uts_shared.contracts.webhooks import (
    EventTypes,
    WebhookDelivery,
    WebhookSubscription,
    WebhookUrl,
)

router = APIRouter(prefix="/webhooks", tags=["webhooks"], dependencies=[Depends(admin_agent)])

WebhookId = Annotated[Id, Path()]
"""As the tickets service reads it: trimmed, not blank."""
ADMIN_ONLY: dict[int | str, dict[str, Any]] = {403: {"description": "Admins only"}}
NO_SUCH: dict[int | str, dict[str, Any]] = {
    **ADMIN_ONLY,
    404: {"description": "No such webhook"},
}


class NewWebhook(WireModel):
    """Body of `POST /api/v2/webhooks`."""

    model_config = example(
        {
            "url": "https://crm.example.com/hooks/tickets",
            "eventTypes": ["ticket.created", "ticket.resolved"],
            "description": "CRM sync",
        }
    )

    url: WebhookUrl
    """Where events are POSTed: an http:// or https:// URL."""
    event_types: EventTypes
    """Ticket event types (`ticket.created`, `ticket.updated`, ...) or `["*"]` for every one."""
    description: Text = ""


class WebhookChanges(WireModel):
    """Body of `PATCH /api/v2/webhooks/{id}`: only what is given changes; `enabled: true`
    switches a disabled webhook back on (its failure count and reason cleared)."""

    model_config = example({"enabled": True}, {"eventTypes": ["*"]})

    url: WebhookUrl | None = None
    event_types: EventTypes | None = None
    description: Text | None = None
    enabled: bool | None = None


class WebhookCreatedOut(Ok):
    webhook: WebhookSubscription
    secret: str
    """`whsec_...`: verify the `webhook-signature` header with it. Shown only now."""


class WebhookListOut(Ok):
    webhooks: list[WebhookSubscription]


class WebhookOut(Ok):
    webhook: WebhookSubscription


class DeliveriesOut(Ok):
    webhook: WebhookSubscription
    deliveries: list[WebhookDelivery]
    """Newest first, each with its attempts (time, status code or error, duration)."""


@router.post(
    "",
    status_code=201,
    responses={**ADMIN_ONLY, 409: {"description": f"Already {w.MAX_WEBHOOKS} webhooks"}},
)
async def create_webhook(body: NewWebhook, admin: AdminAgent, rpc: RpcDep) -> WebhookCreatedOut:
    """Register a URL for ticket events (admin only); the answer is the only time the signing
    secret is shown."""
    request = w.CreateWebhook(
        url=body.url, event_types=body.event_types, description=body.description, by=admin.id
    )
    created = await rpc.call(w.CREATE, request)
    return WebhookCreatedOut(webhook=created.subscription, secret=created.secret)


@router.get("", responses=ADMIN_ONLY)
async def list_webhooks(rpc: RpcDep) -> WebhookListOut:
    """Every webhook, oldest first (never a secret)."""
    result = await rpc.call(w.LIST, w.ListWebhooks())
    return WebhookListOut(webhooks=result.subscriptions)


@router.get("/{webhook_id}", responses=NO_SUCH)
async def get_webhook(webhook_id: WebhookId, rpc: RpcDep) -> WebhookOut:
    """One webhook subscription (never its secret), with why it is off if it is."""
    return WebhookOut(webhook=await rpc.call(w.GET, w.GetWebhook(id=webhook_id)))


@router.patch("/{webhook_id}", responses=NO_SUCH)
async def update_webhook(
    webhook_id: WebhookId, body: WebhookChanges, admin: AdminAgent, rpc: RpcDep
) -> WebhookOut:
    """Change the URL, event types or description, or switch the webhook off or back on."""
    request = w.UpdateWebhook(
        id=webhook_id,
        url=body.url,
        event_types=body.event_types,
        description=body.description,
        enabled=body.enabled,
        by=admin.id,
    )
    return WebhookOut(webhook=await rpc.call(w.UPDATE, request))


@router.delete("/{webhook_id}", responses=NO_SUCH)
async def delete_webhook(webhook_id: WebhookId, admin: AdminAgent, rpc: RpcDep) -> WebhookOut:
    """Remove the webhook and its delivery log; nothing more is sent to it."""
    request = w.DeleteWebhook(id=webhook_id, by=admin.id)
    return WebhookOut(webhook=await rpc.call(w.DELETE, request))


@router.get("/{webhook_id}/deliveries", responses=NO_SUCH)
async def list_deliveries(
    webhook_id: WebhookId,
    rpc: RpcDep,
    limit: Annotated[int, Query(ge=1, le=w.DELIVERIES_PAGE_MAX)] = 20,
) -> DeliveriesOut:
    """The webhook's latest deliveries, newest first: event, status (pending, delivered,
    failed), attempts, next attempt."""
    log = await rpc.call(w.DELIVERIES, w.ListDeliveries(id=webhook_id, limit=limit))
    return DeliveriesOut(webhook=log.subscription, deliveries=log.deliveries)
