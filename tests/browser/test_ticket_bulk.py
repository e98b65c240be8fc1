"""Bulk actions on the ticket list: rows ticked (or the page), one action, the outcome shown
with the tickets refused marked and why."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


async def test_bulk_assign_from_the_list_shows_the_one_refused_ticket(
    page: Page, console: Console
) -> None:
    word = "lote" + uuid.uuid4().hex[:8]
    colleague = console.new_agent(first_name="Bruno")
    customer = console.new_customer("Lote", "Masivo")
    for n in range(2):
        console.new_ticket(customer["id"], f"Poste {n} {word}")
    closed = console.new_ticket(customer["id"], f"Cerrado {word}")
    r = console.api.post(
        f"/tickets/{closed['ticketId']}/status", json={"status": "closed", "reason": "spam"}
    )
    assert r.status_code == 200, r.text

    await signed_in(page, console, console.admin, f"/tickets?q={word}")
    rows = page.locator("[data-testid=ticket-table] tbody tr")
    await expect(rows).to_have_count(3)
    await page.get_by_test_id("select-page").check()
    await expect(page.get_by_test_id("bulk-count")).to_have_text("3 seleccionados")
    await page.get_by_test_id("bulk-action").select_option("assign")
    await page.get_by_test_id("bulk-value").select_option(colleague.agent["id"])
    await page.get_by_test_id("bulk-apply").click()

    await expect(page.get_by_test_id("bulk-outcome")).to_contain_text("2 hechos, 1 rechazados")
    refused = page.locator(f"tr[data-ticket-id='{closed['ticketId']}']")
    await expect(refused.get_by_test_id("refused-mark")).to_contain_text("Cerrado")
    await expect(page.locator("[data-refused]")).to_have_count(1)
    await expect(rows.filter(has_text="Bruno Tester")).to_have_count(2)
