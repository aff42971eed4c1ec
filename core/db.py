"""Engine and sessions for SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from core.config import Settings

# What a lost or refused database connection raises.
DB_UNAVAILABLE = (OperationalError, InterfaceError)


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        # SQLite connections are cheap: enough for the API's thread pool not to queue on them.
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               pool_size=20, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: API reads while the worker writes
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    # Short waits: the API checks connections out on its event loop (api/data/session.py), which must never
    # stall for long on a full pool or an unreachable server; both answer 503 instead.
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10, pool_timeout=5,
                         connect_args={"connect_timeout": 3})


def get_engine(settings: Settings) -> Engine:
    if settings.sqlalchemy_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return _engine_for(settings.sqlalchemy_url)


MIGRATIONS = Path(__file__).parent / "migrations"
BASELINE = "0001"  # the schema before migrations existed (databases made by create_all)


def _alembic_config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


@contextmanager
def _migration_lock(engine: Engine):
    """One migrating process at a time (API and workers start together)."""
    if engine.dialect.name == "sqlite":
        import fcntl

        with open(f"{engine.url.database}.migrate.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(7744201)"))
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(7744201)"))
            conn.commit()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Brings the database to `revision` with the Alembic migrations in core/migrations."""
    from alembic import command

    with _migration_lock(engine), engine.begin() as conn:
        cfg = _alembic_config(conn)
        tables = set(inspect(conn).get_table_names())
        if "alembic_version" not in tables and "accounts" in tables:
            command.stamp(cfg, BASELINE)  # made by create_all before migrations existed
        command.upgrade(cfg, revision)


_migrated: set[str] = set()


def init_db(settings: Settings) -> Engine:
    engine = get_engine(settings)
    if settings.sqlalchemy_url not in _migrated:
        migrate(engine)
        _migrated.add(settings.sqlalchemy_url)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session
