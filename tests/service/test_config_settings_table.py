"""The settings table drives the configuration's RPCs and routes: a key declared in a table (here
a test's own, beside the built-in keys) is stored, served and routed with no code of its own."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest_asyncio

from config_service.main import ConfigService
from gateway.agents import NewAgent
from gateway.main import create_app
from gateway.settings import GatewaySettings
from tests.support.config_helpers import config_settings, unique_db_name
from tests.support.factories import unique_key
from uts_shared.contracts.base import Empty, ShortText, WireModel, example
from uts_shared.contracts.config import GET_HISTORY, REGISTRY, HistoryQuery, Setting
from uts_shared.messaging import RpcClient, make_broker
from uts_shared.mongo import open_database

API = "/api/v2"
PASSWORD = "una frase larga y secreta"


class Greeting(WireModel):
    model_config = example({"text": "¡Hola! ¿En qué te ayudamos?", "signed": True})

    text: ShortText
    signed: bool = False


GREETING = Setting(
    "customer_greeting",
    Greeting,
    "Customer greeting",
    "What the assistant says first",
    "assistant",
    name="customer_greeting",
    field="greeting",
    read_by="agent",
    default=lambda: Greeting(text="Hola"),
)
TABLE = (*REGISTRY, GREETING)


@dataclass
class Desk:
    http: httpx.AsyncClient
    rpc: RpcClient
    admin: dict[str, str]
    agent: dict[str, str]


@pytest_asyncio.fixture
async def desk(fresh_vhost: str, mongo_url: str | None) -> AsyncIterator[Desk]:
    """A config service and a gateway both built from `TABLE`, an admin and an agent."""
    config_db = unique_db_name()
    config = ConfigService(
        config_settings(fresh_vhost, mongo_url, config_db),
        database=open_database(mongo_url, config_db),
        registry=TABLE,
    )
    settings = GatewaySettings(
        rabbitmq_url=fresh_vhost,
        mongodb_url=mongo_url,
        mongodb_db=f"table_test_gateway_{uuid.uuid4().hex[:8]}",
        jwt_secret=unique_key("jwt") + uuid.uuid4().hex,
        admin_password=PASSWORD,
        gateway_required_services=[],
    )
    database = open_database(mongo_url, settings.mongodb_db)
    app = create_app(settings, database=database, config_settings=TABLE).other_asgi_app
    gateway = app.state.gateway
    client_broker = make_broker(fresh_vhost, app_id="settings-table-test")
    rpc = RpcClient(client_broker, timeout=5.0, name="settings-table-test")
    await config.start()
    await gateway.start()
    await client_broker.start()
    try:
        await gateway.agents.create(
            NewAgent(email="eva@example.com", password=PASSWORD, first_name="Eva", last_name="Gil")
        )
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://gateway{API}") as http:
            admin = await _login(http, settings.admin_email)
            agent = await _login(http, "eva@example.com")
            yield Desk(http, rpc, admin, agent)
    finally:
        await client_broker.stop()
        await gateway.stop()
        await config.stop()


async def _login(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    r = await http.post("/auth/login", json={"email": email, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


async def test_a_key_declared_in_the_table_gets_documented_routes_and_a_round_trip(
    desk: Desk,
) -> None:
    spec = (await desk.http.get("http://gateway/openapi.json")).json()
    route = spec["paths"][f"{API}/config/customer-greeting"]
    assert route["get"]["operationId"] == "getCustomerGreeting"
    assert route["put"]["operationId"] == "updateCustomerGreeting"
    body = route["put"]["requestBody"]["content"]["application/json"]["schema"]
    # A model that answers too is split by its defaults (`Greeting-Input`, titled by its key so
    # that generated clients keep both halves): the key's model.
    schema = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    assert (schema["title"], set(schema["properties"])) == ("GreetingInput", {"text", "signed"})
    assert {"401", "403", "409", "422"} <= set(route["put"]["responses"])
    answer = route["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer == {"$ref": "#/components/schemas/CustomerGreetingOut"}

    r = await desk.http.get("/config/customer-greeting", headers=desk.agent)
    assert r.status_code == 200, r.text
    assert r.json() == {"success": True, "greeting": {"text": "Hola", "signed": False}}

    new = {"text": "Buenos días", "signed": True}
    refused = await desk.http.put("/config/customer-greeting", json=new, headers=desk.agent)
    assert refused.status_code == 403, refused.text
    invalid = await desk.http.put("/config/customer-greeting", json={}, headers=desk.admin)
    assert invalid.status_code == 422
    assert "text" in invalid.text

    r = await desk.http.put("/config/customer-greeting", json=new, headers=desk.admin)
    assert r.status_code == 200, r.text
    assert r.json() == {
        "success": True,
        "greeting": new,
        "message": "Customer greeting updated successfully",
    }
    r = await desk.http.get("/config/customer-greeting", headers=desk.agent)
    assert r.json()["greeting"] == new

    result = await desk.rpc.call(GREETING.read, Empty())
    assert result.greeting == Greeting(**new)


async def test_a_key_declared_in_the_table_has_its_history_and_resets_to_its_default(
    desk: Desk,
) -> None:
    new = {"text": "Buenas tardes", "signed": False}
    r = await desk.http.put("/config/customer-greeting", json=new, headers=desk.admin)
    assert r.status_code == 200, r.text

    r = await desk.http.get("/config/history?key=customer_greeting", headers=desk.admin)
    assert r.status_code == 200, r.text
    [change] = [c for c in r.json()["changes"] if c["action"] == "update"]
    assert change["newValue"] == new
    assert change["oldValue"] == {"text": "Hola", "signed": False}

    r = await desk.http.post("/config/reset/customer_greeting", headers=desk.admin)
    assert r.status_code == 200, r.text
    r = await desk.http.get("/config/customer-greeting", headers=desk.agent)
    assert r.json()["greeting"] == {"text": "Hola", "signed": False}
    history = await desk.rpc.call(GET_HISTORY, HistoryQuery(key="customer_greeting"))
    assert [c.action for c in history.changes][:2] == ["reset", "update"]
