"""The bell: another agent assigns me a ticket and the unread count, the dropdown and the list's
unread mark say so at once; opening it from the dropdown marks it read."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


async def test_a_ticket_another_agent_assigns_me_rings_the_bell_and_marks_the_row_until_opened(
    page: Page, console: Console
) -> None:
    me = console.new_agent(first_name="Berta")
    word = "campana" + uuid.uuid4().hex[:6]
    customer = console.new_customer()
    ticket = console.new_ticket(customer["id"], f"Poste {word}")
    tid = ticket["ticketId"]
    await signed_in(page, console, me, f"/tickets?q={word}")
    await expect(page.get_by_test_id("live")).to_have_attribute("title", "En vivo")
    row = page.locator(f"[data-testid=ticket-table] tr[data-ticket-id='{tid}']")
    await expect(row).to_be_visible()
    await expect(page.get_by_test_id("bell-count")).to_have_count(0)

    r = console.api.post(f"/tickets/{tid}/assign", json={"agentId": me.agent["id"]})
    assert r.status_code == 200, r.text
    await expect(page.get_by_test_id("bell-count")).to_have_text("1")
    await expect(row).to_have_attribute("data-unread", "true")

    await page.get_by_test_id("bell").click()
    item = page.locator("[data-notification=assigned]")
    await expect(item).to_contain_text(f"Te asignaron el reporte {tid}")
    await item.click()
    await expect(page).to_have_url(f"{console.url}/tickets/{tid}")
    await expect(page.get_by_test_id("bell-count")).to_have_count(0)
    r = console.api.get("/notifications")  # the admin's own: the assignment was not for it
    assert r.status_code == 200 and all(
        n["agentId"] != me.agent["id"] for n in r.json()["notifications"]
    )
