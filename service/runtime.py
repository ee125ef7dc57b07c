"""Building the triage engine once per process from settings and the active org version."""

from __future__ import annotations

from functools import lru_cache

from sqlmodel import Session, select

from routing.policy import load_policy
from routing.taxonomy import load_taxonomy
from service.models import OrgVersion
from service.orgs.loader import load_org_text
from service.pipeline import Engine
from service.settings import Settings


def active_org_text(session: Session) -> tuple[str, str] | None:
    row = session.exec(select(OrgVersion).order_by(OrgVersion.id.desc()).limit(1)).first()
    return (row.text, row.source) if row else None


@lru_cache(maxsize=4)
def engine_for(org_text: str, org_source: str, policy_file: str | None) -> Engine:
    return Engine.build(load_org_text(org_text, org_source), load_taxonomy(), load_policy(policy_file))


def load_engine(settings: Settings, session: Session) -> Engine:
    found = active_org_text(session)
    if found is None:
        raise RuntimeError("no organisation imported: run `yuqing org import FILE` (or serve --demo)")
    return engine_for(found[0], found[1], settings.policy_file)
