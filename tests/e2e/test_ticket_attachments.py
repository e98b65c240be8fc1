"""Attachments over HTTP: a file uploaded to a ticket (multipart) is stored, added to the ticket
and served to agents; its type is sniffed from its bytes (an .exe named .png is a 415), a file
over the limit is a 413."""

from __future__ import annotations

import httpx

from tests.support.desk import Desk, new_customer, new_ticket
from tests.support.system import System
from tests.support.waiting import poll_until

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n" + b"1 0 obj << >> endobj\n" * 8
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


async def test_an_uploaded_image_is_added_to_the_ticket_and_served(
    system: System, desk: Desk
) -> None:
    system.require("tickets")
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    path = f"/tickets/{ticket['ticketId']}/attachments"
    # The client's content type is not trusted: the bytes say PNG.
    r = await desk.api.post(path, files={"file": ("poste.jpg", PNG, "application/octet-stream")})
    assert r.status_code == 201, r.text
    uploaded = r.json()
    assert (uploaded["contentType"], uploaded["size"]) == ("image/png", len(PNG))
    assert uploaded["url"] == f"/api/v2/attachments/{uploaded['id']}"

    r = await desk.api.get(f"/attachments/{uploaded['id']}")
    assert r.status_code == 200, r.text
    assert r.content == PNG
    assert r.headers["content-type"] == "image/png"
    assert r.headers["x-content-type-options"] == "nosniff"

    r = await desk.api.post(path, files={"file": ("acta.pdf", PDF, "application/pdf")})
    assert r.status_code == 201, r.text
    r = await desk.api.get(f"/tickets/{ticket['ticketId']}")
    attachments = r.json()["ticket"]["attachments"]
    first = attachments[0]
    assert (first["url"], first["type"]) == (uploaded["url"], "image/png")
    assert [a["type"] for a in attachments] == ["image/png", "application/pdf"]
    assert attachments[0]["uploadedBy"] == desk.id


async def test_an_exe_named_png_is_a_415_and_eleven_megabytes_a_413(desk: Desk) -> None:
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    path = f"/tickets/{ticket['ticketId']}/attachments"
    r = await desk.api.post(path, files={"file": ("foto.png", EXE, "image/png")})
    assert r.status_code == 415, r.text
    assert r.json()["success"] is False and "image" in r.json()["error"]

    big = PNG + b"\x00" * (11 * 1024 * 1024)
    r = await desk.api.post(path, files={"file": ("grande.png", big, "image/png")})
    assert r.status_code == 413, r.text
    assert r.json()["success"] is False

    r = await desk.api.get(f"/tickets/{ticket['ticketId']}")
    assert r.json()["ticket"]["attachments"] == []


async def test_uploads_to_unknown_tickets_and_unknown_files_are_404s(
    desk: Desk, anon_api: httpx.AsyncClient
) -> None:
    r = await desk.api.post(
        "/tickets/LUX-2026-999999/attachments", files={"file": ("a.png", PNG, "image/png")}
    )
    assert r.status_code == 404, r.text
    r = await desk.api.get("/attachments/0123456789abcdef0123456789abcdef")
    assert r.status_code == 404, r.text
    r = await desk.api.get("/attachments/..%2F..%2Fetc%2Fpasswd")
    assert r.status_code in (404, 422), r.text
    r = await anon_api.get("/attachments/0123456789abcdef0123456789abcdef")
    assert r.status_code == 401, r.text


async def test_the_configured_limits_decide_the_size_and_kinds_taken(
    desk: Desk, admin_api: httpx.AsyncClient
) -> None:
    r = await desk.api.get("/config/attachments")
    assert r.status_code == 200, r.text
    assert r.json()["limits"] == {
        "maxBytes": 10 * 1024 * 1024,
        "allowedTypes": ["image", "pdf", "audio"],
    }
    r = await admin_api.put("/config/attachments", json={"maxBytes": 10, "allowedTypes": []})
    assert r.status_code == 422, r.text
    assert "maxBytes" in r.text and "allowedTypes" in r.text
    customer = await new_customer(desk.api)
    ticket = await new_ticket(desk.api, customer["id"])
    path = f"/tickets/{ticket['ticketId']}/attachments"
    r = await admin_api.put(
        "/config/attachments", json={"maxBytes": 64 * 1024, "allowedTypes": ["pdf"]}
    )
    assert r.status_code == 200, r.text
    try:

        async def png_refused() -> bool:  # once the gateway heard of the change
            r = await desk.api.post(path, files={"file": ("poste.png", PNG, "image/png")})
            return r.status_code == 415

        await poll_until(png_refused, what="a PNG refused", timeout=10, interval=0.1)
        r = await desk.api.post(path, files={"file": ("acta.pdf", PDF, "application/pdf")})
        assert r.status_code == 201, r.text
        big = PDF + b"\x00" * (64 * 1024)
        r = await desk.api.post(path, files={"file": ("acta.pdf", big, "application/pdf")})
        assert r.status_code == 413, r.text
        assert r.json()["params"]["limit"] == 64 * 1024
    finally:
        r = await admin_api.post("/config/reset/attachment_limits")
        assert r.status_code == 200, r.text
