"""Load generation for the benchmarks: wrk driven by generated Lua, and the floors.

Each measured route is a `Load`: a wrk Lua script that builds every request (a random ticket
id, a status that alternates per ticket, a tool call id never used before), so a run measures
real work rather than one cached answer.
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
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "16"))
DURATION = os.environ.get("BENCH_DURATION", "10s")
WARMUP = "3s"


@dataclass(frozen=True)
class Result:
    rps: float
    p50: float
    p99: float
    errors: float
    requests: int = 0
    cpu_ms: dict[str, float] = field(default_factory=dict)
    """CPU time each watched process spent per request (ms): where a route's cost lies."""


Watched = dict[str, int]
"""Process name -> pid, whose CPU time a measurement divides among its requests."""


def broker_pid() -> int | None:
    """The local RabbitMQ's pid (its CPU is part of every routed request), if it runs here."""
    found = subprocess.run(["pgrep", "-o", "beam.smp"], check=False, capture_output=True, text=True)
    return int(found.stdout.split()[0]) if found.stdout.strip() else None


def _cpu_seconds(watched: Watched) -> dict[str, float]:
    ticks = os.sysconf("SC_CLK_TCK")
    seconds = {}
    for name, pid in watched.items():
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            seconds[name] = (int(fields[11]) + int(fields[12])) / ticks  # utime + stime
    return seconds


@dataclass(frozen=True)
class Load:
    origin: str
    script: str


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    # Debian's package; a fresh machine needs its package lists first.
    subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def _lua(value: str) -> str:
    """A Lua long-bracket string literal (no escaping needed)."""
    return f"[==[{value}]==]"


def lua_request(
    method: str,
    url: str,
    headers: dict[str, str],
    *,
    body: dict[str, object] | None = None,
    ids: Sequence[str] = (),
    toggle: Sequence[str] = (),
    tool_call_phone: str | None = None,
) -> Load:
    """A wrk script for `method url`: `{id}` in the path is a random one of `ids`, or, with
    `toggle`, each ticket in turn moved in_progress -> pending_customer -> in_progress."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    all_headers = {"Content-Type": "application/json", **headers}
    lines = [
        "math.randomseed(os.time())",
        "local n = 0",
        "local headers = {"
        + ", ".join(f"[ {_lua(k)} ] = {_lua(v)}" for k, v in all_headers.items())
        + "}",
        f"local ids = {{{', '.join(_lua(i) for i in (toggle or ids))}}}",
        f"local path = {_lua(path)}",
        f"local body = {_lua(json.dumps(body)) if body is not None else 'nil'}",
    ]
    if tool_call_phone is not None:
        arguments = json.dumps(
            {
                "subject": "Poste sin luz",
                "description": "El poste de la esquina no enciende",
                "category": "light_malfunction",
                "priority": "medium",
            }
        )
        run = uuid.uuid4().hex[:8]
        head = f'{{"phone":"{tool_call_phone}","calls":[{{"callId":"call_{run}_'
        tail = f'","name":"create_ticket_report","arguments":{json.dumps(arguments)}}}]}}'
        lines += [f"local head = {_lua(head)}", f"local tail = {_lua(tail)}"]
    lines.append("request = function()")
    lines.append("  n = n + 1")
    if toggle:
        lines += [
            "  local i = (n - 1) % #ids + 1",
            "  local to = (math.floor((n - 1) / #ids) % 2 == 0) and 'pending_customer'"
            " or 'in_progress'",
            "  body = '{\"status\":\"' .. to .. '\"}'",
            "  local p = string.gsub(path, '{id}', ids[i])",
        ]
    elif ids:
        lines.append("  local p = string.gsub(path, '{id}', ids[math.random(#ids)])")
    else:
        lines.append("  local p = path")
    if tool_call_phone is not None:
        lines.append("  body = head .. n .. '_' .. math.random(1000000) .. tail")
    lines += [
        f"  return wrk.format({_lua(method)}, p, headers, body)",
        "end",
        "response = function(status, headers, body)",
        "  if status >= 300 then io.stderr:write('HTTP ' .. status .. ' ' .. body .. '\\n') end",
        "end",
    ]
    return Load(f"{parts.scheme}://{parts.netloc}", "\n".join(lines) + "\n")


def wrk(load: Load, duration: str) -> Result:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(load.script)
    out = subprocess.run(
        [
            ensure_wrk(),
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{duration}",
            "--latency",
            "-s",
            f.name,
            load.origin,
        ],
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


def parse(text: str) -> Result:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))  # type: ignore[union-attr]
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    done = re.search(r"(\d+) requests in", text)
    return Result(
        rps=rps,
        p50=_ms(lat["50"]),
        p99=_ms(lat["99"]),
        errors=float(non2xx.group(1)) if non2xx else 0.0,
        requests=int(done.group(1)) if done else 0,
    )


def measure(load: Load, warmup: Load | None = None, watched: Watched | None = None) -> Result:
    wrk(warmup or load, WARMUP)
    before = _cpu_seconds(watched or {})
    result = wrk(load, DURATION)
    after = _cpu_seconds(watched or {})
    if not result.requests:
        return result
    cpu = {
        name: (after[name] - before[name]) * 1000 / result.requests
        for name in before
        if name in after
    }
    return replace(result, cpu_ms=cpu)


class Floors:
    """The floor apps, kept running through the whole benchmark (idle between measurements):
    FastAPI no-op; + one FastStream `broker.request`; + one request through `RpcClient`. The
    multiplexed floor is measured again beside the routes compared with it, since this
    machine's speed drifts within a run."""

    NAMES = ("noop", "request", "multiplexed")

    def __init__(self, rabbit_url: str) -> None:
        self._env = {**os.environ, "RABBITMQ_URL": rabbit_url}
        self._procs: list[subprocess.Popen[bytes]] = []
        self._base = ""
        self._watched: Watched = {}

    def __enter__(self) -> Floors:
        log = self._log = open("/tmp/uts-bench-floors.log", "wb")
        script = str(ROOT / "bench/floors_app.py")
        echo = subprocess.Popen(
            [sys.executable, script, "echo"], env=self._env, stdout=log, stderr=log
        )
        port = _free_port()
        app = subprocess.Popen(
            [sys.executable, script, str(port)], env=self._env, stdout=log, stderr=log
        )
        self._procs = [app, echo]
        self._base = f"http://127.0.0.1:{port}"
        self._watched = {"gateway": app.pid, "service": echo.pid}
        rabbit = broker_pid()
        if rabbit is not None:
            self._watched["rabbitmq"] = rabbit
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                answer = httpx.post(f"{self._base}/multiplexed", json={"subject": "x"}, timeout=2)
                if answer.status_code == 200:
                    break
            time.sleep(0.3)
        return self

    def __exit__(self, *_: object) -> None:
        for proc in self._procs:
            proc.terminate()
            proc.wait()
        self._log.close()

    def measure(self, name: str) -> Result:
        body = {"subject": "Falla de luminaria en la calle 5"}
        load = lua_request("POST", f"{self._base}/{name}", {}, body=body)
        return measure(load, watched=self._watched)

    def all(self) -> dict[str, Result]:
        return {name: self.measure(name) for name in self.NAMES}


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
