"""Request bodies over `MAX_BODY_BYTES` are refused with 413 before anything parses them."""

from __future__ import annotations

import re
from collections.abc import Sequence

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.errors import error_response


class BodyLimit:
    """Pure ASGI: a declared `Content-Length` over the limit is answered at once; a body sent
    without one (chunked) is counted as it streams and cut off as soon as it passes the limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        larger: Sequence[tuple[re.Pattern[str], int]] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.larger = tuple(larger)
        """(path pattern, limit) of the routes taking larger bodies (uploads)."""

    def _limit(self, path: str) -> int:
        return next((n for pattern, n in self.larger if pattern.match(path)), self.max_bytes)

    @staticmethod
    def _too_large(limit: int) -> str:
        return f"Request body too large: at most {limit} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope["path"]) if self.larger else self.max_bytes
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await error_response(413, self._too_large(limit))(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Re-raised as is by FastAPI's body reading; the error handlers answer 413.
                    raise HTTPException(413, self._too_large(limit))
            return message

        await self.app(scope, counted, send)
