"""The request/reply helper's own rules, without a broker."""

from typing import Any

import aiormq
import pytest

from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import GET_CATEGORIES
from uts_shared.errors import HTTP_STATUS, Unavailable
from uts_shared.messaging import RpcClient, make_broker


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
