"""A Python client generated from the live OpenAPI document (openapi-python-client) works: it
is generated without a warning (no operation or model left out), signs in, files a customer and
a ticket and reads it back, reads the SLA policy and writes it back through the request model,
and lists, saves and deletes a preset. Each answer is parsed into the generated models."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.support.desk import AgentLogin, create_agent
from tests.support.factories import customer_body, ticket_body, unique_word
from tests.support.system import System

GENERATOR = Path(sys.executable).parent / "openapi-python-client"
PACKAGE = "uts_generated_client"
CONFIG = f"""\
package_name_override: {PACKAGE}
project_name_override: uts-generated-client
# Enums as Literal types: time zone names such as GMT0 and GMT-0 make the same Enum member.
literal_enums: true
post_hooks: []
"""


@pytest.fixture(scope="module")
def client_package(
    system: System, gateway_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ModuleType]:
    """The client package generated from `/openapi.json` as the gateway serves it."""
    system.require("config", "tickets")
    scratch = tmp_path_factory.mktemp("generated-client")
    document = scratch / "openapi.json"
    document.write_bytes(httpx.get(f"{gateway_url}/openapi.json").raise_for_status().content)
    (scratch / "config.yml").write_text(CONFIG)
    run = subprocess.run(
        [
            str(GENERATOR),
            "generate",
            *("--path", str(document), "--meta", "none", "--config", str(scratch / "config.yml")),
            *("--output-path", str(scratch / PACKAGE)),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = run.stdout + run.stderr
    assert run.returncode == 0, said
    assert "Warning" not in said and "Unable" not in said, said  # nothing left out
    sys.path.insert(0, str(scratch))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(scratch))
        for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(package: ModuleType, name: str) -> Any:
    return importlib.import_module(f"{package.__name__}.{name}")


@pytest.fixture(scope="module")
async def admin(system: System, admin_api: httpx.AsyncClient) -> AgentLogin:
    """An admin of its own: generated requests elsewhere may have spent the first admin's
    sign-in attempts (a wrong current password counts as one)."""
    return await create_agent(system, admin_api, role="admin")


async def _signed_in(package: ModuleType, admin: AgentLogin, gateway_url: str) -> Any:
    client = _module(package, "client")
    login = _module(package, "api.auth.login")
    models = _module(package, "models")
    anonymous = client.Client(base_url=gateway_url)
    body = models.Login(email=admin.email, password=admin.password)
    answer = await login.asyncio_detailed(client=anonymous, body=body)
    assert answer.status_code == 200, answer.content
    assert isinstance(answer.parsed, models.LoginResult)
    return client.AuthenticatedClient(base_url=gateway_url, token=answer.parsed.token)


async def test_a_generated_client_signs_in_files_a_ticket_and_reads_it_back(
    client_package: ModuleType, admin: AgentLogin, gateway_url: str
) -> None:
    models = _module(client_package, "models")
    api = await _signed_in(client_package, admin, gateway_url)

    create_customer = _module(client_package, "api.customers.create_customer")
    r = await create_customer.asyncio_detailed(
        client=api, body=models.CreateCustomer.from_dict(customer_body())
    )
    assert r.status_code == 201, r.content
    customer_id = r.parsed.customer.id

    create_ticket = _module(client_package, "api.tickets.create_ticket")
    body = models.NewTicketBody.from_dict(ticket_body(customer_id, tags=["generated"]))
    r = await create_ticket.asyncio_detailed(client=api, body=body)
    assert r.status_code == 201, r.content
    assert isinstance(r.parsed, models.TicketOut)
    created = r.parsed.ticket

    get_ticket = _module(client_package, "api.tickets.get_ticket")
    r = await get_ticket.asyncio_detailed(created.ticket_id, client=api)
    assert r.status_code == 200, r.content
    ticket = r.parsed.ticket
    assert (ticket.ticket_id, ticket.customer_id) == (created.ticket_id, customer_id)
    assert ticket.subject == ticket_body(customer_id)["subject"]
    assert ticket.status == "open" and ticket.tags == ["generated"]
    assert ticket.version == created.version


async def test_a_generated_client_reads_and_writes_the_sla_policy_and_presets(
    client_package: ModuleType, admin: AgentLogin, gateway_url: str
) -> None:
    models = _module(client_package, "models")
    api = await _signed_in(client_package, admin, gateway_url)

    get_policy = _module(client_package, "api.config.get_sla_policy")
    update_policy = _module(client_package, "api.config.update_sla_policy")
    r = await get_policy.asyncio_detailed(client=api)
    assert r.status_code == 200, r.content
    policy = r.parsed.policy
    assert isinstance(policy, models.SlaPolicyOutput)
    assert policy.targets.to_dict()["urgent"]["firstResponseMs"] > 0
    again = models.SlaPolicyInput.from_dict(policy.to_dict())  # what was read, written back
    r = await update_policy.asyncio_detailed(client=api, body=again)
    assert r.status_code == 200, r.content
    assert r.parsed.policy.to_dict() == policy.to_dict()

    list_presets = _module(client_package, "api.config.list_presets")
    save_preset = _module(client_package, "api.config.save_preset")
    delete_preset = _module(client_package, "api.config.delete_preset")
    preset_id = f"generated-{unique_word()}"
    body = models.NewPreset(id=preset_id, name="Generated client", description="a test's")
    r = await save_preset.asyncio_detailed(client=api, body=body)
    assert r.status_code == 201, r.content
    r = await list_presets.asyncio_detailed(client=api)
    assert r.status_code == 200, r.content
    assert isinstance(r.parsed, models.PresetsOut)
    assert preset_id in [preset.id for preset in r.parsed.presets]
    r = await delete_preset.asyncio_detailed(preset_id, client=api)
    assert r.status_code == 200, r.content
    r = await list_presets.asyncio_detailed(client=api)
    assert preset_id not in [preset.id for preset in r.parsed.presets]
