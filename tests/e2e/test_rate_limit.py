from __future__ import annotations

import pytest

from tests.conftest import make_stack


@pytest.fixture(scope="module")
def limited_stack(request, temporal_server, s3_server, tmp_path_factory):
    s = make_stack(request, temporal_server, s3_server, tmp_path_factory, "sqlite",
                   DOCPARSE_RATE_LIMIT="5/minute")
    s.start_api()
    yield s
    s.stop()


def test_rate_limit_per_key_with_retry_after(limited_stack):
    with limited_stack.client(limited_stack.create_key(name="a")) as a, \
            limited_stack.client(limited_stack.create_key(name="b")) as b:
        codes = [a.get("/v1/extractions").status_code for _ in range(5)]
        assert codes == [200] * 5
        r = a.get("/v1/extractions")
        assert r.status_code == 429
        assert "rate limit" in r.json()["error"]
        assert r.json()["code"] == "rate_limited" and r.json()["retryable"] is True
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        assert b.get("/v1/extractions").status_code == 200  # per key, not global
