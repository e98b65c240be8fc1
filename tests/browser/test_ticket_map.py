"""The map of open tickets (`/map`): located tickets as pins clustered, coloured by priority
(problems ringed with their incident count), the list's filters in the address, a pin's popup
opening its ticket, and a phone's width filled by the map. Tiles are refused here (no internet):
the page works without them."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import Browser, Page, expect

from tests.support.console import Console, choose, open_page, signed_in

PHONE = {"width": 375, "height": 740}


async def without_tiles(page: Page) -> None:
    await page.route(re.compile(r"tile\.openstreetmap\.org"), lambda route: route.abort())


def located(console: Console, customer: str, subject: str, lat: float, lng: float, **fields: str):  # type: ignore[no-untyped-def]
    where = {"address": subject, "coordinates": {"latitude": lat, "longitude": lng}}
    return console.new_ticket(customer, subject, location=where, **fields)


async def test_the_map_clusters_located_open_tickets_filters_them_and_opens_one(
    page: Page, browser: Browser, console: Console
) -> None:
    word = "mapa" + uuid.uuid4().hex[:8]
    customer = console.new_customer("Mapa", "Prueba")["id"]
    problem = located(console, customer, f"Transformador {word}", 19.40, -99.10, priority="urgent")
    for i in range(3):  # three reports a few metres apart: one cluster
        located(
            console, customer, f"Poste {i} {word}", 19.4326 + i * 1e-4, -99.1332, priority="low"
        )
    incident = console.new_ticket(customer, f"Sin lugar {word}")  # no coordinates: not on the map
    r = console.api.post(
        f"/tickets/{problem['ticketId']}/incidents", json={"ticketIds": [incident["ticketId"]]}
    )
    assert r.status_code == 200, r.text

    await without_tiles(page)
    await signed_in(page, console, console.admin, f"/map?q={word}")
    the_map = page.get_by_test_id("ticket-map")
    await expect(the_map).to_have_attribute("data-points", "4")
    await expect(page.locator("[data-cluster-count='3']")).to_be_visible()
    pin = page.locator(f"[data-map-ticket='{problem['ticketId']}']")
    await expect(pin).to_have_attribute("data-priority", "urgent")
    await expect(pin.locator("[data-incidents='1']")).to_have_text("1")
    await expect(page.get_by_test_id("map-legend")).to_contain_text("Urgente")

    await choose(page, "map-filter-priority", "Urgente")
    await expect(page).to_have_url(re.compile(r"priority=urgent"))
    await expect(the_map).to_have_attribute("data-points", "1")
    await expect(page.locator("[data-cluster-count]")).to_have_count(0)
    list_link = page.get_by_test_id("map-to-list")
    await expect(list_link).to_have_attribute("href", re.compile(r"priority=urgent"))

    await pin.click()
    popup = page.locator(f"[data-popup-ticket='{problem['ticketId']}']")
    await expect(popup).to_contain_text(f"Transformador {word}")
    await expect(popup).to_contain_text("Abierto")
    await popup.click()
    await expect(page).to_have_url(re.compile(rf"/tickets/{problem['ticketId']}$"))

    # A phone: the map fills the width and most of the height; the filters fold away.
    phone = await open_page(browser, PHONE)
    try:
        await without_tiles(phone)
        await signed_in(phone, console, console.admin, f"/map?q={word}&priority=urgent")
        small = phone.get_by_test_id("ticket-map")
        await expect(small).to_have_attribute("data-points", "1")
        box = await small.bounding_box()
        assert box is not None and box["width"] >= 370 and box["height"] >= 0.7 * 740, box
        filters = phone.get_by_test_id("map-filters")
        await expect(filters).to_be_hidden()
        await phone.get_by_test_id("map-filters-toggle").click()
        await expect(filters).to_be_visible()
        await expect(phone.get_by_test_id("map-search")).to_have_value(word)
    finally:
        await phone.context.close()
