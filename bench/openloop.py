"""Open-loop latency: requests start on a fixed schedule, whatever the answers do.

A closed loop (wrk's connections each waiting for their answer) hides a stall: while the server
is stuck, no new request is sent, so no request measures the stall (coordinated omission). Here
request n starts at `start + n / rate` and its latency counts from that scheduled moment, so a
request that had to wait for a free connection or a stalled server carries the wait.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass

import httpx

from bench.load import Load, Result, lua_request


@dataclass(frozen=True)
class Route:
    """How to make the n-th request of a measured route (the same rules as `lua_request`)."""

    method: str
    url: str
    headers: dict[str, str]
    body: dict[str, object] | None = None
    ids: Sequence[str] = ()
    toggle: Sequence[str] = ()
    tool_call_phone: str | None = None

    def load(self) -> Load:
        """The same route as a wrk script (the closed-loop measurement)."""
        return lua_request(
            self.method,
            self.url,
            self.headers,
            body=self.body,
            ids=self.ids,
            toggle=self.toggle,
            tool_call_phone=self.tool_call_phone,
        )

    def nth(self, n: int, rnd: random.Random) -> tuple[str, dict[str, object] | None]:
        """The URL and body of request `n` (from 0)."""
        url, body = self.url, self.body
        if self.toggle:
            ticket = self.toggle[n % len(self.toggle)]
            to = "pending_customer" if (n // len(self.toggle)) % 2 == 0 else "in_progress"
            url, body = url.replace("{id}", ticket), {"status": to}
        elif self.ids:
            url = url.replace("{id}", rnd.choice(self.ids))
        if self.tool_call_phone is not None:
            body = {
                "phone": self.tool_call_phone,
                "calls": [
                    {
                        "callId": f"call_open_{n}_{rnd.randrange(10**9)}",
                        "name": "create_ticket_report",
                        "arguments": (
                            '{"subject":"Poste sin luz","description":"El poste de la esquina '
                            'no enciende","category":"light_malfunction","priority":"medium"}'
                        ),
                    }
                ],
            }
        return url, body


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


async def _run(route: Route, rate: float, seconds: float, first: int = 0) -> Result:
    count = int(rate * seconds)
    rnd = random.Random(first)
    requests = [route.nth(first + n, rnd) for n in range(count)]
    latencies: list[float] = []
    errors: list[str] = []
    # Idle connections are dropped before uvicorn's keep-alive timeout (5 s) closes them: a
    # request sent on one the server is closing fails with a read error.
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64, keepalive_expiry=2.0)
    async with httpx.AsyncClient(headers=route.headers, timeout=10, limits=limits) as client:

        async def one(scheduled: float, url: str, body: dict[str, object] | None) -> None:
            answer = await client.request(route.method, url, json=body)
            latencies.append((time.perf_counter() - scheduled) * 1000)
            if answer.status_code >= 300:
                errors.append(f"HTTP {answer.status_code} {answer.text[:200]}")

        start = time.perf_counter() + 0.05
        tasks = []
        for n, (url, body) in enumerate(requests):
            scheduled = start + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(scheduled, url, body)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    if errors:
        print(f"  {len(errors)} non-2xx responses, first: {errors[0]}")
    ordered = sorted(latencies)
    return Result(
        rps=len(ordered) / elapsed,
        p50=_percentile(ordered, 0.50),
        p99=_percentile(ordered, 0.99),
        errors=float(len(errors)),
        requests=len(ordered),
    )


def open_loop(route: Route, *, rate: float = 100.0, seconds: float = 6.0) -> Result:
    """Send `rate` requests a second for `seconds` on a fixed schedule (after a one-second
    warm-up at the same rate); latency from each request's scheduled start."""
    warm = int(rate)
    asyncio.run(_run(route, rate, 1.0))
    return asyncio.run(_run(route, rate, seconds, first=warm))
