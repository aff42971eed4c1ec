"""The rate limit is per key: past it, 429 rate_limited with Retry-After; other keys go on."""

from __future__ import annotations

from tests.api.helpers import error


def test_past_the_limit_is_429_with_retry_after(make_api):
    api = make_api(rate_limit="3/minute")
    a, b = api.client(name="a"), api.client(name="b")
    assert [a.get("/v1/extractions").status_code for _ in range(3)] == [200] * 3
    r = a.get("/v1/extractions")
    assert "rate limit" in error(r, 429, "rate_limited")
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert b.get("/v1/extractions").status_code == 200  # per key, not global


def test_refused_keys_do_not_count(make_api):
    """The key is checked before the limit: unknown keys cannot use up a real key's allowance."""
    api = make_api(rate_limit="2/minute")
    a = api.client()
    for _ in range(5):
        error(a.get("/v1/extractions", headers={"Authorization": "Bearer dp_unknown"}), 401, "invalid_api_key")
    assert [a.get("/v1/extractions").status_code for _ in range(3)] == [200, 200, 429]
