"""A container's health check, exit 0 when healthy.

- `python -m uts_shared.healthcheck live|ready`: this process's own probe on its metrics port
  (`METRICS_PORT`, `uts_shared.probes`): what docker compose runs, one container at a time.
- `python -m uts_shared.healthcheck <service>` (config, tickets, ai-tools): the service's
  health RPC over the broker; any replica may answer it, so it says the service answers, not
  that this container does (kept for operators and older deployments).
"""

from __future__ import annotations

import asyncio
import sys
import urllib.error
import urllib.request

from uts_shared.contracts.base import Empty, health_rpc
from uts_shared.messaging import RpcClient, make_broker
from uts_shared.probes import LIVE, READY
from uts_shared.settings import ServiceSettings

PROBES = {"live": LIVE, "ready": READY}


def probe(which: str, timeout: float = 3.0) -> bool:
    """This container's `/health/live` or `/health/ready` answered 200."""
    settings = ServiceSettings()
    if not settings.metrics_port:
        print("METRICS_PORT is not set: the process serves no probes", file=sys.stderr)
        return False
    host = "127.0.0.1" if settings.metrics_host in ("0.0.0.0", "", "::") else settings.metrics_host
    url = f"http://{host}:{settings.metrics_port}{PROBES[which]}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as answer:
            print(answer.read().decode())
            return True
    except urllib.error.HTTPError as exc:
        print(f"{url}: {exc.code} {exc.read().decode(errors='replace')}", file=sys.stderr)
    except OSError as exc:
        print(f"{url}: {exc}", file=sys.stderr)
    return False


async def check(service: str, timeout: float = 3.0) -> bool:
    settings = ServiceSettings()
    broker = make_broker(settings.rabbitmq_url, app_id="healthcheck")
    rpc = RpcClient(broker, timeout=timeout, name="healthcheck")
    await broker.start()
    try:
        status = await rpc.call(health_rpc(service), Empty())
        print(f"{status.service} {status.instance} ok ({status.mongo})")
        return True
    except Exception as exc:
        print(f"{service}: {exc}", file=sys.stderr)
        return False
    finally:
        await broker.stop()


def main(args: list[str]) -> int:
    if len(args) != 1:
        print("usage: python -m uts_shared.healthcheck live|ready|<service>", file=sys.stderr)
        return 2
    healthy = probe(args[0]) if args[0] in PROBES else asyncio.run(check(args[0]))
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
