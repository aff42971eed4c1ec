"""Webhook URLs we agree to call, and Standard Webhooks signatures (https://www.standardwebhooks.com).

A receiver verifies `webhook-signature` = "v1," + base64(HMAC-SHA256(secret, id.timestamp.body))
with its account's secret (`whsec_...`, shown once by POST /v1/webhook-secret).
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from urllib.parse import urlsplit, urlunsplit

from standardwebhooks.webhooks import Webhook


class WebhookUrlRefused(ValueError):
    """The URL is not one we call; the message says why."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _refused_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why we do not call this address, or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address):  # an IPv4 address inside IPv6 is judged as itself
        inner = ip.ipv4_mapped or (ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF) if ip in NAT64 else None)
        if inner is not None:
            return _refused_address(inner)
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if not ip.is_global:  # private, shared (100.64/10), reserved, documentation, unspecified ...
        return "private"
    if ip.is_multicast:
        return "multicast"
    return None


@dataclass(frozen=True)
class Target:
    url: str
    host: str
    address: str | None  # the checked address to connect to (None: private receivers allowed)


def check_url(url: str, *, allow_private: bool = False) -> Target:
    """Where we may POST: an http(s) URL with a host, and (unless allowed) a host whose every
    address is public — checked when the URL is given and again at every delivery, and the
    delivery connects to the address checked here (a DNS answer that changes in between is not
    followed)."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as e:  # a bad port or IPv6 literal
        raise WebhookUrlRefused(f"webhook_url is not a valid URL ({e}): '{url[:200]}'") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused(f"webhook_url must be an http(s) URL with a host, got '{url[:200]}'")
    if allow_private:
        return Target(url, parts.hostname, None)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise WebhookUrlRefused(f"webhook_url host '{parts.hostname}' does not resolve ({e})") from None
    # typeshed cannot tie the sockaddr to the family: for AF_INET/AF_INET6 its host is a str
    addresses = [ipaddress.ip_address(cast(str, info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        kind = _refused_address(address)
        if kind:
            raise WebhookUrlRefused(
                f"webhook_url host '{parts.hostname}' resolves to a {kind} address ({address}); such "
                "receivers are refused unless DOCPARSE_WEBHOOK_ALLOW_PRIVATE is set"
            )
    return Target(url, parts.hostname, str(addresses[0]))


def pinned(target: Target) -> tuple[str, dict[str, str], dict]:
    """(URL, extra headers, httpx request extensions) that reach the checked address while the
    receiver still sees its own host name (Host header, TLS server name)."""
    if target.address is None:
        return target.url, {}, {}
    parts = urlsplit(target.url)
    ip = ipaddress.ip_address(target.address)
    host = f"[{ip}]" if ip.version == 6 else str(ip)
    netloc = host + (f":{parts.port}" if parts.port else "")
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    assert parts.hostname is not None  # check_url made the Target from a URL with a host
    host_header = parts.hostname + (f":{parts.port}" if parts.port else "")
    return url, {"host": host_header}, ({"sni_hostname": parts.hostname} if parts.scheme == "https" else {})


def signed_headers(secret: str, event_id: str, at: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, body),
        "content-type": "application/json",
    }
