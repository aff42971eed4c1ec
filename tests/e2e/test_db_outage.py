"""The database briefly unavailable during status reads and result writes: status reads keep
answering (from the workflow), no 5xx storm, and no result is lost."""

from __future__ import annotations

import time

import pytest

from tests.support.appstack import AppStack, create_pg_database, drop_pg_database
from tests.support.invoices import make_invoice, schema_invoice
from tests.support.tcp_proxy import TcpProxy


@pytest.fixture(scope="module")
def proxied_stack(temporal_server, s3_server, tmp_path_factory):
    url = create_pg_database()
    proxy = TcpProxy(5432).up()
    stack = AppStack(temporal_address=temporal_server.address, s3=s3_server,
                     db_url=url.replace(":5432/", f":{proxy.port}/"), tmp=tmp_path_factory.mktemp("dbout")).start()
    yield stack, proxy
    stack.stop()
    proxy.down()
    drop_pg_database(url)


@pytest.mark.slow
def test_database_outage_during_a_batch(proxied_stack):
    stack, proxy = proxied_stack
    with stack.client(stack.create_key(name="dbout")) as http:
        ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
        files = [("files", (f"d{i}.pdf", make_invoice(seed=500 + i, n_items=25)[0], "application/pdf")) for i in range(6)]
        r = http.post(f"/v1/extractions/{ext}/batches", files=files)
        assert r.status_code == 202, r.text
        batch = r.json()["batch"]["id"]
        url = f"/v1/extractions/{ext}/batches/{batch}"
        assert http.get(url).status_code == 200  # seen once while the database is up

        proxy.down()
        codes = []
        try:
            t0 = time.monotonic()
            while time.monotonic() - t0 < 12:
                r = http.get(url)
                codes.append(r.status_code)
                assert r.headers["content-type"].startswith("application/json")
                time.sleep(0.5)
            # a call that needs the database answers a clear 503, never a 500
            r = http.get(f"/v1/extractions/{ext}/batches")
            assert r.status_code == 503 and "database" in r.json()["error"] and r.headers["Retry-After"]
            assert r.json()["code"] == "database_unavailable" and r.json()["retryable"] is True
        finally:
            proxy.up()
        assert codes and all(c == 200 for c in codes), codes

        body = stack.wait_terminal(http, ext, batch, timeout=240)
        assert body["batch"]["status"] == "processed", body
        assert all(f["status"] == "processed" for f in body["files"])
        for f in body["files"]:
            assert http.get(f"/v1/extractions/{ext}/files/{f['id']}/result").status_code == 200
