"""`GET /tickets/export`: the list's filters as CSV a spreadsheet (and Python's csv module)
reads: UTF-8 with a BOM, a header, one row per ticket with names rather than ids."""

from __future__ import annotations

import csv
import io

import httpx

from tests.support.desk import Desk, new_customer, new_ticket


def rows_of(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith("\ufeff".encode())
    return list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_export_answers_the_lists_tickets_as_csv_rows_with_names(desk: Desk) -> None:
    customer = await new_customer(desk.api, firstName="Ramón", lastName="Núñez")
    mine = await new_ticket(
        desk.api, customer["id"], subject='Poste 7, "fundido"', assignToSelf=True, priority="high"
    )
    other = await new_ticket(desk.api, customer["id"], subject="Cable suelto")
    resolved = await desk.api.post(
        f"/tickets/{mine['ticketId']}/resolve", json={"resolutionNotes": "Foco nuevo"}
    )
    assert resolved.status_code == 200, resolved.text
    categories = (await desk.api.get("/config/ticket-categories")).json()["categories"]
    category = next(c for c in categories if c["id"] == mine["category"])

    rows = rows_of(
        await desk.api.get("/tickets/export", params={"customerId": customer["id"], "lang": "en"})
    )
    assert [row["Ticket"] for row in rows] == [other["ticketId"], mine["ticketId"]]
    first = rows[1]
    assert first["Subject"] == 'Poste 7, "fundido"'
    assert first["Status"] == "Resolved"
    assert first["Priority"] == "High"
    assert first["Category"] == (category.get("labelEn") or category["label"])
    assert first["Customer"] == "Ramón Núñez"
    assert first["Phone"] == customer["phoneNumber"]
    assert first["Assigned to"] == "Ana Agent"
    assert first["Resolved"].endswith("Z")
    assert rows[0]["Assigned to"] == ""

    spanish = rows_of(
        await desk.api.get(
            "/tickets/export",
            params={"customerId": customer["id"], "status": "open,new", "lang": "es"},
        )
    )
    assert [(row["Folio"], row["Estado"]) for row in spanish] == [(other["ticketId"], "Abierto")]
    assert spanish[0]["Categoría"] == category["label"]


async def test_export_refuses_a_bad_filter_naming_it(desk: Desk) -> None:
    r = await desk.api.get("/tickets/export", params={"status": "sleeping"})
    assert r.status_code == 422
    assert "status" in r.text
