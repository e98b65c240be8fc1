"""What every command group shares: settings, exit codes, one-line errors, the broker link."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import getpass
import os
from collections.abc import AsyncIterator, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, NoReturn, ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit

import typer
from faststream.rabbit import RabbitBroker
from pydantic import ValidationError

from gateway.settings import GatewaySettings
from uts_shared.errors import DomainError, RpcTimeout, Unavailable, field_errors_from_pydantic
from uts_shared.messaging import BROKER_DOWN, RpcClient, make_broker

T = TypeVar("T")
P = ParamSpec("P")

EXIT_MISTAKE = 1
"""What was asked cannot be done: an unknown agent, an invalid value, a refused change."""
EXIT_UNAVAILABLE = 2
"""What the command needs is not there: the broker, a service, the database."""

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for the broker to accept the connection."""


class CliFailure(Exception):
    """Ends the command with one line on stderr and `code` (never a stack trace)."""

    def __init__(self, message: str, code: int = EXIT_MISTAKE) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def fail(message: str, code: int = EXIT_MISTAKE) -> NoReturn:
    raise CliFailure(message, code)


def settings() -> GatewaySettings:
    """The gateway's settings, read from the environment as the gateway reads them."""
    try:
        return GatewaySettings()
    except ValidationError as exc:
        errors = field_errors_from_pydantic(exc.errors(include_input=False))
        problems = "; ".join(f"{e.field}: {e.reason}" for e in errors)
        fail(f"invalid settings in the environment: {problems}", EXIT_UNAVAILABLE)


def operator() -> str:
    """Who makes the changes, for the audit trail: `cli:<login name>`."""
    try:
        user = getpass.getuser()
    except (OSError, KeyError):
        user = f"uid{os.getuid()}"
    return f"cli:{user}"


def redact(url: str) -> str:
    """The URL without its password."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    return urlunsplit(parts._replace(netloc=netloc[0].split(":", 1)[0] + ":***@" + netloc[1]))


def broker_down(url: str, exc: BaseException) -> CliFailure:
    reason = str(exc) or type(exc).__name__
    return CliFailure(
        f"cannot reach the message broker at RABBITMQ_URL={redact(url)}: {reason}",
        EXIT_UNAVAILABLE,
    )


BROKER_FAILURES: tuple[type[BaseException], ...] = (*BROKER_DOWN, OSError, TimeoutError)
"""What connecting to (or talking with) an absent or refusing broker raises."""


@dataclass
class Link:
    broker: RabbitBroker
    client: RpcClient


@contextlib.asynccontextmanager
async def broker_link(config: GatewaySettings) -> AsyncIterator[Link]:
    """A broker connection of the command's own, with an `RpcClient`; `CliFailure` (exit 2)
    naming RABBITMQ_URL when the broker is not there."""
    name = f"uts-admin-{os.getpid()}"
    broker = make_broker(config.rabbitmq_url, app_id=name, queue_type=config.rabbitmq_queue_type)
    client = RpcClient(broker, timeout=config.rpc_timeout, name=name)
    try:
        async with asyncio.timeout(CONNECT_TIMEOUT):
            await broker.start()
    except BROKER_FAILURES as exc:
        with contextlib.suppress(Exception):
            await broker.stop()
        raise broker_down(config.rabbitmq_url, exc) from None
    try:
        yield Link(broker, client)
    finally:
        with contextlib.suppress(Exception):
            await broker.stop()


def guarded(command: Callable[P, T]) -> Callable[P, T]:
    """A command whose `CliFailure`s end it with one line on stderr and their exit code."""

    @functools.wraps(command)
    def guarded_command(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return command(*args, **kwargs)
        except CliFailure as exc:
            typer.echo(f"uts-admin: {exc.message}", err=True)
            raise typer.Exit(exc.code) from None

    return guarded_command


def run(command: Coroutine[Any, Any, T], *, rabbitmq_url: str | None = None) -> T:
    """Run one command's work; a service's refusal or an absent dependency becomes a
    `CliFailure` (a refusal: exit 1; no answer, a broker lost on the way: exit 2)."""
    try:
        return asyncio.run(command)
    except DomainError as exc:
        raise refusal(exc) from None
    except BROKER_DOWN as exc:
        if rabbitmq_url is None:
            raise
        raise broker_down(rabbitmq_url, exc) from None


def refusal(exc: DomainError, *, about: str = "") -> CliFailure:
    """A service's error in one line: its message and the fields it names; exit 2 when the
    service did not answer or could not serve, else 1."""
    fields = "; ".join(f"{d.field}: {d.reason}" for d in exc.details)
    message = f"{about}{exc.message}" + (f" ({fields})" if fields else "")
    if isinstance(exc, RpcTimeout):
        return CliFailure(message + " (is the service running?)", EXIT_UNAVAILABLE)
    if isinstance(exc, Unavailable):
        return CliFailure(message, EXIT_UNAVAILABLE)
    return CliFailure(message, EXIT_MISTAKE)
