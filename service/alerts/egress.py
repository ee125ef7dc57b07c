"""Where alert deliveries may go (SSRF guard): pure URL and address checks, and resolving a
host into the one checked address the connection is then pinned to.

Rules (README "Security"):
- DingTalk and WeCom robots: https to their vendor's host only, default port, no user info.
- Webhooks: http(s) to a host named in the admin's allow-list (ALERT_HOST_ALLOWLIST).
- Every address a connection goes to — after DNS resolution, for every kind and for the SMTP
  server — must be a public unicast address, unless it lies in a network the allow-list names
  literally (an address or CIDR such as `10.20.0.0/16`): that is how an admin lets an
  intranet receiver in. A host name in the list never opens private addresses by itself, so
  a listed name whose DNS is changed to 127.0.0.1 is still refused.
The connection then goes to the checked address (the name is not looked up twice), so DNS
rebinding between check and connect cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import smtplib
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
VENDOR_HOSTS = {"dingtalk": "oapi.dingtalk.com", "wecom": "qyapi.weixin.qq.com"}


class EgressRefused(Exception):
    """A destination the rules refuse, with the reason in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


@dataclass(frozen=True)
class Allowlist:
    hosts: frozenset[str] = frozenset()  # lower-case host names (or literal addresses)
    networks: tuple[Network, ...] = ()  # addresses admitted even when private

    @classmethod
    def parse(cls, text: str | None) -> Allowlist:
        """`host.example.cn, 10.1.2.3, 10.20.0.0/16` (commas or blanks between entries)."""
        hosts, networks = set(), []
        for entry in (text or "").replace(",", " ").split():
            entry = entry.lower().rstrip(".").strip("[]")
            if "/" in entry:
                networks.append(ipaddress.ip_network(entry, strict=False))  # a bad entry fails at start
                continue
            literal = _literal(entry)
            if literal is not None:
                networks.append(ipaddress.ip_network(literal))
            hosts.add(str(literal) if literal is not None else entry)
        return cls(frozenset(hosts), tuple(networks))

    def admits_host(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        if host in self.hosts:
            return True
        literal = _literal(host)
        return literal is not None and any(literal in n for n in self.networks)

    def admits_address(self, address: Address) -> bool:
        return any(address in n for n in self.networks)


def _literal(host: str) -> Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def address_problem(address: Address, allow: Allowlist) -> tuple[str, str] | None:
    """Why a connection to this address is refused, or None. Loopback, private, link-local
    (cloud metadata 169.254.169.254), reserved, multicast, unspecified and shared addresses
    are refused unless the allow-list names their network."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if allow.admits_address(address):
        return None
    if address.is_multicast or not address.is_global:
        return (f"不允许连接内网或保留地址 {address}", f"address {address} is not public (loopback, private, "
                "link-local, reserved or multicast) and not in ALERT_HOST_ALLOWLIST")
    return None


def url_problem(kind: str, url: str, allow: Allowlist) -> tuple[str, str] | None:
    """Why a channel of `kind` may not send to `url` (before any DNS lookup), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "地址无效", "invalid URL"
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in ("http", "https") or not host:
        return "地址须为 http(s) 链接", "target must be an http(s) URL"
    if parts.username is not None or parts.password is not None or "\\" in parts.netloc:
        return "地址中不得含用户名或密码", "the URL must not carry a user name or password"
    literal = _literal(host)
    if literal is not None and (problem := address_problem(literal, allow)):
        return problem
    vendor = VENDOR_HOSTS.get(kind)
    if vendor is not None:
        if parts.scheme != "https" or host != vendor or port not in (None, 443):
            return (f"{kind} 机器人地址须为 https://{vendor}/…", f"a {kind} robot URL must be https://{vendor}/…")
        return None
    if not allow.admits_host(host):
        return (f"主机 {host} 不在管理员允许的列表（ALERT_HOST_ALLOWLIST）中",
                f"host {host} is not in the admin's ALERT_HOST_ALLOWLIST")
    return None


def resolve(host: str, port: int, allow: Allowlist) -> Address:
    """The address to connect to: every address the name resolves to must pass (one bad
    record refuses the host: which one a connection would take is the resolver's choice)."""
    literal = _literal(host)
    if literal is not None:
        found = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise EgressRefused(f"无法解析主机 {host}", f"cannot resolve {host}: {type(exc).__name__}") from None
        found = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in found:
        if problem := address_problem(address, allow):
            raise EgressRefused(*problem)
    return found[0]


class PinnedTransport(httpx.HTTPTransport):
    """Resolves and checks each request's host here, at connect time, then connects to that
    very address: the URL's host becomes the checked IP while the Host header (set by httpx
    from the original URL) and the TLS server name (`sni_hostname`, also the name the
    certificate is verified against) stay the original host's."""

    def __init__(self, allow: Allowlist, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        self.allow = allow

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.host
        port = request.url.port or (443 if request.url.scheme == "https" else 80)
        address = resolve(host, port, self.allow)
        if _literal(host) is None:
            request.extensions = {**request.extensions, "sni_hostname": host}
            request.url = request.url.copy_with(host=str(address))
        return super().handle_request(request)


class PinnedSMTP(smtplib.SMTP):
    """smtplib.SMTP connecting to an already checked address; `host` stays the server's name
    (STARTTLS verifies the certificate against it)."""

    def __init__(self, address: Address, host: str, port: int, timeout: float) -> None:
        self._address = address
        super().__init__(host, port, timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        return socket.create_connection((str(self._address), port), timeout, self.source_address)
