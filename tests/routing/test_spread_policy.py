"""The policy's `spread` section: thresholds per signal and level, validated field by field."""

from __future__ import annotations

import copy
from importlib import resources

import pytest
import yaml

from routing.facts import Severity
from routing.policy import Policy, PolicyError, SpreadRule


def packaged() -> dict:
    return yaml.safe_load(resources.files("routing.data").joinpath("policy.yaml").read_text(encoding="utf-8"))


def with_spread(spread: object) -> dict:
    data = copy.deepcopy(packaged())
    data["spread"] = spread
    return data


def test_thresholds_are_read_per_signal_and_level():
    policy = Policy.from_dict(with_spread({"growth_window_hours": 3, "thresholds": {"reposts": {"重大": 100}}}))
    assert policy.spread == SpreadRule({"reposts": {Severity.MAJOR: 100.0}}, 3.0)


def test_without_a_spread_section_nothing_is_configured():
    data = packaged()
    del data["spread"]
    assert Policy.from_dict(data).spread == SpreadRule()


def test_spread_survives_enabling_a_clock():
    policy = Policy.from_dict(packaged())
    assert policy.with_clock_enabled("press_conference").spread == policy.spread


@pytest.mark.parametrize(
    ("spread", "field"),
    [
        ({"thresholds": {"shares": {"重大": 10}}}, "spread.thresholds.shares"),
        ({"thresholds": {"reposts": {"一般": 10}}}, "spread.thresholds.reposts.一般"),
        ({"thresholds": {"reposts": {"重大": -1}}}, "spread.thresholds.reposts.重大"),
        ({"thresholds": {"reposts": {"重大": "many"}}}, "spread.thresholds.reposts.重大"),
        ({"thresholds": {"reposts": {"重大": 500, "特别重大": 500}}}, "spread.thresholds.reposts.特别重大"),
        ({"thresholds": {"reposts": {}}}, "spread.thresholds.reposts"),
        ({"thresholds": ["reposts"]}, "spread.thresholds"),
        ({"growth_window_hours": 0}, "spread.growth_window_hours"),
        ("high", "spread"),
    ],
)
def test_bad_spread_settings_name_the_field(spread, field):
    with pytest.raises(PolicyError) as err:
        Policy.from_dict(with_spread(spread))
    assert str(err.value).startswith(field + ":")
