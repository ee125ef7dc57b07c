"""CSV/XLSX exports (the 12345 hotline's daily work orders, a monitoring vendor's list) read
into items: the file into a table, a column mapping (which column is the 工单编号, the 诉求内容
…), each row into an `ItemIn` or into errors naming row, field and problem in Chinese and
English. Pure: bytes and plain data in, plain data out; no database, no web."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from service.core.errors import Invalid
from service.core.inputs import ReceivedWindow
from service.items.schemas import ItemIn

# what a column may be mapped to (item field → 中文名); the first two are required
FIELDS: dict[str, str] = {"external_id": "编号", "text": "内容", "title": "标题", "received_at": "接收时间"}
REQUIRED = ("external_id", "text")
# column names of the hotline's and the usual exports, for the suggested mapping
SYNONYMS: dict[str, tuple[str, ...]] = {
    "external_id": ("工单编号", "工单号", "编号", "流水号", "序号", "id", "external_id"),
    "text": ("诉求内容", "来电内容", "内容", "正文", "问题描述", "text"),
    "title": ("诉求标题", "标题", "主题", "事项", "title"),
    "received_at": ("受理时间", "来电时间", "登记时间", "接收时间", "发布时间", "发现时间", "received_at"),
}
ENCODINGS = ("utf-8-sig", "gb18030")  # utf-8 (with or without BOM), then the mainland's Excel default


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[tuple[int, list[str]]]  # (row number in the file, header = 1; cells); blank rows left out


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    zh: str
    en: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "zh": self.zh, "en": self.en}


def read_table(data: bytes, max_rows: int) -> Table:
    """An XLSX (zip) or CSV file as a table; Invalid when it is neither or has too many rows."""
    if not data.strip():
        raise Invalid("文件为空", "the file is empty", field="file")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Invalid("不支持旧版 .xls 文件，请另存为 .xlsx 或 .csv", "old .xls files are not read: save as .xlsx or .csv",
                      field="file")
    grid = _xlsx(data) if data.startswith(b"PK\x03\x04") else _csv(data)
    numbered = [(n, [c.strip() for c in row]) for n, row in enumerate(grid, 1)]
    numbered = [(n, row) for n, row in numbered if any(row)]
    if not numbered:
        raise Invalid("文件中没有表头", "the file has no header row", field="file")
    (_, headers), body = numbered[0], numbered[1:]
    if len(body) > max_rows:
        raise Invalid(f"文件有 {len(body)} 行数据，单次最多导入 {max_rows} 行",
                      f"the file has {len(body)} data rows; at most {max_rows} per import", field="file")
    if len(set(h for h in headers if h)) != len([h for h in headers if h]):
        raise Invalid("表头中有重复的列名", "the header row repeats a column name", field="file")
    return Table(headers=headers, rows=[(n, row + [""] * (len(headers) - len(row))) for n, row in body])


def decode(data: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid("无法识别文件编码（支持 UTF-8 与 GB18030/GBK）", "unknown text encoding (UTF-8 or GB18030/GBK)",
                  field="file")


def _csv(data: bytes) -> list[list[str]]:
    text = decode(data)
    if "\x00" in text:
        raise Invalid("文件不是 CSV 或 XLSX 表格", "the file is not a CSV or XLSX table", field="file")
    first = text.split("\n", 1)[0]
    delimiter = max(",\t;", key=first.count) if any(d in first for d in ",\t;") else ","
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    except csv.Error as exc:
        raise Invalid(f"CSV 格式错误：{exc}", f"malformed CSV: {exc}", field="file") from None


def _xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook  # a second to import: only when an XLSX comes

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a broken or foreign zip
        raise Invalid("无法读取 XLSX 文件（文件损坏或不是 Excel 表格）", "cannot read the XLSX file (damaged or not a workbook)",
                      field="file") from None
    try:
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a 工单编号 typed as a number
    return str(value)


def parse_mapping(text: str) -> dict[str, str]:
    """`text=诉求内容,external_id=工单编号` (or a JSON object) → {field: column}."""
    text = text.strip()
    if text.startswith("{"):
        try:
            raw = json.loads(text)
        except ValueError:
            raise Invalid("列对应关系不是合法的 JSON", "the column mapping is not valid JSON", field="mapping") from None
        pairs: list[tuple[Any, ...]] = list(raw.items()) if isinstance(raw, dict) else [("", raw)]
    else:
        pairs = [tuple(p.split("=", 1)) for p in text.split(",") if p.strip()]
    mapping: dict[str, str] = {}
    for pair in pairs:
        if len(pair) != 2 or not isinstance(pair[1], str) or pair[0].strip() not in FIELDS:
            raise Invalid(f"列对应关系有误：{'='.join(map(str, pair))[:60]}（字段可为 {', '.join(FIELDS)}）",
                          f"bad mapping entry {'='.join(map(str, pair))[:60]!r} (fields: {', '.join(FIELDS)})",
                          field="mapping")
        if pair[1].strip():
            mapping[pair[0].strip()] = pair[1].strip()
    return mapping


def suggest(headers: list[str]) -> dict[str, str]:
    """The mapping the column names suggest (exact names first, then a name containing one)."""
    out: dict[str, str] = {}
    for field, names in SYNONYMS.items():
        exact = [h for n in names for h in headers if h.lower() == n.lower()]
        loose = [h for n in names for h in headers if len(n) > 1 and n in h]
        if found := (exact or loose):
            out[field] = found[0]
    return out


def check_mapping(mapping: Mapping[str, str], headers: list[str]) -> None:
    missing = [f for f in REQUIRED if f not in mapping]
    if missing:
        raise Invalid(f"请指定{'、'.join(FIELDS[f] for f in missing)}所在的列",
                      f"map a column to {', '.join(missing)}", field="mapping", missing=missing)
    unknown = [c for c in mapping.values() if c not in headers]
    if unknown:
        raise Invalid(f"文件中没有列：{'、'.join(unknown)}", f"no such column in the file: {', '.join(unknown)}",
                      field="mapping")


_LOCAL = re.compile(r"(\d{4})\D(\d{1,2})\D(\d{1,2})\D*?(?:[ T]+(\d{1,2})[:：](\d{1,2})(?:[:：](\d{1,2}))?)?\s*$")


def local_time_text(text: str) -> str:
    """2026/12/1 9:05, 2026年12月1日 09:05 and ISO all become ISO 8601 (no offset: Beijing)."""
    m = _LOCAL.match(text.strip())
    if not m or "+" in text or text.strip().endswith("Z"):
        return text.strip()  # ISO with an offset, or garbage: ItemIn says which
    y, mo, d, h, mi, s = (int(g) if g else 0 for g in m.groups())
    return f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}"


ZH_PROBLEM = {"missing": "不能为空", "string_too_short": "不能为空", "string_too_long": "过长",
              "datetime_from_date_parsing": "时间格式无法识别", "datetime_parsing": "时间格式无法识别",
              "datetime_type": "时间格式无法识别", "value_error": "取值无效"}


def to_items(table: Table, mapping: Mapping[str, str], source: str, window: ReceivedWindow,
             now: datetime) -> tuple[list[tuple[int, ItemIn]], list[RowError]]:
    """Every row as an item, or its errors (all rows are checked: the report names them all)."""
    index = {h: i for i, h in enumerate(table.headers)}
    items: list[tuple[int, ItemIn]] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for row_no, cells in table.rows:
        values = {f: cells[index[c]] for f, c in mapping.items()}
        if values.get("received_at"):
            values["received_at"] = local_time_text(values["received_at"])
        data = {k: v for k, v in values.items() if v != "" or k in REQUIRED}
        try:
            item = ItemIn.model_validate({"source": source, **data})
        except ValidationError as exc:
            errors += [_row_error(row_no, e, mapping) for e in exc.errors()]
            continue
        problem = item.received_problem(window, now)
        if problem:
            col = mapping["received_at"]
            errors.append(RowError(row_no, col, f"第{row_no}行「{col}」{problem[0]}", f"row {row_no}, {col!r}: {problem[1]}"))
        elif item.external_id in seen:
            col, first = mapping["external_id"], seen[item.external_id]
            errors.append(RowError(row_no, col, f"第{row_no}行「{col}」与第{first}行重复",
                                   f"row {row_no}, {col!r}: the same id as row {first}"))
        else:
            seen[item.external_id] = row_no
            items.append((row_no, item))
    return items, errors


def _row_error(row: int, e: Any, mapping: Mapping[str, str]) -> RowError:
    field = str(e["loc"][0]) if e.get("loc") else ""
    column = mapping.get(field, field)
    zh = ZH_PROBLEM.get(e.get("type", ""), "取值无效")
    if e.get("type") == "string_too_long":
        zh = f"超过 {e.get('ctx', {}).get('max_length', '')} 字"
    return RowError(row, column, f"第{row}行「{column}」{zh}", f"row {row}, {column!r} ({field}): {e.get('msg', '')}")
