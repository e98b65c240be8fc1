"""The local app host behind `make run`: every service as its own OS process, plus the gateway.

MongoDB is chosen once, as docs/STORAGE.md says: MONGODB_URL, else a Docker engine's
throwaway container, else each service's embedded engine, keeping its data under UTS_DATA_DIR
(default `var/data` in the checkout): stop and start again, and everything is still there.
Replicas: CONFIG_REPLICAS, TICKETS_REPLICAS, AI_TOOLS_REPLICAS, GATEWAY_REPLICAS (default 1).
With a real MongoDB each replica is its own process; on the in-process engine replicas of a
service run inside one process (UTS_INSTANCES) so they share its data.
Every process gets a metrics port of its own (`/metrics`, `/health/live`, `/health/ready`):
METRICS_PORT, METRICS_PORT+1, ... (default 9100), or free ones with METRICS_PORT=0; the banner
lists them.
Ctrl-C stops everything this script started.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "libs/shared/src"))

from uts_shared.mongo import choose_mongo, mongo_container  # noqa: E402

SERVICES = [
    ("config", "config_service"),
    ("tickets", "tickets_service"),
    ("ai-tools", "ai_tools_service"),
]


def _replicas(name: str) -> int:
    return max(1, int(os.environ.get(f"{name.upper().replace('-', '_')}_REPLICAS", "1")))


def _available(module: str) -> bool:
    return importlib.util.find_spec(f"{module}.__main__") is not None


class MetricsPorts:
    """The next process's metrics port: consecutive from a base, or any free one (base 0)."""

    def __init__(self, base: int) -> None:
        self._next = base

    def take(self) -> int:
        if self._next == 0:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                return int(s.getsockname()[1])
        port, self._next = self._next, self._next + 1
        return port


class Children:
    """The processes this script started, with their metrics ports."""

    def __init__(self, env: dict[str, str], ports: MetricsPorts) -> None:
        self._env = env
        self._ports = ports
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.metrics: list[tuple[str, int]] = []

    def start(self, label: str, module: str, **extra: str) -> None:
        port = self._ports.take()
        self.metrics.append((label, port))
        env = {**self._env, "METRICS_HOST": "127.0.0.1", "METRICS_PORT": str(port), **extra}
        self.procs.append((label, subprocess.Popen([sys.executable, "-m", module], env=env)))


def _metrics_base(env: dict[str, str]) -> int:
    raw = env.get("METRICS_PORT", "9100").strip() or "9100"
    if not raw.isdigit() or int(raw) > 65535:
        raise SystemExit(f"METRICS_PORT={raw!r}: a port number, or 0 for free ones")
    return int(raw)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


JWT_SECRET_FILE = "jwt-secret"
JWT_PREVIOUS_FILE = "jwt-previous-secrets"
"""Keys rotated out by `uts-admin jwt rotate`, one a line, newest first: they still verify."""


def _kept_secret(data_dir: Path | None) -> str:
    """The JWT secret: kept beside the data, so a restart logs nobody out."""
    if data_dir is None:
        return os.urandom(24).hex()
    path = data_dir / JWT_SECRET_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(os.urandom(24).hex())
    return path.read_text().strip()


def _kept_previous_secrets(data_dir: Path | None) -> str:
    """The keys `uts-admin jwt rotate` moved out, as JWT_PREVIOUS_SECRETS (a comma list)."""
    path = None if data_dir is None else data_dir / JWT_PREVIOUS_FILE
    if path is None or not path.exists():
        return ""
    return ",".join(line.strip() for line in path.read_text().splitlines() if line.strip())


def _environment() -> tuple[dict[str, str], str | None, Path | None]:
    """The services' environment, the admin password when this run generated it, and the
    embedded engine's data directory (None with a MongoDB server)."""
    env = dict(os.environ)
    env.setdefault("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    env.setdefault("ADMIN_EMAIL", "admin@example.com")
    env.setdefault("GATEWAY_HOST", "127.0.0.1")
    env.setdefault("GATEWAY_PORT", "8000")
    data_dir = None
    if not env.get("MONGODB_URL"):
        data_dir = Path(env.setdefault("UTS_DATA_DIR", str(ROOT / "var" / "data"))).resolve()
        env["UTS_DATA_DIR"] = str(data_dir)
    if "JWT_SECRET" not in env:
        env["JWT_SECRET"] = _kept_secret(data_dir)
        env.setdefault("JWT_PREVIOUS_SECRETS", _kept_previous_secrets(data_dir))
    # One admin password for every gateway replica, shown only when the admin is first made.
    first_run = data_dir is None or not (data_dir / "uts_gateway").exists()
    generated = None
    if not env.get("ADMIN_PASSWORD"):
        env["ADMIN_PASSWORD"] = secrets.token_urlsafe(12)
        generated = env["ADMIN_PASSWORD"] if first_run else None
    return env, generated, data_dir


def main() -> int:
    # Ctrl-C even when started with SIGINT ignored (a background job); `kill` too.
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    env, generated, data_dir = _environment()
    host, port = env["GATEWAY_HOST"], int(env["GATEWAY_PORT"])

    with contextlib.ExitStack() as stack:
        choice = choose_mongo(env.get("MONGODB_URL"), data_dir)
        if choice.kind == "container":
            env["MONGODB_URL"] = stack.enter_context(mongo_container())
            env.pop("UTS_DATA_DIR", None)
            print(f"MongoDB: throwaway Docker container at {env['MONGODB_URL']}")
        else:
            print(f"MongoDB: {choice.describe()}")
        shared_engine = "MONGODB_URL" not in env

        children = Children(env, MetricsPorts(_metrics_base(env)))
        procs = children.procs
        # Whatever ends this block (Ctrl-C, SIGTERM, a crash while starting) stops every child.
        stack.callback(_stop_all, procs)
        start = children.start

        running: list[str] = []
        for name, module in SERVICES:
            if not _available(module):
                print(f"{name}: not built yet, skipped")
                continue
            running.append(name)
            n = _replicas(name)
            if shared_engine:
                start(name, module, UTS_INSTANCES=str(n))
            else:
                for i in range(n):
                    start(f"{name}#{i + 1}", module)
            where = "embedded engine (own database)" if shared_engine else "MONGODB_URL"
            print(f"{name}: {n} replica(s), MongoDB: {where}")

        gateways = _replicas("gateway")
        for i in range(gateways):
            extra = {}
            if data_dir is not None and i > 0:  # one process per embedded database
                extra["UTS_DATA_DIR"] = str(data_dir / f"gateway-{i + 1}")
            start(
                f"gateway#{i + 1}",
                "gateway",
                GATEWAY_PORT=str(port + i),
                GATEWAY_REQUIRED_SERVICES=",".join(running),
                **extra,
            )
        if data_dir is not None and gateways > 1:
            print("gateways: each replica keeps its own agents on the embedded engine")

        try:
            _wait_ready(f"http://{host}:{port}/ready", procs)
            _banner(host, port, gateways, env["ADMIN_EMAIL"], password=generated, data_dir=data_dir)
            _metrics_banner(children.metrics)
            print("Ctrl-C stops everything.", flush=True)
            while all(p.poll() is None for _, p in procs):
                time.sleep(0.5)
        except KeyboardInterrupt:
            print("\nstopping…")
            return 0
        dead = [label for label, p in procs if p.poll() is not None]
        print(f"stopped: {', '.join(dead)} exited; shutting down the rest")
        return 1


def _stop_all(procs: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    # A second Ctrl-C must not cut the shutdown short and leave children behind.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    for _, p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for _, p in procs:
        try:
            p.wait(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()


def _banner(
    host: str, port: int, gateways: int, admin: str, *, password: str | None, data_dir: Path | None
) -> None:
    base = f"http://{host}:{port}"
    print()
    for i in range(gateways):
        print(f"gateway #{i + 1}: http://{host}:{port + i}")
    print(f"Web console:   {base}/  (build: make web)")
    print(f"API docs:      {base}/docs")
    print(f"AsyncAPI:      {base}/asyncapi")
    print(f"Login:         POST {base}/api/v2/auth/login  (admin: {admin})")
    if password:
        print(f"Admin password (generated, shown once; set ADMIN_PASSWORD to choose): {password}")
    if data_dir is not None:
        print(f"Data:          kept in {data_dir} (delete it to start afresh)")


def _metrics_banner(metrics: list[tuple[str, int]]) -> None:
    print("Metrics and probes (/metrics, /health/live, /health/ready):")
    width = max(len(label) for label, _ in metrics)
    for label, port in metrics:
        print(f"  {label.ljust(width)}  http://127.0.0.1:{port}")


def _wait_ready(url: str, procs: list[tuple[str, subprocess.Popen[bytes]]]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if any(p.poll() is not None for _, p in procs):
            return
        with contextlib.suppress(httpx.HTTPError, ValueError):
            r = httpx.get(url, timeout=2)
            if r.status_code == 200 and r.json().get("status") == "ready":  # every service up
                return
        time.sleep(0.3)
    print(f"warning: {url} did not report ready within 60 s")


if __name__ == "__main__":
    sys.exit(main())
