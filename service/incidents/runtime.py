"""Building the triage engine once per process from settings and the active org version."""

from __future__ import annotations

from functools import lru_cache

from sqlmodel import Session

from classifier.registry import RegistryError, active_ref, load_classifier
from routing.policy import load_policy
from routing.taxonomy import load_taxonomy
from service.core.settings import Settings
from service.incidents.pipeline import Engine
from service.orgs.store import active_org_text, org_of


@lru_cache(maxsize=4)
def engine_for(org_text: str, org_source: str, policy_file: str | None, model_dir: str | None = None,
               model_version: str | None = None) -> Engine:
    """One engine per (org, policy, active model): a promoted model is picked up by the next
    request or job without a restart. `model_version` is only part of the cache key."""
    taxonomy = load_taxonomy()
    classifier = load_classifier(taxonomy, model_dir).classifier  # keyword baseline if no valid model
    return Engine.build(org_of(org_text, org_source), taxonomy, load_policy(policy_file), classifier)


def active_model_version(model_dir: str | None) -> str | None:
    """The MODEL_DIR pointer (a small file read per call; a broken one is reported on load)."""
    try:
        ref = active_ref(model_dir)
    except RegistryError:
        return None
    return ref.version if ref else None


def load_engine(settings: Settings, session: Session) -> Engine:
    fresh = not session.in_transaction()
    found = active_org_text(session)
    if fresh:  # a read of our own: end it, or a cold build (seconds) would idle inside a transaction
        session.rollback()
    if found is None:
        raise RuntimeError("no organisation imported: run `yuqing org import FILE` (or serve --demo)")
    return engine_for(found[0], found[1], settings.policy_file, settings.model_dir or None,
                      active_model_version(settings.model_dir or None))
