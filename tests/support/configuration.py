"""Putting the one shared configuration back after tests that change it (on purpose, or as
generated requests do): every setting, the custom presets and the webhooks made meanwhile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx


async def _ids(admin_api: httpx.AsyncClient, path: str, key: str) -> set[str]:
    r = await admin_api.get(path)
    assert r.status_code == 200, r.text
    return {item["id"] for item in r.json()[key]}


@asynccontextmanager
async def configuration_kept(admin_api: httpx.AsyncClient) -> AsyncIterator[None]:
    """Inside, change anything; afterwards every setting is as it was, and presets and webhooks
    created inside are deleted (a webhook left behind would POST ticket events somewhere)."""
    before = (await admin_api.get("/config/all")).json()["configurations"]
    template = (await admin_api.get("/config/instructions-template")).json()["template"]
    sla = (await admin_api.get("/config/sla")).json()["policy"]
    visibility = (await admin_api.get("/config/ticket-visibility")).json()["ticketVisibility"]
    presets = await _ids(admin_api, "/config/presets", "presets")
    webhooks = await _ids(admin_api, "/webhooks", "webhooks")
    try:
        yield
    finally:
        for path, body in (
            ("/config/ticket-categories", {"categories": before["ticketCategories"]}),
            ("/config/assistant", before["assistantConfiguration"]),
            ("/config/terminology", before["terminology"]),
            ("/config/ticket-id-format", before["ticketIdFormat"]),
            ("/config/instructions-template", {"template": template}),
            ("/config/sla", sla),
            ("/config/ticket-visibility", {"ticketVisibility": visibility}),
        ):
            r = await admin_api.put(path, json=body)
            assert r.status_code == 200, r.text
        for preset in await _ids(admin_api, "/config/presets", "presets") - presets:
            await admin_api.delete(f"/config/presets/{preset}")
        for webhook in await _ids(admin_api, "/webhooks", "webhooks") - webhooks:
            await admin_api.delete(f"/webhooks/{webhook}")
