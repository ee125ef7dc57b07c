"""Attachments on the database and the disk: check (count, size, type by content), store
(random names under ATTACHMENTS_DIR, or in the row), read back for whoever sees the owner's
incident. Refusals raise domain errors before anything is written; nothing here commits.

The bytes are written before the commit so that a committed row always has its file; a
transaction rolled back deletes the files it wrote, and `files.prune` removes what a crash left
(service.attachments.files)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, or_, select

from routing.orgchart import OrgChart
from service.attachments.files import path_of, write
from service.attachments.models import Attachment
from service.attachments.sniff import ALLOWED_LABELS, FileType, safe_name, sniff
from service.audit.actions import AttachmentAdded, AuditAction
from service.audit.log import record
from service.auth.rules import Action, Principal, allowed, assignment_of, may
from service.core.columns import id_of, utcnow
from service.core.errors import Forbidden, Invalid, NotFound
from service.core.settings import Settings
from service.incidents.models import Item, Response
from service.incidents.visible import visible_incident


@dataclass(frozen=True)
class Upload:
    filename: str | None
    data: bytes


def checked(uploads: Sequence[Upload], settings: Settings, already: int = 0) -> list[tuple[Upload, FileType]]:
    """Each upload with its sniffed type; Invalid naming the file when one breaks a limit."""
    if already + len(uploads) > settings.attachments_per_owner:
        raise Invalid(f"附件最多 {settings.attachments_per_owner} 个",
                      f"at most {settings.attachments_per_owner} attachments", field="files")
    out = []
    for n, up in enumerate(uploads, 1):
        name = (up.filename or f"#{n}")[:80]
        if not up.data:
            raise Invalid(f"附件「{name}」是空文件", f"attachment {name!r} is empty", field="files")
        if len(up.data) > settings.attachment_max_bytes:
            mb = settings.attachment_max_bytes / 1024 / 1024
            raise Invalid(f"附件「{name}」超过 {mb:g} MB", f"attachment {name!r} is over {mb:g} MB", field="files")
        kind = sniff(up.data)
        if kind is None:
            raise Invalid(f"附件「{name}」的类型不允许（仅限{ALLOWED_LABELS}）",
                          f"attachment {name!r} is not an allowed type (png, jpeg, gif, webp, pdf, docx, xlsx)",
                          field="files")
        out.append((up, kind))
    return out


def save(*, session: Session, settings: Settings, viewer: Principal, owner: str, owner_id: int,
         incident_id: int | None, uploads: Sequence[Upload], now: datetime | None = None) -> list[Attachment]:
    """Store `uploads` on the owner, audited (on the incident, or on the item before it has one)."""
    if not uploads:
        return []
    already = session.exec(select(func.count()).select_from(Attachment).where(
        Attachment.owner == owner, Attachment.owner_id == owner_id)).one()
    files, now = checked(uploads, settings, already), now or utcnow()
    rows = []
    for up, kind in files:
        on_disk = bool(settings.attachments_dir)
        rows.append(Attachment(owner=owner, owner_id=owner_id, incident_id=incident_id,
                               filename=safe_name(up.filename, kind), mime=kind.mime, size=len(up.data),
                               sha256=hashlib.sha256(up.data).hexdigest(),
                               stored_name=write(session, settings, up.data) if on_disk else None,
                               content=None if on_disk else up.data, uploaded_by=viewer.username,
                               uploaded_unit=viewer.unit, at=now))
    session.add_all(rows)
    session.flush()
    record(session, AuditAction.INCIDENT_ATTACHMENT_ADDED, AttachmentAdded(
        attachment_ids=[id_of(a) for a in rows], owner=owner, owner_id=owner_id, names=[a.filename for a in rows],
        sha256=[a.sha256 for a in rows]), incident_id=incident_id,
        item_id=owner_id if owner == "item" else None, actor=viewer.username)
    return rows


def content(settings: Settings, a: Attachment) -> bytes:
    if a.stored_name is None:
        return a.content or b""
    if not settings.attachments_dir:
        raise NotFound("附件文件不在本机存储中", "the attachment's file is not in this server's storage")
    try:
        return path_of(settings, a.stored_name).read_bytes()
    except FileNotFoundError:
        raise NotFound("附件文件已丢失", "the attachment's file is missing") from None


def incident_of(session: Session, a: Attachment) -> int | None:
    """The incident whose readers read `a`: an item's current one (merges move items)."""
    if a.owner == "item":
        item = session.get(Item, a.owner_id)
        return item.incident_id if item else None
    return a.incident_id


def readable(*, session: Session, org: OrgChart, viewer: Principal, attachment_id: int) -> Attachment:
    """The attachment, for a viewer who sees its incident (404 otherwise, as for the incident);
    an item's before it is routed: its uploader and those who read unrouted items."""
    a = session.get(Attachment, attachment_id)
    if a is None:
        raise NotFound("没有这个附件", "no such attachment")
    incident_id = incident_of(session, a)
    if incident_id is None:
        if a.uploaded_by != viewer.username and not allowed(viewer, Action.READ_UNROUTED):
            raise NotFound("没有这个附件", "no such attachment")
        return a
    try:
        visible_incident(session, org, viewer, incident_id)
    except NotFound:
        raise NotFound("没有这个附件", "no such attachment") from None
    return a


def view(a: Attachment) -> dict:
    return {"id": a.id, "owner": a.owner, "owner_id": a.owner_id, "filename": a.filename, "mime": a.mime,
            "size": a.size, "sha256": a.sha256, "uploaded_by": a.uploaded_by, "uploaded_unit": a.uploaded_unit,
            "at": a.at, "url": f"/api/attachments/{a.id}"}


def of_incident(*, session: Session, org: OrgChart, viewer: Principal, incident_id: int) -> dict:
    incident = visible_incident(session, org, viewer, incident_id)
    items = select(Item.id).where(Item.incident_id == incident_id)
    rows = session.exec(select(Attachment).where(or_(
        (col(Attachment.owner) == "item") & col(Attachment.owner_id).in_(items),
        (col(Attachment.owner) != "item") & (col(Attachment.incident_id) == incident_id))).order_by(col(Attachment.id)))
    responses = session.exec(select(Response).where(Response.incident_id == incident_id).order_by(col(Response.id)))
    mine = [r for r in responses if r.unit == viewer.unit and may(viewer, Action.RESPOND, assignment_of(incident), org)]
    return {"incident_id": incident_id, "attachments": [view(a) for a in rows],
            "may_attach_to": [{"id": r.id, "kind": r.kind, "at": r.at} for r in mine]}


def attach_to_response(*, session: Session, settings: Settings, org: OrgChart, viewer: Principal, incident_id: int,
                       response_id: int, uploads: Sequence[Upload]) -> list[Attachment]:
    """Files of a published response (the post, the notice as published): its unit's liaisons."""
    incident = visible_incident(session, org, viewer, incident_id)
    response = session.get(Response, response_id)
    if response is None or response.incident_id != incident_id:
        raise NotFound("没有这条回应", "no such response")
    if not may(viewer, Action.RESPOND, assignment_of(incident), org) or viewer.unit != response.unit:
        raise Forbidden("只有回应单位可以为回应上传附件", "only the responding unit attaches files to its response")
    return save(session=session, settings=settings, viewer=viewer, owner="response", owner_id=response_id,
                incident_id=incident_id, uploads=uploads)
