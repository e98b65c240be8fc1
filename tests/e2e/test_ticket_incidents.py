"""Merges, links, problems with their incidents and similar tickets over HTTP: the routes, their
answers and the errors a console words (`reason` and `params`)."""

from __future__ import annotations

from typing import Any

from tests.support.desk import Desk, new_customer, new_ticket

HERE = {"coordinates": {"latitude": 19.3905, "longitude": -99.1810}}


async def _report(desk: Desk, subject: str, description: str, **fields: Any) -> dict[str, Any]:
    customer = await new_customer(desk.api)
    return await new_ticket(
        desk.api, customer["id"], subject=subject, description=description, **fields
    )


async def test_merge_link_incidents_and_similar_over_http(desk: Desk) -> None:
    api = desk.api
    problem = await _report(
        desk, "Poste inclinado en Periférico", "El poste frente a la gasolinera Pemex se ladeó"
    )
    twin = await _report(
        desk, "Poste chueco", "Poste a punto de caer junto a la gasolinera Pemex de Periférico"
    )
    incident = await _report(desk, "Poste doblado", "Poste doblado en Periférico", location=HERE)
    other = await _report(desk, "Cobro doble", "Me cobraron dos veces")

    r = await api.get(f"/tickets/{twin['ticketId']}/similar")
    assert r.status_code == 200, r.text
    found = r.json()["tickets"]
    assert found[0]["ticket"]["ticketId"] == problem["ticketId"]
    assert {"gasoliner", "pemex"} <= set(found[0]["words"])

    r = await api.post(f"/tickets/{twin['ticketId']}/merge", json={"into": problem["ticketId"]})
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["mergedFrom"][0]["ticketId"] == twin["ticketId"]
    merged = (await api.get(f"/tickets/{twin['ticketId']}")).json()["ticket"]
    assert (merged["status"], merged["closeReason"], merged["mergedInto"]) == (
        "closed",
        "merged",
        problem["ticketId"],
    )
    r = await api.post(f"/tickets/{twin['ticketId']}/notes", json={"content": "¿Sigue?"})
    assert r.status_code == 409, r.text
    assert r.json()["reason"] == "merged"

    r = await api.post(
        f"/tickets/{problem['ticketId']}/incidents", json={"ticketIds": [incident["ticketId"]]}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["ticket"]["isProblem"], r.json()["ticket"]["incidentCount"]) == (True, 1)
    r = await api.post(
        f"/tickets/{incident['ticketId']}/resolve", json={"resolutionNotes": "Enderezado"}
    )
    assert r.status_code == 409, r.text
    assert r.json()["reason"] == "incident_linked"
    r = await api.post(
        f"/tickets/{problem['ticketId']}/incidents", json={"ticketIds": ["LUX-1999-999999"]}
    )
    assert r.status_code == 422, r.text

    r = await api.post(
        f"/tickets/{other['ticketId']}/links", json={"ticketId": problem["ticketId"]}
    )
    assert r.status_code == 200, r.text
    seen = (await api.get(f"/tickets/{problem['ticketId']}")).json()["ticket"]
    assert {"ticketId": other["ticketId"], "type": "related"} in seen["links"]
    r = await api.delete(f"/tickets/{other['ticketId']}/links/{problem['ticketId']}")
    assert r.status_code == 200, r.text
    assert r.json()["ticket"]["links"] == []

    r = await api.post(
        f"/tickets/{problem['ticketId']}/resolve", json={"resolutionNotes": "Poste nuevo"}
    )
    assert r.status_code == 200, r.text
    solved = (await api.get(f"/tickets/{incident['ticketId']}")).json()["ticket"]
    assert (solved["status"], solved["resolutionNotes"]) == ("resolved", "Poste nuevo")
