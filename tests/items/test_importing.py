"""The pure half of the CSV/XLSX import (service.items.importing): encodings, delimiters, XLSX
cells, the mapping, local time texts and the per-row errors — no database."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook

from service.core.errors import Invalid
from service.core.inputs import ReceivedWindow
from service.items.importing import local_time_text, parse_mapping, read_table, suggest, to_items

NOW = datetime(2026, 12, 2, 4, 0, tzinfo=UTC)
WINDOW = ReceivedWindow.of(type("S", (), {"received_at_floor": date(2000, 1, 1), "received_at_ahead_minutes": 10,
                                          "timezone": "Asia/Shanghai"})())
HOTLINE = "工单编号,诉求标题,诉求内容,受理时间\nGD-1,油烟扰民,米山镇凤凰小区烧烤店油烟扰民,2026/12/1 9:05\n"


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_reads_the_same(encoding: str) -> None:
    table = read_table(HOTLINE.encode(encoding), 100)
    assert table.headers == ["工单编号", "诉求标题", "诉求内容", "受理时间"]
    assert table.rows == [(2, ["GD-1", "油烟扰民", "米山镇凤凰小区烧烤店油烟扰民", "2026/12/1 9:05"])]


def test_tab_separated_and_blank_rows_keep_their_file_row_numbers() -> None:
    table = read_table("编号\t内容\n\nA\t一\n\t\nB\t二\n".encode(), 100)
    assert [n for n, _ in table.rows] == [3, 5]


def test_xlsx_cells_become_text() -> None:
    data = xlsx([["工单编号", "诉求内容", "受理时间"], [20261201001, "马村镇积水", datetime(2026, 12, 1, 8, 30)]])
    table = read_table(data, 100)
    assert table.rows == [(2, ["20261201001", "马村镇积水", "2026-12-01 08:30:00"])]


@pytest.mark.parametrize("data, en", [
    (b"", "the file is empty"),
    (b"\xd0\xcf\x11\xe0rest", "old .xls files are not read: save as .xlsx or .csv"),
    (b"PK\x03\x04broken zip", "cannot read the XLSX file (damaged or not a workbook)"),
    (b"\xff\xfe\x00\x00\x80\x81", "unknown text encoding (UTF-8 or GB18030/GBK)"),
    ("编号,编号\n1,2\n".encode(), "the header row repeats a column name"),
    ('编号,内容\n1,"unterminated\n'.encode(), None),
])
def test_malformed_files_are_refused_in_both_languages(data: bytes, en: str | None) -> None:
    with pytest.raises(Invalid) as refused:
        read_table(data, 100)
    assert refused.value.zh and (en is None or refused.value.en == en), refused.value.en


def test_too_many_rows_refused() -> None:
    with pytest.raises(Invalid, match="at most 2 per import"):
        read_table("编号,内容\n1,a\n2,b\n3,c\n".encode(), 2)


def test_mapping_text_json_and_suggestion() -> None:
    assert parse_mapping("text=诉求内容, external_id=工单编号") == {"text": "诉求内容", "external_id": "工单编号"}
    assert parse_mapping('{"text": "内容", "title": ""}') == {"text": "内容"}
    with pytest.raises(Invalid, match="bad mapping entry"):
        parse_mapping("body=内容")
    assert suggest(["工单编号", "诉求标题", "诉求内容", "受理时间", "备注"]) == {
        "external_id": "工单编号", "title": "诉求标题", "text": "诉求内容", "received_at": "受理时间"}


@pytest.mark.parametrize("text, iso", [("2026/12/1 9:05", "2026-12-01T09:05:00"),
                                       ("2026年12月1日 09:05:30", "2026-12-01T09:05:30"),
                                       ("2026-12-01", "2026-12-01T00:00:00"),
                                       ("2026-12-01T09:05:00+08:00", "2026-12-01T09:05:00+08:00")])
def test_local_time_texts(text: str, iso: str) -> None:
    assert local_time_text(text) == iso


def test_every_bad_row_is_named_with_its_column() -> None:
    table = read_table(("工单编号,诉求内容,受理时间\n"
                        "A,有内容,2026-12-01 08:00\n"
                        "B,,2026-12-01 08:00\n"          # no text
                        "A,重复编号,2026-12-01 08:00\n"   # the same id as row 2
                        "C,时间不对,明天上午\n"            # not a time
                        "D,太早,1999-01-01\n").encode(), 100)
    mapping = {"external_id": "工单编号", "text": "诉求内容", "received_at": "受理时间"}
    items, errors = to_items(table, mapping, "12345", WINDOW, NOW)
    assert [n for n, _ in items] == [2]
    assert [(e.row, e.field) for e in errors] == [(3, "诉求内容"), (4, "工单编号"), (5, "受理时间"), (6, "受理时间")]
    assert errors[0].zh == "第3行「诉求内容」不能为空" and "row 3" in errors[0].en
    assert errors[1].zh == "第4行「工单编号」与第2行重复"
    assert errors[3].zh == "第6行「受理时间」接收时间早于 2000-01-01"
    assert items[0][1].received_at == datetime(2026, 12, 1, 0, 0, tzinfo=UTC)  # 08:00 Beijing
