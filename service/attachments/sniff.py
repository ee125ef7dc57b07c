"""What a file is, from its first bytes, never from its name or the browser's Content-Type:
the allow-list of attachment types (screenshots of posts, scanned or written documents,
spreadsheets). Pure: bytes in, a type or None out."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    mime: str
    ext: str
    label: str


PNG = FileType("image/png", "png", "PNG 图片")
JPEG = FileType("image/jpeg", "jpg", "JPEG 图片")
GIF = FileType("image/gif", "gif", "GIF 图片")
WEBP = FileType("image/webp", "webp", "WebP 图片")
PDF = FileType("application/pdf", "pdf", "PDF 文档")
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "Word 文档")
XLSX = FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", "Excel 表格")
ALLOWED = (PNG, JPEG, GIF, WEBP, PDF, DOCX, XLSX)
ALLOWED_LABELS = "、".join(t.label for t in ALLOWED)


def sniff(data: bytes) -> FileType | None:
    """The allowed type `data` is, by its magic bytes (and, for the Office formats, the zip's
    parts); None for anything else (HTML, scripts, executables, SVG, plain zip …)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    if data.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> FileType | None:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if "[Content_Types].xml" not in names:
        return None
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    return None


def safe_name(filename: str | None, kind: FileType) -> str:
    """The name to offer the file under: the uploader's name without any path, control
    characters or quotes, at most 120 characters, ending in the extension of what it is."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(c for c in base if c.isprintable() and c not in '"<>|:*?;').strip(" .") or "附件"
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[:120]}.{kind.ext}"
