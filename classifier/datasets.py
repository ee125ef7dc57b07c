"""Labelled (and unlabelled) training data from a deployment's own files: CSV or XLSX.

Errors name the file, and the column or row, so an officer can fix the spreadsheet. Exact
duplicate texts are collapsed: a duplicate with the same label is kept once (it would
otherwise sit on both sides of a cross-validation split), a duplicate with conflicting labels
is dropped entirely (we cannot tell which label is right) and counted.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
MAX_LISTED_ROWS = 5  # rows named in an error message
GENERIC_TERMS = frozenset({"其他", "管理", "问题", "政策", "服务"})  # sub-topic pieces that name no topic


class DatasetError(ValueError):
    """Bad training file; the message is Chinese and English and names file/column/row."""


@dataclass(frozen=True)
class LabelledData:
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    source: str
    rows: int  # data rows read, before de-duplication
    duplicates: int  # rows dropped as exact repeats with the same label
    conflicts: int  # rows dropped because the same text carries different labels

    def __len__(self) -> int:
        return len(self.texts)

    def counts(self) -> Counter[str]:
        return Counter(self.labels)

    def summary(self) -> str:
        return (f"{self.source}: {self.rows} 行 / rows, {len(self)} 条用于训练 / used; "
                f"去除重复 {self.duplicates} 条 / duplicates dropped, "
                f"标签冲突 {self.conflicts} 条 / conflicting labels dropped")


def read_rows(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    """Header and rows (values as stripped strings) of the first sheet of a CSV or XLSX file."""
    p = Path(path)
    if not p.is_file():
        raise DatasetError(f"文件不存在：{p} / file not found: {p}")
    suffix = p.suffix.lower()
    body: Sequence[Sequence[object]]
    if suffix in XLSX_SUFFIXES:
        header, body = _xlsx_rows(p)
    elif suffix in CSV_SUFFIXES:
        header, body = _csv_rows(p)
    else:
        raise DatasetError(f"{p}: 仅支持 CSV 或 XLSX 文件 / only CSV or XLSX files are supported")
    if not header:
        raise DatasetError(f"{p}: 文件为空或没有表头 / empty file or no header row")
    rows = [{h: _cell(v) for h, v in zip(header, values, strict=False) if h} for values in body]
    return header, [r for r in rows if any(r.values())]  # fully blank lines are not data


def _csv_rows(p: Path) -> tuple[list[str], list[list[str]]]:
    try:
        with p.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.reader(fh)
            header = [h.strip() for h in next(reader, [])]
            return header, list(reader)
    except UnicodeDecodeError as exc:
        raise DatasetError(f"{p}: 不是 UTF-8 编码的 CSV / not a UTF-8 CSV ({exc.reason})") from exc


def _xlsx_rows(p: Path) -> tuple[list[str], list[list[object]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(p, read_only=True, data_only=True)
    except Exception as exc:
        raise DatasetError(f"{p}: 无法读取 XLSX / cannot read XLSX ({type(exc).__name__}: {exc})") from exc
    try:
        rows = wb.worksheets[0].iter_rows(values_only=True)
        header = [_cell(h) for h in next(rows, ())]
        return header, [list(r) for r in rows]
    finally:
        wb.close()


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _require_columns(path: str | Path, header: Sequence[str], *columns: str | None) -> None:
    for column in filter(None, columns):
        if column not in header:
            raise DatasetError(f"{path}: 缺少列 {column!r}（现有列：{', '.join(header)}） / "
                               f"column {column!r} not found (columns: {', '.join(header)})")


def join_title(title: str, text: str, weight: int = 1) -> str:
    """Title and body as one text; the title carries the topic most densely, so it may be
    repeated `weight` times (bench/tipdm_eval.py uses 2)."""
    return "。".join([title] * weight * bool(title) + [text] * bool(text))


def _texts(path: str | Path, rows: list[dict[str, str]], text_col: str, title_col: str | None,
           title_weight: int = 1) -> list[str]:
    texts = [join_title(r.get(title_col, "") if title_col else "", r.get(text_col, ""), title_weight) for r in rows]
    empty = [i + 2 for i, t in enumerate(texts) if not t]  # +2: header is line 1
    if empty:
        raise DatasetError(f"{path}: 列 {text_col!r} 有 {len(empty)} 行为空（第 {_lines(empty)} 行） / "
                           f"{len(empty)} empty rows in column {text_col!r} (lines {_lines(empty)})")
    return texts


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:MAX_LISTED_ROWS]))
    return shown + (" …" if len(numbers) > MAX_LISTED_ROWS else "")


def load_labelled(path: str | Path, *, text_col: str, label_col: str, title_col: str | None = None,
                  title_weight: int = 1) -> LabelledData:
    header, rows = read_rows(path)
    _require_columns(path, header, text_col, label_col, title_col)
    if not rows:
        raise DatasetError(f"{path}: 没有数据行 / no data rows")
    texts = _texts(path, rows, text_col, title_col, title_weight)
    labels = [r.get(label_col, "") for r in rows]
    empty = [i + 2 for i, lab in enumerate(labels) if not lab]
    if empty:
        raise DatasetError(f"{path}: 列 {label_col!r} 有 {len(empty)} 行没有标签（第 {_lines(empty)} 行） / "
                           f"{len(empty)} rows without a label in column {label_col!r} (lines {_lines(empty)})")
    kept_texts, kept_labels, duplicates, conflicts = dedupe(texts, labels)
    return LabelledData(tuple(kept_texts), tuple(kept_labels), str(path), len(rows), duplicates, conflicts)


def load_texts(path: str | Path, *, text_col: str, title_col: str | None = None, title_weight: int = 1) -> list[str]:
    """Unlabelled texts (e.g. for the model's self-training), de-duplicated, in file order."""
    header, rows = read_rows(path)
    _require_columns(path, header, text_col, title_col)
    texts = [join_title(r.get(title_col, "") if title_col else "", r.get(text_col, ""), title_weight) for r in rows]
    return list(dict.fromkeys(t for t in texts if t))


def load_term_lists(path: str | Path, *, label_col: str, term_cols: Sequence[str] | None = None,
                    keep: Iterable[str] | None = None) -> dict[str, list[str]]:
    """Label → terms from a table whose other columns name its sub-topics (e.g. TipDM taxonomy.csv:
    level1 → level2/level3 names). Each name and its jieba pieces (two characters or more) are
    terms; a piece claimed by two labels, or a generic word, names neither and is dropped. Only
    labels in `keep`, when given. Terms sorted (the same lists as bench/tipdm_eval.py)."""
    import jieba

    jieba.setLogLevel(60)
    header, rows = read_rows(path)
    _require_columns(path, header, label_col, *(term_cols or ()))
    columns = list(term_cols) if term_cols else [h for h in header if h and h != label_col]
    owners: dict[str, set[str]] = {}
    for r in rows:
        label = r.get(label_col, "")
        for name in (r.get(c, "") for c in columns):
            if not (label and name):
                continue
            for piece in {name, *jieba.lcut(name)}:
                if len(piece) >= 2 and piece not in GENERIC_TERMS:
                    owners.setdefault(piece, set()).add(label)
    wanted = set(keep) if keep is not None else None
    lists: dict[str, list[str]] = {}
    for piece, labels in sorted(owners.items()):
        if len(labels) == 1 and (label := next(iter(labels))) and (wanted is None or label in wanted):
            lists.setdefault(label, []).append(piece)
    return lists


def dedupe(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[str], list[str], int, int]:
    """(texts, labels, same-label repeats dropped, conflicting rows dropped), first-seen order."""
    seen: dict[str, set[str]] = {}
    for text, label in zip(texts, labels, strict=True):
        seen.setdefault(text, set()).add(label)
    kept_texts: list[str] = []
    kept_labels: list[str] = []
    emitted: set[str] = set()
    duplicates = conflicts = 0
    for text, label in zip(texts, labels, strict=True):
        if len(seen[text]) > 1:
            conflicts += 1
        elif text in emitted:
            duplicates += 1
        else:
            emitted.add(text)
            kept_texts.append(text)
            kept_labels.append(label)
    return kept_texts, kept_labels, duplicates, conflicts


def without_texts(data: LabelledData, others: Iterable[str]) -> tuple[list[str], int]:
    """Unlabelled texts minus those equal to a labelled text (they would leak the evaluation):
    returns (kept `others`, how many were removed)."""
    labelled = set(data.texts)
    kept, removed = [], 0
    for t in others:
        if t in labelled:
            removed += 1
        else:
            kept.append(t)
    return kept, removed


def outside(text: str, terms: dict[str, list[str]], keep: set[str], min_hits: int = 2) -> bool:
    """Whether the term lists place `text` in a class outside `keep` (TipDM: 政法, 民政 … which
    the labelled set does not have): self-training could only give such a text a wrong label."""
    hits = {label: sum(text.count(w) for w in words) for label, words in terms.items()}
    best = max(hits, key=hits.__getitem__, default=None)
    return best is not None and best not in keep and hits[best] >= min_hits


def within_labels(texts: Sequence[str], terms: dict[str, list[str]], labels: Iterable[str]) -> tuple[list[str], int]:
    """Unlabelled texts minus those `outside` the labelled classes: (kept, how many removed)."""
    keep = set(labels)
    kept = [t for t in texts if not outside(t, terms, keep)]
    return kept, len(texts) - len(kept)
