"""A CSV/XLSX import on the database: the preview (what the mapping makes of the file, how many
rows are new, which are already there, every row's errors) and the import itself — all rows
in the caller's one transaction through the intake pipeline, or, when any row is bad, none and
a report of every bad row. Idempotent on (source, external_id): a re-import adds nothing and
says how many were there. Nothing here commits."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlmodel import Session

from service.audit.actions import AuditAction, ItemsImported
from service.audit.log import record
from service.core.columns import utcnow
from service.core.errors import Invalid
from service.core.inputs import ReceivedWindow
from service.core.settings import Settings
from service.core.uow import UnitOfWork
from service.incidents.pipeline import Engine
from service.items.importing import FIELDS, RowError, Table, check_mapping, suggest, to_items
from service.items.intake import accept, known_keys
from service.items.sources import SOURCE_KINDS, source_problem

SAMPLE_ROWS = 10
ERRORS_SHOWN = 200  # a report of every row of a 5,000-row file would be as long as the file


def _source(source: str) -> None:
    if problem := source_problem(source):
        raise Invalid(*problem, field="source")


def preview(*, session: Session, settings: Settings, table: Table, mapping: Mapping[str, str] | None,
            source: str, now: datetime | None = None) -> dict:
    """The file's columns, a sample, the mapping (suggested when none is given) and, once the
    mapping names the required columns, what an import would do."""
    _source(source)
    mapping = dict(mapping) if mapping else suggest(table.headers)
    out = {"headers": table.headers, "rows": len(table.rows), "sample": [c for _, c in table.rows[:SAMPLE_ROWS]],
           "mapping": mapping, "fields": FIELDS, "source": source, "sources": SOURCE_KINDS, "ready": False}
    try:
        check_mapping(mapping, table.headers)
    except Invalid as exc:
        return {**out, "mapping_problem": {"zh": exc.zh, "en": exc.en}}
    items, errors = to_items(table, mapping, source, ReceivedWindow.of(settings), now or utcnow())
    known = known_keys(session, [(i.source, i.external_id) for _, i in items])
    return {**out, "ready": not errors, "valid": len(items), "new": len(items) - len(known),
            "duplicates": len(known), "errors": [e.as_dict() for e in errors[:ERRORS_SHOWN]],
            "error_count": len(errors)}


def refusal(errors: list[RowError]) -> Invalid:
    rows = sorted({e.row for e in errors})
    return Invalid(f"{len(rows)} 行有误（共 {len(errors)} 处），未导入任何数据：{errors[0].zh}",
                   f"{len(rows)} row(s) with errors ({len(errors)} in all), nothing was imported: {errors[0].en}",
                   details=[{"field": f"row {e.row}: {e.field}", "problem": e.zh} for e in errors[:ERRORS_SHOWN]],
                   rows=[e.as_dict() for e in errors[:ERRORS_SHOWN]], error_count=len(errors))


def import_table(*, uow: UnitOfWork, settings: Settings, engine: Engine, table: Table, mapping: Mapping[str, str],
                 source: str, filename: str, actor: str, now: datetime | None = None) -> dict:
    """Every row or none (Invalid with the per-row report); audited once per file."""
    _source(source)
    check_mapping(mapping, table.headers)
    now = now or utcnow()
    items, errors = to_items(table, mapping, source, ReceivedWindow.of(settings), now)
    if errors:
        raise refusal(errors)
    if not items:
        raise Invalid("文件中没有数据行", "the file has no data rows", field="file")
    results = accept(uow, settings, engine, [i for _, i in items], now)
    created = sum(not r["duplicate"] for r in results)
    summary = ItemsImported(filename=filename[:200], source=source, rows=len(items), created=created,
                            duplicates=len(results) - created)
    record(uow.session, AuditAction.ITEMS_IMPORTED, summary, actor=actor)
    return {**summary, "items": [{"row": row, **r} for (row, _), r in zip(items, results, strict=True)]}
