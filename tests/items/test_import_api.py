"""The CSV/XLSX import over HTTP and on the command line, on SQLite and PostgreSQL: a preview
with the suggested mapping, an import through the pipeline (routed into incidents), a
re-import that adds nothing, and malformed files or rows: clear errors, nothing written."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlmodel import func, select

from service.audit.models import AuditEntry
from service.cli.main import main as cli
from service.core.db import session_scope
from service.incidents.models import Item
from tests.conftest import COORD
from tests.support.factories import login

MAPPING = "external_id=工单编号,title=诉求标题,text=诉求内容,received_at=受理时间"
ROWS = [["GD-20261201-001", "油烟扰民", "米山镇凤凰小区楼下烧烤店油烟扰民，多次反映无人处理", "2026/12/1 9:05"],
        ["GD-20261201-002", "过期食材", "河西镇、马村镇多家餐馆被曝使用过期食材", "2026/12/1 10:30"],
        ["GD-20261201-003", "积水", "野川镇幸福路积水严重无人管", "2026/12/1 11:00"]]
HEADER = ["工单编号", "诉求标题", "诉求内容", "受理时间"]


def csv_bytes(rows=ROWS, encoding: str = "gb18030") -> bytes:
    return "\n".join(",".join(r) for r in [HEADER, *rows]).encode(encoding)


def xlsx_bytes(rows=ROWS) -> bytes:
    book = Workbook()
    for r in [HEADER, *rows]:
        book.active.append(r)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def counts(settings) -> tuple[int, int]:
    with session_scope(settings.database_url) as s:
        return (s.exec(select(func.count()).select_from(Item)).one(),
                s.exec(select(func.count()).select_from(AuditEntry)).one())


def post(client, path: str, data: bytes, headers: dict, name: str = "12345.csv", **form) -> object:
    return client.post(path, headers=headers, files={"file": (name, data, "application/octet-stream")}, data=form)


def test_preview_import_and_reimport(client, settings) -> None:
    reviewer = login(client, "reviewer_gaoping")
    before = counts(settings)
    r = post(client, "/api/items/import/preview", csv_bytes(), reviewer)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["headers"] == HEADER and p["rows"] == 3 and p["sample"][0][0] == "GD-20261201-001"
    assert p["mapping"] == {"external_id": "工单编号", "title": "诉求标题", "text": "诉求内容", "received_at": "受理时间"}
    assert (p["ready"], p["new"], p["duplicates"], p["errors"]) == (True, 3, 0, [])
    assert counts(settings) == before  # a preview writes nothing

    r = post(client, "/api/items/import", csv_bytes(), reviewer, mapping=MAPPING, source="12345")
    assert r.status_code == 201, r.text
    got = r.json()
    assert (got["created"], got["duplicates"], got["rows"]) == (3, 0, 3)
    assert [i["row"] for i in got["items"]] == [2, 3, 4]
    with session_scope(settings.database_url) as s:  # processed inline (embedded): routed into incidents
        items = s.exec(select(Item).where(Item.source == "12345").order_by(Item.id)).all()
        assert [(i.external_id, i.status) for i in items] == [(r[0], "processed") for r in ROWS]
        assert all(i.incident_id for i in items) and items[0].title == "油烟扰民"
        assert items[0].received_at.isoformat() == "2026-12-01T01:05:00+00:00"  # 09:05 北京时间
        audit = s.exec(select(AuditEntry).where(AuditEntry.action == "items.imported")).all()
        assert [(a.actor, a.detail["created"], a.detail["duplicates"]) for a in audit] == [("reviewer_gaoping", 3, 0)]

    # the same export again, as XLSX: nothing new, and it says so
    again = post(client, "/api/items/import", xlsx_bytes(), reviewer, name="12345.xlsx", mapping=MAPPING)
    assert again.status_code == 201, again.text
    assert (again.json()["created"], again.json()["duplicates"]) == (0, 3)
    preview = post(client, "/api/items/import/preview", xlsx_bytes(), reviewer, mapping=MAPPING).json()
    assert (preview["new"], preview["duplicates"]) == (0, 3)


def test_a_bad_row_imports_nothing_and_every_error_is_reported(client, settings) -> None:
    coordinator = login(client, "coordinator_gaoping")
    bad = [*ROWS, ["GD-20261201-004", "", "", "2026/12/1 12:00"], ["GD-20261201-001", "", "重复", "昨天"]]
    before = counts(settings)
    r = post(client, "/api/items/import", csv_bytes(bad, "utf-8-sig"), coordinator, mapping=MAPPING)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["zh"] == "2 行有误（共 2 处），未导入任何数据：第5行「诉求内容」不能为空"
    assert "nothing was imported" in error["en"]
    assert [(e["row"], e["field"]) for e in error["rows"]] == [(5, "诉求内容"), (6, "受理时间")]
    assert all(e["zh"] and e["en"] for e in error["rows"])
    assert counts(settings) == before  # not the three good rows either
    preview = post(client, "/api/items/import/preview", csv_bytes(bad), coordinator).json()
    assert preview["ready"] is False and preview["error_count"] == len(error["rows"])


def test_malformed_files_and_mappings_write_nothing(client, settings) -> None:
    reviewer = login(client, "reviewer_gaoping")
    before = counts(settings)
    cases = [(b"PK\x03\x04not really a workbook", MAPPING, "cannot read the XLSX file (damaged or not a workbook)"),
             (b"\xd0\xcf\x11\xe0old excel", MAPPING, "old .xls files are not read: save as .xlsx or .csv"),
             (b"", MAPPING, "the file is empty"),
             (csv_bytes(), "text=诉求内容", "map a column to external_id"),
             (csv_bytes(), "external_id=工单编号,text=内容", "no such column in the file: 内容"),
             (csv_bytes(), "body=诉求内容", None)]
    for data, mapping, en in cases:
        r = post(client, "/api/items/import", data, reviewer, mapping=mapping)
        assert r.status_code == 422, (mapping, r.text)
        assert r.json()["error"]["zh"] and (en is None or r.json()["error"]["en"] == en), r.json()
    r = post(client, "/api/items/import", csv_bytes(), reviewer, mapping=MAPPING, source="不存在的来源")
    assert r.status_code == 422 and r.json()["error"]["field"] == "source"
    assert counts(settings) == before


def test_who_may_import(client) -> None:
    for who in ("liaison_scj", "leader_gaoping"):
        r = post(client, "/api/items/import", csv_bytes(), login(client, who), mapping=MAPPING)
        assert r.status_code == 403, who
    assert post(client, "/api/items/import/preview", csv_bytes(), COORD).status_code == 200  # a coordinator token


def test_the_command_line_imports_the_same_way(settings, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    from service.core.settings import get_settings

    get_settings.cache_clear()
    good, bad = tmp_path / "good.xlsx", tmp_path / "bad.csv"
    good.write_bytes(xlsx_bytes())
    bad.write_bytes(csv_bytes([*ROWS, ["GD-X", "", "", "not a time"]]))
    before = counts(settings)
    assert cli(["items", "import", str(bad), "--map", MAPPING]) == 2
    out = capsys.readouterr().out
    assert "未导入任何数据" in out and "第5行 row 5 [受理时间]" in out
    assert counts(settings) == before
    assert cli(["items", "import", str(good), "--map", MAPPING, "--dry-run"]) == 0
    assert "可导入 3 条新信息" in capsys.readouterr().out
    assert cli(["items", "import", str(good), "--map", MAPPING]) == 0
    assert "已导入 3 条，已存在 0 条" in capsys.readouterr().out
    assert cli(["items", "import", str(good)]) == 0  # the mapping guessed from the header
    assert "已导入 0 条，已存在 3 条" in capsys.readouterr().out
    get_settings.cache_clear()
