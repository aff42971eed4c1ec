"""The Alembic migrations build exactly the tables in core/models.py, on SQLite and PostgreSQL,
and adopt a database that create_all made before migrations existed."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

import core.models  # noqa: F401
from core.db import BASELINE, migrate
from tests.support.appstack import create_pg_database, drop_pg_database


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    pg = create_pg_database()
    yield pg.replace("postgresql://", "postgresql+psycopg://")
    drop_pg_database(pg)


def _diff(engine) -> list:
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)


def test_migrations_match_the_models(url):
    engine = create_engine(url)
    migrate(engine)
    assert _diff(engine) == []
    migrate(engine)  # idempotent
    engine.dispose()


def test_a_create_all_database_is_adopted(url):
    engine = create_engine(url)
    # what create_all made before migrations existed: the baseline (0001) schema, unversioned
    migrate(engine, BASELINE)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    migrate(engine)
    assert "alembic_version" in inspect(engine).get_table_names()
    assert _diff(engine) == []
    engine.dispose()


def test_processes_starting_together_migrate_once(url):
    engines = [create_engine(url) for _ in range(4)]
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(migrate, engines))
    assert _diff(engines[0]) == []
    for e in engines:
        e.dispose()
