"""After a dropped connection the console catches up from the changes feed before it shows
"live" again: what changed meanwhile (a note, a priority) is on the screen."""

from __future__ import annotations

import asyncio
import re
import uuid

from playwright.async_api import Page, WebSocketRoute, expect

from tests.support.console import Console, signed_in


class Cable:
    """The page's network with its Socket.IO connections through Playwright: cut on demand
    (offline, the open sockets closed), then restored."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.open: list[WebSocketRoute] = []

    async def attach(self) -> None:
        await self.page.route_web_socket(re.compile(r"/socket\.io/"), self._socket)

    def _socket(self, ws: WebSocketRoute) -> None:
        ws.connect_to_server()
        self.open.append(ws)

    async def drop(self) -> None:
        await self.page.context.set_offline(True)
        for ws in self.open:
            await ws.close()
        self.open.clear()

    async def restore(self) -> None:
        await self.page.context.set_offline(False)


async def test_a_note_and_a_priority_changed_during_a_network_drop_appear_after_reconnecting(
    page: Page, console: Console
) -> None:
    customer = console.new_customer()
    ticket = console.new_ticket(customer["id"], "Caída " + uuid.uuid4().hex[:6], priority="low")
    tid = ticket["ticketId"]
    for n in range(5):
        r = console.api.post(f"/tickets/{tid}/notes", json={"content": f"Nota {n + 1}"})
        assert r.status_code == 200, r.text
    cable = Cable(page)
    await cable.attach()
    await signed_in(page, console, console.admin, f"/tickets/{tid}")
    live = page.get_by_test_id("live")
    await expect(live).to_have_attribute("title", "En vivo")
    await page.locator("[data-tab=activity]").click()
    notes = page.locator("[data-entry=note]")
    await expect(notes).to_have_count(5)

    await cable.drop()
    await expect(live).to_have_attribute("title", "Sin conexión en vivo")
    r = console.api.post(f"/tickets/{tid}/notes", json={"content": "Nota 6, durante la caída"})
    assert r.status_code == 200, r.text
    r = console.api.put(f"/tickets/{tid}", json={"priority": "urgent"})
    assert r.status_code == 200, r.text
    await asyncio.sleep(2)
    await cable.restore()

    await expect(live).to_have_attribute("title", "En vivo", timeout=15_000)
    await expect(notes).to_have_count(6, timeout=1_500)
    await expect(page.locator("[data-priority=urgent]").first).to_be_visible(timeout=1_500)
