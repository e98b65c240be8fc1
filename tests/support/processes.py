"""Services as separate OS processes, each with its own log file: the layer under
`tests/support/system.py` (which tests use), and what the benchmarks (`bench/`) start."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

LOG_DIR = Path(os.environ.get("UTS_TEST_LOGS", f"/tmp/uts-test-logs/{os.getpid()}"))

MODULES = {
    "config": "config_service",
    "tickets": "tickets_service",
    "ai-tools": "ai_tools_service",
    "gateway": "gateway",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ProcessGroup:
    """Services started as `python -m <package>`, each with its own log file."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        LOG_DIR.mkdir(parents=True, exist_ok=True)

    def start(self, name: str, service: str, **extra_env: str) -> subprocess.Popen[bytes]:
        env = {**os.environ, **self.env, **extra_env}
        with (LOG_DIR / f"{name}.log").open("ab") as log:  # a restart appends to its log
            proc = subprocess.Popen(
                [sys.executable, "-m", MODULES[service]],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        self.procs[name] = proc
        return proc

    def stop(self, name: str, sig: int = signal.SIGTERM) -> None:
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(sig)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def stop_all(self) -> None:
        for name in list(self.procs):
            self.stop(name)

    def log(self, name: str) -> str:
        with contextlib.suppress(OSError):
            return (LOG_DIR / f"{name}.log").read_text(errors="replace")
        return ""


def wait_http_ok(url: str, timeout: float = 30.0, procs: ProcessGroup | None = None) -> None:
    """Poll `url` until it answers 200; fail with the services' logs otherwise."""
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            r = httpx.get(url, timeout=2.0)
            if r.status_code == 200:
                return
            last = f"{r.status_code} {r.text[:300]}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.2)
    logs = ""
    if procs is not None:
        logs = "\n".join(f"--- {n} ---\n{procs.log(n)[-3000:]}" for n in procs.procs)
    raise TimeoutError(f"{url} not ready after {timeout}s: {last}\n{logs}")
