"""The pure destination checks of service.alerts.egress, table-driven (no DNS, no network)."""

from __future__ import annotations

import ipaddress

import pytest

from service.alerts.egress import Allowlist, EgressRefused, address_problem, resolve, url_problem

NONE = Allowlist()
INTRANET = Allowlist.parse("hooks.example.gov.cn, intranet-hook.local 10.20.0.0/16 192.168.1.7")

URLS = [  # kind, url, allow-list, accepted
    ("dingtalk", "https://oapi.dingtalk.com/robot/send?access_token=t", NONE, True),
    ("dingtalk", "https://OAPI.dingtalk.com./robot/send?access_token=t", NONE, True),
    ("dingtalk", "http://oapi.dingtalk.com/robot/send?access_token=t", NONE, False),  # https only
    ("dingtalk", "https://oapi.dingtalk.com:8443/robot/send", NONE, False),
    ("dingtalk", "https://oapi.dingtalk.com.evil.example/robot/send", NONE, False),
    ("dingtalk", "https://evil.example/oapi.dingtalk.com", NONE, False),
    ("dingtalk", "https://user@oapi.dingtalk.com/robot/send", NONE, False),
    ("dingtalk", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", NONE, False),  # the other vendor
    ("dingtalk", "https://oapi.dingtalk.com/robot/send", INTRANET, True),
    ("dingtalk", "https://hooks.example.gov.cn/robot/send", INTRANET, False),  # allow-list is for webhooks
    ("wecom", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", NONE, True),
    ("wecom", "https://qyapi.weixin.qq.com:443/cgi-bin/webhook/send?key=k", NONE, True),
    ("wecom", "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", NONE, False),
    ("wecom", "https://127.0.0.1/cgi-bin/webhook/send", NONE, False),
    ("webhook", "https://hooks.example.gov.cn/yuqing", NONE, False),  # no allow-list: no webhook
    ("webhook", "https://hooks.example.gov.cn/yuqing", INTRANET, True),
    ("webhook", "http://HOOKS.example.gov.cn:8080/yuqing", INTRANET, True),
    ("webhook", "https://sub.hooks.example.gov.cn/yuqing", INTRANET, False),  # exact names only
    ("webhook", "https://hooks.example.gov.cn@evil.example/", INTRANET, False),
    ("webhook", "http://127.0.0.1:8080/x", NONE, False),
    ("webhook", "http://127.0.0.1:8080/x", Allowlist.parse("127.0.0.1"), True),
    ("webhook", "http://[::1]:8080/x", Allowlist.parse("127.0.0.1"), False),
    ("webhook", "http://[::ffff:127.0.0.1]/x", Allowlist.parse("localhost"), False),
    ("webhook", "http://169.254.169.254/latest/meta-data/", INTRANET, False),  # cloud metadata
    ("webhook", "http://10.20.3.4/hook", INTRANET, True),  # inside the listed intranet network
    ("webhook", "http://10.21.3.4/hook", INTRANET, False),
    ("webhook", "http://192.168.1.7/hook", INTRANET, True),
    ("webhook", "http://192.168.1.8/hook", INTRANET, False),
    ("webhook", "http://0.0.0.0/hook", Allowlist.parse("0.0.0.0.example"), False),
    ("webhook", "ftp://hooks.example.gov.cn/x", INTRANET, False),
    ("webhook", "javascript:alert(1)", INTRANET, False),
    ("webhook", "http://hooks.example.gov.cn:99999/x", INTRANET, False),  # bad port
]


@pytest.mark.parametrize(("kind", "url", "allow", "accepted"), URLS)
def test_url_rules(kind: str, url: str, allow: Allowlist, accepted: bool) -> None:
    problem = url_problem(kind, url, allow)
    assert (problem is None) is accepted, problem
    if problem:
        zh, en = problem
        assert zh and en and zh != en


ADDRESSES = [  # address, allow-list, accepted
    ("8.8.8.8", NONE, True),
    ("2606:4700:4700::1111", NONE, True),
    ("127.0.0.1", NONE, False),
    ("127.8.9.10", NONE, False),
    ("::1", NONE, False),
    ("10.0.0.1", NONE, False),
    ("172.16.5.4", NONE, False),
    ("192.168.0.1", NONE, False),
    ("169.254.169.254", NONE, False),
    ("100.64.0.1", NONE, False),  # carrier-grade NAT (shared)
    ("0.0.0.0", NONE, False),
    ("224.0.0.1", NONE, False),
    ("240.0.0.1", NONE, False),  # reserved
    ("255.255.255.255", NONE, False),
    ("fe80::1", NONE, False),
    ("fc00::1", NONE, False),
    ("ff02::1", NONE, False),
    ("::ffff:10.0.0.1", NONE, False),
    ("::ffff:8.8.8.8", NONE, True),
    ("10.20.9.9", INTRANET, True),
    ("::ffff:10.20.9.9", INTRANET, True),
    ("10.30.9.9", INTRANET, False),
]


@pytest.mark.parametrize(("address", "allow", "accepted"), ADDRESSES)
def test_address_rules(address: str, allow: Allowlist, accepted: bool) -> None:
    assert (address_problem(ipaddress.ip_address(address), allow) is None) is accepted


def test_a_listed_name_does_not_open_private_addresses() -> None:
    # "localhost" resolves from /etc/hosts (no query leaves the machine) to loopback
    with pytest.raises(EgressRefused) as refused:
        resolve("localhost", 80, Allowlist.parse("localhost"))
    assert "ALERT_HOST_ALLOWLIST" in refused.value.en
    assert resolve("localhost", 80, Allowlist.parse("localhost 127.0.0.0/8 ::1")).is_loopback
    assert str(resolve("10.20.1.1", 80, INTRANET)) == "10.20.1.1"


def test_a_bad_network_in_the_setting_is_refused_at_start() -> None:
    from pydantic import ValidationError

    from service.core.settings import Settings

    with pytest.raises(ValidationError):
        Settings(_env_file=None, alert_host_allowlist="10.0.0.0/33")
