"""routing.duties: each clause's duties (unit, role, required, clocks) from the routing decision.

Each row routes facts with the real engine over the code-built org (tests/routing/conftest.py),
then states every duty the clause gives: who owes it, in which role, whether the incident's
response waits for it, and each clock's kind and hours from receipt.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from routing.duties import DutyRole, answered_by_lead, duties_of, responded, uses_incident_clock
from routing.engine import route
from routing.facts import Severity
from routing.policy import DutyRule, Policy, PolicyError
from routing.rules import (
    RULE_ESPECIALLY_MAJOR,
    RULE_LOCAL_PART,
    RULE_MULTI_DEPARTMENT,
    RULE_MULTI_TOWNSHIP,
    RULE_SINGLE,
)
from tests.routing.conftest import at, facts

S000, S001 = "seed 000 三(五)1", "seed 001 四"
G, M, E = Severity.GENERAL, Severity.MAJOR, Severity.ESPECIALLY_MAJOR
F, L, C, P = DutyRole.FIRST, DutyRole.LEAD, DutyRole.CO_LOCALITY, DutyRole.PARTY_REPORT
GP_OFFICE = "高平市人民政府办公室"

# id, clause, facts, [(unit, role, required, {clock kind: hours from receipt})], clause text of the first duty
CASES = [
    ("single-department", S001, facts("义务教育", G, departments=["高平市教育局"]),
     [("高平市教育局", F, True, {"response": 48})], RULE_SINGLE),
    ("single-department-major", S001, facts("义务教育", M, departments=["高平市教育局"]),
     [("高平市教育局", F, True, {"response": 24})], RULE_SINGLE),
    ("verification-feedback", S001, facts("义务教育", G, departments=["高平市教育局"], verification_request=True),
     [("高平市教育局", F, True, {"response": 48, "feedback": 24})], RULE_SINGLE),
    # 涉及多个部门……相关部门按照职责分工做好回应工作: one duty each, all required
    ("multi-department", S000, facts("义务教育", G, departments=["高平市教育局", "高平市公安局"]),
     [("高平市教育局", L, True, {"response": 48}), ("高平市公安局", F, True, {"response": 48})],
     f"{'本级政府办公厅（室）会同宣传部门做好组织协调、督促指导工作，必要时可确定牵头部门'}；{RULE_MULTI_DEPARTMENT}"),
    ("multi-department-no-lead", S000, facts("安全生产", M, departments=["高平市公安局", "高平市水务局"]),
     [("高平市公安局", F, True, {"response": 24}), ("高平市水务局", F, True, {"response": 24})],
     RULE_MULTI_DEPARTMENT),
    ("designated-lead", S000, facts("安全生产", G, departments=["高平市公安局", "高平市水务局"], lead="高平市水务局"),
     [("高平市公安局", F, True, {"response": 48}), ("高平市水务局", L, True, {"response": 48})], None),
    # 涉及多个乡……市直业务主管部门是第一责任主体；相关涉事市、县按照属地管理原则进行回应
    ("multi-township", S001, facts("食品药品监管", G, regions=["河西镇", "马村镇"]),
     [("高平市市场监督管理局", F, True, {"response": 48}), ("河西镇人民政府", C, False, {"response": 48}),
      ("马村镇人民政府", C, False, {"response": 48})], RULE_MULTI_TOWNSHIP),
    ("multi-county", S000, facts("食品药品监管", M, regions=["高平市", "阳城县"]),
     [("晋城市市场监督管理局", F, True, {"response": 24}), ("高平市人民政府", C, False, {"response": 24}),
      ("阳城县人民政府", C, False, {"response": 24})], "同一市属多个县"),
    # 特别重大……同时应向同级党委报告: the report on its own 4 h clock, owed by the 本级 office
    ("especially-major", S001, facts("义务教育", E, departments=["高平市教育局"]),
     [("高平市教育局", F, True, {"response": 24}), (GP_OFFICE, P, False, {"party_report": 4})], RULE_SINGLE),
    ("especially-major-township", S001, facts("安全生产", E, regions=["米山镇"]),
     [("米山镇人民政府", F, True, {"response": 24}), (GP_OFFICE, P, False, {"party_report": 4})], RULE_SINGLE),
    ("especially-major-multi-city", S000, facts("食品药品监管", E, regions=["晋城市", "长治市"]),
     [("山西省市场监督管理局", F, True, {"response": 24}), ("晋城市人民政府", C, False, {"response": 24}),
      ("长治市人民政府", C, False, {"response": 24}), ("山西省人民政府办公厅", P, False, {"party_report": 4})],
     "涉及多个市"),
    ("especially-major-multi-department", S000,
     facts("安全生产", E, departments=["高平市公安局", "高平市水务局"], regions=["河西镇"]),
     [("高平市公安局", F, True, {"response": 24}), ("高平市水务局", F, True, {"response": 24}),
      ("河西镇人民政府", C, False, {"response": 24}), (GP_OFFICE, P, False, {"party_report": 4})],
     RULE_MULTI_DEPARTMENT),
]


@pytest.mark.parametrize(("case", "clause", "f", "expected", "first_clause"), CASES, ids=[c[0] for c in CASES])
def test_each_clause_gives_its_duties(case, clause, f, expected, first_clause, org, taxonomy, policy) -> None:
    received = at(1, 9)
    decision = route(f, org, taxonomy)
    duties = duties_of(decision, severity=f.severity, received_at=received,
                       verification_request=f.verification_request, policy=policy, org=org)
    got = [(d.unit, d.role, d.required, {c.kind: (c.due_at - received) / timedelta(hours=1) for c in d.clocks})
           for d in duties]
    assert got == expected, clause
    if first_clause is not None:
        assert first_clause in duties[0].clause
    assert all(d.unit in d.label or d.role is P for d in duties)  # 回应（unit）: the board names the unit


def test_the_clauses_are_cited(org, taxonomy, policy) -> None:
    f = facts("安全生产", E, departments=["高平市公安局", "高平市水务局"], regions=["河西镇"])
    d = duties_of(route(f, org, taxonomy), severity=E, received_at=at(1), verification_request=False,
                  policy=policy, org=org)
    assert [x.clause for x in d[2:]] == [RULE_LOCAL_PART, RULE_ESPECIALLY_MAJOR]
    assert "中共高平市委" in d[3].owes and "高平市人民政府主要负责人" in d[3].owes
    assert d[3].label == "向同级党委报告"


def test_a_single_required_answer_is_the_incidents_own_clock(org, taxonomy, policy) -> None:
    one = duties_of(route(facts("食品药品监管", G, regions=["河西镇", "马村镇"]), org, taxonomy), severity=G,
                    received_at=at(1), verification_request=False, policy=policy, org=org)
    assert [uses_incident_clock(d, one) for d in one] == [True, False, False]
    two = duties_of(route(facts("安全生产", G, departments=["高平市公安局", "高平市水务局"]), org, taxonomy),
                    severity=G, received_at=at(1), verification_request=False, policy=policy, org=org)
    assert [uses_incident_clock(d, two) for d in two] == [False, False]


def test_localities_can_be_required_by_policy(org, taxonomy, policy) -> None:
    strict = replace(policy, duties=DutyRule(co_locality_required=True))
    d = duties_of(route(facts("食品药品监管", G, regions=["河西镇", "马村镇"]), org, taxonomy), severity=G,
                  received_at=at(1), verification_request=False, policy=strict, org=org)
    assert [x.required for x in d] == [True, True, True]
    assert not any(uses_incident_clock(x, d) for x in d)


def test_the_lead_answers_for_the_first_responsible_only(org, taxonomy, policy) -> None:
    f = facts("安全生产", G, departments=["高平市公安局", "高平市水务局"], regions=["河西镇"], lead="高平市水务局")
    d = duties_of(route(f, org, taxonomy), severity=G, received_at=at(1), verification_request=False,
                  policy=policy, org=org)
    assert [(x.unit, answered_by_lead(x, "高平市水务局")) for x in d] == [
        ("高平市公安局", True), ("高平市水务局", False), ("河西镇人民政府", False)]  # 属地: its own part


def test_responded_when_every_required_duty_is_met(org, taxonomy, policy) -> None:
    d = duties_of(route(facts("食品药品监管", G, regions=["河西镇", "马村镇"]), org, taxonomy), severity=G,
                  received_at=at(1), verification_request=False, policy=policy, org=org)
    assert responded({("高平市市场监督管理局", "first"): True}, d)
    assert not responded({("河西镇人民政府", "co_locality"): True}, d)
    two = duties_of(route(facts("安全生产", G, departments=["高平市公安局", "高平市水务局"]), org, taxonomy),
                    severity=G, received_at=at(1), verification_request=False, policy=policy, org=org)
    assert not responded({("高平市公安局", "first"): True}, two)
    assert responded({("高平市公安局", "first"): True, ("高平市水务局", "first"): True}, two)


def test_the_party_report_period_comes_from_the_policy(org, taxonomy, policy) -> None:
    data = {"clocks": {"response": {"hours": 24}}, "escalation": {"warn_fractions": [0.5], "supervise_after_hours": 24},
            "grouping": {"lookback_days": 1, "min_similarity_with_entity": 0.1, "min_similarity_without_entity": 0.5},
            "duties": {"party_report": {"label": "报党委", "hours": {"特别重大": 2}}}}
    custom = Policy.from_dict(data)
    d = duties_of(route(facts("义务教育", E, departments=["高平市教育局"]), org, taxonomy), severity=E,
                  received_at=at(1), verification_request=False, policy=custom, org=org)
    assert (d[-1].label, d[-1].due_at) == ("报党委", at(1, 2))
    for bad in ({"party_report": 3}, {"co_locality_required": "yes"}, {"party_report": {"hours": -1}}):
        with pytest.raises(PolicyError):
            Policy.from_dict({**data, "duties": bad})
    assert policy.duties.party_report.hours == {E: 4.0}  # the shipped default (policy.yaml duties)


def test_a_lead_from_outside_the_first_responsible_comes_first(org, taxonomy, policy) -> None:
    f = facts("义务教育", G, departments=["高平市教育局"], lead="高平市公安局")
    d = duties_of(route(f, org, taxonomy), severity=G, received_at=at(1), verification_request=False,
                  policy=policy, org=org)
    assert [(x.unit, x.role, x.required) for x in d] == [("高平市公安局", L, True), ("高平市教育局", F, True)]
    assert "或确认牵头部门（高平市公安局）的回应" in d[1].owes
    assert not any(uses_incident_clock(x, d) for x in d)  # two answers owed: each on its own clock
