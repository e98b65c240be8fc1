"""One log format for every process, and the request id that follows a request everywhere.

The gateway takes a request's `X-Request-ID` (or makes one); it travels in the AMQP header
`x-request-id` through every RPC and into every event the request causes (the outbox stores it
with the event), and every log line written while handling it carries it. Text logs by default
(`make run`), JSON with `LOG_FORMAT=json` (compose).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Literal

from pythonjsonlogger.json import JsonFormatter

REQUEST_ID_HEADER = "x-request-id"
LogFormat = Literal["text", "json"]

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being handled in this task, if any."""

_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def accepted_request_id(value: str | None) -> str:
    """A caller's request id when it is a sensible token, else a new one (never echo junk)."""
    return value if value is not None and _VALID.match(value) else uuid.uuid4().hex


@contextmanager
def handling(rid: str | None) -> Iterator[None]:
    """Everything inside logs (and sends on) `rid` as its request id."""
    token = request_id.set(rid)
    try:
        yield
    finally:
        request_id.reset(token)


class _Context(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        record.service = self._service
        return True


def configure_logging(level: str, *, fmt: LogFormat = "text", service: str = "uts") -> None:
    """The process's root handler: level, format and the request-id/service fields."""
    handler = logging.StreamHandler()
    handler.addFilter(_Context(service))
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(service)s %(request_id)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
        )
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(level.upper())
