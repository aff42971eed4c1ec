"""The API in-process (TestClient) on a SQLite file in tmp_path, its outside world faked through
`app.dependency_overrides`: no Temporal server, no S3, no page processes."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from api import deps
from api.main import create_app
from api.services.gemini import GeminiCheck
from api.state import AppState
from core.accounts import create_account, create_key
from core.config import Settings
from core.db import get_engine, init_db, session_scope
from tests.api.fakes import FakeDocuments, FakeModelCatalog, FakeStore, FakeTemporal


class Caller:
    """Requests with one account's key, on the shared client (one event loop, as under uvicorn)."""

    def __init__(self, http: TestClient, key: str):
        self.http, self.key = http, key

    def request(self, method: str, url: str, **kw):
        headers = {"Authorization": f"Bearer {self.key}", **kw.pop("headers", {})}
        return self.http.request(method, url, headers=headers, **kw)

    def get(self, url: str, **kw):
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw):
        return self.request("POST", url, **kw)

    def delete(self, url: str, **kw):
        return self.request("DELETE", url, **kw)


@dataclass
class Api:
    http: TestClient  # no key
    state: AppState
    store: FakeStore
    temporal: FakeTemporal
    models: FakeModelCatalog  # what Gemini has, where settings configure it

    def key(self, *, pages: int = 100, name: str = "t") -> str:
        with session_scope(self.state.db) as session:
            account = create_account(session, name=name, pages=pages)
            _, plaintext = create_key(session, account_id=account.id, name=name)
            session.commit()
        return plaintext

    def client(self, *, pages: int = 100, name: str = "t") -> Caller:
        """A caller of an account of its own (a new account and key each call)."""
        return Caller(self.http, self.key(pages=pages, name=name))


_TEMPLATE: dict[str, Path] = {}


def _database(settings: Settings) -> Engine:
    """A migrated SQLite file in the test's data dir: a copy of one migrated once per session; or
    the PostgreSQL database the settings name (tests keep apart by account there)."""
    if settings.database_url:
        return init_db(settings)
    if "db" not in _TEMPLATE:
        template = Path(tempfile.mkdtemp(prefix="docparse-api-tests-"))
        init_db(Settings(data_dir=template, database_url=None)).dispose()
        _TEMPLATE["db"] = template / "docparse.db"
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_TEMPLATE["db"], settings.data_dir / "docparse.db")
    return get_engine(settings)


@asynccontextmanager
async def _no_lifespan(_app):
    yield  # the real one connects to S3 and starts page processes; the overrides stand in


@pytest.fixture
def make_api(tmp_path):
    """Builds an Api with these settings (DOCPARSE_* names, lower case) over the fakes."""
    stack, made = ExitStack(), itertools.count()

    def make(**settings_overrides) -> Api:
        data_dir = tmp_path / f"api{next(made)}"
        settings = Settings(**{"data_dir": data_dir, "database_url": None, "rate_limit": "1000/second",
                               **settings_overrides})
        store, temporal, models = FakeStore(), FakeTemporal(), FakeModelCatalog()
        state = AppState(settings=settings, db=_database(settings), store=store, documents=FakeDocuments(),
                         gemini=GeminiCheck(settings, models))

        async def connect() -> FakeTemporal:
            return temporal

        state.temporal = connect  # the status views query through the state, as in the API

        async def the_state() -> AppState:
            return state

        async def the_temporal():
            return connect

        async def the_store() -> FakeStore:
            return store

        app = create_app(settings)
        app.router.lifespan_context = _no_lifespan
        app.dependency_overrides[deps.get_state] = the_state
        app.dependency_overrides[deps.get_temporal] = the_temporal
        app.dependency_overrides[deps.get_store] = the_store
        http = stack.enter_context(TestClient(app, raise_server_exceptions=False))
        stack.callback(state.db.dispose)
        return Api(http=http, state=state, store=store, temporal=temporal, models=models)

    with stack:
        yield make


@pytest.fixture
def api(make_api) -> Api:
    return make_api()


@pytest.fixture(params=["sqlite", "postgres"])
def both_api(request, make_api) -> Api:
    """The API on SQLite, then on PostgreSQL (127.0.0.1:5432, a throw-away database per session):
    for what the two databases store differently."""
    if request.param == "postgres":
        return make_api(database_url=request.getfixturevalue("pg_url"))
    return make_api()
