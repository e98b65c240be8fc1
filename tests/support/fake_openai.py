"""A local stand-in for the Responses API endpoints the ai-tools service uses; webhook signing.

`FakeOpenAI` serves `POST /v1/responses` and `GET /v1/responses/{id}` on 127.0.0.1 (a free port,
its own thread and event loop, so both in-process services and OS processes can call it while a
test blocks). It is scriptable and records every request:

- `fake.stored(output=[...], metadata={...})` puts a finished response in place (what OpenAI
  holds when it sends `response.completed`), returning its id.
- `fake.script(*replies)` queues what the next `POST /v1/responses` calls produce: each a list of
  output items (`function_call(...)`, `message(...)`), or `Fail(status)` for an error answer.
  With nothing queued a call answers with the text "OK".
- `fake.requests` / `fake.posts()` hold every request (method, path, JSON body) in order;
  `await fake.wait_posts(n)` waits until `n` creates have arrived.

It also serves `POST /v1/embeddings` (kept apart: `fake.embedded` holds the texts): a text
holding a phrase of `fake.meanings` gets that vector, any other one a pseudo-random direction
of its own (two such texts are never alike), in the float or base64 encoding asked.

`sign(secret, body, ...)` builds the Standard-Webhooks headers OpenAI sends: `webhook-id`,
`webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`,
with the secret given as `whsec_<base64 key>`.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import random
import secrets
import struct
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.processes import free_port

# --- output items -----------------------------------------------------------------------------

_ids = itertools.count(1)


def function_call(name: str, arguments: Any, call_id: str | None = None) -> dict[str, Any]:
    """A `function_call` output item; `arguments` a dict (JSON-encoded here) or a raw string."""
    n = next(_ids)
    return {
        "type": "function_call",
        "id": f"fc_{n:06d}",
        "call_id": call_id or f"call_{secrets.token_hex(8)}",
        "name": name,
        "arguments": arguments if isinstance(arguments, str) else json.dumps(arguments),
        "status": "completed",
    }


def message(text: str) -> dict[str, Any]:
    """An assistant `message` output item with one `output_text` part."""
    return {
        "type": "message",
        "id": f"msg_{next(_ids):06d}",
        "role": "assistant",
        "status": "completed",
        "content": [{"type": "output_text", "text": text, "annotations": []}],
    }


@dataclass(frozen=True)
class Fail:
    """An error answer to one create/retrieve (e.g. 429 rate limit, 500)."""

    status: int
    message: str = "fake failure"
    retry_after_ms: int = 1


@dataclass
class Recorded:
    method: str
    path: str
    body: dict[str, Any] | None
    at: float = field(default_factory=time.time)


# --- webhook signing --------------------------------------------------------------------------


def new_secret() -> str:
    """A webhook secret in OpenAI's format: `whsec_` + base64 of a random key."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(
    secret: str,
    body: str | bytes,
    *,
    webhook_id: str | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The Standard-Webhooks headers for `body` (HMAC-SHA256 over `{id}.{timestamp}.{body}`)."""
    webhook_id = webhook_id or f"wh_{secrets.token_hex(12)}"
    ts = str(int(time.time()) if timestamp is None else timestamp)
    text = body.decode() if isinstance(body, bytes) else body
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{webhook_id}.{ts}.{text}".encode(), hashlib.sha256).digest()
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": ts,
        "webhook-signature": "v1," + base64.b64encode(digest).decode(),
        "content-type": "application/json",
    }


def webhook_body(response_id: str, kind: str = "response.completed") -> str:
    """A webhook payload as OpenAI sends it for a background response."""
    return json.dumps(
        {
            "id": f"evt_{secrets.token_hex(12)}",
            "object": "event",
            "created_at": int(time.time()),
            "type": kind,
            "data": {"id": response_id},
        }
    )


# --- the server -------------------------------------------------------------------------------


class FakeOpenAI:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.requests: list[Recorded] = []
        self.responses: dict[str, dict[str, Any]] = {}
        self._script: deque[list[dict[str, Any]] | Fail] = deque()
        self._fail_retrieve: deque[Fail] = deque()
        self._cond = threading.Condition()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._counter = itertools.count(1)
        self.meanings: dict[str, list[float]] = {}
        self.embedded: list[str] = []

    # --- scripting --------------------------------------------------------------------------

    def script(self, *replies: list[dict[str, Any]] | Fail) -> None:
        with self._cond:
            self._script.extend(replies)

    def fail_retrieve(self, *failures: Fail) -> None:
        with self._cond:
            self._fail_retrieve.extend(failures)

    def stored(
        self,
        output: list[dict[str, Any]],
        *,
        metadata: dict[str, str] | None = None,
        status: str = "completed",
        error: dict[str, str] | None = None,
        incomplete_reason: str | None = None,
    ) -> str:
        """A finished response held by the fake (what a webhook will name); its id."""
        with self._cond:
            response = self._response(
                output, metadata or {}, status, error=error, incomplete_reason=incomplete_reason
            )
            self.responses[response["id"]] = response
            return str(response["id"])

    def reset(self) -> None:
        with self._cond:
            self.requests.clear()
            self._script.clear()
            self._fail_retrieve.clear()
            self.embedded.clear()
            self.meanings.clear()

    # --- what was asked ---------------------------------------------------------------------

    def posts(self) -> list[dict[str, Any]]:
        """The bodies of every `POST /v1/responses`, in order."""
        with self._cond:
            return [r.body or {} for r in self.requests if r.method == "POST"]

    def posts_after(self, previous_response_id: str) -> list[dict[str, Any]]:
        return [p for p in self.posts() if p.get("previous_response_id") == previous_response_id]

    def continued_as(self, previous_response_id: str) -> str:
        """The id of the response a create continuing `previous_response_id` produced."""
        with self._cond:
            return next(
                rid
                for rid, r in self.responses.items()
                if r.get("previous_response_id") == previous_response_id
            )

    def _wait(self, predicate: Any, timeout: float) -> bool:
        with self._cond:
            return self._cond.wait_for(predicate, timeout)

    async def wait_posts(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Until `count` creates have been received; their bodies."""

        def enough() -> bool:
            return sum(1 for r in self.requests if r.method == "POST") >= count

        if not await asyncio.to_thread(self._wait, enough, timeout):
            raise TimeoutError(f"expected {count} POST /v1/responses, got {len(self.posts())}")
        return self.posts()

    async def wait_continuation(
        self, previous_response_id: str, timeout: float = 10.0
    ) -> dict[str, Any]:
        """Until a create continuing `previous_response_id` arrives; its body."""

        def found() -> bool:
            return any(
                r.method == "POST"
                and (r.body or {}).get("previous_response_id") == previous_response_id
                for r in self.requests
            )

        if not await asyncio.to_thread(self._wait, found, timeout):
            raise TimeoutError(f"no continuation of {previous_response_id}")
        return self.posts_after(previous_response_id)[0]

    # --- server -----------------------------------------------------------------------------

    def _response(
        self,
        output: list[dict[str, Any]],
        metadata: dict[str, str],
        status: str,
        *,
        body: dict[str, Any] | None = None,
        error: dict[str, str] | None = None,
        incomplete_reason: str | None = None,
    ) -> dict[str, Any]:
        body = body or {}
        return {
            "id": f"resp_fake{next(self._counter):06d}{secrets.token_hex(4)}",
            "object": "response",
            "created_at": int(time.time()),
            "status": status,
            "background": bool(body.get("background", False)),
            "model": body.get("model", "gpt-4.1-mini"),
            "instructions": body.get("instructions"),
            "metadata": metadata,
            "output": output,
            "parallel_tool_calls": True,
            "previous_response_id": body.get("previous_response_id"),
            "tool_choice": body.get("tool_choice", "auto"),
            "tools": body.get("tools", []),
            "temperature": 1.0,
            "top_p": 1.0,
            "error": error,
            "incomplete_details": {"reason": incomplete_reason} if incomplete_reason else None,
            "usage": {
                "input_tokens": 10,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens": 5,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": 15,
            },
        }

    @staticmethod
    def _error(fail: Fail) -> web.Response:
        kind = "rate_limit_exceeded" if fail.status == 429 else "server_error"
        return web.json_response(
            {"error": {"message": fail.message, "type": kind, "param": None, "code": kind}},
            status=fail.status,
            headers={"retry-after-ms": str(fail.retry_after_ms), "x-should-retry": "true"},
        )

    async def _create(self, request: web.Request) -> web.Response:
        body = await request.json()
        with self._cond:
            self.requests.append(Recorded("POST", request.path, body))
            reply = self._script.popleft() if self._script else [message("OK")]
            self._cond.notify_all()
            if isinstance(reply, Fail):
                return self._error(reply)
            stored = self._response(reply, body.get("metadata") or {}, "completed", body=body)
            self.responses[stored["id"]] = stored
        answer = dict(stored)
        if body.get("background"):
            # Background mode: queued now, completed later (a webhook tells the service).
            answer.update(status="queued", output=[])
        return web.json_response(answer)

    def _meaning(self, text: str, dimensions: int) -> list[float]:
        for phrase, vector in self.meanings.items():
            if phrase in text:
                return (vector + [0.0] * dimensions)[:dimensions]
        draw = random.Random(hashlib.sha256(text.encode()).digest())
        return [draw.gauss(0.0, 1.0) for _ in range(dimensions)]

    async def _embed(self, request: web.Request) -> web.Response:
        body = await request.json()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        dimensions = int(body.get("dimensions") or 1536)
        with self._cond:
            self.embedded.extend(texts)
            vectors = [self._meaning(text, dimensions) for text in texts]
            self._cond.notify_all()
        as_base64 = body.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": i,
                "embedding": (
                    base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() if as_base64 else v
                ),
            }
            for i, v in enumerate(vectors)
        ]
        usage = {"prompt_tokens": 8, "total_tokens": 8}
        return web.json_response(
            {"object": "list", "data": data, "model": body["model"], "usage": usage}
        )

    async def wait_embedded(self, count: int, timeout: float = 10.0) -> list[str]:
        """Until `count` texts were embedded; the texts."""
        if not await asyncio.to_thread(self._wait, lambda: len(self.embedded) >= count, timeout):
            raise AssertionError(f"{len(self.embedded)} of {count} texts embedded")
        with self._cond:
            return list(self.embedded)

    async def _retrieve(self, request: web.Request) -> web.Response:
        response_id = request.match_info["response_id"]
        with self._cond:
            self.requests.append(Recorded("GET", request.path, None))
            self._cond.notify_all()
            if self._fail_retrieve:
                return self._error(self._fail_retrieve.popleft())
            stored = self.responses.get(response_id)
        if stored is None:
            return web.json_response(
                {"error": {"message": f"No response with id '{response_id}'.", "type": "invalid"}},
                status=404,
            )
        return web.json_response(stored)

    def start(self) -> FakeOpenAI:
        self._thread = threading.Thread(target=self._serve, name="fake-openai", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fake OpenAI did not start")
        return self

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        app = web.Application()
        app.router.add_post("/v1/responses", self._create)
        app.router.add_post("/v1/embeddings", self._embed)
        app.router.add_get("/v1/responses/{response_id}", self._retrieve)
        self._runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        loop.run_until_complete(site.start())
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._runner.cleanup())
        loop.close()

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=5)


def outputs_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The `function_call_output` items of a recorded create request, outputs parsed."""
    return [
        {**item, "output": json.loads(item["output"])}
        for item in body["input"]
        if item.get("type") == "function_call_output"
    ]


def category_enum(tools: list[dict[str, Any]]) -> list[str]:
    """The `category` enum of the `create_ticket_report` tool in a recorded request."""
    [create] = [tool for tool in tools if tool["name"] == "create_ticket_report"]
    enum: list[str] = create["parameters"]["properties"]["category"]["enum"]
    return enum
