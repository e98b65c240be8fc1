"""Presence: a second agent on the same ticket is shown on the list's row and on the ticket, its
typing too, and is gone within seconds after its tab closes."""

from __future__ import annotations

import uuid

from playwright.async_api import Browser, Page, expect

from tests.support.console import Console, open_page, signed_in


async def test_a_second_agent_viewing_and_typing_on_a_ticket_is_shown_and_gone_when_it_leaves(
    page: Page, browser: Browser, console: Console
) -> None:
    ana = console.new_agent(first_name="Ana")
    word = "presencia" + uuid.uuid4().hex[:6]
    customer = console.new_customer()
    tid = console.new_ticket(customer["id"], f"Cable {word}")["ticketId"]
    admin_id = console.admin.agent["id"]

    await signed_in(page, console, ana, f"/tickets?q={word}")
    await expect(page.get_by_test_id("live")).to_have_attribute("title", "En vivo")
    other = await open_page(browser)
    try:
        await signed_in(other, console, console.admin, f"/tickets/{tid}")
        await expect(other.get_by_test_id("ticket-id")).to_contain_text(tid)
        row = page.locator(f"[data-testid=ticket-table] tr[data-ticket-id='{tid}']")
        await expect(row.locator(f"[data-viewer='{admin_id}']")).to_be_visible()

        await page.goto(f"{console.url}/tickets/{tid}")
        chip = page.locator(f"[data-testid=ticket-id] [data-viewer='{admin_id}']")
        await expect(chip).to_be_visible()
        await expect(other.locator(f"[data-viewer='{ana.agent['id']}']")).to_be_visible()
        await other.locator("app-ticket-detail textarea:visible").first.fill("Estoy revisando")
        await expect(page.get_by_test_id("typing")).to_contain_text("escribiendo")
    finally:
        await other.context.close()
    await expect(chip).to_have_count(0, timeout=5_000)
