"""The process's one broker connection and its multiplexed `RpcClient`."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import Depends, Request

from uts_shared.contracts.base import Empty, HealthStatus, health_rpc
from uts_shared.handled import HandledLog
from uts_shared.messaging import QueueType, RpcClient, make_broker

log = logging.getLogger(__name__)


class BrokerLink:
    """One broker connection per gateway process; routes call services through `client`."""

    def __init__(
        self,
        rabbitmq_url: str,
        *,
        name: str,
        timeout: float,
        queue_type: QueueType = "classic",
    ) -> None:
        self.broker = make_broker(
            rabbitmq_url, app_id=name, metrics_name="gateway", queue_type=queue_type
        )
        self.broker.add_middleware(HandledLog)
        self.client = RpcClient(self.broker, timeout=timeout, name=name)

    async def start(self) -> None:
        await self.broker.start()

    async def stop(self) -> None:
        await self.broker.stop()

    async def connected(self, timeout: float) -> bool:
        return await self.broker.ping(timeout=timeout)

    async def health(self, services: list[str], *, timeout: float) -> dict[str, dict[str, Any]]:
        """Ask every service's health RPC at once; each answers within `timeout` or is down."""

        async def ask(service: str) -> dict[str, Any]:
            try:
                status: HealthStatus = await self.client.call(
                    health_rpc(service), Empty(), timeout=timeout
                )
            except Exception as exc:
                log.debug("health of %s: %s", service, exc)
                return {"ok": False, "error": str(exc)}
            return {"ok": True, "instance": status.instance, "mongo": status.mongo}

        answers = await asyncio.gather(*(ask(s) for s in services))
        return dict(zip(services, answers, strict=True))


async def rpc_client(request: Request) -> RpcClient:
    client: RpcClient = request.app.state.broker_link.client
    return client


RpcDep = Annotated[RpcClient, Depends(rpc_client)]
"""The gateway's `RpcClient`: `await rpc.call(config.GET_CATEGORIES, Empty())`."""
