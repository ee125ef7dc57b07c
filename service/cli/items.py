"""`yuqing items import FILE --map text=诉求内容,external_id=工单编号 [--source 12345] [--dry-run]`:
the CSV/XLSX import of the API (service.items.import_service), from the command line. All rows
or none; a bad file or row is reported (row, column, problem in Chinese and English) and exits
2 with nothing written; a re-import adds nothing and says how many were already there."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_import_parser(items_sub) -> None:
    imp = items_sub.add_parser("import", help="import a CSV/XLSX export (e.g. the 12345 hotline's): all rows or none")
    imp.add_argument("file")
    imp.add_argument("--map", dest="mapping", default="",
                     help="field=column,…: external_id, text (required), title, received_at; default: guessed from the header")
    imp.add_argument("--source", default="12345", help="source kind (web, weibo, wechat, video, media, 12345, leader, letter, other)")
    imp.add_argument("--dry-run", action="store_true", help="check every row and count new/known ones; write nothing")


def run_import(args: argparse.Namespace) -> int:
    from service.core.db import session_scope
    from service.core.errors import DomainError
    from service.core.settings import get_settings
    from service.core.uow import UnitOfWork
    from service.incidents.runtime import load_engine
    from service.items import import_service
    from service.items.importing import check_mapping, parse_mapping, read_table, suggest

    settings = get_settings()
    try:
        data = Path(args.file).read_bytes()
        table = read_table(data, settings.import_max_rows)
        mapping = parse_mapping(args.mapping) if args.mapping else suggest(table.headers)
        check_mapping(mapping, table.headers)
        with session_scope(settings.database_url) as session:
            if args.dry_run:
                found = import_service.preview(session=session, settings=settings, table=table, mapping=mapping,
                                               source=args.source)
                return _print_preview(found)
            engine = load_engine(settings, session)
            uow = UnitOfWork(session, settings)
            result = import_service.import_table(uow=uow, settings=settings, engine=engine, table=table,
                                                 mapping=mapping, source=args.source, filename=Path(args.file).name,
                                                 actor="cli")
            uow.commit()
    except OSError as exc:
        print(f"无法读取文件 / cannot read the file: {exc}")
        return 2
    except DomainError as exc:
        _print_refusal(exc)
        return 2
    print(f"已导入 {result['created']} 条，已存在 {result['duplicates']} 条（共 {result['rows']} 行） / "
          f"imported {result['created']}, already there {result['duplicates']} ({result['rows']} rows)")
    return 0


def _print_refusal(exc) -> None:
    print(f"{exc.zh} / {exc.en}")
    for row in exc.extra.get("rows", []):
        print(f"  第{row['row']}行 row {row['row']} [{row['field']}]: {row['zh']} / {row['en']}")
    if exc.extra.get("error_count", 0) > len(exc.extra.get("rows", [])):
        print(f"  …共 {exc.extra['error_count']} 处 / {exc.extra['error_count']} in all")


def _print_preview(found: dict) -> int:
    if found.get("mapping_problem"):
        print(f"{found['mapping_problem']['zh']} / {found['mapping_problem']['en']}")
        return 2
    for e in found["errors"]:
        print(f"  第{e['row']}行 row {e['row']} [{e['field']}]: {e['zh']} / {e['en']}")
    print(f"{found['rows']} 行：可导入 {found['new']} 条新信息，已存在 {found['duplicates']} 条，有误 {found['error_count']} 处 / "
          f"{found['rows']} rows: {found['new']} new, {found['duplicates']} already there, {found['error_count']} errors")
    return 0 if found["ready"] else 2
