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

import httpx
from standardwebhooks.webhooks import Webhook

from core.text import shown


class WebhookUrlRefused(ValueError):
    """The URL is not one we call; the message says why."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


# IPv6 forms that carry an IPv4 address, judged by that address (RFC 6052, 4291, 3056, 4380, 2765).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated, but routed by some stacks
IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT
# IPv6 ranges for local use only that Python's ipaddress still calls global.
LOCAL_IPV6 = (ipaddress.ip_network("64:ff9b:1::/48"),)  # local-use NAT64 (RFC 8215)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, compatible, NAT64, 6to4, Teredo,
    SIIT), or None. `::` and `::1` are themselves (unspecified, loopback), not IPv4."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]  # the client: where the packets end up
    low32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in NAT64 or ip in IPV4_TRANSLATED or (ip in IPV4_COMPATIBLE and int(ip) > 1):
        return low32
    return None


def _refused_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why we do not call this address, or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address):  # an IPv4 address inside IPv6 is judged as itself
        inner = embedded_ipv4(ip)
        if inner is not None:
            return _refused_address(inner)
        if any(ip in net for net in LOCAL_IPV6):
            return "private"
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
    # urlsplit drops tabs and line breaks silently, and httpx then refuses the URL at delivery:
    # control characters and spaces are refused here, where the caller can still be told.
    if any(c.isspace() or not c.isprintable() for c in url):
        raise WebhookUrlRefused(f"webhook_url contains a control character or a space: '{shown(url, 200)}'")
    try:
        parts = urlsplit(url)
        port = parts.port if parts.port is not None else (443 if parts.scheme == "https" else 80)
    except ValueError as e:  # a bad port or IPv6 literal
        raise WebhookUrlRefused(f"webhook_url is not a valid URL ({e}): '{shown(url, 200)}'") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused(f"webhook_url must be an http(s) URL with a host, got '{shown(url, 200)}'")
    if port == 0:
        raise WebhookUrlRefused(f"webhook_url has port 0, which nothing listens on: '{shown(url, 200)}'")
    try:  # what the delivery's HTTP client will make of it (IDNA host names): refused now, not then
        httpx.Request("POST", url)
    except (httpx.InvalidURL, ValueError) as e:  # idna's errors are ValueErrors
        raise WebhookUrlRefused(f"webhook_url is not a valid URL ({shown(str(e), 200)}): '{shown(url, 200)}'") from None
    if allow_private:
        return Target(url, parts.hostname, None)
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise WebhookUrlRefused(f"webhook_url host '{shown(parts.hostname)}' does not resolve ({e})") from None
    # typeshed cannot tie the sockaddr to the family: for AF_INET/AF_INET6 its host is a str
    addresses = [ipaddress.ip_address(cast(str, info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        kind = _refused_address(address)
        if kind:
            inner = embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
            shown_address = f"{address}, which carries {inner}" if inner else str(address)
            raise WebhookUrlRefused(
                f"webhook_url host '{shown(parts.hostname)}' resolves to a {kind} address ({shown_address}); such "
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
