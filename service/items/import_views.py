"""CSV/XLSX import routes: upload a file for a preview (columns, sample, suggested mapping,
every row's errors, how many are new), then upload it again with the mapping to import — all
rows or none. The file is not kept between the two: nothing is half-imported or left over."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile, status

from service.auth.deps import Allowed
from service.auth.rules import Action, Principal
from service.core.deps import SessionDep, SettingsDep, UowDep
from service.core.errors import Invalid
from service.core.metrics import ITEMS_RECEIVED
from service.core.settings import Settings
from service.incidents.deps import EngineDep
from service.items import import_service
from service.items.importing import Table, parse_mapping, read_table

router = APIRouter(prefix="/api/items/import", tags=["items"])
Importer = Annotated[Principal, Allowed(Action.IMPORT)]
Upload = Annotated[UploadFile, File(description="CSV（UTF-8 或 GB18030）或 XLSX 文件")]
Source = Annotated[str, Form(max_length=64, description="来源类型，如 12345")]
MappingText = Form(max_length=2000, description="列对应关系：text=诉求内容,external_id=工单编号,… 或 JSON 对象")


def _table(file: UploadFile, settings: Settings) -> Table:
    data = file.file.read(settings.upload_body_limit_bytes + 1)
    if len(data) > settings.upload_body_limit_bytes:
        raise Invalid("文件过大", "the file is too large", field="file")
    return read_table(data, settings.import_max_rows)


@router.post("/preview", summary="导入预览：列、样例、列对应与逐行检查 / preview an import: columns, mapping, row errors")
def preview(viewer: Importer, file: Upload, session: SessionDep, settings: SettingsDep, source: Source = "12345",
            mapping: Annotated[str | None, MappingText] = None) -> dict:
    return import_service.preview(session=session, settings=settings, table=_table(file, settings),
                                  mapping=parse_mapping(mapping) if mapping else None, source=source)


@router.post("", status_code=status.HTTP_201_CREATED,
             summary="导入 CSV/XLSX（全部成功或全部不导入） / import a CSV/XLSX file, all rows or none")
def import_file(viewer: Importer, file: Upload, uow: UowDep, settings: SettingsDep, engine: EngineDep,
                mapping: Annotated[str, MappingText], source: Source = "12345") -> dict:
    result = import_service.import_table(uow=uow, settings=settings, engine=engine, table=_table(file, settings),
                                         mapping=parse_mapping(mapping), source=source,
                                         filename=file.filename or "", actor=viewer.username)
    uow.commit()
    ITEMS_RECEIVED.inc(result["created"])
    return result
