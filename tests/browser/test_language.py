"""A console in Spanish shows no English: the server's errors are worded from their codes
(wrong password, an email taken, a version conflict, no connection), and so are the timeline's
entries and the filters' labels."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in

ENGLISH = (
    "Invalid credentials",
    "already exists",
    "was changed by someone else",
    "reload it",
    "Error: network",
    "Resolved by agent",
    "Assigned to agent",
)


async def shows_no_english(page: Page) -> None:
    text = await page.locator("body").inner_text()
    leaks = [words for words in ENGLISH if words in text]
    assert not leaks, leaks


async def test_a_spanish_console_words_the_servers_errors_in_spanish(
    page: Page, console: Console
) -> None:
    await page.goto(console.url + "/login")
    await page.get_by_label("Correo electrónico").fill(console.admin.email)
    await page.get_by_label("Contraseña").fill("not-the-password")
    await page.get_by_role("button", name="Entrar").click()
    await expect(page.get_by_test_id("login-error")).to_contain_text(
        "Correo o contraseña incorrectos"
    )
    await shows_no_english(page)

    # An email already taken, in Settings → Agents.
    await signed_in(page, console, console.admin, "/settings/agents")
    await page.get_by_label("Nombre", exact=True).fill("Otra")
    await page.get_by_label("Apellido").fill("Vez")
    await page.get_by_label("Correo", exact=True).fill(console.admin.email)
    await page.get_by_label("Contraseña (mín. 8)").fill("password-123")
    await page.locator("form").get_by_role("button", name=re.compile("^Crear")).click()
    await expect(page.get_by_test_id("settings-error")).to_contain_text(console.admin.email)
    await expect(page.get_by_test_id("settings-error")).to_contain_text("Ya existe")
    await shows_no_english(page)


async def test_a_spanish_console_words_conflicts_lost_connections_and_the_timeline(
    page: Page, console: Console
) -> None:
    customer = console.new_customer("Sin", "Inglés")
    ticket = console.new_ticket(customer["id"], "Editado dos veces " + uuid.uuid4().hex[:6])
    tid = ticket["ticketId"]
    await signed_in(page, console, console.admin, f"/tickets/{tid}/edit")
    await expect(page.get_by_test_id("subject")).to_have_value(ticket["subject"])
    r = console.api.put(f"/tickets/{tid}", json={"subject": "Cambiado por otro"})
    assert r.status_code == 200, r.text
    await page.get_by_test_id("subject").fill("Mi cambio")
    await page.get_by_test_id("submit").click()
    await expect(page.get_by_test_id("form-error")).to_contain_text("cambió")
    await shows_no_english(page)

    r = console.api.post(f"/tickets/{tid}/resolve", json={"resolutionNotes": "Listo"})
    assert r.status_code == 200, r.text
    await page.goto(f"{console.url}/tickets/{tid}")
    await page.locator("[data-tab=activity]").click()
    await expect(page.locator("[data-entry=status]").first).to_contain_text("Resuelto")
    await shows_no_english(page)

    await page.goto(console.url + "/tickets")
    await expect(page.get_by_test_id("ticket-count")).to_be_visible()
    await expect(page.get_by_test_id("filter-assigned").locator("option[value=me]")).to_have_text(
        "A mí"
    )
    await page.route("**/api/v2/tickets?**", lambda route: route.abort())
    await page.get_by_test_id("search").fill("sin red")
    await expect(page.get_by_role("alert").first).to_contain_text("Sin conexión con el servidor")
    await shows_no_english(page)
