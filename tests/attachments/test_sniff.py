"""Attachment types are told by content, never by name (service.attachments.sniff)."""

from __future__ import annotations

import pytest

from service.attachments.sniff import DOCX, GIF, JPEG, PDF, PNG, WEBP, XLSX, safe_name, sniff
from tests.attachments import files


@pytest.mark.parametrize("data, kind", [
    (files.png(), PNG), (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG), (b"GIF89a\x01\x00", GIF),
    (b"RIFF\x10\x00\x00\x00WEBPVP8 ", WEBP), (files.PDF, PDF), (files.xlsx(), XLSX)])
def test_allowed_types_by_their_bytes(data: bytes, kind) -> None:
    assert sniff(data) is kind


def test_docx_by_its_parts() -> None:
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    assert sniff(out.getvalue()) is DOCX


@pytest.mark.parametrize("data", [files.HTML, files.SVG, b"MZ\x90\x00", files.plain_zip(), b"PK\x03\x04junk", b""])
def test_everything_else_is_refused(data: bytes) -> None:
    assert sniff(data) is None


def test_the_offered_name_has_no_path_and_the_real_extension() -> None:
    assert safe_name("../../etc/截图.png", PNG) == "截图.png"
    assert safe_name('C:\\x\\"evil";.html', PDF) == "evil.pdf"
    assert safe_name(None, JPEG) == "附件.jpg"
    assert safe_name("报告.exe", PDF) == "报告.pdf"
