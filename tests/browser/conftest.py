"""The web console in real Chromium against the whole system, started as `make run` starts it.

- `console`: the system from `deploy/run_local.py` (its own RabbitMQ vhost, in-process or real
  MongoDB as the run chooses) after `scripts/build_web.sh` made the console's build current.
  Gives the base URL, the admin's credentials and an admin API client.
- `browser`: Debian's Chromium (`/usr/bin/chromium`) driven by Playwright; nothing downloads a
  browser. `CHROMIUM` overrides the path.
- `page` (per test): a 1280x800 page; a failing test leaves a screenshot in
  `test-results/browser/`. `signed_in(page, login)` puts a session in place without typing.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.support.infra import DEFAULT_RABBIT, Infra, vhost
from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "test-results" / "browser"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
ADMIN_EMAIL = "admin@browser.example.com"
ADMIN_PASSWORD = "browser-" + uuid.uuid4().hex[:12]
START_TIMEOUT = 120.0


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

    def login(self, email: str, password: str) -> Login:
        r = httpx.post(f"{self.url}/api/v2/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        body = r.json()
        return Login(body["token"], body["agent"], email, password)

    def new_agent(self, role: str = "agent", first_name: str = "Ana") -> Login:
        email = f"{role}-{uuid.uuid4().hex[:8]}@browser.example.com"
        password = "pw-" + uuid.uuid4().hex[:12]
        body = {"email": email, "password": password, "firstName": first_name, "lastName": "Tester"}
        r = self.api.post("/agents", json={**body, "role": role})
        assert r.status_code == 201, r.text
        return self.login(email, password)

    def new_customer(self, first_name: str = "María", last_name: str = "López") -> dict[str, Any]:
        phone = "+52155" + str(uuid.uuid4().int)[:8]
        body = {"phoneNumber": phone, "firstName": first_name, "lastName": last_name}
        r = self.api.post("/customers", json=body)
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


def _vhost_url(infra_env: Infra) -> contextlib.AbstractContextManager[tuple[str, str]]:
    """A vhost of its own, so this system never shares queues with the e2e system."""
    if infra_env.rabbit_description.startswith("RabbitMQ at"):
        return vhost(os.environ.get("RABBITMQ_URL", DEFAULT_RABBIT))
    warnings.warn("browser tests share the test broker's default vhost", stacklevel=1)
    return contextlib.nullcontext((infra_env.rabbit_url, "shared"))


def _wait_for_banner(proc: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    seen: list[str] = []
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if proc.poll() is not None:
                break
            continue
        seen.append(line)
        if "Ctrl-C stops everything." in line:
            return
    raise RuntimeError("the system did not start:\n" + "\n".join(seen[-60:]))


@pytest.fixture(scope="session")
def console(infra_env: Infra, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    build = subprocess.run(
        [str(ROOT / "scripts/build_web.sh")],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    port = free_port()
    with _vhost_url(infra_env) as (rabbit_url, _):
        env = {
            **os.environ,
            "RABBITMQ_URL": rabbit_url,
            "GATEWAY_PORT": str(port),
            "ADMIN_EMAIL": ADMIN_EMAIL,
            "ADMIN_PASSWORD": ADMIN_PASSWORD,
            "JWT_SECRET": "browser-" + uuid.uuid4().hex + uuid.uuid4().hex,
            "LOGIN_RATE_LIMIT_ACCOUNT": "1000/minute",
            "LOGIN_RATE_LIMIT_IP": "1000/minute",
            "LOGIN_RATE_LIMIT_ACCOUNT_ALL_IPS": "1000/minute",
            "UTS_DATA_DIR": str(tmp_path_factory.mktemp("console-data")),
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        # Its own process group: teardown stops the host and every child it started.
        proc = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy/run_local.py")],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        lines: queue.Queue[str] = queue.Queue()

        def pump() -> None:
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.put(line.rstrip("\n"))

        threading.Thread(target=pump, daemon=True).start()
        try:
            _wait_for_banner(proc, lines)
            url = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=f"{url}/api/v2", timeout=10) as bootstrap:
                r = bootstrap.post(
                    "/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
                )
                assert r.status_code == 200, r.text
                body = r.json()
            admin = Login(body["token"], body["agent"], ADMIN_EMAIL, ADMIN_PASSWORD)
            headers = {"Authorization": f"Bearer {admin.token}"}
            with httpx.Client(base_url=f"{url}/api/v2", headers=headers, timeout=10) as api:
                yield Console(url, api, admin)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=30)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield chromium
        await chromium.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"report_{report.when}", report)


async def open_page(browser: Browser, viewport: dict[str, int] = DESKTOP) -> Page:
    context = await browser.new_context(viewport=viewport, locale="es-MX")  # type: ignore[arg-type]
    context.set_default_timeout(10_000)
    return await context.new_page()


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    page = await open_page(browser)
    yield page
    await keep_screenshot_if_failed(page, request)
    await page.context.close()


async def keep_screenshot_if_failed(page: Page, request: pytest.FixtureRequest) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed and not page.is_closed():
        RESULTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(RESULTS / f"{request.node.name}.png"), full_page=True)


async def signed_in(page: Page, console: Console, login: Login, path: str = "/tickets") -> Page:
    """Open `path` with `login`'s session already in the tab (what the sign-in screen stores)."""
    await page.add_init_script(
        f"sessionStorage.setItem('uts.token', {json.dumps(login.token)});"
        f"sessionStorage.setItem('uts.agent', {json.dumps(json.dumps(login.agent))});"
    )
    await page.goto(console.url + path)
    return page
