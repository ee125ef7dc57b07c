"""The candidate query of ingest: every incident an item may join, and not every incident of
its town (an item with a place is only scored against incidents sharing the place, or naming
no place at all in the very same regions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from classifier.event_entities import title_heads
from routing.grouping import signature_for_item
from service.core.db import migrate, session_scope
from service.core.settings import Settings
from service.incidents import signatures
from service.incidents.ingest import _candidates
from service.incidents.models import Incident, IncidentPlace
from service.incidents.runtime import load_engine
from service.orgs.store import ensure_org

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
TOWN = ("高平市", "米山镇")


def _sig(key: str, entities: tuple[str, ...], regions: tuple[str, ...] = TOWN, days: int = 0):
    return signature_for_item(key, "小区楼下烧烤店油烟扰民", "环境保护", regions, entities, T0 + timedelta(days=days))


def _store(session, sig) -> int:
    row = Incident(topic=sig.topic, severity="一般", scope="single", level_region="高平市", received_at=sig.first_seen,
                   last_seen=sig.last_seen, created_at=sig.first_seen, signature=signatures.to_json(sig))
    session.add(row)
    session.flush()
    session.add_all(IncidentPlace(incident_id=row.id, place=p) for p in signatures.places(sig))
    return row.id


def test_candidates_are_the_incidents_an_item_may_join(settings: Settings) -> None:
    migrate(settings.database_url)
    ensure_org(settings)
    with session_scope(settings.database_url) as session:
        engine = load_engine(settings, session)
        same_place = _store(session, _sig("a", ("凤凰小区",)))
        other_place = _store(session, _sig("b", ("翠竹小区",)))  # same town, another estate
        no_place = _store(session, _sig("c", ()))  # same town, no estate named
        no_place_elsewhere = _store(session, _sig("d", (), regions=("高平市", "三甲镇")))
        same_place_elsewhere = _store(session, _sig("e", ("凤凰小区",), regions=("高平市", "三甲镇")))
        session.commit()

        def found(*sigs) -> set[int]:
            return {int(k[2:]) for k in _candidates(session, list(sigs), engine)}

        # with a place: the incidents sharing it (the town is checked by scoring) and the
        # place-less incident of the very same regions; never the other estate of the town
        assert found(_sig("x", ("凤凰小区",), days=1)) == {same_place, same_place_elsewhere, no_place}
        # without a place: every incident naming the very same regions, whatever its places
        assert found(_sig("y", (), days=1)) == {same_place, other_place, no_place}
        assert no_place_elsewhere not in found(_sig("x", ("凤凰小区",), days=1), _sig("y", (), days=1))


def test_a_worker_never_groups_against_an_outdated_signature(settings: Settings) -> None:
    # PostgreSQL keeps parsed candidate signatures by row version: a row changed by anyone
    # (another worker, a merge by hand) must be read again
    migrate(settings.database_url)
    ensure_org(settings)
    with session_scope(settings.database_url) as session:
        engine = load_engine(settings, session)
        iid = _store(session, _sig("a", ("凤凰小区",)))
        session.commit()
        probe = [_sig("x", ("凤凰小区",), days=1)]
        assert _candidates(session, probe, engine)[f"x:{iid}"].size == 1
        session.commit()
    with session_scope(settings.database_url) as other:  # another worker's transaction
        row = other.get(Incident, iid)
        row.signature = {**row.signature, "size": 5, "topic": "城乡建设"}
        other.add(row)
        other.commit()
    with session_scope(settings.database_url) as session:
        again = _candidates(session, probe, engine)[f"x:{iid}"]
        assert (again.size, again.topic) == (5, "城乡建设")


def test_a_misspelt_estate_is_a_candidate_through_its_name_blocks(settings: Settings) -> None:
    # issue 16: 星沙中茂城 / 星沙中贸城 share no entity; the n: keys of their title heads meet
    migrate(settings.database_url)
    ensure_org(settings)
    with session_scope(settings.database_url) as session:
        engine = load_engine(settings, session)

        def real(key: str, title: str, days: int):
            return signature_for_item(key, title + " 一直拖欠购房资金不退还", "城乡建设", (), (), T0 + timedelta(days=days),
                                      title=title, heads=title_heads(title))

        stored = _store(session, real("a", "A7县星沙中茂城恶意拖欠购房资金不退还！", 0))
        other = _store(session, real("b", "A7县凤凰小区恶意拖欠购房资金不退还！", 0))
        session.commit()
        found = {int(k[2:]) for k in _candidates(session, [real("x", "A7县星沙中贸城还没有退购房资金", 200)], engine)}
        assert stored in found and other not in found


def _stored_finds(item, incident) -> bool:
    """Whether ingest's query (signatures.candidate_keys against the incident's stored places)
    loads `incident` as a candidate of `item`."""
    anyone, bare = signatures.candidate_keys([item])
    stored = signatures.places(incident)
    return bool(stored & anyone) or (not incident.entities and bool(stored & bare))


def test_the_merger_in_memory_meets_the_candidates_ingest_loads() -> None:
    # `yuqing triage`, `events eval` and the training harness group in memory (grouping.assign's
    # index); a worker groups against the incidents the database hands it. The two must find
    # the same candidates, or offline figures measure another merger — an item naming no region
    # (a place the org does not know) was scored in memory against every incident naming none
    from routing.grouping import _index_keys, _lookup_keys

    def sig(key, entities=(), regions=TOWN, title=None):
        heads = title_heads(title) if title else ()
        return signature_for_item(key, "小区楼下烧烤店油烟扰民", "环境保护", regions, entities, T0, title=title, heads=heads)

    shapes = [sig("a", ("凤凰小区",)), sig("b", ("翠竹小区",)), sig("c"), sig("d", regions=("高平市", "三甲镇")),
              sig("e", ("凤凰小区",), regions=()), sig("f", regions=()), sig("g", regions=(), title="烧烤店油烟扰民"),
              sig("h", ("翠竹小区",), regions=(), title="A7县翠竹小区油烟扰民"), sig("i", regions=(), title="油烟扰民")]
    pairs = 0
    for item in shapes:
        for incident in shapes:
            if item is not incident:
                in_memory = bool(set(_lookup_keys(item)) & set(_index_keys(incident)))
                assert in_memory == _stored_finds(item, incident), (item.key, incident.key)
                pairs += in_memory
    assert pairs  # some pairs do meet: the shapes are not all strangers
    assert not _stored_finds(sig("f", regions=()), sig("e", ("凤凰小区",), regions=()))
