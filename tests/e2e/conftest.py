"""The whole system as OS processes, started once per test session, driven over HTTP/Socket.IO.

Fixtures (all session-scoped unless noted), on `tests/support/system.py`'s `System`:

- `system`: the backends that are built (a package with `__main__.py`: config, tickets,
  ai-tools), each waited on through its health RPC, and two gateways, waited on through `/ready`.
  A backend whose process dies or stays silent at start is left out (`system.missing` says why)
  and `system.require("tickets")` fails a test that needs it, with the service's log.
  Config runs as two replicas: two processes on a real MongoDB, else two instances in one process
  (`UTS_INSTANCES=2`, sharing its in-process engine, as `make run` does).
- `gateway_url`: root URL of the gateway (`/health`, `/ready`, `/socket.io/`).
- `second_gateway_url`: the second gateway process (`RPC_TIMEOUT=1.5`) of the same system.
- `admin_token`, `admin_api`, `anon_api`: httpx clients on `<gateway>/api/v2`, as the first
  admin / anonymous.
- `agent`, `agent_api` (per test): a fresh non-admin agent created by the admin, signed in.
- `desk`: an agent signed in on the first gateway, with its client, for the session (tickets);
  `colleague`: a second agent (assignee and escalation target).
- `system.rpc`: an `RpcClient` in the test process, on the same broker vhost.

Every test makes its own customers (`tests/support/factories.py`) and scopes its queries by them;
tests that change shared state (configuration) put it back.
"""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator

import httpx
import pytest

from tests.support.desk import AgentLogin, Desk, create_agent
from tests.support.infra import Infra
from tests.support.system import StartFailed, System, open_system, runnable
from tests.support.webhook_receiver import WEBHOOK_TIMINGS

BACKENDS = ("config", "tickets", "ai-tools")


@pytest.fixture(scope="session")
async def system(infra_env: Infra) -> AsyncIterator[System]:
    async with open_system("e2e", infra_env.rabbit_url, infra_env.mongo_url, rpc_timeout=5.0) as s:
        for service in BACKENDS:
            if not runnable(service):  # started only once its package can run
                s.missing[service] = "not built yet (no __main__.py)"
            elif service == "config" and s.real_mongo:
                s.start("config", "config")
                s.start("config-2", "config")
            elif service == "config":
                s.start("config", "config", UTS_INSTANCES="2")
            elif service == "tickets":  # SLA policies of seconds need looks that often
                s.start(service, service, SLA_CHECK_INTERVAL="0.5", **WEBHOOK_TIMINGS)
            else:
                s.start(service, service)
        started = [b for b in BACKENDS if b not in s.missing]
        # The gateways boot while the backends do; they restart only if one of those fails.
        gateways = {"gateway": {}, "gateway-2": {"RPC_TIMEOUT": "1.5"}}
        for name, extra in gateways.items():
            s.start_gateway_process(name, required=started, **extra)
        s.gateway_url = s.url_of("gateway")
        for service in started:
            try:
                await s.wait_service(service)
                s.backends.append(service)
            except StartFailed as exc:
                s.missing[service] = str(exc)
                warnings.warn(f"e2e: {service} left out: {str(exc)[:500]}", stacklevel=1)
                for name in s.names(service):
                    s.stop(name)
        if s.backends != started:
            for name in gateways:
                _, env = s.started[name]
                s.stop(name)
                required = {"GATEWAY_REQUIRED_SERVICES": ",".join(s.backends)}
                s.start(name, "gateway", **{**env, **required})
        for name in gateways:
            await s.wait_ready(s.url_of(name))
        yield s


@pytest.fixture(scope="session")
def gateway_url(system: System) -> str:
    return system.gateway_url


@pytest.fixture(scope="session")
def second_gateway_url(system: System) -> str:
    """Another gateway process (own agents store, same JWT secret), with a 1.5 s RPC timeout."""
    return system.url_of("gateway-2")


@pytest.fixture(scope="session")
async def admin_token(system: System) -> str:
    return await system.login()


@pytest.fixture(scope="session")
async def admin_api(system: System, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    async with system.api(admin_token) as client:
        yield client


@pytest.fixture(scope="session")
async def anon_api(system: System) -> AsyncIterator[httpx.AsyncClient]:
    async with system.api() as client:
        yield client


@pytest.fixture
async def agent(system: System, admin_api: httpx.AsyncClient) -> AgentLogin:
    return await create_agent(system, admin_api)


@pytest.fixture
async def agent_api(system: System, agent: AgentLogin) -> AsyncIterator[httpx.AsyncClient]:
    async with system.api(agent.token) as client:
        yield client


@pytest.fixture(scope="session")
async def desk(system: System, admin_api: httpx.AsyncClient) -> AsyncIterator[Desk]:
    system.require("tickets")
    agent = await create_agent(system, admin_api)
    async with system.api(agent.token) as api:
        yield Desk(agent, api)


@pytest.fixture(scope="session")
async def colleague(system: System, admin_api: httpx.AsyncClient) -> AgentLogin:
    """A second agent: assignee and escalation target."""
    return await create_agent(system, admin_api)
