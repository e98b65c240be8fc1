"""The web console as tests drive it: the running system's URL and admin, pages in Chromium.

- `Console`: the system `make run` starts (`tests/browser/conftest.py`), its base URL, an admin
  API client; `new_agent`, `new_customer`, `new_ticket` make data through the API.
- `open_page(browser, viewport)`, `signed_in(page, console, login, path)` (a session put in
  place without typing), `keep_screenshot_if_failed(page, request)` (into `RESULTS`).
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page

from tests.support.factories import customer_body, unique_email
from tests.support.fake_openai import FakeOpenAI
from tests.support.system import ROOT

RESULTS = ROOT / "test-results" / "browser"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@dataclass
class Login:
    token: str
    agent: dict[str, Any]
    email: str
    password: str


@dataclass
class Console:
    url: str
    api: httpx.Client
    admin: Login
    rabbit_url: str = ""
    """The system's broker (its own vhost)."""
    openai: FakeOpenAI | None = None
    """The stand-in OpenAI server the assistant talks to."""

    def login(self, email: str, password: str) -> Login:
        r = httpx.post(f"{self.url}/api/v2/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        body = r.json()
        return Login(body["token"], body["agent"], email, password)

    def new_agent(self, role: str = "agent", first_name: str = "Ana") -> Login:
        email = unique_email(role, "browser.example.com")
        password = "pw-" + uuid.uuid4().hex[:12]
        body = {"email": email, "password": password, "firstName": first_name, "lastName": "Tester"}
        r = self.api.post("/agents", json={**body, "role": role})
        assert r.status_code == 201, r.text
        return self.login(email, password)

    def new_customer(self, first_name: str = "María", last_name: str = "López") -> dict[str, Any]:
        r = self.api.post(
            "/customers", json=customer_body(firstName=first_name, lastName=last_name)
        )
        assert r.status_code == 201, r.text
        customer: dict[str, Any] = r.json()["customer"]
        return customer

    def new_ticket(self, customer_id: str, subject: str, **fields: Any) -> dict[str, Any]:
        body = {
            "subject": subject,
            "description": f"{subject}: details",
            "category": "other",
            "customerId": customer_id,
            **fields,
        }
        r = self.api.post("/tickets", json=body)
        assert r.status_code == 201, r.text
        ticket: dict[str, Any] = r.json()["ticket"]
        return ticket


async def open_page(browser: Browser, viewport: dict[str, int] = DESKTOP) -> Page:
    context = await browser.new_context(viewport=viewport, locale="es-MX")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return await context.new_page()


async def keep_screenshot_if_failed(page: Page, request: pytest.FixtureRequest) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        RESULTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(RESULTS / f"{request.node.name}.png"), full_page=True)


async def signed_in(page: Page, console: Console, login: Login, path: str = "/tickets") -> Page:
    """Open `path` with `login`'s session already in the browser (what the sign-in screen stores,
    shared by the context's tabs). Put in place once per tab, so a later sign-out sticks."""
    await page.add_init_script(
        "if (!sessionStorage.getItem('uts.test-seeded')) {"
        "sessionStorage.setItem('uts.test-seeded', '1');"
        f"localStorage.setItem('uts.token', {json.dumps(login.token)});"
        f"localStorage.setItem('uts.agent', {json.dumps(json.dumps(login.agent))});"
        "}"
    )
    await page.goto(console.url + path)
    return page


async def choose(page: Page, test_id: str, *labels: str) -> None:
    """Tick `labels` in one of the console's several-value filters (the list's, the map's)."""
    menu = page.get_by_test_id(test_id)
    await menu.locator("summary").click()
    for label in labels:
        await menu.get_by_label(label, exact=True).check()
    await menu.locator("summary").click()
