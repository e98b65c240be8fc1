"""The front desk: a ticket taken over the phone (the customer found or created from the number
typed once, a category chosen on purpose, an assignee) and the customer's details corrected."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in
from tests.support.factories import unique_phone

TICKET_PAGE = re.compile(r"/tickets/LUX-[0-9-]+$")


async def fill_ticket(page: Page, subject: str) -> None:
    await page.get_by_test_id("subject").fill(subject)
    await page.get_by_test_id("description").fill("Llamada a recepción")


async def test_an_unknown_phone_offers_to_create_the_customer_with_it(
    page: Page, console: Console
) -> None:
    phone = unique_phone()
    await signed_in(page, console, console.admin, "/tickets/new")
    await page.get_by_test_id("customer-search").fill(phone)
    offer = page.get_by_test_id("customer-create-offer")
    await expect(offer).to_contain_text(phone)
    await offer.click()
    await expect(page.get_by_test_id("new-customer-phoneNumber")).to_have_value(phone)
    await page.get_by_test_id("new-customer-firstName").fill("Nueva")
    await page.get_by_test_id("customer-create").click()
    await expect(page.get_by_test_id("picked-customer")).to_contain_text("Nueva")
    await expect(page.get_by_test_id("picked-customer")).to_contain_text(phone)


async def test_the_category_is_a_required_choice_and_saving_opens_the_new_ticket(
    page: Page, console: Console
) -> None:
    customer = console.new_customer("Sin", "Categoría")
    await signed_in(page, console, console.admin, f"/tickets/new?customerId={customer['id']}")
    await expect(page.get_by_test_id("picked-customer")).to_contain_text("Sin Categoría")
    await expect(page.get_by_test_id("category")).to_have_value("")
    await fill_ticket(page, "Sin categoría elegida")
    await page.get_by_test_id("submit").click()
    await expect(page.locator("[data-error-for=category]")).to_have_text("Elige una categoría.")
    await expect(page.get_by_test_id("category")).to_have_attribute("aria-invalid", "true")
    await expect(page).to_have_url(f"{console.url}/tickets/new?customerId={customer['id']}")

    await page.get_by_test_id("category").select_option("billing")
    await expect(page.locator("[data-error-for=category]")).to_have_text("")
    await page.get_by_test_id("submit").click()
    await expect(page).to_have_url(TICKET_PAGE)
    ticket_id = await page.get_by_test_id("ticket-id").inner_text()
    stored = console.api.get(f"/tickets/{ticket_id}").json()["ticket"]
    assert (stored["category"], stored["customerId"]) == ("billing", customer["id"])


async def test_a_new_ticket_is_assigned_on_the_form_to_me_or_a_colleague(
    page: Page, console: Console
) -> None:
    colleague = console.new_agent(first_name="Colega" + uuid.uuid4().hex[:4])
    customer = console.new_customer("Con", "Asignado")
    form = f"/tickets/new?customerId={customer['id']}"
    await signed_in(page, console, console.admin, form)
    await expect(page.get_by_test_id("picked-customer")).to_be_visible()
    await page.get_by_test_id("category").select_option("other")
    await fill_ticket(page, "Para mí")
    await page.get_by_test_id("assign-to-me").click()
    await expect(page.get_by_test_id("assignee")).to_have_value(console.admin.agent["id"])
    await page.get_by_test_id("submit").click()
    await expect(page).to_have_url(TICKET_PAGE)
    mine = await page.get_by_test_id("ticket-id").inner_text()
    assert (
        console.api.get(f"/tickets/{mine}").json()["ticket"]["assignedAgent"]
        == (console.admin.agent["id"])
    )

    await page.goto(console.url + form)
    await expect(page.get_by_test_id("picked-customer")).to_be_visible()
    await page.get_by_test_id("category").select_option("other")
    await fill_ticket(page, "Para mi colega")
    await page.get_by_test_id("assignee").select_option(colleague.agent["id"])
    await page.get_by_test_id("submit").click()
    await expect(page).to_have_url(TICKET_PAGE)
    theirs = await page.get_by_test_id("ticket-id").inner_text()
    assert theirs != mine
    assert (
        console.api.get(f"/tickets/{theirs}").json()["ticket"]["assignedAgent"]
        == (colleague.agent["id"])
    )


async def test_an_agent_corrects_a_customers_details_on_their_page(
    page: Page, console: Console
) -> None:
    customer = console.new_customer("Mal", "Escrito")
    phone = unique_phone()
    await signed_in(page, console, console.new_agent(), f"/customers/{customer['id']}")
    await page.get_by_test_id("customer-edit").click()
    await expect(page.get_by_test_id("customer-firstName")).to_have_value("Mal")
    await page.get_by_test_id("customer-firstName").fill("Bien")
    await page.get_by_test_id("customer-phoneNumber").fill(phone)
    await page.get_by_test_id("customer-save").click()
    await expect(page.get_by_test_id("customer-name")).to_have_text("Bien Escrito")
    await expect(page.get_by_test_id("customer-phone")).to_have_text(phone)
    stored = console.api.get(f"/customers/{customer['id']}").json()["customer"]
    assert (stored["firstName"], stored["phoneNumber"]) == ("Bien", phone)
