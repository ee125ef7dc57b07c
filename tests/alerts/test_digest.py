"""The leader's digest composed from plain rows (service.alerts.digest): exact figures, text,
markdown and JSON, and the local-day boundary in Asia/Shanghai."""

from __future__ import annotations

from datetime import UTC, date, datetime

from routing.local_time import BEIJING, BEIJING_NAME
from service.alerts.digest import LISTED, QUIET_LINE, ClockRow, IncidentRow, compose, day_bounds, duration, scope_viewer
from service.alerts.message import DigestMessage
from service.auth.rules import Assignment, sees
from tests.alerts.conftest import demo_org

SH = BEIJING
TZ = BEIJING_NAME
DAY = date(2026, 11, 25)


def t(d: int, h: int, m: int = 0) -> datetime:
    return datetime(2026, 11, d, h, m, tzinfo=SH)


NOW = t(25, 8)  # the digest hour
ROWS = [
    IncidentRow(1, "安全生产", "特别重大", "claimed", (ClockRow("response", "首次回应", t(25, 23, 59)),)),
    IncidentRow(2, "环境保护", "重大", "unclaimed", (ClockRow("response", "首次回应", t(26, 0, 1)),
                                                     ClockRow("feedback", "核实反馈", t(24, 18)))),
    IncidentRow(3, "食品药品监管", "一般", "responded", (
        ClockRow("response", "首次回应", t(24, 10), t(24, 15, 30)),  # met late yesterday
        ClockRow("followup_info", "跟进发布权威信息", t(25, 0)),  # due at 00:00 today: already late at 08:00
        ClockRow("followup_result", "发布调查结果", t(25, 9)))),
    IncidentRow(4, "义务教育", "重大", "closed", (ClockRow("response", "首次回应", t(24, 1)),  # closed: no breach
                                                  ClockRow("feedback", "核实反馈", t(23, 1), t(23, 9)))),  # late 2 days ago
    IncidentRow(5, "养老服务", "一般", "claimed", (ClockRow("response", "首次回应", t(26, 0)),  # tomorrow's 00:00
                                                   ClockRow("feedback", "核实反馈", t(25, 6), t(25, 7)),  # late today
                                                   ClockRow("followup_info", "跟进发布权威信息", t(24, 20), t(24, 19)))),
]

TEXT = """【舆情日报】高平市 2026-11-25：重大事件2件，超时3项，今日到期2项
统计截至 2026-11-25 08:00（北京时间）

一、未办结重大事件（2件）
1. #1 安全生产（特别重大） 已认领 http://x/incidents/1
2. #2 环境保护（重大） 待认领 http://x/incidents/2

二、超时（3项）
1. #2 环境保护（重大） 核实反馈 到期 2026-11-24 18:00，仍未完成，已超时14小时 http://x/incidents/2
2. #3 食品药品监管（一般） 跟进发布权威信息 到期 2026-11-25 00:00，仍未完成，已超时8小时 http://x/incidents/3
3. #3 食品药品监管（一般） 首次回应 到期 2026-11-24 10:00，2026-11-24 15:30 完成，超时5小时30分 http://x/incidents/3

三、今日到期（2项）
1. #3 食品药品监管（一般） 发布调查结果 到期 2026-11-25 09:00 http://x/incidents/3
2. #1 安全生产（特别重大） 首次回应 到期 2026-11-25 23:59 http://x/incidents/1"""


def test_figures_subject_and_text_are_exact() -> None:
    d = compose(("region", "高平市"), DAY, TZ, NOW, ROWS, "http://x/")
    assert d.counts == {"open_major": 2, "breaches": 3, "overdue": 2, "met_late": 1, "due_today": 2}
    assert d.subject == "【舆情日报】高平市 2026-11-25：重大事件2件，超时3项，今日到期2项"
    assert d.text() == TEXT


def test_lists_carry_kinds_times_and_lateness() -> None:
    d = compose(("region", "高平市"), DAY, TZ, NOW, ROWS, "http://x")
    assert [(e["incident_id"], e["severity"], e["status_label"]) for e in d.open_major] == [
        (1, "特别重大", "已认领"), (2, "重大", "待认领")]
    assert [(b["incident_id"], b["clock"], b["kind"], b["late_minutes"], b["met_local"]) for b in d.breaches] == [
        (2, "feedback", "overdue", 840, None), (3, "followup_info", "overdue", 480, None),
        (3, "response", "met_late", 330, "2026-11-24 15:30")]
    assert [(e["incident_id"], e["clock"], e["due_at"], e["due_local"]) for e in d.due_today] == [
        (3, "followup_result", "2026-11-25T01:00:00+00:00", "2026-11-25 09:00"),
        (1, "response", "2026-11-25T15:59:00+00:00", "2026-11-25 23:59")]


def test_day_boundary_is_the_local_day_not_the_utc_day() -> None:
    # 23:59 and 00:01 local are 15:59 and 16:01 UTC: the same UTC day, different local days
    rows = [IncidentRow(7, "救灾", "一般", "claimed", (ClockRow("a", "首次回应", datetime(2026, 11, 25, 15, 59, tzinfo=UTC)),
                                                       ClockRow("b", "核实反馈", datetime(2026, 11, 25, 16, 1, tzinfo=UTC)),
                                                       ClockRow("c", "跟进", datetime(2026, 11, 25, 16, 0, tzinfo=UTC))))]
    d = compose(("region", "高平市"), DAY, TZ, NOW, rows, "http://x")
    assert [e["clock"] for e in d.due_today] == ["a"]  # 00:00 of the next day belongs to the next day
    assert day_bounds(DAY, TZ) == (datetime(2026, 11, 24, 16, 0, tzinfo=UTC), datetime(2026, 11, 25, 16, 0, tzinfo=UTC))
    nxt = compose(("region", "高平市"), date(2026, 11, 26), TZ, NOW, rows, "http://x")
    assert [e["clock"] for e in nxt.due_today] == ["c", "b"]  # by due time


def test_a_met_late_clock_counts_only_the_day_after() -> None:
    rows = [IncidentRow(8, "扶贫", "一般", "closed", (ClockRow("response", "首次回应", t(23, 10), t(24, 23, 59)),))]
    assert compose(("region", "高平市"), DAY, TZ, NOW, rows, "").counts["met_late"] == 1
    assert compose(("region", "高平市"), date(2026, 11, 26), TZ, NOW, rows, "").counts["met_late"] == 0
    assert compose(("region", "高平市"), date(2026, 11, 24), TZ, NOW, rows, "").counts["met_late"] == 0


def test_markdown_links_each_incident() -> None:
    md = compose(("region", "高平市"), DAY, TZ, NOW, ROWS, "http://x").markdown()
    assert md.startswith("### 【舆情日报】高平市 2026-11-25\n\n**重大事件** 2件 · **超时** 3项 · **今日到期** 2项\n\n"
                         "统计截至 2026-11-25 08:00（北京时间）\n\n#### 未办结重大事件（2件）\n\n"
                         "- [#1](http://x/incidents/1) 安全生产（特别重大） 已认领\n")
    assert md.endswith("#### 今日到期（2项）\n\n- [#3](http://x/incidents/3) 食品药品监管（一般） 发布调查结果 到期 2026-11-25 09:00\n"
                       "- [#1](http://x/incidents/1) 安全生产（特别重大） 首次回应 到期 2026-11-25 23:59")


def test_a_quiet_day_still_makes_a_digest() -> None:
    d = compose(("unit", "米山镇人民政府"), DAY, TZ, NOW, [], "http://x")
    assert d.subject == "【舆情日报】米山镇人民政府 2026-11-25：重大事件0件，超时0项，今日到期0项"
    assert d.text() == ("【舆情日报】米山镇人民政府 2026-11-25：重大事件0件，超时0项，今日到期0项\n"
                        "统计截至 2026-11-25 08:00（北京时间）\n\n" + QUIET_LINE)
    assert d.markdown().endswith("\n\n" + QUIET_LINE)


def test_long_lists_are_cut_in_the_text_but_whole_in_the_json() -> None:
    rows = [IncidentRow(i, "安全生产", "重大", "claimed") for i in range(1, LISTED + 6)]
    d = compose(("region", "高平市"), DAY, TZ, NOW, rows, "http://x")
    text = d.text()
    assert f"{LISTED}. #{LISTED} " in text and f"{LISTED + 1}. #" not in text
    assert "……另有 5 项，请到工作台查看" in text and "……另有 5 项，请到工作台查看" in d.markdown()
    assert len(d.body()["open_major"]) == LISTED + 5


def test_body_and_the_webhook_payload() -> None:
    d = compose(("region", "高平市"), DAY, TZ, NOW, ROWS, "http://x")
    body = d.body()
    assert (body["type"], body["audience_kind"], body["audience"], body["day"], body["as_of"]) == (
        "leader_digest", "region", "高平市", "2026-11-25", "2026-11-25T00:00:00+00:00")
    msg = DigestMessage(digest_id=4, subject=d.subject, body=body)
    payload = msg.payload(TZ)
    assert "markdown" not in payload and payload["digest_id"] == 4 and payload["text"] == TEXT
    assert payload["counts"]["breaches"] == 3 and msg.markdown(TZ) == d.markdown() and msg.text(TZ) == TEXT


def test_scope_follows_the_access_rules() -> None:
    org = demo_org()
    mishan, hexi = Assignment(level_region="米山镇", first_responsible=("米山镇人民政府",)), \
        Assignment(level_region="河西镇", first_responsible=("河西镇人民政府",))
    county = Assignment(level_region="高平市", first_responsible=("高平市市场监督管理局",))
    assert [sees(scope_viewer(("region", "米山镇")), a, org) for a in (mishan, hexi, county)] == [True, False, False]
    assert [sees(scope_viewer(("region", "高平市")), a, org) for a in (mishan, hexi, county)] == [True, True, True]
    assert [sees(scope_viewer(("unit", "高平市市场监督管理局")), a, org) for a in (mishan, hexi, county)] == [
        False, False, True]
    assert [sees(scope_viewer(("region", "泽州县")), a, org) for a in (mishan, hexi, county)] == [False, False, False]


def test_duration_wording() -> None:
    assert [duration(m) for m in (0, 45, 60, 330, 1440, 1441, 3060)] == [
        "0分钟", "45分钟", "1小时", "5小时30分", "1天", "1天", "2天3小时"]
