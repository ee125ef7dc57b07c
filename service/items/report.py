"""舆情报送: a person (a unit's liaison, 宣传部门's monitor, the government office) enters an item
he found — source, link, title, text, when found, screenshots — through the same intake as the
machines (service.items.intake: same bounds, same processing job), audited `item.reported`.
The link is stored and shown, never fetched by the server (service.alerts.egress is the only
way out, and only to subscribed receivers)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Form, UploadFile, status
from pydantic import Field, ValidationError

from service.attachments import service as att
from service.attachments.views import uploads_of
from service.audit.actions import AuditAction, ItemReported
from service.audit.log import record
from service.auth.deps import Allowed
from service.auth.rules import Action, Principal
from service.core.deps import SettingsDep, UowDep
from service.core.errors import Invalid
from service.core.inputs import StrictModel
from service.core.metrics import ITEMS_RECEIVED
from service.incidents.deps import EngineDep
from service.items.intake import accept
from service.items.schemas import ItemIn
from service.items.sources import SOURCE_KINDS, source_problem

router = APIRouter(prefix="/api/items", tags=["items"])
URL = re.compile(r"https?://[^\s<>\"']{1,1990}")  # only web links: a javascript: link would run in a page
TOKEN = r"^[A-Za-z0-9_-]{8,64}$"
Reporter = Annotated[Principal, Allowed(Action.REPORT)]


class ReportIn(StrictModel):
    """The form (multipart, with its files); the item's own bounds are ItemIn's."""

    source: str = Field(max_length=64, description="来源类型：" + "、".join(SOURCE_KINDS))
    text: str = Field(max_length=20_000, description="内容")
    client_token: str = Field(pattern=TOKEN, description="表单的一次性编号：重复提交不重复报送")
    title: str | None = Field(None, max_length=500)
    link: str | None = Field(None, max_length=2000, description="原帖链接（仅保存，服务器不访问）")
    found_at: str | None = Field(None, max_length=40, description="发现时间，ISO 8601；不带时区按北京时间")
    files: list[UploadFile] | None = Field(None, max_length=100, description="截图等附件")


def _item(source: str, token: str, title: str | None, text: str, found_at: str | None) -> ItemIn:
    if problem := source_problem(source):
        raise Invalid(*problem, field="source")
    try:
        return ItemIn.model_validate({"source": source, "external_id": f"report:{token}", "title": title or None,
                                      "text": text, "received_at": found_at or None})
    except ValidationError as exc:
        e = exc.errors()[0]
        field = str(e["loc"][0]) if e["loc"] else ""
        name = {"text": "内容", "title": "标题", "received_at": "发现时间"}.get(field, field)
        raise Invalid(f"{name}填写有误", f"{field}: {e['msg']}", field=field,
                      details=[{"field": field, "problem": e["msg"]}]) from None


@router.get("/report/sources", summary="舆情报送的来源类型 / the source kinds a report may give",
            dependencies=[Allowed(Action.REPORT, Action.IMPORT)])
def sources() -> dict:
    return {"sources": SOURCE_KINDS}


@router.post("/report", status_code=status.HTTP_202_ACCEPTED,
             summary="舆情报送（人工报送一条，可带附件） / report an item by hand, with attachments")
def report(viewer: Reporter, form: Annotated[ReportIn, Form(media_type="multipart/form-data")], uow: UowDep,
           settings: SettingsDep, engine: EngineDep) -> dict:
    link = (form.link or "").strip() or None
    if link is not None and not URL.fullmatch(link):
        raise Invalid("链接须以 http:// 或 https:// 开头", "the link must be an http(s) address", field="link")
    source = form.source
    item = _item(source, form.client_token, form.title, form.text, form.found_at)
    uploads = uploads_of(form.files, settings)
    att.checked(uploads, settings)  # refused before anything is stored
    result = accept(uow, settings, engine, [item], extra=[{"link": link, "reported_by": viewer.username}])[0]
    saved = [] if result["duplicate"] else att.save(
        session=uow.session, settings=settings, viewer=viewer, owner="item", owner_id=result["id"], incident_id=None,
        uploads=uploads)
    record(uow.session, AuditAction.ITEM_REPORTED, ItemReported(
        source=source, external_id=item.external_id, unit=viewer.unit, link=link, attachments=len(saved),
        duplicate=result["duplicate"]), item_id=result["id"], actor=viewer.username)
    uow.commit()
    ITEMS_RECEIVED.inc(0 if result["duplicate"] else 1)
    return {"item": result, "attachments": [att.view(a) for a in saved]}
