"""Reading a deployment's labelled history from CSV and XLSX, with errors that name the problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from classifier.datasets import DatasetError, load_labelled, load_term_lists, load_texts, without_texts

ROWS = [
    ("停水", "小区停水三天没人管", "市政服务"),
    ("食品", "餐馆使用过期食材", "食品药品监管"),
    ("", "餐馆使用过期食材", "食品药品监管"),  # same text, same label: kept once
    ("", "学校收费不合理", "义务教育"),
    ("", "学校收费不合理", "财政预决算"),  # same text, other label: both dropped
]


def write_csv(path: Path, header: list[str], rows: list[tuple]) -> Path:
    import csv

    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[tuple]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


@pytest.mark.parametrize("writer,name", [(write_csv, "data.csv"), (write_xlsx, "data.xlsx")])
def test_reads_csv_and_xlsx_and_drops_duplicates_and_conflicts(tmp_path: Path, writer, name: str) -> None:
    path = writer(tmp_path / name, ["主题", "内容", "分类"], [(None if not t else t, x, lab) for t, x, lab in ROWS])
    data = load_labelled(path, text_col="内容", label_col="分类")
    assert data.texts == ("小区停水三天没人管", "餐馆使用过期食材")
    assert data.labels == ("市政服务", "食品药品监管")
    assert (data.rows, data.duplicates, data.conflicts) == (5, 1, 2)
    assert "标签冲突 2 条" in data.summary()


def test_title_is_joined_before_text(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["title", "text", "label"], [("停水", "三天没人管", "市政服务"),
                                                                       ("", "只有正文", "市政服务")])
    data = load_labelled(path, text_col="text", label_col="label", title_col="title")
    assert data.texts == ("停水。三天没人管", "只有正文")
    twice = load_labelled(path, text_col="text", label_col="label", title_col="title", title_weight=2)
    assert twice.texts[0] == "停水。停水。三天没人管"


def test_missing_column_is_named(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], [("x", "y")])
    with pytest.raises(DatasetError) as err:
        load_labelled(path, text_col="text", label_col="topic")
    assert "'topic'" in str(err.value) and str(path) in str(err.value) and "text, label" in str(err.value)


def test_empty_labels_are_refused_with_their_lines(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", ["text", "label"], [("a", "市政服务"), ("b", ""), ("c", " ")])
    with pytest.raises(DatasetError) as err:
        load_labelled(path, text_col="text", label_col="label")
    assert "2 rows without a label" in str(err.value) and "lines 3, 4" in str(err.value)


def test_missing_file_and_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="文件不存在"):
        load_labelled(tmp_path / "none.csv", text_col="t", label_col="l")
    (tmp_path / "d.json").write_text("{}", encoding="utf-8")
    with pytest.raises(DatasetError, match="CSV or XLSX"):
        load_labelled(tmp_path / "d.json", text_col="t", label_col="l")


def test_term_lists_and_leak_removal(tmp_path: Path) -> None:
    terms = write_csv(tmp_path / "tax.csv", ["level1", "level2", "level3"],
                      [("城乡建设", "安全生产", "事故处理"), ("城乡建设", "安全生产", "安全生产管理"),
                       ("环境保护", "噪音污染", "事故处理"), ("交通运输", "其他", "")])
    # whole names and their jieba pieces; 事故处理 (and its pieces) belongs to two labels: dropped
    assert load_term_lists(terms, label_col="level1") == {"城乡建设": ["安全", "安全生产", "安全生产管理", "生产"],
                                                          "环境保护": ["噪音", "噪音污染", "污染"]}
    assert list(load_term_lists(terms, label_col="level1", keep=["环境保护"])) == ["环境保护"]
    labelled = load_labelled(write_csv(tmp_path / "l.csv", ["text", "label"], [("甲", "a"), ("乙", "b")]),
                             text_col="text", label_col="label")
    unlabelled = load_texts(write_csv(tmp_path / "u.csv", ["text"], [("甲",), ("丙",), ("丙",)]), text_col="text")
    assert unlabelled == ["甲", "丙"]
    assert without_texts(labelled, unlabelled) == (["丙"], 1)
