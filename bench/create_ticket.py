"""Benchmark: the gateway's create-ticket path against floors measured here, in the same run.

`make bench` (or `uv run python bench/create_ticket.py`). Load: wrk, 16 connections, 1 thread
(installed from Debian's packages if missing). Prints one table and the verdict against the target
(create >= 60 % of the multiplexed floor's req/s, p99 < 50 ms).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.infra import vhost  # noqa: E402
from tests.support.processes import ProcessGroup, free_port, wait_http_ok  # noqa: E402

CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
WARMUP = "3s"


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    # Debian's package; a fresh machine needs its package lists first.
    subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def wrk(
    url: str, body: dict[str, object], headers: dict[str, str], duration: str
) -> dict[str, float]:
    lua = "wrk.method = 'POST'\n"
    lua += f"wrk.body = {json.dumps(json.dumps(body))}\n"
    for key, value in {"Content-Type": "application/json", **headers}.items():
        lua += f"wrk.headers[{json.dumps(key)}] = {json.dumps(value)}\n"
    lua += (
        "statuses = {}\n"
        "response = function(status, headers, body)\n"
        "  if status >= 300 then io.stderr:write('HTTP ' .. status .. ' ' .. body .. '\\n') end\n"
        "end\n"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(lua)
    out = subprocess.run(
        [ensure_wrk(), "-t1", f"-c{CONNECTIONS}", f"-d{duration}", "--latency", "-s", f.name, url],
        capture_output=True,
        text=True,
        check=True,
    )
    errors = out.stderr.strip().splitlines()
    if errors:
        print(f"  {len(errors)} non-2xx responses, first: {errors[0][:200]}")
    return parse(out.stdout)


def _ms(value: str) -> float:
    number, unit = re.match(r"([\d.]+)(\w+)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def parse(text: str) -> dict[str, float]:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "rps": rps,
        "p50": _ms(lat["50"]),
        "p99": _ms(lat["99"]),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def measure(
    url: str, body: dict[str, object], headers: dict[str, str] | None = None
) -> dict[str, float]:
    wrk(url, body, headers or {}, WARMUP)
    return wrk(url, body, headers or {}, DURATION)


@contextlib.contextmanager
def system(env: dict[str, str]) -> Iterator[tuple[ProcessGroup, int]]:
    procs = ProcessGroup(env)
    try:
        yield procs, free_port()
    finally:
        procs.stop_all()


def floors(procs: ProcessGroup, rabbit_url: str) -> dict[str, dict[str, float]]:
    env = {**os.environ, "RABBITMQ_URL": rabbit_url}
    log = open("/tmp/uts-bench-floors.log", "wb")  # noqa: SIM115
    echo = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/floors_app.py"), "echo"], env=env, stdout=log, stderr=log
    )
    port = free_port()
    app = subprocess.Popen(
        [sys.executable, str(ROOT / "bench/floors_app.py"), str(port)],
        env=env,
        stdout=log,
        stderr=log,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if (
                    httpx.post(f"{base}/multiplexed", json={"subject": "x"}, timeout=2).status_code
                    == 200
                ):
                    break
            time.sleep(0.3)
        body = {"subject": "Falla de luminaria en la calle 5"}
        return {
            name: measure(f"{base}/{name}", body) for name in ("noop", "request", "multiplexed")
        }
    finally:
        for p in (app, echo):
            p.terminate()
            p.wait()


def create_path(rabbit_url: str) -> dict[str, float]:
    port = free_port()
    env = {
        "RABBITMQ_URL": rabbit_url,
        "LOG_LEVEL": "INFO",
        "GATEWAY_PORT": str(port),
        "GATEWAY_REQUIRED_SERVICES": "config,tickets",
        "ADMIN_EMAIL": "bench@example.com",
        "ADMIN_PASSWORD": "bench-password-123",
        "JWT_SECRET": "bench-secret-bench-secret-bench-secret",
    }
    procs = ProcessGroup(env)
    try:
        procs.start("config", "config")
        procs.start("tickets", "tickets")
        procs.start("gateway", "gateway")
        base = f"http://127.0.0.1:{port}"
        wait_http_ok(f"{base}/ready", timeout=60, procs=procs)
        token = httpx.post(
            f"{base}/api/v2/auth/login",
            json={"email": env["ADMIN_EMAIL"], "password": env["ADMIN_PASSWORD"]},
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        customer = httpx.post(
            f"{base}/api/v2/customers",
            json={"phoneNumber": "+525512345678", "firstName": "Bench", "lastName": "Mark"},
            headers=headers,
        ).json()["customer"]
        body = {
            "subject": "Falla de luminaria en la calle 5",
            "description": "La luminaria parpadea desde ayer por la noche",
            "category": "light_malfunction",
            "priority": "high",
            "customerId": customer["id"],
        }
        return measure(f"{base}/api/v2/tickets", body, headers)
    finally:
        procs.stop_all()


def main() -> None:
    base = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
    print(
        f"wrk: 1 thread, {CONNECTIONS} connections, {DURATION} after {WARMUP} warm-up, "
        f"{os.cpu_count()} cores"
    )
    with vhost(base) as (rabbit_url, description):
        print(f"broker: {description}; MongoDB: in-process engine unless MONGODB_URL is set")
        results = floors(ProcessGroup({}), rabbit_url)
        results["create ticket"] = create_path(rabbit_url)
    print(f"\n{'path':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}")
    for name, r in results.items():
        print(f"{name:<16}{r['rps']:>10.0f}{r['p50']:>10.2f}{r['p99']:>10.2f}{r['errors']:>10.0f}")
    create, floor = results["create ticket"], results["multiplexed"]
    ratio = create["rps"] / floor["rps"]
    ok = ratio >= 0.6 and create["p99"] < 50 and create["errors"] == 0
    print(
        f"\ncreate = {ratio:.0%} of the multiplexed floor (target >= 60 %), "
        f"p99 {create['p99']:.1f} ms (target < 50 ms): {'MET' if ok else 'NOT MET'}"
    )


if __name__ == "__main__":
    main()
