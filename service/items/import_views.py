"""CSV/XLSX import routes: upload a file for a preview (columns, sample, suggested mapping,
every row's errors, how many are new), then upload it again with the mapping to import — all
rows or none. The file is not kept between the two: nothing is half-imported or left over."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, UploadFile, status
from pydantic import Field

from service.auth.deps import Allowed
from service.auth.rules import Action, Principal
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.errors import Invalid
from service.core.inputs import StrictModel
from service.core.metrics import ITEMS_RECEIVED
from service.core.settings import Settings
from service.incidents.deps import EngineDep
from service.items import import_service
from service.items.importing import Table, parse_mapping, read_table

router = APIRouter(prefix="/api/items/import", tags=["items"])
Importer = Annotated[Principal, Allowed(Action.IMPORT)]
MAPPING = "列对应关系：text=诉求内容,external_id=工单编号,… 或 JSON 对象"


class PreviewIn(StrictModel):
    file: UploadFile = Field(description="CSV（UTF-8 或 GB18030）或 XLSX 文件")
    source: str = Field("12345", max_length=64, description="来源类型，如 12345")
    mapping: str | None = Field(None, max_length=2000, description=MAPPING + "；缺省按表头推断")


class ImportIn(PreviewIn):
    mapping: str = Field(min_length=3, max_length=2000, description=MAPPING)


Multipart = Form(media_type="multipart/form-data")


def _table(file: UploadFile, settings: Settings) -> Table:
    data = file.file.read(settings.upload_body_limit_bytes + 1)
    if len(data) > settings.upload_body_limit_bytes:
        raise Invalid("文件过大", "the file is too large", field="file")
    return read_table(data, settings.import_max_rows)


@router.post("/preview", summary="导入预览：列、样例、列对应与逐行检查 / preview an import: columns, mapping, row errors")
def preview(viewer: Importer, form: Annotated[PreviewIn, Multipart], session: SessionDep,
            settings: SettingsDep) -> dict:
    return import_service.preview(session=session, settings=settings, table=_table(form.file, settings),
                                  mapping=parse_mapping(form.mapping) if form.mapping else None, source=form.source)


@router.post("", status_code=status.HTTP_201_CREATED,
             summary="导入 CSV/XLSX（全部成功或全部不导入） / import a CSV/XLSX file, all rows or none")
def import_file(viewer: Importer, form: Annotated[ImportIn, Multipart], uow: UowDep, settings: SettingsDep,
                engine: EngineDep) -> dict:
    result = import_service.import_table(uow=uow, settings=settings, engine=engine, table=_table(form.file, settings),
                                         mapping=parse_mapping(form.mapping), source=form.source,
                                         filename=form.file.filename or "", actor=viewer.username)
    uow.commit()
    ITEMS_RECEIVED.inc(result["created"])
    return result
