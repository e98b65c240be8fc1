"""The request/reply helper's own rules, without a broker."""

from typing import Any

import aiormq
import pytest
from pydantic import ValidationError

from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import GET_CATEGORIES
from uts_shared.errors import HTTP_STATUS, Unavailable
from uts_shared.messaging import (
    FailoverConnection,
    RpcClient,
    broker_urls,
    dead_letter_queue,
    instance_queue,
    make_broker,
    rpc_queue,
    typed,
    work_queue,
)
from uts_shared.settings import ServiceSettings


@pytest.mark.parametrize(
    "failure",
    [
        aiormq.exceptions.ChannelInvalidStateError("writer is None"),
        aiormq.exceptions.ConnectionClosed(320, "CONNECTION_FORCED"),
        ConnectionResetError("reset by peer"),
    ],
)
async def test_a_request_the_broker_cannot_take_is_unavailable_not_an_internal_error(
    failure: BaseException, monkeypatch: pytest.MonkeyPatch
) -> None:
    broker = make_broker("amqp://guest:guest@127.0.0.1:5672/", app_id="unit")
    rpc = RpcClient(broker, timeout=1.0, name="unit")

    async def broken_publish(*_: Any, **__: Any) -> None:
        raise failure

    monkeypatch.setattr(broker, "publish", broken_publish)
    with pytest.raises(Unavailable, match="broker is unreachable") as caught:
        await rpc.call(GET_CATEGORIES, Empty())
    assert HTTP_STATUS[caught.value.code] == 503
    assert caught.value.context == {"queue": "config.categories.get"}


def test_rabbitmq_url_may_name_several_nodes_separated_by_commas() -> None:
    assert broker_urls(" amqp://a:5672/ , amqp://b:5672/,amqp://c:5672/ ") == [
        "amqp://a:5672/",
        "amqp://b:5672/",
        "amqp://c:5672/",
    ]
    assert broker_urls("amqp://guest:guest@127.0.0.1:5672/") == [
        "amqp://guest:guest@127.0.0.1:5672/"
    ]
    with pytest.raises(ValueError, match="names no broker"):
        broker_urls(" , ")


def test_settings_refuse_a_rabbitmq_url_naming_no_broker_and_an_unknown_queue_type() -> None:
    with pytest.raises(ValidationError, match="names no broker"):
        ServiceSettings(rabbitmq_url=",")
    with pytest.raises(ValidationError, match="rabbitmq_queue_type"):
        ServiceSettings(rabbitmq_queue_type="stream")  # type: ignore[arg-type]


def test_with_quorum_shared_durable_queues_are_quorum_and_exclusive_ones_stay_classic() -> None:
    assert rpc_queue("tickets.create", "quorum").arguments == {
        "x-queue-type": "quorum",
        "x-dead-letter-exchange": "uts.dlx",
    }
    assert (work_queue("tickets.agent-names", "agent.updated", "quorum").arguments or {})[
        "x-queue-type"
    ] == "quorum"
    assert (dead_letter_queue("quorum").arguments or {})["x-queue-type"] == "quorum"
    assert (rpc_queue("tickets.create").arguments or {})["x-queue-type"] == "classic"
    relay = instance_queue("gateway.relay.1", "ticket.#")
    assert typed(relay, "quorum") is relay


def test_a_broker_given_several_nodes_connects_through_a_failover_connection() -> None:
    single = make_broker("amqp://guest:guest@127.0.0.1:5672/", app_id="unit")
    several = make_broker("amqp://g:g@n1:5672/,amqp://g:g@n2:5672/", app_id="unit")

    assert "connection_class" not in single._connection_kwargs
    chosen = several._connection_kwargs["connection_class"]
    assert issubclass(chosen, FailoverConnection)
    assert [str(url) for url in chosen.urls] == ["amqp://g:g@n1:5672/", "amqp://g:g@n2:5672/"]
