"""The keyboard: j/k move a visible cursor on the list, Enter opens, ? lists the keys, keys
typed in a field stay text, and a skip link leads into the screen."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


async def test_j_k_move_the_cursor_enter_opens_and_question_mark_shows_the_keys(
    page: Page, console: Console
) -> None:
    word = "tecla" + uuid.uuid4().hex[:8]
    customer = console.new_customer("Tecla", "Rápida")
    older = console.new_ticket(customer["id"], f"Primero {word}")
    newer = console.new_ticket(customer["id"], f"Segundo {word}")
    await signed_in(page, console, console.admin, f"/tickets?q={word}")
    await expect(page.locator("[data-testid=ticket-table] tbody tr")).to_have_count(2)
    cursor = page.locator("[data-testid=ticket-table] tr[data-cursor]")

    await page.get_by_test_id("search").focus()
    await page.keyboard.press("j")
    await expect(page.get_by_test_id("search")).to_have_value(f"{word}j")
    await expect(cursor).to_have_count(0)
    await page.keyboard.press("Backspace")
    await page.evaluate("document.activeElement.blur()")
    await page.keyboard.press("j")
    await expect(cursor).to_have_attribute("data-ticket-id", newer["ticketId"])
    await page.keyboard.press("j")
    await expect(cursor).to_have_attribute("data-ticket-id", older["ticketId"])
    await page.keyboard.press("k")
    await expect(cursor).to_have_attribute("data-ticket-id", newer["ticketId"])

    await page.keyboard.press("?")
    help_ = page.get_by_test_id("shortcut-help")
    await expect(help_).to_contain_text("Atajos de teclado")
    await expect(help_).to_contain_text("Bajar a la siguiente fila")
    await page.keyboard.press("Escape")
    await expect(help_).to_have_count(0)

    await page.keyboard.press("Enter")
    await expect(page).to_have_url(re.compile(f"/tickets/{newer['ticketId']}$"))
    await expect(page.get_by_test_id("note-content")).to_be_visible()
    await page.keyboard.press("n")
    await expect(page.get_by_test_id("note-content")).to_be_focused()

    await page.evaluate("document.activeElement.blur()")
    await page.keyboard.press("/")
    await expect(page.get_by_test_id("global-search")).to_be_focused()


async def test_a_skip_link_leads_into_the_screen(page: Page, console: Console) -> None:
    await signed_in(page, console, console.admin, "/tickets")
    await expect(page.locator("h1")).to_be_visible()
    await page.keyboard.press("Tab")
    skip = page.get_by_test_id("skip-link")
    await expect(skip).to_be_focused()
    await expect(skip).to_have_text("Saltar al contenido")
    await page.keyboard.press("Enter")
    await expect(page.locator("main#main")).to_be_focused()
