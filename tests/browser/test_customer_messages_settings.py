"""Settings → Messages to the customer: an admin switches on the updates a customer gets when
their ticket changes, words them, asks for a rating on resolution and makes the assistant's
handoff raise the priority; the services then hold exactly that."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


async def test_an_admin_words_and_switches_on_the_messages_to_the_customer(
    page: Page, console: Console
) -> None:
    before = {
        path: console.api.get(f"/config/{path}").json()
        for path in ("customer-updates", "satisfaction-survey", "handoff")
    }
    try:
        await signed_in(page, console, console.admin, "/settings/customer-messages")
        form = page.get_by_test_id("customer-messages")
        resolved = form.locator("[data-moment=resolved]")
        await expect(resolved.get_by_label("Texto")).not_to_have_value("")
        await resolved.get_by_label("Enviar este mensaje").check()
        await resolved.get_by_label("Texto").fill("Su {ticketSingular} {ticketId} quedó resuelto.")
        survey = form.locator("[data-moment=survey]")
        await survey.get_by_label("Enviar este mensaje").check()
        await survey.get_by_label("Texto").fill("¿Del 1 al 5, cómo le atendimos en {ticketId}?")
        await page.get_by_test_id("handoff-raise").check()
        await page.get_by_test_id("settings-save").click()
        await expect(form.get_by_text("Guardado")).to_be_visible()

        updates = console.api.get("/config/customer-updates").json()["updates"]
        assert updates["resolved"] == {
            "enabled": True,
            "template": "Su {ticketSingular} {ticketId} quedó resuelto.",
        }
        assert updates["received"]["enabled"] is False
        survey_now = console.api.get("/config/satisfaction-survey").json()["survey"]
        assert survey_now["enabled"] is True
        assert survey_now["template"] == "¿Del 1 al 5, cómo le atendimos en {ticketId}?"
        assert console.api.get("/config/handoff").json()["policy"]["raisePriority"] is True

        await page.reload()
        await expect(resolved.get_by_label("Enviar este mensaje")).to_be_checked()
        await expect(page.get_by_test_id("handoff-raise")).to_be_checked()
    finally:
        console.api.put("/config/customer-updates", json=before["customer-updates"]["updates"])
        console.api.put("/config/satisfaction-survey", json=before["satisfaction-survey"]["survey"])
        console.api.put("/config/handoff", json=before["handoff"]["policy"])
