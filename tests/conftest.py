"""Shared fixtures: real servers started once per session on free ports in temp dirs."""

from __future__ import annotations

import pytest

from devstack.s3 import S3Server
from devstack.temporal import TemporalDevServer
from tests.support.appstack import AppStack, create_pg_database, drop_pg_database


@pytest.fixture(scope="session")
def temporal_server(tmp_path_factory):
    server = TemporalDevServer.start(tmp_path_factory.mktemp("temporal"), headless=True)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    server = S3Server.start(tmp_path_factory.mktemp("s3"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_url():
    url = create_pg_database()
    yield url
    drop_pg_database(url)


def make_stack(request, temporal_server, s3_server, tmp_path_factory, backend: str, **env) -> AppStack:
    db_url = request.getfixturevalue("pg_url") if backend == "postgres" else None
    stack = AppStack(
        temporal_address=temporal_server.address, s3=s3_server, db_url=db_url,
        tmp=tmp_path_factory.mktemp(f"stack-{backend}"), extra_env=env,
    )
    return stack


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def stack(request, temporal_server, s3_server, tmp_path_factory):
    """The full stack, once per data-layer backend."""
    s = make_stack(request, temporal_server, s3_server, tmp_path_factory, request.param).start()
    yield s
    s.stop()


@pytest.fixture(scope="module")
def sqlite_stack(request, temporal_server, s3_server, tmp_path_factory):
    s = make_stack(request, temporal_server, s3_server, tmp_path_factory, "sqlite").start()
    yield s
    s.stop()
