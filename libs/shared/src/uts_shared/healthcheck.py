"""`python -m uts_shared.healthcheck <service>`: exit 0 when the service answers its health RPC.

Used by docker compose healthchecks for the services that speak only AMQP.
"""

from __future__ import annotations

import asyncio
import sys

from uts_shared.contracts.base import Empty, health_rpc
from uts_shared.messaging import RpcClient, make_broker
from uts_shared.settings import ServiceSettings


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


if __name__ == "__main__":
    sys.exit(0 if asyncio.run(check(sys.argv[1])) else 1)
