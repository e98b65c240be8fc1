"""Attachments: a file uploaded to a ticket (multipart), served to the agents who may see it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, UploadFile
from fastapi.responses import Response, StreamingResponse
from pydantic import Field

from gateway.api_token_rules import API_PREFIX
from gateway.attachments import KIND_PREFIXES, FilesDep, PolicyDep, StoredFile, sniff
from gateway.auth import CurrentAgent, current_agent
from gateway.routes.envelope import FilterValue, Ok
from gateway.routes.tickets import WriteKey, WriterDep
from gateway.rpc import RpcDep
from gateway.visibility import VisibilityDep
from uts_shared.contracts import tickets
from uts_shared.errors import (
    DomainError,
    FieldError,
    NotFound,
    PayloadTooLarge,
    UnsupportedMediaType,
)

router = APIRouter(tags=["attachments"], dependencies=[Depends(current_agent)])

UPLOAD_PATH = re.compile(rf"^{API_PREFIX}/tickets/[^/]+/attachments$")
SNIFF_BYTES = 8 * 1024
CHUNK = 64 * 1024
_KINDS = "images, PDF or audio"


class AttachmentOut(Ok):
    id: str
    url: str
    content_type: str
    size: int = Field(ge=0)


async def _read_within(upload: UploadFile, limit: int) -> bytes:
    """The file's bytes; 413 as soon as it passes `limit`."""
    chunks: list[bytes] = []
    size = 0
    while chunk := await upload.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"file: the attachment is larger than {limit} bytes, the most one may be",
                context={"limit": limit},
                reason="attachment_too_large",
            )
        chunks.append(chunk)
    return b"".join(chunks)


@router.post(
    "/tickets/{ticket_id}/attachments",
    status_code=201,
    response_model=None,
    responses={
        201: {"model": AttachmentOut},
        404: {"description": "Unknown ticket (or one the agent may not see)"},
        409: {"description": "The ticket holds the most attachments it can"},
        413: {"description": "The file is larger than the configured limit (10 MB by default)"},
        415: {"description": f"The file is none of {_KINDS} (by its bytes, not its name)"},
    },
)
async def upload_attachment(
    ticket_id: FilterValue,
    file: Annotated[UploadFile, File(description=f"The file: {_KINDS}")],
    *,
    agent: CurrentAgent,
    writer: WriterDep,
    key: WriteKey,
    rpc: RpcDep,
    files: FilesDep,
    policy: PolicyDep,
) -> Response:
    """Store a file for the ticket and add it to the ticket's attachments (`ticket.updated`).
    Its type is read from its first bytes; the kinds and the size taken are the configuration's
    (`attachment_limits`: images, PDF and audio up to 10 MB by default)."""
    limits = await policy.limits()
    data = await _read_within(file, limits.max_bytes)
    content_type = sniff(data[:SNIFF_BYTES], limits.allowed_types)
    if content_type is None:
        kinds = ", ".join(limits.allowed_types)
        raise UnsupportedMediaType(
            f"file: only {kinds} can be attached; this file's content is none of them",
            context={
                "allowed": [KIND_PREFIXES[kind] for kind in limits.allowed_types],
                "kinds": kinds,
            },
            details=[FieldError(field="file", reason=f"its content is none of {kinds}")],
            reason="attachment_type",
        )
    stored = StoredFile(
        id=files.new_id(),
        ticket_id=ticket_id,
        content_type=content_type,
        size=len(data),
        name=(file.filename or None) and file.filename[:200],
        uploaded_by=agent.id,
    )
    url = f"{API_PREFIX}/attachments/{stored.id}"
    await files.save(stored, data)
    command = tickets.AddAttachment(
        ticket_id=ticket_id,
        attachment=tickets.Attachment(
            url=url,
            type=content_type,
            uploaded_by=agent.id,
            uploaded_at=datetime.now(UTC),
        ),
        by=agent.id,
        request_key=key,
        **writer.fields,
    )
    try:
        await rpc.call(tickets.ADD_ATTACHMENT, command)
    except DomainError:
        await files.remove(stored.id)  # not the ticket's after all
        raise
    out = AttachmentOut(id=stored.id, url=url, content_type=content_type, size=stored.size)
    return Response(out.model_dump_json(), status_code=201, media_type="application/json")


@router.get(
    "/attachments/{attachment_id}",
    response_model=None,
    responses={
        200: {"description": "The file, with its sniffed content type"},
        404: {"description": "Unknown attachment (or one of a ticket the agent may not see)"},
    },
)
async def get_attachment(
    attachment_id: FilterValue,
    agent: CurrentAgent,
    rpc: RpcDep,
    files: FilesDep,
    visibility: VisibilityDep,
) -> Any:
    """The file, to agents who may see its ticket."""
    stored = await files.find(attachment_id)
    missing = NotFound(f"Attachment '{attachment_id}' not found")
    if stored is None:
        raise missing
    try:
        await rpc.call(
            tickets.GET,
            tickets.GetTicket(
                ticket_id=stored.ticket_id, visible_to=await visibility.restricted_to(agent)
            ),
        )
    except NotFound:
        raise missing from None
    return StreamingResponse(
        files.chunks(stored.id),
        media_type=stored.content_type,
        headers={
            "Content-Length": str(stored.size),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
        },
    )
