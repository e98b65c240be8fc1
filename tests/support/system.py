"""The one way tests start the system as OS processes (end-to-end, faults, browser, app host).

- `System`: services as `python -m <package>` processes on one broker vhost. Each service gets a
  database of this system's own, which every process of that service shares (dropped at the end
  on a real server); each process logs to `LOG_DIR/<system>-<process>.log`. Processes are
  started, stopped (SIGTERM), killed (SIGKILL), frozen (SIGSTOP) and thawed, restarted with the
  environment they were started with. `wait_service` waits for a service's health RPC,
  `wait_ready` for a gateway's `/ready`; both fail at once, with its log, when a process died.
  `system.rpc` is the test's own `RpcClient` on the same vhost; `api` / `login` talk HTTP to a
  gateway as the system's admin or an agent.
- `open_system(...)`: a `System` whose broker connection is open for the body and which is
  closed (processes stopped, databases dropped) whatever happens.
- `AppHost`: `deploy/run_local.py`, what `make run` starts, in a process group of its own, its
  output read line by line (`wait_for("Ctrl-C stops everything.")`).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.processes import LOG_DIR, MODULES, ProcessGroup, free_port
from tests.support.waiting import poll_until
from uts_shared.contracts.base import Empty, HealthStatus, health_rpc
from uts_shared.messaging import RpcClient, make_broker

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = float(os.environ.get("UTS_TEST_START_TIMEOUT", "30"))
"""How long a started service may take to answer (raise it on a machine busy with other work)."""
API = "/api/v2"
__all__ = [
    "LOG_DIR",
    "ROOT",
    "AppHost",
    "StartFailed",
    "System",
    "free_port",
    "open_system",
    "runnable",
]


def runnable(service: str) -> bool:
    """`python -m <service's package>` can run (the package has its `__main__.py`)."""
    return importlib.util.find_spec(f"{MODULES[service]}.__main__") is not None


class StartFailed(RuntimeError):
    """A process died, or a service stayed silent, while the test waited for it."""


class System:
    """Processes of one system: one vhost, databases of its own, log files named after it."""

    def __init__(
        self,
        name: str,
        rabbit_url: str,
        mongo_url: str | None,
        *,
        log_level: str = "INFO",
        rpc_timeout: float = 10.0,
        **env: str,
    ) -> None:
        self.name = name
        self.rabbit_url = rabbit_url
        self.mongo_url = mongo_url
        self.admin_email = f"admin@{name}.example.com"
        self.admin_password = "admin-" + uuid.uuid4().hex[:12]
        self.jwt_secret = f"{name}-" + uuid.uuid4().hex + uuid.uuid4().hex
        self.env: dict[str, str] = {
            "RABBITMQ_URL": rabbit_url,
            "LOG_LEVEL": log_level,
            "JWT_SECRET": self.jwt_secret,
            "ADMIN_EMAIL": self.admin_email,
            "ADMIN_PASSWORD": self.admin_password,
            # Every test signs in from 127.0.0.1: the per-address limit would throttle the suite.
            "LOGIN_RATE_LIMIT_IP": "1000/minute",
            **({"MONGODB_URL": mongo_url} if mongo_url else {}),
            **env,
        }
        self.databases: dict[str, str] = {}
        self.started: dict[str, tuple[str, dict[str, str]]] = {}
        """process name -> (service, the environment it was started with)"""
        self.group = ProcessGroup(self.env)
        """The processes, named `<system>-<process>` (their log files' names too)."""
        self.frozen: set[str] = set()
        self.gateway_url = ""
        """The system's main gateway, once one is started as such."""
        self.backends: list[str] = []
        """The backends that answered at start (a system may leave some out)."""
        self.missing: dict[str, str] = {}
        """Backends left out, and why."""
        self._broker = make_broker(rabbit_url, app_id=f"{name}-tests")
        self.rpc = RpcClient(self._broker, timeout=rpc_timeout, name=f"{name}-tests")

    @property
    def real_mongo(self) -> bool:
        return self.mongo_url is not None

    # --- processes ------------------------------------------------------------------------------

    def database(self, service: str) -> str:
        """The database every process of `service` in this system shares."""
        if service not in self.databases:
            slug = f"{service}_{self.name}".replace("-", "_")
            self.databases[service] = f"uts_{slug}_{uuid.uuid4().hex[:8]}"
        return self.databases[service]

    def start(self, name: str, service: str, **env: str) -> subprocess.Popen[bytes]:
        """Start `python -m <service's package>` as process `name` (no waiting)."""
        env = {"MONGODB_DB": self.database(service), **env}
        self.started[name] = (service, env)
        return self.group.start(self._full(name), service, **env)

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        """Send `sig` and wait for the process to end (SIGKILL after 15 s). A frozen process is
        thawed first to handle it, unless it is SIGKILL (it dies frozen, holding what it held)."""
        if sig != signal.SIGKILL:
            self.thaw(name)
        self.frozen.discard(name)
        self.group.stop(self._full(name), sig)

    def kill(self, name: str) -> None:
        """SIGKILL: no shutdown code runs; the kernel closes its sockets."""
        self.stop(name, signal.SIGKILL)

    async def freeze(self, name: str) -> None:
        """SIGSTOP: the process holds its connections but does nothing (a hung service)."""
        pid = self.pid(name)
        os.kill(pid, signal.SIGSTOP)
        self.frozen.add(name)
        await poll_until(lambda: _state(pid) == "T", what=f"{name} stopped", timeout=5.0)

    def thaw(self, name: str) -> None:
        if name in self.frozen and self.alive(name):
            os.kill(self.pid(name), signal.SIGCONT)
        self.frozen.discard(name)

    async def restart(self, name: str) -> None:
        """Start process `name` again with its original environment; wait until it answers."""
        service, env = self.started[name]
        self.stop(name)
        self.start(name, service, **env)
        if service == "gateway":
            await self.wait_ready(self.url_of(name))
        else:
            await self.wait_service(service)

    def stop_all(self) -> None:
        for name in list(self.frozen):
            self.thaw(name)
        self.group.stop_all()

    def pid(self, name: str) -> int:
        return self.group.procs[self._full(name)].pid

    def alive(self, name: str) -> bool:
        proc = self.group.procs.get(self._full(name))
        return proc is not None and proc.poll() is None

    def names(self, service: str) -> list[str]:
        """Every process started for `service` (e.g. `config`, `config-2`)."""
        return [n for n, (s, _) in self.started.items() if s == service]

    def running(self, service: str) -> list[str]:
        """The processes of `service` running now."""
        return [n for n in self.names(service) if self.alive(n)]

    def url_of(self, gateway: str) -> str:
        return f"http://127.0.0.1:{self.started[gateway][1]['GATEWAY_PORT']}"

    def _full(self, name: str) -> str:
        return f"{self.name}-{name}"

    def log(self, name: str) -> str:
        return self.group.log(self._full(name))

    def logs(self, names: Iterable[str] | None = None) -> str:
        return "\n".join(
            f"--- {n} ---\n{self.log(n)[-2500:]}"
            for n in (self.started if names is None else names)
        )

    def _fail_if_dead(self, names: Iterable[str]) -> None:
        dead = [n for n in names if self._full(n) in self.group.procs and not self.alive(n)]
        if dead:
            raise StartFailed(f"{dead[0]} exited:\n{self.log(dead[0])[-3000:]}")

    # --- waiting for it -------------------------------------------------------------------------

    async def wait_service(self, service: str, timeout: float = START_TIMEOUT) -> HealthStatus:
        """Until one process of `service` answers its health RPC; what it answered.

        `StartFailed` (with the log) as soon as a process of `service` dies, or after `timeout`.
        """
        answers: list[HealthStatus] = []
        last = ""

        async def answered() -> bool:
            nonlocal last
            self._fail_if_dead(self.names(service))
            try:
                answers.append(await self.rpc.call(health_rpc(service), Empty(), timeout=0.5))
            except Exception as exc:
                last = repr(exc)
                return False
            return True

        try:
            await poll_until(answered, what=f"{service} health", timeout=timeout)
        except AssertionError:
            raise StartFailed(
                f"{service} silent for {timeout}s ({last}):\n{self.logs(self.names(service))}"
            ) from None
        return answers[-1]

    async def wait_ready(self, url: str, timeout: float = START_TIMEOUT) -> None:
        """Until `url/ready` says `ready` (every backend the gateway reports answers)."""
        last = ""
        async with httpx.AsyncClient(timeout=2.0) as client:

            async def ready() -> bool:
                nonlocal last
                self._fail_if_dead(self.started)
                try:
                    r = await client.get(f"{url}/ready")
                except httpx.HTTPError as exc:
                    last = repr(exc)
                    return False
                last = f"{r.status_code} {r.text[:300]}"
                return r.status_code == 200 and r.json().get("status") == "ready"

            try:
                await poll_until(ready, what=f"{url}/ready", timeout=timeout, interval=0.1)
            except AssertionError:
                raise StartFailed(
                    f"{url}/ready not ready after {timeout}s: {last}\n{self.logs()}"
                ) from None

    async def start_gateway(
        self, name: str = "gateway", *, required: Iterable[str] | None = None, **env: str
    ) -> str:
        """One more gateway process (requiring `required`, else the system's backends); its
        URL once `/ready`."""
        self.start_gateway_process(name, required=required, **env)
        url = self.url_of(name)
        await self.wait_ready(url)
        return url

    def start_gateway_process(
        self, name: str, *, required: Iterable[str] | None = None, **env: str
    ) -> str:
        """A gateway process on a free port (no waiting); its URL."""
        needed = self.backends if required is None else list(required)
        self.start(
            name,
            "gateway",
            GATEWAY_PORT=str(free_port()),
            GATEWAY_REQUIRED_SERVICES=",".join(needed),
            **env,
        )
        return self.url_of(name)

    def require(self, *services: str) -> None:
        """Fail the calling test if a backend it needs is not running (with why)."""
        for service in services:
            if service not in self.backends:
                pytest.fail(f"{service} is not running: {self.missing.get(service, 'not started')}")

    # --- HTTP -----------------------------------------------------------------------------------

    def api(self, token: str | None = None, base: str | None = None) -> httpx.AsyncClient:
        """An httpx client on `<gateway>/api/v2`, with the bearer token if given."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(
            base_url=(base or self.gateway_url) + API, headers=headers, timeout=10.0
        )

    async def login(
        self, email: str | None = None, password: str | None = None, base: str | None = None
    ) -> str:
        """A token for `email` (the system's admin unless given)."""
        credentials = {
            "email": email or self.admin_email,
            "password": password or self.admin_password,
        }
        async with self.api(base=base) as client:
            r = await client.post("/auth/login", json=credentials)
        assert r.status_code == 200, r.text
        token: str = r.json()["token"]
        return token

    # --- the end --------------------------------------------------------------------------------

    async def open(self) -> None:
        await self._broker.start()

    async def close(self) -> None:
        self.stop_all()
        await self._broker.stop()
        if self.mongo_url is not None and self.databases:
            from pymongo import MongoClient

            client: MongoClient[Any] = MongoClient(self.mongo_url)
            try:
                for db in self.databases.values():
                    client.drop_database(db)
            finally:
                client.close()


@contextlib.asynccontextmanager
async def open_system(
    name: str, rabbit_url: str, mongo_url: str | None, **kwargs: Any
) -> AsyncIterator[System]:
    """A `System` (see its arguments), closed whatever happens."""
    system = System(name, rabbit_url, mongo_url, **kwargs)
    try:
        await system.open()
        yield system
    finally:
        await system.close()


def _state(pid: int) -> str:
    """The process's state letter from /proc (`T` = stopped, `Z` = zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return "?"
    return stat.rsplit(")", 1)[1].split()[0]


def pid_alive(pid: int) -> bool:
    """The process runs (a zombie awaiting its parent's wait() no longer does)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return _state(pid) not in ("Z", "?")


# --- the app host (`make run`) ------------------------------------------------------------------


class AppHost:
    """`deploy/run_local.py` as a person starts it, in a process group of its own."""

    BANNER = "Ctrl-C stops everything."

    def __init__(self, rabbit_url: str, data_dir: Path, port: int, **env: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.seen: list[str] = []
        self._lines: queue.Queue[str] = queue.Queue()
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "deploy/run_local.py")],
            env={
                **os.environ,
                "RABBITMQ_URL": rabbit_url,
                "GATEWAY_PORT": str(port),
                "UTS_DATA_DIR": str(data_dir),
                "LOG_LEVEL": "WARNING",
                "PYTHONUNBUFFERED": "1",
                # Free metrics ports: another host (the browser tests' console) may hold 9100+.
                "METRICS_PORT": "0",
                **env,
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        threading.Thread(target=self._pump, daemon=True).start()

    @classmethod
    def launch(
        cls, rabbit_url: str, data_dir: Path, port: int, *, timeout: float = 90.0, **env: str
    ) -> AppHost:
        """Started, and its banner printed (every service up); stopped again if it fails."""
        host = cls(rabbit_url, data_dir, port, **env)
        deadline = time.monotonic() + timeout
        try:
            host.wait_for(cls.BANNER, timeout)
            # `make run` prints its banner after a minute even when the gateway is not ready
            # yet (a busy machine): wait for it as long as the caller allows.
            host.wait_ready(max(deadline - time.monotonic(), 1.0))
        except BaseException:
            host.stop()
            raise
        return host

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: object = None
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/ready", timeout=2.0).status_code == 200:
                    return
            except httpx.HTTPError as exc:
                last = exc
            time.sleep(0.2)
        raise AssertionError(f"{self.url}/ready not ready after {timeout:.0f}s: {last}")

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 90.0) -> None:
        """Until a line containing `text` is printed (AssertionError with the output if not)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} not printed; output so far:\n" + "\n".join(self.seen[-80:]))

    def children(self) -> list[int]:
        out = subprocess.run(
            ["pgrep", "-P", str(self.proc.pid)], check=False, capture_output=True, text=True
        )
        return [int(p) for p in out.stdout.split()]

    def wait_gone(self, pids: Iterable[int], timeout: float = 10.0) -> list[int]:
        """Until none of `pids` runs; those still running after `timeout`."""
        pids = list(pids)
        deadline = time.monotonic() + timeout
        while (left := [p for p in pids if pid_alive(p)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        return left

    def stop(self, sig: int = signal.SIGINT) -> None:
        """Stop the host and everything it started. SIGINT (Ctrl-C) goes to the host, which stops
        its children; SIGKILL goes to the whole group at once, uncleanly. Anything left is
        killed."""
        children = self.children()
        if sig == signal.SIGKILL:
            self._signal_group(signal.SIGKILL)
        elif self.proc.poll() is None:
            self.proc.send_signal(sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=30)
        self._signal_group(signal.SIGKILL)
        self.proc.wait()
        self.wait_gone(children)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, sig)
