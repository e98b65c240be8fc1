"""One DEBUG line per message a process handles, with the request id it carries.

A FastStream middleware (`HandledLog`, added by `ServiceHost` and the gateway's broker link)
writes `<destination> handled in <ms> ms: <outcome>` (ok, an error reply's code, dead-lettered)
from the logger `uts_shared.handled`, under the message's `x-request-id`, so `LOG_LEVEL=DEBUG`
shows every request and event a service took, the ones its domain code says nothing about too.
Replies a caller receives are not lines of their own (the call's own log lines say what came of
it). Off DEBUG it costs one level check.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from faststream import BaseMiddleware
from faststream.exceptions import RejectMessage
from faststream.message import StreamMessage

from uts_shared.logs import REQUEST_ID_HEADER, handling

log = logging.getLogger(__name__)

REPLY_QUEUES = "rpc.reply."
"""How every caller's own reply queue is named (`messaging.RpcClient`)."""
OK_REPLY = b'{"ok":true'
_CODE = re.compile(rb'"code":"([a-z_]{1,40})"')


def outcome(result: Any) -> str:
    """`ok`, or the error code of an error reply (an event's handler returns nothing: `ok`)."""
    if isinstance(result, bytes) and not result.startswith(OK_REPLY):
        found = _CODE.search(result)
        return found.group(1).decode() if found else "error"
    return "ok"


class HandledLog(BaseMiddleware):
    """Writes the line once the message was handled (or failed: the exception's type)."""

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        if not log.isEnabledFor(logging.DEBUG):
            return await call_next(msg)
        raw = msg.raw_message
        routing_key: str = getattr(raw, "routing_key", None) or ""
        if routing_key.startswith(REPLY_QUEUES):
            return await call_next(msg)
        exchange = getattr(raw, "exchange", None)
        where = f"{exchange} {routing_key}" if exchange else routing_key
        started = time.perf_counter()
        with handling(msg.headers.get(REQUEST_ID_HEADER)):
            try:
                result = await call_next(msg)
            except RejectMessage:
                log.debug("%s handled in %.1f ms: dead-lettered", where, _ms(started))
                raise
            except BaseException as exc:
                log.debug("%s failed in %.1f ms: %s", where, _ms(started), type(exc).__name__)
                raise
            log.debug("%s handled in %.1f ms: %s", where, _ms(started), outcome(result))
        return result


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
