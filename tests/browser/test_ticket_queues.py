"""The tickets list as a queue: filters in the URL, several values per filter, built-in and
saved views, the SLA time left and the sort by the next due time."""

from __future__ import annotations

import re
import uuid
from urllib.parse import parse_qsl, urlsplit

from playwright.async_api import Browser, Page, expect

from tests.support.console import Console, choose, open_page, signed_in


def query(page: Page) -> dict[str, str]:
    """The page's query string, one value per key (the list joins several with commas)."""
    return dict(parse_qsl(urlsplit(page.url).query))


def rows(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("[data-testid=ticket-table] tbody tr")


async def test_list_filters_live_in_the_url_and_the_controls_show_them_after_back_and_reload(
    page: Page, browser: Browser, console: Console
) -> None:
    word = "cola" + uuid.uuid4().hex[:8]
    customer = console.new_customer("Cola", "Filtrada")
    urgent = console.new_ticket(customer["id"], f"Urgente {word}", priority="urgent")
    console.new_ticket(customer["id"], f"Baja {word}", priority="low")
    started = console.new_ticket(customer["id"], f"Empezado {word}", priority="urgent")
    r = console.api.post(f"/tickets/{started['ticketId']}/status", json={"status": "in_progress"})
    assert r.status_code == 200, r.text
    resolved = console.new_ticket(customer["id"], f"Resuelto {word}", priority="urgent")
    r = console.api.post(
        f"/tickets/{resolved['ticketId']}/resolve", json={"resolutionNotes": "Hecho"}
    )
    assert r.status_code == 200, r.text

    await signed_in(page, console, console.admin, "/tickets")
    await page.get_by_test_id("search").fill(word)
    await expect(rows(page)).to_have_count(4)
    await choose(page, "filter-status", "Abierto", "En progreso")
    await choose(page, "filter-priority", "Urgente")
    await page.get_by_test_id("sort-by").select_option("priority")
    await expect(page).to_have_url(re.compile(r"sort=priority"))
    await expect(rows(page)).to_have_count(2)
    assert query(page) == {
        "q": word,
        "status": "open,in_progress",
        "priority": "urgent",
        "sort": "priority",
    }

    async def shows_the_filters(tab: Page) -> None:
        await expect(tab.get_by_test_id("search")).to_have_value(word)
        await expect(tab.get_by_test_id("filter-status").locator("summary")).to_have_text(
            "Abierto, En progreso"
        )
        await expect(tab.get_by_test_id("filter-priority").locator("summary")).to_have_text(
            "Urgente"
        )
        await expect(tab.get_by_test_id("filter-category").locator("summary")).to_have_text("Todos")
        await expect(tab.get_by_test_id("sort-by")).to_have_value("priority")
        await expect(rows(tab)).to_have_count(2)
        await expect(tab.locator(f"tr[data-ticket-id='{urgent['ticketId']}']")).to_be_visible()
        await expect(tab.locator(f"tr[data-ticket-id='{started['ticketId']}']")).to_be_visible()

    await page.locator(f"tr[data-ticket-id='{urgent['ticketId']}'] a").first.click()
    await expect(page.get_by_test_id("ticket-id")).to_have_text(urgent["ticketId"])
    await page.go_back()
    await shows_the_filters(page)
    await page.reload()
    await shows_the_filters(page)

    # A colleague given the link sees the same queue.
    shared = page.url
    colleague = await open_page(browser)
    try:
        await signed_in(colleague, console, console.new_agent(), shared.removeprefix(console.url))
        await shows_the_filters(colleague)
    finally:
        await colleague.context.close()


async def test_built_in_views_are_filters_in_the_url(page: Page, console: Console) -> None:
    agent = console.new_agent(first_name="Vista")
    customer = console.new_customer("Vista", "Propia")
    mine = console.new_ticket(customer["id"], "Mío " + uuid.uuid4().hex[:6])
    r = console.api.post(f"/tickets/{mine['ticketId']}/assign", json={"agentId": agent.agent["id"]})
    assert r.status_code == 200, r.text

    await signed_in(page, console, agent, "/tickets")
    views = page.get_by_test_id("views")
    await views.locator("[data-view=mine]").click()
    await expect(page.get_by_test_id("filter-assigned")).to_have_value("me")
    assert query(page) == {
        "status": "new,open,in_progress,pending_customer,waiting_internal",
        "assigned": "me",
    }
    await expect(rows(page)).to_have_count(1)
    await expect(views.locator("[data-view=mine]")).to_have_attribute("aria-current", "page")

    await views.locator("[data-view=unassigned]").click()
    await expect(page.get_by_test_id("filter-assigned")).to_have_value("unassigned")
    await views.locator("[data-view=breaching]").click()
    await expect(page.get_by_test_id("filter-sla").locator("summary")).to_have_text(
        "Por vencer, Incumplido"
    )
    await expect(page.get_by_test_id("sort-by")).to_have_value("slaDue")
    await views.locator("[data-view=recent]").click()
    await expect(page.get_by_test_id("sort-by")).to_have_value("updatedAt")
    assert query(page) == {"sort": "updatedAt"}
    await views.locator("[data-view=open]").click()
    await expect(page.get_by_test_id("filter-status").locator("summary")).to_contain_text(
        "Abierto, En progreso"
    )


async def test_an_agent_saves_the_list_as_a_view_and_sees_the_views_admins_share(
    page: Page, console: Console
) -> None:
    word = "vista" + uuid.uuid4().hex[:8]
    shared_name = "Equipo " + word
    r = console.api.post(
        "/views", json={"name": shared_name, "filters": {"sla": "breached"}, "shared": True}
    )
    assert r.status_code == 201, r.text
    agent = console.new_agent(first_name="Guarda")
    page.on("dialog", lambda dialog: dialog.accept())

    await signed_in(page, console, agent, "/tickets")
    views = page.get_by_test_id("views")
    await expect(views.locator(f"[data-saved-view='{shared_name}']")).to_be_visible()
    await expect(
        views.locator(f"[data-saved-view='{shared_name}'] [data-testid=delete-view]")
    ).to_have_count(0)

    await page.get_by_test_id("search").fill(word)
    await choose(page, "filter-priority", "Urgente")
    await expect(page).to_have_url(re.compile(r"priority=urgent"))
    await views.get_by_test_id("save-view").click()
    await views.get_by_label("Nombre de la vista").fill("Mis urgentes")
    await views.get_by_role("button", name="Guardar").click()
    mine = views.locator("[data-saved-view='Mis urgentes']")
    await expect(mine.locator("a")).to_have_attribute("aria-current", "page")
    await expect(page.get_by_text("Vista «Mis urgentes» guardada")).to_be_visible()

    await views.locator("[data-view=open]").click()
    await expect(mine.locator("a")).not_to_have_attribute("aria-current", "page")
    await mine.locator("a").click()
    assert query(page) == {"q": word, "priority": "urgent"}
    await expect(page.get_by_test_id("filter-priority").locator("summary")).to_have_text("Urgente")

    await page.reload()
    await expect(mine).to_be_visible()
    await mine.get_by_test_id("delete-view").click()
    await expect(mine).to_have_count(0)
    r = console.api.get("/views")
    assert "Mis urgentes" not in [v["name"] for v in r.json()["views"]]


async def test_the_list_counts_down_each_tickets_sla_and_sorts_by_the_next_due_time(
    page: Page, console: Console
) -> None:
    word = "plazo" + uuid.uuid4().hex[:8]
    customer = console.new_customer("Plazo", "Corto")
    console.new_ticket(customer["id"], f"Baja {word}", priority="low")
    urgent = console.new_ticket(customer["id"], f"Urgente {word}", priority="urgent")
    await page.clock.install()
    await signed_in(page, console, console.admin, f"/tickets?q={word}")
    await expect(rows(page)).to_have_count(2)
    await page.get_by_test_id("sort-by").select_option("slaDue")
    await page.get_by_test_id("sort-order").click()
    await expect(page).to_have_url(re.compile(r"sort=slaDue.*order=asc"))
    first = rows(page).first
    await expect(first).to_have_attribute("data-ticket-id", urgent["ticketId"])
    left = first.get_by_test_id("sla-left")
    await expect(left).to_have_text(re.compile(r"^Quedan 1[45] min$"))  # urgent: 15 min to answer
    await page.clock.fast_forward("06:00")
    await expect(left).to_have_text(re.compile(r"^Quedan (8|9) min$"))
    await page.clock.fast_forward("20:00")
    await expect(left).to_have_text(re.compile(r"^Vencido hace \d+ min$"))
    await expect(left).to_have_attribute("data-overdue", "true")


async def test_every_dashboard_count_opens_the_list_it_counts(page: Page, console: Console) -> None:
    customer = console.new_customer("Panel", "Contado")
    done = console.new_ticket(customer["id"], "Atendido a tiempo", priority="urgent")
    r = console.api.post(f"/tickets/{done['ticketId']}/resolve", json={"resolutionNotes": "ok"})
    assert r.status_code == 200, r.text
    await signed_in(page, console, console.admin, "/dashboard")
    widget = page.get_by_test_id("stats-widget")
    await expect(widget.get_by_test_id("sla-attainment")).to_be_visible()
    await expect(widget.get_by_test_id("sla-attainment")).to_contain_text("%")
    await widget.locator("a[data-stat=in_progress]").click()
    await expect(page).to_have_url(f"{console.url}/tickets?status=in_progress")
    await expect(page.get_by_test_id("filter-status").locator("summary")).to_have_text(
        "En progreso"
    )
    await page.go_back()
    await widget.locator("a[data-stat=urgent]").click()
    await expect(page.get_by_test_id("filter-priority").locator("summary")).to_have_text("Urgente")
    await page.go_back()
    await widget.locator("a[data-stat=sla-breached]").click()
    await expect(page.get_by_test_id("filter-sla").locator("summary")).to_have_text("Incumplido")
    await page.go_back()
    await widget.locator("a[data-stat=escalated]").click()
    await expect(page.get_by_test_id("filter-escalated")).to_be_checked()
