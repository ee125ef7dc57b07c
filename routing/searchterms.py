"""The terms of the board's full-text search (issue 17 part 3), the same on SQLite (FTS5)
and PostgreSQL (tsvector): a Chinese run is indexed as its overlapping character pairs and a
Latin or digit run as one lower-cased word. A query is cut the same way and matches a text
holding all of its terms, so any part of a sentence of two characters or more is found
(监管 in 市场监督管理局 is not a jieba word of it, 场监 would be missed by a dictionary), and a
one-character query matches the pairs it begins. Pure: the ingest path, the migration's
backfill and the query builder call it.
"""

from __future__ import annotations

import re
import unicodedata

_RUN = re.compile(r"(?P<cjk>[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)|[^\W_]+")
MAX_TERMS = 4000  # a very long post keeps its first terms: the index stays bounded per item
MAX_QUERY_TERMS = 32


def _runs(text: str) -> list[tuple[bool, str]]:
    text = unicodedata.normalize("NFKC", text).lower()
    return [(m.group("cjk") is not None, m.group()) for m in _RUN.finditer(text)]


def index_terms(text: str) -> list[str]:
    """Distinct terms of `text`, in order of first appearance."""
    seen: dict[str, None] = {}
    for cjk, run in _runs(text):
        if not cjk:
            seen.setdefault(run[:64])
        elif len(run) == 1:
            seen.setdefault(run)
        else:
            for i in range(len(run) - 1):
                seen.setdefault(run[i:i + 2])
        if len(seen) >= MAX_TERMS:
            break
    return list(seen)[:MAX_TERMS]


def query_terms(query: str) -> list[tuple[str, bool]]:
    """(term, prefix) pairs a text must all hold: a one-character Chinese run or a Latin word
    matches as a prefix of a term (米 finds 米山), a pair matches exactly."""
    out: dict[str, bool] = {}
    for cjk, run in _runs(query):
        if not cjk:
            out.setdefault(run[:64], True)
        elif len(run) == 1:
            out.setdefault(run, True)
        else:
            for i in range(len(run) - 1):
                out.setdefault(run[i:i + 2], False)
    return list(out.items())[:MAX_QUERY_TERMS]
