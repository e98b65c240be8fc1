"""Uploaded attachments: what a file is (sniffed from its bytes, never from its name or the
client's content type), how large and of what kind it may be (the `attachment_limits`
configuration key, capped by ATTACHMENT_MAX_BYTES) and where it is kept: GridFS (bucket
`attachments` of the gateway's database) on a MongoDB server; on the embedded store, files under
the data directory (`<id>` and `<id>.json` for what is known of it; a temporary directory of
this process when the embedded store keeps nothing on disk). One interface, chosen at startup.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol

import puremagic
from fastapi import Depends, Request
from gridfs import AsyncGridFSBucket
from gridfs.errors import NoFile

from uts_shared.config_view import ConfigView
from uts_shared.contracts import config
from uts_shared.contracts.base import Empty
from uts_shared.contracts.config import AttachmentKind, AttachmentLimits, SettingKey
from uts_shared.messaging import RpcClient

KIND_PREFIXES: dict[AttachmentKind, str] = {
    "image": "image/",
    "pdf": "application/pdf",
    "audio": "audio/",
}
ALLOWED = tuple(KIND_PREFIXES.values())
"""What an attachment may ever be: images, audio (voice notes), PDF."""
CHUNK = 256 * 1024
_AS_AUDIO = {"application/ogg": "audio/ogg"}
"""Containers whose attachments are sound (WhatsApp's voice notes are Ogg Opus)."""
_ID = re.compile(r"^[0-9a-f]{32}$")
UPLOAD_OVERHEAD = 64 * 1024
"""What a multipart body may carry beyond its file (boundaries, headers, the file's name)."""


def sniff(head: bytes, kinds: Sequence[AttachmentKind] = tuple(KIND_PREFIXES)) -> str | None:
    """The content type the bytes say, if it is one of `kinds`; else None."""
    allowed = tuple(KIND_PREFIXES[kind] for kind in kinds)
    try:
        candidates = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):  # nothing known, or nothing at all
        return None
    for candidate in candidates:
        mime = _AS_AUDIO.get(candidate.mime_type, candidate.mime_type)
        if mime and mime.startswith(allowed):
            return str(mime)
    return None


class AttachmentPolicy(ConfigView):
    """The `attachment_limits` key as the config service last said (its built-in value while
    it is silent), its size capped by `ceiling` (ATTACHMENT_MAX_BYTES)."""

    def __init__(
        self,
        rpc: RpcClient,
        *,
        ceiling: int,
        ttl: float = 30.0,
        retry_after: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(ttl=ttl, retry_after=retry_after, monotonic=monotonic)
        self._rpc = rpc
        self.ceiling = ceiling
        self._limits = self.remember(
            "attachment limits",
            self._fetch,
            keys=[SettingKey.ATTACHMENT_LIMITS],
            fallback=AttachmentLimits(),
        )

    async def _fetch(self) -> AttachmentLimits:
        result = await self._rpc.call(config.ATTACHMENTS.read, Empty(), timeout=2.0)
        limits: AttachmentLimits = config.ATTACHMENTS.value_of(result)
        return limits

    async def limits(self) -> AttachmentLimits:
        limits = await self._limits.get()
        if limits.max_bytes <= self.ceiling:
            return limits
        return limits.model_copy(update={"max_bytes": self.ceiling})


@dataclass(frozen=True)
class StoredFile:
    id: str
    ticket_id: str
    content_type: str
    size: int
    name: str | None
    uploaded_by: str


class AttachmentStore(Protocol):
    """Where the gateway keeps uploaded files (replicas sharing it share them)."""

    def new_id(self) -> str: ...

    async def save(self, stored: StoredFile, data: bytes) -> None: ...

    async def find(self, file_id: str) -> StoredFile | None:
        """What is known of a file stored whole; None for an unknown id."""

    def chunks(self, file_id: str) -> AsyncIterator[bytes]: ...

    async def remove(self, file_id: str) -> None: ...


def _new_id() -> str:
    return uuid.uuid4().hex


class AttachmentFiles:
    """Files under the data directory (the embedded store's way)."""

    def __init__(self, directory: Path | None) -> None:
        base = directory if directory is not None else Path(tempfile.mkdtemp(prefix="uts-"))
        self.directory = base / "attachments"

    def new_id(self) -> str:
        return _new_id()

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

    async def chunks(self, file_id: str) -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(self.path_of(file_id).open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    def _remove(self, file_id: str) -> None:
        for path in (self.directory / f"{file_id}.json", self.directory / file_id):
            path.unlink(missing_ok=True)

    async def remove(self, file_id: str) -> None:
        await asyncio.to_thread(self._remove, file_id)


class GridFsAttachments:
    """GridFS on a MongoDB server: bucket `attachments`, what is known of a file in its
    metadata (a file is listed once its last chunk is written)."""

    def __init__(self, database: Any) -> None:
        self.bucket = AsyncGridFSBucket(database, bucket_name="attachments")

    def new_id(self) -> str:
        return _new_id()

    async def save(self, stored: StoredFile, data: bytes) -> None:
        meta = asdict(stored)
        await self.bucket.upload_from_stream_with_id(
            stored.id, stored.name or stored.id, data, metadata=meta
        )

    async def find(self, file_id: str) -> StoredFile | None:
        if not _ID.match(file_id):
            return None
        found = await self.bucket.find({"_id": file_id}).to_list(1)
        if not found:
            return None
        try:
            return StoredFile(**(found[0].metadata or {}))
        except TypeError:
            return None

    async def chunks(self, file_id: str) -> AsyncIterator[bytes]:
        stream = await self.bucket.open_download_stream(file_id)
        while chunk := await stream.readchunk():
            yield chunk

    async def remove(self, file_id: str) -> None:
        with contextlib.suppress(NoFile):  # never stored, or removed already
            await self.bucket.delete(file_id)


def attachment_store(database: Any, *, real_server: bool, data_dir: Path | None) -> AttachmentStore:
    """GridFS on a MongoDB server, files under the data directory on the embedded store."""
    if real_server:
        return GridFsAttachments(database)
    return AttachmentFiles(data_dir)


async def get_files(request: Request) -> AttachmentStore:
    files: AttachmentStore = request.app.state.attachments
    return files


async def get_policy(request: Request) -> AttachmentPolicy:
    policy: AttachmentPolicy = request.app.state.attachment_policy
    return policy


FilesDep = Annotated[AttachmentStore, Depends(get_files)]
PolicyDep = Annotated[AttachmentPolicy, Depends(get_policy)]
