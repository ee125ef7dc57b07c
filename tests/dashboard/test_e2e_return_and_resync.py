"""Real browser: a return and its arbitration keep who returned it visible; a dashboard that
lost its connection says so, reconnects and catches up from the database."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from service.main import create_app
from tests.dashboard.conftest import LiveServer, Watched, login, shot
from tests.dashboard.test_e2e_workflow import FOOD, detail, newest, wait_live

GROUNDS = "涉事餐馆均在河西镇，属镇市场监管所日常巡查职责，非本局直接办理"


def test_return_then_arbitration_reroutes_and_keeps_who_returned_it(live_server: LiveServer, watched: Watched,
                                                                   second: Watched,
                                                                   request: pytest.FixtureRequest) -> None:
    live_server.post_item("e2e-ret-1", FOOD)
    incident_id = newest(live_server)

    coordinator = second.page  # has the incident open while the liaison returns it
    login(coordinator, live_server.url, "coordinator_gaoping")
    coordinator.goto(f"{live_server.url}/incidents/{incident_id}")
    expect(coordinator.locator("#incident-status")).to_have_text("待认领")
    wait_live(coordinator)
    expect(coordinator.locator("form#arbitrate")).to_have_count(0)

    liaison = watched.page
    login(liaison, live_server.url, "liaison_scj")
    liaison.goto(f"{live_server.url}/incidents/{incident_id}")
    liaison.fill("#f-return-grounds", GROUNDS)
    liaison.click("#return button[type=submit]")
    expect(liaison.locator("#incident-status")).to_have_text("退回待审定")
    expect(liaison.locator("#returned-note")).to_contain_text("张联络（市场监管局）")
    expect(liaison.locator("#actions form")).to_have_count(0)  # nothing left for the liaison to do

    expect(coordinator.locator("#incident-status")).to_have_text("退回待审定")  # live, no reload
    expect(coordinator.locator("#returned-note")).to_contain_text(GROUNDS)
    coordinator.select_option("#f-arbitrate-accept", "true")
    coordinator.fill("#f-arbitrate-units", "河西镇人民政府")
    coordinator.fill("#f-arbitrate-note", "同意退回，改由河西镇人民政府第一责任办理")
    coordinator.click("#arbitrate button[type=submit]")
    expect(coordinator.locator("#incident-status")).to_have_text("待认领")
    expect(coordinator.locator("#summary")).to_contain_text("河西镇人民政府")
    expect(coordinator.locator("#returned-note")).to_contain_text("张联络（市场监管局）")  # still visible after 审定
    arbitrated = coordinator.locator(".tl[data-action='incident.arbitrated']")
    expect(arbitrated).to_contain_text("赵督办（市政府办）")
    expect(arbitrated).to_contain_text("同意退回，改派")
    shot(coordinator, "incident-arbitrated", request)

    data = detail(live_server, incident_id)
    assert data["incident"]["first_responsible"] == ["河西镇人民政府"]
    assert data["incident"]["returned_by"] == "liaison_scj"
    assert not watched.errors and not second.errors, (watched.errors, second.errors)


def test_a_dropped_dashboard_reconnects_and_resyncs_what_it_missed(live_server: LiveServer,
                                                                  watched: Watched) -> None:
    page = watched.page
    login(page, live_server.url, "coordinator_gaoping")
    wait_live(page)
    expect(page.locator("#empty")).to_be_visible()

    live_server.stop()
    expect(page.locator("#live-status")).to_have_attribute("data-state", "reconnecting")
    expect(page.locator("#live-status")).to_have_text("重连中")
    # an item arrives while this browser is away: through another process, so no push can
    # reach the page; only the resync from the database on reconnect can show it
    with TestClient(create_app(live_server.settings)) as other:
        r = other.post("/api/items", headers={"Authorization": "Bearer demo-ingest"},
                       json={"external_id": "e2e-missed", "text": FOOD})
        assert r.status_code == 202
        incident_id = other.get("/api/incidents", headers={"Authorization": "Bearer demo-coordinator"}).json()[0]["id"]
    live_server.start()

    expect(page.locator("#live-status")).to_have_attribute("data-state", "live", timeout=30000)
    expect(page.locator(f"#rows tr[data-incident-id='{incident_id}']")).to_be_visible()
    assert not watched.dialogs
