"""The web console in real Chromium against the whole system, started as `make run` starts it.

- `console`: the system from `deploy/run_local.py` (`tests/support/system.py`'s `AppHost`, on its
  own RabbitMQ vhost, in-process or real MongoDB as the run chooses) after
  `scripts/build_web.sh` made the console's build current. Gives the base URL, the admin's
  credentials and an admin API client (`tests/support/console.py`); its assistant talks to a
  stand-in OpenAI server (`console.openai`), its webhooks may reach this machine.
- `browser`: Debian's Chromium (`/usr/bin/chromium`) driven by Playwright; nothing downloads a
  browser. `CHROMIUM` overrides the path.
- `page` (per test): a 1280x800 page; a failing test leaves a screenshot in
  `test-results/browser/`. `signed_in(page, login)` puts a session in place without typing.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
import warnings
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.support.console import Console, Login, keep_screenshot_if_failed, open_page
from tests.support.fake_openai import FakeOpenAI
from tests.support.infra import Infra, own_vhost
from tests.support.system import ROOT, AppHost, free_port
from tests.support.webhook_receiver import WEBHOOK_TIMINGS

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ADMIN_EMAIL = "admin@browser.example.com"
ADMIN_PASSWORD = "browser-" + uuid.uuid4().hex[:12]
START_TIMEOUT = 120.0


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
    # A vhost of its own, so this system never shares queues with the e2e system.
    with own_vhost(infra_env) as rabbit_url:
        if rabbit_url == infra_env.rabbit_url:
            warnings.warn("browser tests share the test broker's vhost", stacklevel=1)
        openai = FakeOpenAI().start()
        host = AppHost.launch(
            rabbit_url,
            tmp_path_factory.mktemp("console-data"),
            free_port(),
            timeout=START_TIMEOUT,
            ADMIN_EMAIL=ADMIN_EMAIL,
            ADMIN_PASSWORD=ADMIN_PASSWORD,
            JWT_SECRET="browser-" + uuid.uuid4().hex + uuid.uuid4().hex,
            LOGIN_RATE_LIMIT_ACCOUNT="1000/minute",
            LOGIN_RATE_LIMIT_IP="1000/minute",
            LOGIN_RATE_LIMIT_ACCOUNT_ALL_IPS="1000/minute",
            OPENAI_API_KEY="sk-browser-test",
            OPENAI_BASE_URL=openai.url,
            OPENAI_MAX_RETRIES="1",
            WEBHOOK_ALLOW_PRIVATE="true",
            **WEBHOOK_TIMINGS,
        )
        try:
            with httpx.Client(base_url=f"{host.url}/api/v2", timeout=10) as bootstrap:
                r = _first_login(bootstrap)
                assert r.status_code == 200, r.text
                body = r.json()
            admin = Login(body["token"], body["agent"], ADMIN_EMAIL, ADMIN_PASSWORD)
            headers = {"Authorization": f"Bearer {admin.token}"}
            with httpx.Client(base_url=f"{host.url}/api/v2", headers=headers, timeout=10) as api:
                yield Console(host.url, api, admin, rabbit_url=rabbit_url, openai=openai)
        finally:
            host.stop()
            openai.stop()


def _first_login(client: httpx.Client) -> httpx.Response:
    """The admin's sign-in, once the gateway answers: on a busy machine the host may print its
    banner before the gateway's port is open (it waits 60 s for `/ready`, then goes on)."""
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        try:
            return client.post(
                "/auth/login", json={"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}
            )
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


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


@pytest.fixture
async def page(browser: Browser, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    page = await open_page(browser)
    yield page
    await keep_screenshot_if_failed(page, request)
    await page.context.close()
