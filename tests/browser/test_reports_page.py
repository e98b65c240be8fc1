"""The Reports page and the dashboard's report cards: the figures the API answers, a chart, a
change of grouping that reloads, a count that opens its tickets in the list (under several
agents too, the report's figure a chip of the list), a section's CSV."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from playwright.async_api import Page, expect

from tests.support.console import Console, signed_in


def _zone(console: Console) -> str:
    r = console.api.get("/config/sla")
    assert r.status_code == 200, r.text
    calendar = r.json()["policy"]["calendar"]
    return "UTC" if isinstance(calendar, str) else str(calendar["timeZone"])


def _report(console: Console, zone: str, days: int, **filters: Any) -> dict[str, Any]:
    today = datetime.now(ZoneInfo(zone)).date()
    period = {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}
    r = console.api.get("/reports/agents", params={**period, "timeZone": zone, **filters})
    assert r.status_code == 200, r.text
    report: dict[str, Any] = r.json()["report"]
    return report


def _share(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100, 1):g}%"


def _seed(console: Console) -> tuple[str, list[dict[str, Any]]]:
    """Three tickets of a new agent; two resolved and rated 5 and 3."""
    agent_id = console.new_agent(first_name="Reina").agent["id"]
    customer = console.new_customer("Reporte", "Semanal")
    tickets = [console.new_ticket(customer["id"], f"Reporte {n}") for n in range(3)]
    for ticket in tickets:
        r = console.api.post(f"/tickets/{ticket['ticketId']}/assign", json={"agentId": agent_id})
        assert r.status_code == 200, r.text
    for ticket, rating in zip(tickets[:2], (5, 3), strict=True):
        tid = ticket["ticketId"]
        r = console.api.post(f"/tickets/{tid}/resolve", json={"resolutionNotes": "Listo"})
        assert r.status_code == 200, r.text
        body = {"rating": rating, "comment": f"Comentario {rating}"}
        r = console.api.post(f"/tickets/{tid}/feedback", json=body)
        assert r.status_code == 200, r.text
    return agent_id, tickets


async def _shows_the_figures(page: Page, expected: dict[str, Any], agent_id: str) -> None:
    volume = page.locator("[data-section=volume]")
    total = volume.locator("tr[data-bucket=total]")
    await expect(total.locator("[data-figure=created]")).to_have_text("3")
    await expect(total.locator("[data-figure=resolved]")).to_have_text("2")
    backlog = str(expected["totals"]["backlog"])
    await expect(total.locator("[data-figure=backlog]")).to_have_text(backlog)
    await expect(volume.locator("tbody tr")).to_have_count(len(expected["buckets"]) + 1)
    satisfaction = page.locator("[data-section=satisfaction]")
    await expect(satisfaction.locator("[data-figure=rating-count]")).to_have_text("2")
    await expect(satisfaction.locator("[data-figure=rating-average]")).to_have_text("4.0")
    await expect(satisfaction.locator("[data-figure=rating-satisfied]")).to_have_text("50%")
    await expect(satisfaction.get_by_test_id("rating-comments")).to_contain_text("Comentario 5")
    row = page.locator(f"[data-section=agents] tr[data-agent='{agent_id}']")
    await expect(row.locator("[data-figure=resolved]")).to_have_text("2")
    await expect(row.locator("[data-figure=open]")).to_have_text("1")
    attainment = _share(expected["totals"]["resolutionSla"]["attainment"])
    sla = page.locator("[data-section=sla]")
    await expect(sla.locator("[data-figure=res-attainment]")).to_have_text(attainment)
    await expect(volume.locator("[data-testid=report-chart] svg").first).to_be_attached()


async def _dashboard_shows_attainment_and_satisfaction(page: Page, month: dict[str, Any]) -> None:
    cards = page.get_by_test_id("report-cards")
    for figure, target in (
        ("res-attainment", "resolutionSla"),
        ("fr-attainment", "firstResponseSla"),
    ):
        share = _share(month["totals"][target]["attainment"])
        await expect(cards.locator(f"[data-figure={figure}]")).to_have_text(share)
    summary = cards.locator("[data-figure=rating-summary]")
    await expect(summary).to_contain_text(f"{month['satisfaction']['count']} calificaciones")
    await expect(summary).to_contain_text(_share(month["satisfaction"]["satisfiedShare"]))
    await cards.locator("[data-card=satisfaction]").click()
    await expect(page.locator("[data-section=satisfaction]")).to_be_visible()


async def test_reports_page_shows_the_apis_figures_links_them_and_exports_them(
    page: Page, console: Console, tmp_path: Path
) -> None:
    agent_id, tickets = _seed(console)
    zone = _zone(console)
    expected = _report(console, zone, 7, agent=agent_id)
    assert expected["totals"]["created"] == 3 and expected["totals"]["resolved"] == 2

    await signed_in(page, console, console.admin, f"/reports?period=7d&agent={agent_id}")
    await expect(page.get_by_test_id("report-zone")).to_contain_text(zone)
    await _shows_the_figures(page, expected, agent_id)

    # Grouped by week: the page asks again and shows the weeks.
    weekly = _report(console, zone, 7, agent=agent_id, groupBy="week")
    volume = page.locator("[data-section=volume]")
    total = volume.locator("tr[data-bucket=total]")
    await page.get_by_test_id("group-week").click()
    await expect(page).to_have_url(re.compile(r"groupBy=week"))
    await expect(volume.locator("tbody tr")).to_have_count(len(weekly["buckets"]) + 1)
    await expect(total.locator("[data-figure=created]")).to_have_text("3")

    # A section's CSV: the same period and filters, a row per bucket and the total.
    async with page.expect_download() as download_info:
        await volume.get_by_test_id("export-volume").click()
    saved = tmp_path / "volume.csv"
    await (await download_info.value).save_as(saved)
    rows = list(csv.DictReader(io.StringIO(saved.read_text(encoding="utf-8-sig"))))
    assert [r["period"] for r in rows][-1] == "total"
    assert len(rows) == len(weekly["buckets"]) + 1
    assert rows[-1]["created"] == "3" and rows[-1]["resolved"] == "2"

    # A count opens the ticket list with exactly those tickets.
    await total.locator("[data-figure=resolved] a").click()
    await expect(page).to_have_url(re.compile(r"/tickets\?.*figure=resolved"))
    await expect(page.get_by_test_id("filter-chips")).to_be_visible()
    await expect(page.locator("[data-testid=ticket-table] tbody tr")).to_have_count(2)
    for ticket in tickets[:2]:
        await expect(page.locator(f"tr[data-ticket-id='{ticket['ticketId']}']")).to_have_count(1)

    # The dashboard: SLA attainment and satisfaction of the last 30 days, linking to Reports.
    month = _report(console, zone, 30)
    await page.goto(console.url + "/dashboard")
    await _dashboard_shows_attainment_and_satisfaction(page, month)


def _seed_two_agents(console: Console) -> tuple[list[str], dict[str, list[str]]]:
    """Tickets of two new agents (and of a third, outside the report's filter): some resolved
    and reopened, one resolved for good, one never touched. The ids by what happened."""
    agents = [console.new_agent(first_name=name).agent["id"] for name in ("Ramona", "Bruno")]
    other = console.new_agent(first_name="Celia").agent["id"]
    customer = console.new_customer("Cifra", "Abierta")
    owners = [agents[0], agents[0], agents[1], agents[1], other]
    tickets = [console.new_ticket(customer["id"], f"Cifra {n}") for n in range(len(owners))]
    ids = [ticket["ticketId"] for ticket in tickets]
    for tid, owner in zip(ids, owners, strict=True):
        r = console.api.post(f"/tickets/{tid}/assign", json={"agentId": owner})
        assert r.status_code == 200, r.text
    reopened, done = [ids[0], ids[2], ids[4]], [ids[3]]
    for tid in reopened + done:
        r = console.api.post(f"/tickets/{tid}/resolve", json={"resolutionNotes": "Listo"})
        assert r.status_code == 200, r.text
    for tid in reopened:
        r = console.api.post(f"/tickets/{tid}/status", json={"status": "open"})
        assert r.status_code == 200, r.text
    theirs = ids[:4]
    return agents, {
        "theirs": theirs,
        "reopened": [t for t in reopened if t in theirs],
        "open": [t for t in theirs if t not in done],
    }


async def _list_shows(page: Page, ticket_ids: list[str]) -> None:
    """The list holds exactly `ticket_ids` (its count and its rows)."""
    await expect(page.get_by_test_id("ticket-count")).to_have_text(
        re.compile(rf"^{len(ticket_ids)}\b")
    )
    table = page.locator("[data-testid=ticket-table] tbody tr")
    await expect(table).to_have_count(len(ticket_ids))
    for tid in ticket_ids:
        await expect(page.locator(f"tr[data-ticket-id='{tid}']")).to_have_count(1)


async def test_a_reports_reopened_and_backlog_under_two_agents_open_their_tickets_with_a_chip(
    page: Page, console: Console
) -> None:
    agents, seeded = _seed_two_agents(console)
    zone = _zone(console)
    expected = _report(console, zone, 7, agent=",".join(agents))
    totals = expected["totals"]
    assert totals["reopened"] == len(seeded["reopened"]) == 2
    assert totals["backlog"] == len(seeded["open"]) == 3

    await signed_in(page, console, console.admin, f"/reports?period=7d&agent={','.join(agents)}")
    total = page.locator("[data-section=volume] tr[data-bucket=total]")
    reopened = total.locator("[data-figure=reopened] a")
    await expect(reopened).to_have_text(str(totals["reopened"]))
    await expect(reopened).to_have_attribute("title", re.compile("en que ocurrió"))
    await expect(page.get_by_test_id("report-unlinked")).to_have_count(0)

    # The number opens the list of exactly its tickets, the figure a chip in Spanish.
    await reopened.click()
    await expect(page).to_have_url(re.compile(r"/tickets\?.*figure=reopened"))
    await _list_shows(page, seeded["reopened"])
    chips = page.get_by_test_id("filter-chips")
    await expect(chips.locator("[data-chip=figure]")).to_contain_text("Informe: reabiertos ·")
    await expect(chips.locator("[data-chip=agent]")).to_contain_text(
        "Asignados a Ramona Tester, Bruno Tester"
    )

    # Removing the figure's chip leaves the agents' tickets, all of them.
    await chips.locator("[data-chip=figure] button").click()
    await expect(page).not_to_have_url(re.compile(r"figure="))
    await _list_shows(page, seeded["theirs"])
    await expect(chips.locator("[data-chip=figure]")).to_have_count(0)

    # The backlog: the tickets open at the end of the period.
    await page.go_back()
    await page.go_back()
    backlog = total.locator("[data-figure=backlog] a")
    await expect(backlog).to_have_text(str(totals["backlog"]))
    await backlog.click()
    await expect(page).to_have_url(re.compile(r"/tickets\?.*figure=backlog"))
    await _list_shows(page, seeded["open"])
    await expect(chips.locator("[data-chip=figure]")).to_contain_text("Informe: pendientes al")
