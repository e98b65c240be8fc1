"""The shell's one search box: tickets and customers as you type, the words found marked
whatever their accents and case."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


async def test_global_search_marks_the_words_found_in_tickets_and_customers(
    page: Page, console: Console
) -> None:
    word = "glob" + uuid.uuid4().hex[:8]
    customer = console.new_customer("Íñigo", f"Peña{word}")
    ticket = console.new_ticket(customer["id"], f"Poste sin energía {word}")

    await signed_in(page, console, console.admin, "/dashboard")
    await page.get_by_test_id("global-search").fill(f"ENERGIA {word}")
    found = page.get_by_test_id("global-ticket")
    await expect(found).to_have_count(1)
    await expect(found).to_contain_text(ticket["ticketId"])
    await expect(found.locator("mark").first).to_have_text("energía")

    await page.get_by_test_id("global-search").fill(f"pena{word}")
    person = page.get_by_test_id("global-customer")
    await expect(person).to_have_count(1)
    await expect(person.locator("mark")).to_have_text(f"Peña{word}")
    await person.click()
    await expect(page).to_have_url(f"{console.url}/customers/{customer['id']}")
