"""The 提醒 → 催办 → 督办 ladder and who receives each step."""

from __future__ import annotations

from datetime import timedelta

import pytest

from routing.engine import route
from routing.escalation import Step, ladder, next_due, recipients, steps_due
from routing.facts import RoutingDecision, Scope
from routing.orgchart import OrgChart
from routing.policy import EscalationRule, Policy
from routing.taxonomy import Taxonomy
from tests.routing.conftest import at, build_org, facts

START = at(1, 9)
DUE = START + timedelta(hours=48)  # a 一般 response clock
NAMES = ("warn_50", "warn_80", "urge", "supervise")


def test_ladder_times(policy: Policy) -> None:
    assert ladder(START, DUE, policy.escalation) == (
        Step("warn_50", "提醒", at(2, 9)),
        Step("warn_80", "提醒", START + timedelta(hours=38.4)),
        Step("urge", "催办", at(3, 9)),
        Step("supervise", "督办", at(4, 9)),
    )


def test_ladder_follows_the_rule() -> None:
    rule = EscalationRule(warn_fractions=(0.75, 0.25), supervise_after_hours=12)
    steps = ladder(START, START + timedelta(hours=24), rule)
    assert [(s.name, s.at - START) for s in steps] == [
        ("warn_25", timedelta(hours=6)),
        ("warn_75", timedelta(hours=18)),
        ("urge", timedelta(hours=24)),
        ("supervise", timedelta(hours=36)),
    ]


def test_ladder_rejects_empty_span(policy: Policy) -> None:
    with pytest.raises(ValueError):
        ladder(START, START, policy.escalation)


@pytest.mark.parametrize(
    ("now", "done", "expected"),
    [
        (at(1, 20), frozenset(), ()),
        (at(2, 9), frozenset(), ("warn_50",)),  # exactly on time
        (at(2, 23), frozenset({"warn_50"}), ()),  # warn_80 falls at 23:24 (80 % of 48 h)
        (at(2, 23, 24), frozenset({"warn_50"}), ("warn_80",)),
        (at(3, 9), frozenset({"warn_50", "warn_80"}), ("urge",)),
        (at(10), frozenset(), NAMES),  # a late sweep emits every missed step, in order
        (at(10), frozenset({"warn_50", "urge"}), ("warn_80", "supervise")),
        (at(10), frozenset(NAMES), ()),
    ],
)
def test_steps_due(policy: Policy, now, done: frozenset, expected: tuple) -> None:
    steps = steps_due(START, DUE, now, policy.escalation, open=True, done=done)
    assert tuple(s.name for s in steps) == expected
    assert [s.at for s in steps] == sorted(s.at for s in steps)


@pytest.mark.parametrize("now", [at(2, 10), at(3, 10), at(10)])
def test_closed_clock_never_escalates(policy: Policy, now) -> None:
    assert steps_due(START, DUE, now, policy.escalation, open=False, done=frozenset()) == ()


def test_naive_now_rejected(policy: Policy) -> None:
    with pytest.raises(ValueError):
        steps_due(START, DUE, at(3).replace(tzinfo=None), policy.escalation, open=True)


CASES = [
    # id, facts, step, expected recipients
    ("warn-single", facts("食品药品监管", regions=["河西镇"]), "warn_50", ("河西镇人民政府",)),
    ("warn-lead", facts("食品药品监管", departments=["高平市水务局", "高平市公安局"], lead="高平市应急管理局"),
     "warn_80", ("高平市水务局", "高平市公安局", "高平市应急管理局")),
    ("urge-township", facts("食品药品监管", regions=["河西镇"]), "urge",
     ("河西镇人民政府主要负责人", "河西镇人民政府办公室")),
    ("urge-county-dept", facts("食品药品监管", regions=["河西镇", "马村镇"]), "urge",
     ("高平市人民政府主要负责人", "高平市人民政府办公室")),
    ("urge-depts-two-levels", facts("义务教育", departments=["高平市教育局", "晋城市公安局"]), "urge",
     ("高平市人民政府主要负责人", "晋城市人民政府主要负责人", "晋城市人民政府办公室")),
    ("urge-office-first", facts("待研判", regions=["阳城县"]), "urge",
     ("阳城县人民政府主要负责人", "阳城县人民政府办公室")),
    ("supervise-township", facts("食品药品监管", regions=["河西镇"]), "supervise", ("高平市人民政府主要负责人",)),
    ("supervise-county", facts("食品药品监管", regions=["河西镇", "马村镇"]), "supervise",
     ("晋城市人民政府主要负责人",)),
    ("supervise-city", facts("食品药品监管", regions=["高平市", "阳城县"]), "supervise",
     ("山西省人民政府主要负责人",)),
    ("supervise-root", facts("食品药品监管", regions=["晋城市", "长治市"]), "supervise",
     ("山西省人民政府主要负责人",)),
]


@pytest.mark.parametrize(("facts_", "step", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_recipients(facts_, step: str, expected: tuple, org: OrgChart, taxonomy: Taxonomy) -> None:
    assert recipients(step, route(facts_, org, taxonomy), org) == expected


def test_recipients_unknown_step(org: OrgChart, taxonomy: Taxonomy) -> None:
    with pytest.raises(ValueError):
        recipients("celebrate", route(facts(), org, taxonomy), org)


def test_recipients_for_a_hand_made_decision() -> None:
    org = build_org()
    decision = RoutingDecision(
        scope=Scope.SINGLE, vertical=False, level_region="高平市", first_responsible=("某外部单位", "高平市教育局")
    )
    assert recipients("urge", decision, org) == ("高平市人民政府主要负责人", "高平市人民政府办公室")


def test_late_sweep_on_a_24h_clock(policy: Policy) -> None:
    """A 重大 response clock (24 h): two days later every step is due at once."""
    due = START + timedelta(hours=24)
    steps = steps_due(START, due, at(3, 9), policy.escalation, open=True, done=frozenset())
    assert [s.name for s in steps] == list(NAMES)
    assert [s.at for s in steps] == [at(1, 21), START + timedelta(hours=19.2), at(2, 9), at(3, 9)]


@pytest.mark.parametrize(
    ("done", "expected"),
    [
        (frozenset(), at(2, 9)),  # the first rung: 50 % of 48 h
        (frozenset({"warn_50"}), START + timedelta(hours=38.4)),
        (frozenset({"warn_50", "warn_80"}), at(3, 9)),  # urge at breach
        (frozenset({"warn_50", "urge"}), START + timedelta(hours=38.4)),  # a rung skipped earlier comes first
        (frozenset({"warn_50", "warn_80", "urge"}), at(4, 9)),  # supervise 24 h after breach
        (frozenset(NAMES), None),  # nothing left: the sweep never looks at it again
    ],
)
def test_next_due(policy: Policy, done: frozenset, expected) -> None:
    assert next_due(START, DUE, policy.escalation, done) == expected


@pytest.mark.parametrize("now", [at(1, 20), at(2, 9), at(2, 23, 30), at(3, 12), at(10)])
def test_next_due_is_when_steps_due_first_returns_something(policy: Policy, now) -> None:
    """The sweep fires what is due, then stores next_due: nothing fires before that time."""
    fired = frozenset(s.name for s in steps_due(START, DUE, now, policy.escalation, open=True))
    following = next_due(START, DUE, policy.escalation, fired)
    if following is None:
        return
    assert following > now
    assert steps_due(START, DUE, following - timedelta(seconds=1), policy.escalation, open=True, done=fired) == ()
    assert steps_due(START, DUE, following, policy.escalation, open=True, done=fired) != ()


def test_a_duty_clock_goes_to_its_own_unit() -> None:
    """routing.duties: each unmet duty escalates to the unit that owes it and its leaders."""
    org = build_org()
    d = RoutingDecision(Scope.MULTI_DEPARTMENT, False, "高平市", ("高平市教育局", "高平市公安局"), lead="高平市教育局")
    assert recipients("warn_50", d, org, unit="高平市公安局") == ("高平市公安局",)
    assert recipients("urge", d, org, unit="高平市公安局") == ("高平市人民政府主要负责人", "高平市人民政府办公室")
    assert recipients("warn_50", d, org) == ("高平市教育局", "高平市公安局")  # the incident's own clock: as before
    # ...but not again to a unit warned on its own duty clock; its 催办 still goes to the leaders
    assert recipients("warn_50", d, org, warned_apart=frozenset({"高平市公安局"})) == ("高平市教育局",)
    assert recipients("warn_80", d, org, warned_apart=frozenset(d.first_responsible)) == ()
    assert recipients("urge", d, org, warned_apart=frozenset(d.first_responsible)) == recipients("urge", d, org)
    township = RoutingDecision(Scope.ESPECIALLY_MAJOR, False, "米山镇", ("米山镇人民政府",))
    assert recipients("urge", township, org, unit="高平市人民政府办公室") == (
        "高平市人民政府主要负责人", "高平市人民政府办公室")  # the 本级 of a township is the city
    assert recipients("urge", township, org)[-1] == "米山镇人民政府办公室"
