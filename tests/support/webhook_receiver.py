"""A real HTTP receiver for outbound webhooks: an aiohttp server on a free port of 127.0.0.1, in
the test's event loop, recording every request it gets and answering the statuses it is told.

    async with webhook_receiver() as receiver:
        receiver.answers = [500, 500]      # then `default` (200)
        ...register receiver.url...
        [hit] = await receiver.received.wait_for(lambda h: True)
        payload = hit.verified(secret)     # the Standard Webhooks signature checked
"""

from __future__ import annotations

import contextlib
import json
import ssl
import subprocess
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook

from tests.support.waiting import Arrivals

WEBHOOK_TIMINGS = {
    "WEBHOOK_RETRY_BASE": "0.1",
    "WEBHOOK_RETRY_CAP": "0.5",
    "WEBHOOK_RETRY_WINDOW": "5",
    "WEBHOOK_POLL_INTERVAL": "0.2",
    "WEBHOOK_TIMEOUT": "3",
}
"""Webhook retries within seconds (a day by default); receivers run on 127.0.0.1, which
development settings allow."""


@dataclass(frozen=True)
class Hit:
    """One request the receiver got, and what it answered."""

    path: str
    headers: dict[str, str]
    body: bytes
    answered: int

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]

    def verified(self, secret: str) -> dict[str, Any]:
        """The payload, once its Standard Webhooks signature checks out with `secret` (raises
        `WebhookVerificationError` otherwise)."""
        payload: dict[str, Any] = Webhook(secret).verify(self.body, self.headers)
        return payload


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    port: int = 0
    answers: list[int] = field(default_factory=list)
    """Statuses to answer, in order, before `default`."""
    default: int = 200
    scheme: str = "http"
    received: Arrivals[Hit] = field(default_factory=lambda: Arrivals("webhook requests"))

    def url_for(self, path: str = "/hooks") -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    @property
    def url(self) -> str:
        return self.url_for()

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        status = self.answers.pop(0) if self.answers else self.default
        headers = {k.lower(): v for k, v in request.headers.items()}
        await self.received.add(Hit(request.path, headers, body, status))
        return web.Response(status=status, text="ok" if status < 300 else "no")


@contextlib.asynccontextmanager
async def webhook_receiver(
    *, default: int = 200, tls: ssl.SSLContext | None = None
) -> AsyncIterator[Receiver]:
    """A receiver answering `default` (after its `answers`); HTTPS with `tls`."""
    receiver = Receiver(default=default, scheme="https" if tls else "http")
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, receiver.host, 0, ssl_context=tls)
    await site.start()
    receiver.port = runner.addresses[0][1]
    try:
        yield receiver
    finally:
        await runner.cleanup()


@dataclass(frozen=True)
class ThrowawayTls:
    """A certificate for `name` from a test authority: the receiver's and the sender's side."""

    name: str
    server: ssl.SSLContext
    client: ssl.SSLContext


def throwaway_tls(directory: Path, name: str = "hooks.test") -> ThrowawayTls:
    """A throwaway authority and a certificate for `name` signed by it (the `openssl` command
    line; FileNotFoundError when it is missing)."""

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=directory, check=True, capture_output=True)

    curve = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes")
    authority = ("-subj", "/CN=uts test authority")
    openssl("req", "-x509", *curve, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", *authority)
    openssl("req", *curve, "-keyout", "leaf.key", "-out", "leaf.csr", "-subj", f"/CN={name}")
    (directory / "leaf.ext").write_text(
        f"subjectAltName=DNS:{name}\nbasicConstraints=CA:FALSE\n"
        "keyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n"
    )
    openssl(
        "x509", "-req", "-in", "leaf.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "leaf.pem", "-days", "2", "-extfile", "leaf.ext",
    )  # fmt: skip
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(directory / "leaf.pem", directory / "leaf.key")
    client = ssl.create_default_context(cafile=str(directory / "ca.pem"))
    return ThrowawayTls(name, server, client)
