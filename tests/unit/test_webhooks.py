"""Webhook URL checks (no receivers in private ranges unless allowed) and signatures."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.webhooks import WebhookUrlRefused, check_url, new_secret, pinned, signed_headers


@pytest.mark.parametrize("url, why", [
    ("http://127.0.0.1/h", "loopback"), ("http://localhost:8080/h", "loopback"), ("http://[::1]/h", "loopback"),
    ("http://169.254.169.254/latest/meta-data", "link-local"), ("http://10.0.0.7/h", "private"),
    ("http://192.168.1.1/h", "private"), ("http://[fd00::1]/h", "private"), ("http://0.0.0.0/h", "private"),
    ("http://100.100.100.200/latest", "private"),  # shared address space (a cloud metadata server)
    ("http://[::ffff:127.0.0.1]/h", "loopback"), ("http://[64:ff9b::a9fe:a9fe]/h", "link-local"),  # v4 in v6
    ("ftp://example.com/h", "http(s)"), ("http:///nohost", "http(s)"), ("not a url", "space"),
    ("http://example.com:abc/h", "not a valid URL"), ("http://example.com:99999/h", "not a valid URL"),
    ("http://[::1/h", "not a valid URL"),
    # issue 14, item 10: header injection, port 0, IPv4 inside IPv6 in every form, bad IDNA
    ("http://8.8.8.8/\r\nX-Injected: 1", "control character"), ("http://8.8.8.8/\th", "control character"),
    ("http://8.8.8.8:0/h", "port 0"), ("https://[2606:4700::1111]:0/h", "port 0"),
    ("http://[::127.0.0.1]/h", "loopback"),  # IPv4-compatible
    ("http://[::10.0.0.1]/h", "private"),
    ("http://[2002:7f00:1::]/h", "which carries 127.0.0.1"),  # 6to4
    ("http://[2002:a9fe:a9fe::1]/h", "link-local"),
    ("http://[64:ff9b::7f00:1]/h", "loopback"),  # NAT64
    ("http://[64:ff9b:1::808:808]/h", "private"),  # local-use NAT64
    ("http://[::ffff:0:7f00:1]/h", "loopback"),  # IPv4-translated (SIIT)
    ("http://[::ffff:10.1.2.3]/h", "private"),  # IPv4-mapped
    ("http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/h", "private"),  # Teredo (client 192.0.2.45)
    ("http://xn--a.example/h", "not a valid URL"), ("http://a\u200b.example/h", "control character"),
])
def test_refused(url, why):
    with pytest.raises(WebhookUrlRefused, match=None) as e:
        check_url(url)
    assert why in str(e.value)


@pytest.mark.parametrize("url", ["http://[2002:808:808::1]/h", "http://[64:ff9b::808:808]/h", "http://[::ffff:8.8.8.8]/h"])
def test_public_ipv4_inside_ipv6_is_accepted(url):
    assert check_url(url).address is not None


def test_error_messages_quote_a_long_url_cut_short():
    with pytest.raises(WebhookUrlRefused) as e:
        check_url("ftp://" + "h" * 60_000)
    assert len(str(e.value)) < 400


def test_private_allowed_by_setting_but_not_other_schemes():
    assert check_url("http://127.0.0.1:9000/h", allow_private=True).url == "http://127.0.0.1:9000/h"
    for url in ("file:///etc/passwd", "http://xn--a.example/h", "http://h/\r\nX: 1", "http://h:0/"):
        with pytest.raises(WebhookUrlRefused):
            check_url(url, allow_private=True)


def test_public_address_is_accepted_and_the_delivery_is_pinned_to_it(monkeypatch):
    import socket

    target = check_url("https://93.184.215.14/hook")
    assert target.address == "93.184.215.14"
    # a name: the checked address is what the delivery connects to, with the name as Host and SNI
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, **kw: [(2, 1, 6, "", ("93.184.215.14", port))])
    url, headers, ext = pinned(check_url("https://hooks.example.com:8443/in?x=1"))
    assert url == "https://93.184.215.14:8443/in?x=1"
    assert headers == {"host": "hooks.example.com:8443"} and ext == {"sni_hostname": "hooks.example.com"}


def test_signature_verifies_with_the_secret_and_not_without():
    secret, body = new_secret(), '{"type": "file.processed"}'
    headers = signed_headers(secret, "evt_1", datetime.now(timezone.utc), body)
    assert Webhook(secret).verify(body, headers) == {"type": "file.processed"}
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace("processed", "failed"), headers)
