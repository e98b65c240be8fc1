"""One log format for every process, and the request id that follows a request everywhere.

The gateway takes a request's `X-Request-ID` (or makes one); it travels in the AMQP header
`x-request-id` through every RPC and into every event the request causes (the outbox stores it
with the event), and every log line written while handling it carries it. Text logs by default
(`make run`), JSON with `LOG_FORMAT=json` (compose). A text line's control characters are
escaped (a value such as a path with a newline can't write a line of its own); JSON escapes them
itself. `LOG_LEVEL=DEBUG` opens our own loggers only: libraries stay at WARNING (aiormq at DEBUG
dumps raw AMQP frames, webhook secrets and ticket bodies among them) unless `LOG_LEVELS` names
them (`aiormq=DEBUG,faststream=INFO`).
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
OUR_LOGGERS = (
    "uts_shared",
    "config_service",
    "tickets_service",
    "ai_tools_service",
    "gateway",
)
"""The packages whose loggers `LOG_LEVEL=DEBUG` opens; every other logger stays at WARNING."""
SELF_LEVELLED = ("faststream",)
"""Libraries that give their logger a level of their own at import (so the root's is not enough)."""
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


_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, 0x85)} | {
    0x0A: "\\n",
    0x0D: "\\r",
    0x09: "\\t",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def escape_controls(text: str) -> str:
    """`text` with every control character (and Unicode line separator) written as an escape."""
    if text.isprintable():
        return text
    return text.translate(_CONTROL)


class _EscapingFormatter(logging.Formatter):
    """Escapes the line itself; an exception's traceback that follows keeps its lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        return escape_controls(super().formatMessage(record))


def _levels(spec: str) -> dict[str, int]:
    """`"aiormq=DEBUG, faststream=info"` -> {"aiormq": 10, "faststream": 20}."""
    levels: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        name, _, level = item.partition("=")
        value = logging.getLevelName(level.strip().upper())
        if not name.strip() or not isinstance(value, int):
            raise ValueError(f"LOG_LEVELS: {item!r} is not logger=LEVEL (e.g. aiormq=DEBUG)")
        levels[name.strip()] = value
    return levels


class _Context(logging.Filter):
    def __init__(self, service: str, instance: str) -> None:
        super().__init__()
        self._service = service
        self._instance = instance

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get() or "-"
        record.service = self._service
        record.instance = self._instance
        return True


_named: set[str] = set()
"""Loggers given a level of their own by the last `configure_logging` (reset by the next)."""


def configure_logging(
    level: str,
    *,
    fmt: LogFormat = "text",
    service: str = "uts",
    levels: str = "",
    instance: str = "-",
) -> None:
    """The process's root handler: level, format and the request-id/service/instance fields
    (`instance`: the process's id, as its traces' `service.instance.id` and its probes show
    it); at DEBUG only our loggers open, libraries stay at WARNING unless `levels` names them."""
    named = _levels(levels)
    wanted = logging.getLevelName(level.upper())
    handler = logging.StreamHandler()
    handler.addFilter(_Context(service, instance))
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(service)s %(instance)s %(request_id)s "
                "%(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(
            _EscapingFormatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
        )
    root = logging.getLogger()
    for existing in list(root.handlers):
        root.removeHandler(existing)
    root.addHandler(handler)
    for name in _named:
        logging.getLogger(name).setLevel(logging.NOTSET)
    debug = wanted == logging.DEBUG
    root.setLevel(logging.WARNING if debug else level.upper())
    ours: dict[str, int] = {}
    if debug:
        ours = dict.fromkeys(SELF_LEVELLED, logging.WARNING) | dict.fromkeys(
            OUR_LOGGERS, logging.DEBUG
        )
    for name, value in {**ours, **named}.items():
        logging.getLogger(name).setLevel(value)
    _named.clear()
    _named.update(ours, named)
