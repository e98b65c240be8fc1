"""`make run`'s app host (deploy/run_local.py): every service its own process, URLs printed,
a change made through one gateway seen at once through another, Ctrl-C stops everything."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
ADMIN = {"email": "host-admin@example.com", "password": "host-admin-password"}


def _two_free_ports() -> int:
    for _ in range(50):
        port = free_port()
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise RuntimeError("no two consecutive free ports")


def _children(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], check=False, capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie awaiting its parent's wait() no longer runs.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


class Host:
    def __init__(self, proc: subprocess.Popen[str], port: int) -> None:
        self.proc = proc
        self.port = port
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, text: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"{text!r} not printed; output so far:\n" + "\n".join(self.seen))


@pytest.fixture(scope="module")
def host(rabbit_url: str) -> Iterator[Host]:
    port = _two_free_ports()
    env = {
        **os.environ,
        "RABBITMQ_URL": rabbit_url,
        "GATEWAY_PORT": str(port),
        "CONFIG_REPLICAS": "2",
        "GATEWAY_REPLICAS": "2",
        "ADMIN_EMAIL": ADMIN["email"],
        "ADMIN_PASSWORD": ADMIN["password"],
        "JWT_SECRET": "app-host-test-secret-app-host-test-secret",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "deploy/run_local.py")],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    h = Host(proc, port)
    try:
        h.wait_for("Ctrl-C stops everything.")
        yield h
    finally:
        # Children first: once the host is gone they belong to init and can't be found.
        children = _children(proc.pid)
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for child in children:
            if _alive(child):
                os.kill(child, signal.SIGKILL)


def test_app_host_prints_docs_asyncapi_login_and_each_services_mongodb(host: Host) -> None:
    text = "\n".join(host.seen)
    assert f"API docs:      http://127.0.0.1:{host.port}/docs" in text
    assert f"AsyncAPI:      http://127.0.0.1:{host.port}/asyncapi" in text
    assert "Login:         POST" in text and ADMIN["email"] in text
    for service in ("config", "tickets", "ai-tools"):
        assert any(line.startswith(f"{service}:") and "MongoDB" in line for line in host.seen)
    assert httpx.get(f"http://127.0.0.1:{host.port}/ready", timeout=5).status_code == 200
    assert httpx.get(f"http://127.0.0.1:{host.port}/asyncapi.json", timeout=5).status_code == 200


def test_restaurant_preset_applied_through_one_gateway_shows_through_the_other(
    host: Host,
) -> None:
    first, second = (f"http://127.0.0.1:{host.port + i}/api/v2" for i in (0, 1))
    token = httpx.post(f"{first}/auth/login", json=ADMIN, timeout=10).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}

    applied = httpx.post(f"{first}/config/presets/restaurant/apply", headers=auth, timeout=10)
    assert applied.status_code == 200, applied.text

    for _ in range(4):  # both config replicas answer in turn
        cats = httpx.get(f"{second}/config/ticket-categories", headers=auth, timeout=10).json()
        assert "order_issue" in [c["id"] for c in cats["categories"]]
        fmt = httpx.get(f"{second}/config/ticket-id-format", headers=auth, timeout=10).json()
        assert fmt["format"]["prefix"] == "FOOD"
        terms = httpx.get(f"{second}/config/terminology", headers=auth, timeout=10).json()
        assert terms["terminology"]["ticketSingular"] == "caso"
        rendered = httpx.get(f"{second}/config/assistant/rendered", headers=auth, timeout=10)
        tool = next(t for t in rendered.json()["tools"] if t["name"] == "create_ticket_report")
        assert "order_issue" in tool["parameters"]["properties"]["category"]["enum"]


def test_ctrl_c_stops_everything_the_host_started(host: Host) -> None:
    children = _children(host.proc.pid)
    assert len(children) >= 5  # config, tickets, ai-tools, two gateways
    host.proc.send_signal(signal.SIGINT)
    assert host.proc.wait(timeout=30) == 0
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)]
