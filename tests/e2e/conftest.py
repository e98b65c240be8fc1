"""The whole system as OS processes, started once per test session, driven over HTTP/Socket.IO.

Fixtures (all session-scoped unless noted):

- `system`: the backends that are built (a package with `__main__.py`: config, tickets,
  ai-tools), each waited on through its health RPC, and two gateways, waited on through `/ready`.
  A backend whose process dies or stays silent at start is left out (`system.missing` says why)
  and `system.require("tickets")` fails a test that needs it, with the service's log.
  Config runs as two replicas: two processes on a real MongoDB, else two instances in one process
  (`UTS_INSTANCES=2`, sharing its in-process engine, as `make run` does).
- `gateway_url`: root URL of the gateway (`/health`, `/ready`, `/socket.io/`).
- `admin_api`, `anon_api`: httpx clients on `<gateway>/api/v2`, as the first admin / anonymous.
- `agent_api` (per test): a fresh non-admin agent created by the admin, signed in.
- `second_gateway_url`: the second gateway process (`RPC_TIMEOUT=1.5`) of the same system.
- `system.rpc`: an `RpcClient` in the test process, on the same broker vhost.

Helpers on `system`: `api(token, base)`, `login(email, password, base)`, `start_gateway(name,
**env)`, `start_service(name, service, **env)`, `wait_service(service)`, `names(service)`,
`stop(name)`, `restart(name)`, `log(name)`, `require(*services)`.
Tests that change shared state (configuration) put it back.
"""

from __future__ import annotations

import asyncio
import importlib.util
import time
import uuid
import warnings
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.support.infra import Infra
from tests.support.processes import MODULES, ProcessGroup, free_port, wait_http_ok
from uts_shared.contracts.base import Empty, health_rpc
from uts_shared.messaging import RpcClient, make_broker

BACKENDS = ("config", "tickets", "ai-tools")
API = "/api/v2"
JWT_SECRET = "e2e-" + uuid.uuid4().hex + uuid.uuid4().hex
ADMIN_EMAIL = "admin@e2e.example.com"
ADMIN_PASSWORD = "admin-" + uuid.uuid4().hex[:12]
START_TIMEOUT = 30.0


def built(service: str) -> bool:
    """A backend is started only once its package can run (`python -m <package>`)."""
    return importlib.util.find_spec(f"{MODULES[service]}.__main__") is not None


@dataclass
class AgentLogin:
    id: str
    email: str
    password: str
    token: str


@dataclass
class System:
    procs: ProcessGroup
    env: dict[str, str]
    rpc: RpcClient
    real_mongo: bool
    gateway_url: str = ""
    second_gateway_url: str = ""
    services: list[str] = field(default_factory=list)
    missing: dict[str, str] = field(default_factory=dict)
    admin_email: str = ADMIN_EMAIL
    admin_password: str = ADMIN_PASSWORD
    _started: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)

    # --- processes ------------------------------------------------------------------------------

    def start_service(self, name: str, service: str, **env: str) -> None:
        """Start `python -m <service's package>` as process `name` (no waiting)."""
        self._started[name] = (service, env)
        self.procs.start(name, service, **env)

    def start_gateway(self, name: str, **env: str) -> str:
        """Start one more gateway process on this system; returns its URL once `/ready`."""
        port = free_port()
        self.start_service(
            name,
            "gateway",
            GATEWAY_PORT=str(port),
            GATEWAY_REQUIRED_SERVICES=",".join(self.services),
            **env,
        )
        url = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{url}/ready", timeout=START_TIMEOUT, procs=self.procs)
        return url

    async def wait_service(self, service: str, timeout: float = START_TIMEOUT) -> None:
        """Until `service` answers its health RPC; `RuntimeError` if its process dies first."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            dead = [
                n
                for n, (s, _) in self._started.items()
                if s == service and n in self.procs.procs and self.procs.procs[n].poll() is not None
            ]
            if dead:
                raise RuntimeError(f"{dead[0]} exited at start:\n{self.log(dead[0])[-3000:]}")
            try:
                await self.rpc.call(health_rpc(service), Empty(), timeout=0.5)
                return
            except Exception as exc:
                last = str(exc)
        raise RuntimeError(
            f"{service} silent for {timeout}s ({last}):\n{self.log(service)[-3000:]}"
        )

    def stop(self, name: str) -> None:
        self.procs.stop(name)

    def names(self, service: str) -> list[str]:
        """The processes started for `service` (e.g. `config`, `config-2`)."""
        return [n for n, (s, _) in self._started.items() if s == service]

    async def restart(self, name: str) -> None:
        """Start a stopped process again with its original environment; wait until it answers."""
        service, env = self._started[name]
        self.procs.stop(name)
        self.procs.start(name, service, **env)
        if service == "gateway":
            wait_http_ok(
                f"http://127.0.0.1:{env['GATEWAY_PORT']}/ready", START_TIMEOUT, procs=self.procs
            )
        else:
            await self.wait_service(service)

    def log(self, name: str) -> str:
        return self.procs.log(name)

    def require(self, *services: str) -> None:
        """Fail the calling test if a backend it needs is not running (with why)."""
        for service in services:
            if service not in self.services:
                pytest.fail(f"{service} is not running: {self.missing.get(service, 'not started')}")

    # --- HTTP -----------------------------------------------------------------------------------

    def api(self, token: str | None = None, base: str | None = None) -> httpx.AsyncClient:
        """An httpx client on `<gateway>/api/v2`, with the bearer token if given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(
            base_url=(base or self.gateway_url) + API, headers=headers, timeout=10.0
        )

    async def login(self, email: str, password: str, base: str | None = None) -> str:
        async with self.api(base=base) as client:
            r = await client.post("/auth/login", json={"email": email, "password": password})
        assert r.status_code == 200, r.text
        token: str = r.json()["token"]
        return token


def _url(gateway_env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{gateway_env['GATEWAY_PORT']}"


@pytest.fixture(scope="session")
async def system(service_env: dict[str, str], infra_env: Infra) -> AsyncIterator[System]:
    env = {
        **service_env,
        "JWT_SECRET": JWT_SECRET,
        "ADMIN_EMAIL": ADMIN_EMAIL,
        "ADMIN_PASSWORD": ADMIN_PASSWORD,
        # Every test signs in from 127.0.0.1: the per-address limit would throttle the suite.
        "LOGIN_RATE_LIMIT_IP": "1000/minute",
    }
    broker = make_broker(infra_env.rabbit_url, app_id="e2e-tests")
    rpc = RpcClient(broker, timeout=5.0, name="e2e-tests")
    await broker.start()
    procs = ProcessGroup(env)
    sys_ = System(procs=procs, env=env, rpc=rpc, real_mongo=infra_env.real_mongo)
    try:
        for service in BACKENDS:
            if not built(service):
                sys_.missing[service] = "not built yet (no __main__.py)"
                continue
            if service == "config" and sys_.real_mongo:
                sys_.start_service("config", "config")
                sys_.start_service("config-2", "config")
            elif service == "config":
                sys_.start_service("config", "config", UTS_INSTANCES="2")
            else:
                sys_.start_service(service, service)
        started = [s for s in BACKENDS if s not in sys_.missing]
        # The gateways boot while the backends do; they restart only if one of those fails.
        gateways: dict[str, dict[str, str]] = {}
        for name, extra in (("gateway", {}), ("gateway-2", {"RPC_TIMEOUT": "1.5"})):
            port = free_port()
            gateways[name] = {
                "GATEWAY_PORT": str(port),
                "GATEWAY_REQUIRED_SERVICES": ",".join(started),
                **extra,
            }
            sys_.start_service(name, "gateway", **gateways[name])
        sys_.gateway_url = _url(gateways["gateway"])
        sys_.second_gateway_url = _url(gateways["gateway-2"])
        for service in started:
            try:
                await sys_.wait_service(service)
                sys_.services.append(service)
            except RuntimeError as exc:
                sys_.missing[service] = str(exc)
                warnings.warn(f"e2e: {service} left out: {str(exc)[:500]}", stacklevel=1)
                for name in sys_.names(service):
                    procs.stop(name)
        for name, env_ in gateways.items():
            if sys_.services != started:
                env_["GATEWAY_REQUIRED_SERVICES"] = ",".join(sys_.services)
                procs.stop(name)
                sys_.start_service(name, "gateway", **env_)
        for env_ in gateways.values():
            wait_http_ok(f"{_url(env_)}/ready", timeout=START_TIMEOUT, procs=procs)
        yield sys_
    finally:
        procs.stop_all()
        await broker.stop()


@pytest.fixture(scope="session")
def gateway_url(system: System) -> str:
    return system.gateway_url


@pytest.fixture(scope="session")
async def admin_token(system: System) -> str:
    return await system.login(system.admin_email, system.admin_password)


@pytest.fixture(scope="session")
async def admin_api(system: System, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with system.api(admin_token) as client:
        yield client


@pytest.fixture(scope="session")
async def anon_api(system: System) -> AsyncIterator[httpx.AsyncClient]:
    async with system.api() as client:
        yield client


async def create_agent(
    system: System, admin_api: httpx.AsyncClient, role: str = "agent", **fields: Any
) -> AgentLogin:
    """A new agent (unique email) created by the admin, and signed in."""
    email = f"agent-{uuid.uuid4().hex[:10]}@e2e.example.com"
    password = "pw-" + uuid.uuid4().hex[:12]
    body = {"email": email, "password": password, "firstName": "Ana", "lastName": "Agent"}
    r = await admin_api.post("/agents", json={**body, "role": role, **fields})
    assert r.status_code == 201, r.text
    token = await system.login(email, password)
    return AgentLogin(r.json()["agent"]["id"], email, password, token)


@pytest.fixture
async def agent(system: System, admin_api: httpx.AsyncClient) -> AgentLogin:
    return await create_agent(system, admin_api)


@pytest.fixture
async def agent_api(system: System, agent: AgentLogin) -> AsyncIterator[httpx.AsyncClient]:
    async with system.api(agent.token) as client:
        yield client


@pytest.fixture(scope="session")
def second_gateway_url(system: System) -> str:
    """Another gateway process (own agents store, same JWT secret), with a 1.5 s RPC timeout."""
    return system.second_gateway_url


async def eventually(check: Any, timeout: float = 5.0) -> None:
    """Re-run an async assertion until it passes or `timeout` runs out (then re-raise)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)
