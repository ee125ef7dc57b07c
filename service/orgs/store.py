"""Importing an organisation file into the database (validated before anything is written)."""

from __future__ import annotations

from functools import lru_cache

from sqlmodel import Session, col, select

from routing.orgchart import OrgChart
from routing.orgfile import demo_org_text, load_org_text, org_digest
from service.core.columns import utcnow
from service.core.db import migrate, session_scope
from service.core.settings import Settings
from service.orgs.models import OrgVersion


def import_org(settings: Settings, text: str, source: str) -> OrgVersion:
    load_org_text(text, source)  # raises OrgFileError with line and field
    migrate(settings.database_url)
    with session_scope(settings.database_url) as session:
        version = OrgVersion(digest=org_digest(text), source=source, text=text, imported_at=utcnow())
        session.add(version)
        session.commit()
        return version


def ensure_org(settings: Settings) -> None:
    """Load the configured org (or the demo) when the database has none yet."""
    with session_scope(settings.database_url) as session:
        if session.exec(select(OrgVersion.id).limit(1)).first() is not None:
            return
    if settings.org_file:
        with open(settings.org_file, encoding="utf-8") as fh:
            import_org(settings, fh.read(), settings.org_file)
    else:
        import_org(settings, demo_org_text(), "demo_org.yaml")


def has_org(session: Session) -> bool:
    return session.exec(select(OrgVersion.id).limit(1)).first() is not None


def active_org_text(session: Session) -> tuple[str, str] | None:
    """(text, source) of the newest imported organisation version."""
    row = session.exec(select(OrgVersion).order_by(col(OrgVersion.id).desc()).limit(1)).first()
    return (row.text, row.source) if row else None


@lru_cache(maxsize=4)
def org_of(text: str, source: str) -> OrgChart:
    """The parsed org chart of a version's text, once per process."""
    return load_org_text(text, source)


def active_org(session: Session) -> OrgChart:
    found = active_org_text(session)
    if found is None:
        raise RuntimeError("no organisation imported: run `yuqing org import FILE` (or serve --demo)")
    return org_of(*found)
