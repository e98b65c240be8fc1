"""Admin safety: applying a preset shows the open tickets of the categories it removes and
maps them to a kept one; agents are deactivated behind a confirmation."""

from __future__ import annotations

import time
import uuid

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


def ticket_in(console: Console, customer_id: str, category: str) -> dict[str, str]:
    """A ticket in a category just configured (the tickets service hears of it shortly)."""
    deadline = time.monotonic() + 10
    while True:
        body = {
            "subject": "Vieja",
            "description": "x",
            "category": category,
            "customerId": customer_id,
        }
        r = console.api.post("/tickets", json=body)
        if r.status_code == 201 or time.monotonic() > deadline:
            assert r.status_code == 201, r.text
            ticket: dict[str, str] = r.json()["ticket"]
            return ticket
        time.sleep(0.2)


async def test_applying_a_preset_maps_the_open_tickets_of_removed_categories(
    page: Page, console: Console
) -> None:
    tag = uuid.uuid4().hex[:6]
    back = f"antes-{tag}"
    r = console.api.post("/config/presets", json={"id": back, "name": f"Antes {tag}"})
    assert r.status_code == 201, r.text
    categories = r.json()["preset"]["ticketCategories"]
    old = f"vieja_{tag}"
    extra = [*categories, {"id": old, "label": f"Vieja {tag}"}]
    r = console.api.put("/config/ticket-categories", json={"categories": extra})
    assert r.status_code == 200, r.text
    ticket = ticket_in(console, console.new_customer()["id"], old)

    try:
        await signed_in(page, console, console.admin, "/settings/presets")
        await page.locator(f"[data-preset='{back}'] [data-testid=preset-apply]").click()
        impact = page.get_by_test_id("preset-impact")
        removed = impact.locator(f"[data-removed='{old}']")
        await expect(removed).to_contain_text(f"Vieja {tag}")
        await expect(removed).to_contain_text("1 abiertos")
        await removed.get_by_test_id(f"map-{old}").select_option("other")
        await page.get_by_test_id("preset-confirm").click()
        await expect(page.get_by_test_id("settings-saved")).to_be_visible()
        after = console.api.get(f"/tickets/{ticket['ticketId']}").json()["ticket"]
        assert after["category"] == "other"
    finally:
        console.api.post(f"/config/presets/{back}/apply")
        console.api.delete(f"/config/presets/{back}")


async def test_an_admin_deactivates_an_agent_after_confirming(page: Page, console: Console) -> None:
    agent = console.new_agent(first_name="Dora")
    agent_id = agent.agent["id"]
    await signed_in(page, console, console.admin, "/settings/agents")
    await page.get_by_test_id(f"deactivate-{agent_id}").click()
    dialog = page.get_by_test_id("agent-dialog")
    await expect(dialog).to_contain_text("¿Desactivar a Dora Tester?")
    await dialog.get_by_test_id("agent-dialog-confirm").click()
    await expect(dialog).to_have_count(0)
    await expect(page.get_by_test_id(f"reactivate-{agent_id}")).to_be_visible()
    r = console.api.post("/auth/login", json={"email": agent.email, "password": agent.password})
    assert r.status_code in (401, 403), r.text
