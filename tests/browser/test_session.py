"""The console's session: shared by the browser's tabs, ended in all of them at once, and
taking the agent where they were going after signing in (never to another site)."""

from __future__ import annotations

import uuid
from urllib.parse import quote

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


async def sign_in(page: Page, email: str, password: str) -> None:
    await page.get_by_label("Correo electrónico").fill(email)
    await page.get_by_label("Contraseña").fill(password)
    await page.get_by_role("button", name="Entrar").click()


async def test_a_ticket_link_opened_in_a_new_tab_needs_no_second_sign_in(
    page: Page, console: Console
) -> None:
    customer = console.new_customer("Otra", "Pestaña")
    ticket = console.new_ticket(customer["id"], "Abierto en otra pestaña " + uuid.uuid4().hex[:6])
    await signed_in(page, console, console.admin, "/tickets")
    row = page.locator(f"tr[data-ticket-id='{ticket['ticketId']}'] a").first
    async with page.context.expect_page() as opened:
        await row.click(modifiers=["Control"])
    tab = await opened.value
    await expect(tab).to_have_url(f"{console.url}/tickets/{ticket['ticketId']}")
    await expect(tab.get_by_test_id("ticket-id")).to_have_text(ticket["ticketId"])


async def test_signing_out_in_one_tab_signs_out_the_others(page: Page, console: Console) -> None:
    await signed_in(page, console, console.new_agent(), "/tickets")
    await expect(page.get_by_test_id("ticket-count")).to_be_visible()
    other = await page.context.new_page()
    await other.goto(console.url + "/customers")
    await expect(other).to_have_url(f"{console.url}/customers")
    await page.get_by_role("button", name="Cerrar sesión").click()
    await expect(page).to_have_url(f"{console.url}/login")
    await expect(other).to_have_url(f"{console.url}/login")


async def test_signing_in_lands_on_the_page_asked_for(page: Page, console: Console) -> None:
    agent = console.new_agent()
    customer = console.new_customer("Enlace", "Directo")
    ticket = console.new_ticket(customer["id"], "Enlace directo " + uuid.uuid4().hex[:6])
    path = f"/tickets/{ticket['ticketId']}"
    await page.goto(console.url + path)
    await expect(page).to_have_url(f"{console.url}/login?returnUrl={quote(path, safe='')}")
    await sign_in(page, agent.email, agent.password)
    await expect(page).to_have_url(console.url + path)
    await expect(page.get_by_test_id("ticket-id")).to_have_text(ticket["ticketId"])


async def test_signing_in_never_lands_on_another_site(page: Page, console: Console) -> None:
    agent = console.new_agent()
    for outside in ("https://evil.example.com/x", "//evil.example.com", "/\\evil.example.com"):
        await page.goto(f"{console.url}/login?returnUrl={quote(outside, safe='')}")
        await sign_in(page, agent.email, agent.password)
        await expect(page).to_have_url(f"{console.url}/tickets")
        await page.evaluate("localStorage.clear()")


async def test_an_ended_session_signs_in_again_back_on_the_same_ticket(
    page: Page, console: Console
) -> None:
    agent = console.new_agent()
    customer = console.new_customer("Sesión", "Vencida")
    ticket = console.new_ticket(customer["id"], "Sesión vencida " + uuid.uuid4().hex[:6])
    path = f"/tickets/{ticket['ticketId']}"
    forged = type(agent)("not-a-valid-token", agent.agent, agent.email, agent.password)
    await signed_in(page, console, forged, path)
    await expect(page).to_have_url(
        f"{console.url}/login?reason=expired&returnUrl={quote(path, safe='')}"
    )
    await expect(page.get_by_test_id("login-expired")).to_be_visible()
    await sign_in(page, agent.email, agent.password)
    await expect(page).to_have_url(console.url + path)
    await expect(page.get_by_test_id("ticket-id")).to_have_text(ticket["ticketId"])
