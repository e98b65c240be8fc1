"""Floor apps for the benchmark: FastAPI no-op, + one `broker.request`, + one multiplexed RPC.

Run as `python bench/floors_app.py <port>`; `python bench/floors_app.py echo` runs the echo
service all three answer against (a separate process, like a real service).
"""

from __future__ import annotations

import asyncio
import os
import sys
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

from uts_shared.contracts.base import Rpc, WireModel
from uts_shared.messaging import RpcClient, encode, make_broker, serve

URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")


class Echo(WireModel):
    subject: str


ECHO = Rpc("bench.echo", Echo, Echo)


async def echo_service() -> None:
    broker = make_broker(URL, app_id="bench-echo")

    async def echo(req: Echo) -> Echo:
        return req

    serve(broker, ECHO, echo)
    await broker.start()
    await asyncio.Event().wait()


def floors_app() -> FastAPI:
    broker = make_broker(URL, app_id="bench-floors")
    rpc = RpcClient(broker, timeout=5, name="bench")

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> Any:
        await broker.start()
        yield
        await broker.stop()

    app = FastAPI(lifespan=lifespan)

    @app.post("/noop")
    async def noop(body: Echo) -> dict[str, Any]:
        return {"success": True, "subject": body.subject}

    @app.post("/request")
    async def request(body: Echo) -> dict[str, Any]:
        msg = await broker.request(encode(body), queue=ECHO.queue, timeout=5)
        reply = ECHO.reply_model.model_validate_json(msg.body)
        return {"success": True, "subject": reply.result.subject}

    @app.post("/multiplexed")
    async def multiplexed(body: Echo) -> dict[str, Any]:
        result = await rpc.call(ECHO, body)
        return {"success": True, "subject": result.subject}

    return app


if __name__ == "__main__":
    if sys.argv[1] == "echo":
        import uvloop

        uvloop.run(echo_service())
    else:
        uvicorn.run(
            floors_app(),
            host="127.0.0.1",
            port=int(sys.argv[1]),
            loop="uvloop",
            http="httptools",
            log_level="warning",
            access_log=False,
        )
