"""Uploaded attachments: what a file is (sniffed from its bytes, never from its name or the
client's content type) and where it is kept (files under the data directory: `<id>` and
`<id>.json` for what is known of it; a temporary directory of this process when the embedded
store keeps nothing on disk).
"""

from __future__ import annotations

import asyncio
import json
import re
import tempfile
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated

import puremagic
from fastapi import Depends, Request

ALLOWED = ("image/", "audio/", "application/pdf")
"""What an attachment may be: images, audio (voice notes), PDF."""
_AS_AUDIO = {"application/ogg": "audio/ogg"}
"""Containers whose attachments are sound (WhatsApp's voice notes are Ogg Opus)."""
_ID = re.compile(r"^[0-9a-f]{32}$")
UPLOAD_OVERHEAD = 64 * 1024
"""What a multipart body may carry beyond its file (boundaries, headers, the file's name)."""


def sniff(head: bytes) -> str | None:
    """The content type the bytes say, if it is one attachments may have; else None."""
    try:
        candidates = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):  # nothing known, or nothing at all
        return None
    for candidate in candidates:
        mime = _AS_AUDIO.get(candidate.mime_type, candidate.mime_type)
        if mime and mime.startswith(ALLOWED):
            return str(mime)
    return None


@dataclass(frozen=True)
class StoredFile:
    id: str
    ticket_id: str
    content_type: str
    size: int
    name: str | None
    uploaded_by: str


class AttachmentFiles:
    """The files of one gateway (replicas sharing a data directory share them)."""

    def __init__(self, directory: Path | None) -> None:
        base = directory if directory is not None else Path(tempfile.mkdtemp(prefix="uts-"))
        self.directory = base / "attachments"

    @staticmethod
    def new_id() -> str:
        return uuid.uuid4().hex

    def _write(self, stored: StoredFile, data: bytes) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / stored.id
        path.write_bytes(data)
        # The description last: a file without one is not served (an upload cut short).
        (self.directory / f"{stored.id}.json").write_text(json.dumps(asdict(stored)))

    async def save(self, stored: StoredFile, data: bytes) -> None:
        await asyncio.to_thread(self._write, stored, data)

    def _read(self, file_id: str) -> StoredFile | None:
        if not _ID.match(file_id):
            return None
        try:
            return StoredFile(**json.loads((self.directory / f"{file_id}.json").read_text()))
        except (OSError, ValueError, TypeError):
            return None

    async def find(self, file_id: str) -> StoredFile | None:
        return await asyncio.to_thread(self._read, file_id)

    def path_of(self, file_id: str) -> Path:
        return self.directory / file_id

    def _remove(self, file_id: str) -> None:
        for path in (self.directory / f"{file_id}.json", self.directory / file_id):
            path.unlink(missing_ok=True)

    async def remove(self, file_id: str) -> None:
        await asyncio.to_thread(self._remove, file_id)


def get_files(request: Request) -> AttachmentFiles:
    files: AttachmentFiles = request.app.state.attachments
    return files


FilesDep = Annotated[AttachmentFiles, Depends(get_files)]
