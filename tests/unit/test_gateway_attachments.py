"""What an uploaded file is, read from its bytes: images, PDF and audio are taken, anything
else (an executable, plain text, nothing) is not, whatever its name says."""

from __future__ import annotations

import pytest

from gateway.attachments import sniff


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64, "image/jpeg"),
        (b"%PDF-1.4\n" + b"x" * 64, "application/pdf"),
        (b"OggS\x00\x02" + b"\x00" * 64, "audio/ogg"),
        (b"ID3\x03\x00" + b"\x00" * 64, "audio/mpeg"),
    ],
)
def test_images_pdf_and_audio_are_known_by_their_bytes(head: bytes, kind: str) -> None:
    assert sniff(head) == kind


@pytest.mark.parametrize(
    "head",
    [b"MZ\x90\x00\x03" + b"\x00" * 200, b"just some words, nothing more", b""],
)
def test_anything_else_is_refused(head: bytes) -> None:
    assert sniff(head) is None
