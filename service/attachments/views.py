"""Attachment routes: download one (as a download, never rendered: Content-Disposition
attachment, nosniff, a sandboxing CSP), list an incident's, upload files to a response. Every
read asks the incident's visibility (404 otherwise); uploads are multipart within
UPLOAD_BODY_LIMIT_BYTES, each file within ATTACHMENT_MAX_BYTES and of an allowed type."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, UploadFile
from fastapi.responses import Response
from pydantic import Field

from service.attachments import service as att
from service.attachments.sniff import ALLOWED
from service.auth.deps import Allowed, ReaderDep
from service.auth.rules import Action, Principal
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.inputs import StrictModel
from service.core.params import IdPath
from service.core.settings import Settings
from service.incidents.deps import EngineDep

router = APIRouter(tags=["attachments"])
FILES = "附件（PNG/JPEG/GIF/WebP 图片、PDF、Word、Excel），每个不超过 ATTACHMENT_MAX_BYTES"


class FilesIn(StrictModel):
    files: list[UploadFile] = Field(min_length=1, max_length=100, description=FILES)


# a multipart form of files; unknown fields are refused like every body's
Files = Annotated[FilesIn, Form(media_type="multipart/form-data")]


def uploads_of(files: list[UploadFile] | None, settings: Settings) -> list[att.Upload]:
    """The files read, each at most one byte past the limit (the check then names it)."""
    return [att.Upload(f.filename, f.file.read(settings.attachment_max_bytes + 1)) for f in files or []]


def download_headers(a_filename: str, ext_fallback: str) -> dict[str, str]:
    ascii_name = f"attachment.{ext_fallback}"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(a_filename)}",
            "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox; default-src 'none'",
            "Cache-Control": "private, no-store"}


@router.get("/api/attachments/{attachment_id}", summary="下载附件 / download an attachment",
            response_class=Response,
            responses={200: {"description": "文件 / the file", "content": {t.mime: {} for t in ALLOWED}}})
def download(attachment_id: IdPath, viewer: ReaderDep, session: SessionDep, settings: SettingsDep,
             engine: EngineDep) -> Response:
    a = att.readable(session=session, org=engine.org, viewer=viewer, attachment_id=attachment_id)
    data = att.content(settings, a)
    return Response(data, media_type=a.mime, headers=download_headers(a.filename, a.filename.rsplit(".", 1)[-1]))


@router.get("/api/incidents/{incident_id}/attachments", summary="事件的附件 / attachments of an incident")
def incident_attachments(incident_id: IdPath, viewer: ReaderDep, session: SessionDep, engine: EngineDep) -> dict:
    return att.of_incident(session=session, org=engine.org, viewer=viewer, incident_id=incident_id)


@router.post("/api/incidents/{incident_id}/responses/{response_id}/attachments", status_code=201,
             summary="为回应上传附件 / attach files to a response")
def attach_to_response(incident_id: IdPath, response_id: IdPath, files: Files,
                       viewer: Annotated[Principal, Allowed(Action.RESPOND)], uow: UowDep, settings: SettingsDep,
                       engine: EngineDep) -> dict:
    rows = att.attach_to_response(session=uow.session, settings=settings, org=engine.org, viewer=viewer,
                                  incident_id=incident_id, response_id=response_id,
                                  uploads=uploads_of(files.files, settings))
    uow.commit()
    return {"attachments": [att.view(a) for a in rows]}
