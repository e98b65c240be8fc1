"""Replies in one keystroke: an agent saves a canned reply on "Respuestas y macros", types `/` in
a ticket's note box, picks it and gets it with the ticket's variables filled; a macro applied
from the ticket page changes status, priority, assignee and adds its note at once."""

from __future__ import annotations

import uuid

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


async def test_typing_slash_in_the_note_box_inserts_a_saved_reply_with_its_variables(
    page: Page, console: Console
) -> None:
    agent = console.new_agent(first_name="Rocío")
    shortcut = "gr" + uuid.uuid4().hex[:6]
    customer = console.new_customer("Lucía", "Hernández")
    ticket = console.new_ticket(customer["id"], "Poste sin luz " + shortcut)
    terminology = console.api.get("/config/terminology").json()["terminology"]

    await signed_in(page, console, agent, "/replies")
    await page.get_by_test_id("reply-title").fill("Gracias por avisar")
    await page.get_by_test_id("reply-shortcut").fill(shortcut)
    await page.get_by_test_id("reply-body").fill(
        "Hola {customerName}, su {ticketSingular} {ticketId} ya está en manos de {agentName}."
    )
    await page.get_by_test_id("reply-save").click()
    await expect(
        page.locator('[data-testid=canned-reply][data-title="Gracias por avisar"]')
    ).to_be_visible()

    await page.goto(f"{console.url}/tickets/{ticket['ticketId']}")
    box = page.get_by_test_id("note-content")
    await box.click()
    await box.press_sequentially("Buenas. /" + shortcut[:4])
    menu = page.get_by_test_id("canned-reply-menu")
    await expect(menu.locator(f"[data-reply={shortcut}]")).to_be_visible()
    await box.press("Enter")
    expected = (
        f"Buenas. Hola Lucía Hernández, su {terminology['ticketSingular']} "
        f"{ticket['ticketId']} ya está en manos de Rocío Tester."
    )
    await expect(box).to_have_value(expected)
    await expect(menu).to_have_count(0)
    await page.get_by_test_id("add-note").click()
    await page.locator("[data-tab=activity]").click()
    await expect(page.locator("[data-entry=note]")).to_contain_text("Lucía Hernández")


async def test_a_macro_from_the_ticket_page_changes_status_priority_assignee_and_notes(
    page: Page, console: Console
) -> None:
    title = "En camino " + uuid.uuid4().hex[:6]
    r = console.api.post(
        "/macros",
        json={
            "title": title,
            "shared": True,
            "actions": {
                "assignee": "me",
                "status": "in_progress",
                "priority": "urgent",
                "note": "Cuadrilla avisada por {agentName}",
            },
        },
    )
    assert r.status_code == 201, r.text
    agent = console.new_agent(first_name="Marcos")
    customer = console.new_customer()
    ticket = console.new_ticket(customer["id"], "Cable caído " + title)

    await signed_in(page, console, agent, f"/tickets/{ticket['ticketId']}")
    await expect(page.get_by_test_id("ticket-status")).to_have_text("Abierto")
    await page.get_by_test_id("macros").locator("summary").click()
    await page.locator(f'[data-macro="{title}"]').click()
    outcome = page.get_by_test_id("macro-outcome")
    await expect(outcome).to_have_text(
        f"Macro «{title}» aplicada: asignación, estado, prioridad, nota interna."
    )
    await expect(page.get_by_test_id("ticket-status")).to_have_text("En progreso")
    await expect(page.locator("[data-priority=urgent]").first).to_be_visible()
    await expect(page.get_by_test_id("ticket-assignee")).to_contain_text("Marcos Tester")
    await page.locator("[data-tab=activity]").click()
    await expect(page.locator("[data-entry=note]")).to_contain_text(
        "Cuadrilla avisada por Marcos Tester"
    )
    stored = console.api.get(f"/tickets/{ticket['ticketId']}").json()["ticket"]
    assert stored["version"] == ticket["version"] + 1
    assert (stored["status"], stored["priority"]) == ("in_progress", "urgent")
