"""Importing an organisation file into the database (validated before anything is written)."""

from __future__ import annotations

from sqlmodel import Session, select

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
