"""The board's full-text search: writing an item's terms when it is processed, and the
condition "incident matches the query" over its items' text (FTS5 on SQLite, a GIN tsvector
on PostgreSQL: migration 0013), its places, topic, and the units and regions it is assigned
to, a typed unit name standing for the org's units it names (routing.unitnames)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, bindparam, literal_column, or_, text
from sqlmodel import Session, col, select

from routing.searchterms import index_terms, query_terms
from service.incidents.models import Incident, IncidentPlace, IncidentUnit, Item, ItemSearch


def index_items(session: Session, items: Iterable[Item]) -> None:
    """The search terms of newly processed items (each item once: a retry finds it indexed)."""
    rows = {i.id: " ".join(index_terms(f"{i.title or ''} {i.text or ''}")) for i in items if i.id is not None}
    if not rows:
        return
    have = set(session.exec(select(ItemSearch.item_id).where(col(ItemSearch.item_id).in_(list(rows)))).all())
    session.add_all(ItemSearch(item_id=k, terms=v) for k, v in rows.items() if k not in have)


def _fts5(terms: list[tuple[str, bool]]) -> str:
    return " AND ".join('"' + t.replace('"', '""') + '"' + ("*" if prefix else "") for t, prefix in terms)


def _tsquery(terms: list[tuple[str, bool]]) -> str:
    quoted = ("'" + t.replace("\\", "\\\\").replace("'", "''") + "'" + (":*" if prefix else "") for t, prefix in terms)
    return " & ".join(quoted)


def _text_match(session: Session, query: str) -> ColumnElement[bool] | None:
    terms = query_terms(query)
    if not terms:
        return None
    if session.get_bind().dialect.name == "postgresql":
        hits = (select(ItemSearch.item_id)
                .where(text("array_to_tsvector(string_to_array(item_search.terms, ' ')) @@ CAST(:tsq AS tsquery)")
                       .bindparams(bindparam("tsq", _tsquery(terms)))))
    else:
        hits = select(literal_column("rowid")).select_from(text("item_fts")).where(
            text("item_fts MATCH :fts").bindparams(bindparam("fts", _fts5(terms))))
    return col(Incident.id).in_(select(Item.incident_id).where(col(Item.id).in_(hits)))


def _like(value: str) -> str:
    return "%" + value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_condition(session: Session, query: str, units: Sequence[str]) -> ColumnElement[bool]:
    """Incidents matching `query`: its items' text, places, topic, or assigned units and
    regions (by the typed text, or `units`: the full names the org says the query names)."""
    pattern = _like(query.strip())
    unit_hit = or_(col(IncidentUnit.unit).like(pattern, escape="\\"), col(IncidentUnit.unit).in_(list(units)))
    options: list[ColumnElement[bool]] = [
        col(Incident.topic).like(pattern, escape="\\"),
        col(Incident.id).in_(select(IncidentUnit.incident_id).where(unit_hit)),
        col(Incident.id).in_(select(IncidentPlace.incident_id).where(col(IncidentPlace.place).like(pattern, escape="\\"))),
    ]
    if (found := _text_match(session, query)) is not None:
        options.append(found)
    return or_(*options)
