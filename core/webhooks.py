"""Webhook URLs we agree to call, and Standard Webhooks signatures (https://www.standardwebhooks.com).

A receiver verifies `webhook-signature` = "v1," + base64(HMAC-SHA256(secret, id.timestamp.body))
with its account's secret (`whsec_...`, shown once by POST /v1/webhook-secret).
"""

from __future__ import annotations

import base64
import ipaddress
import secrets
import socket
from datetime import datetime
from urllib.parse import urlsplit

from standardwebhooks.webhooks import Webhook


class WebhookUrlRefused(ValueError):
    """The URL is not one we call; the message says why."""


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _refused_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private or ip.is_reserved or ip.is_unspecified or ip.is_multicast:
        return "private"
    return None


def check_url(url: str, *, allow_private: bool = False) -> str:
    """The URL if we may POST to it: http(s), a host, and (unless allowed) no address of the host in
    loopback, link-local or private ranges — checked when the URL is given and again at every
    delivery, since DNS may change in between."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused(f"webhook_url must be an http(s) URL with a host, got '{url[:200]}'")
    if allow_private:
        return url
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise WebhookUrlRefused(f"webhook_url host '{parts.hostname}' does not resolve ({e})") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        kind = _refused_address(address)
        if kind:
            raise WebhookUrlRefused(
                f"webhook_url host '{parts.hostname}' resolves to a {kind} address ({address}); such "
                "receivers are refused unless DOCPARSE_WEBHOOK_ALLOW_PRIVATE is set"
            )
    return url


def signed_headers(secret: str, event_id: str, at: datetime, body: str) -> dict[str, str]:
    return {
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(event_id, at, body),
        "content-type": "application/json",
    }
