"""A whole docparse stack for tests: real Temporal, real S3, a real database, the worker and
the API as separate processes (so tests can kill them), reached over real HTTP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx

from core.config import Settings
from devstack.ports import free_port

PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def create_pg_database() -> str:
    import psycopg

    name = f"docparse_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_pg_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


GEMINI_KEYS = ("GEMINI_API_KEY", "GOOGLE_API_KEY")  # what configures Gemini besides DOCPARSE_GEMINI_API_KEY


class AppStack:
    def __init__(self, *, temporal_address: str, s3, db_url: str | None, tmp: Path, extra_env: dict | None = None):
        self.tmp = tmp
        tmp.mkdir(parents=True, exist_ok=True)
        suffix = uuid.uuid4().hex[:8]
        self.env = {
            "DOCPARSE_DATA_DIR": str(tmp / "data"),
            "DOCPARSE_TEMPORAL_ADDRESS": temporal_address,
            "DOCPARSE_TASK_QUEUE": f"docparse-test-{suffix}",
            "DOCPARSE_S3_ENDPOINT": s3.endpoint,
            "DOCPARSE_S3_ACCESS_KEY": s3.access_key,
            "DOCPARSE_S3_SECRET_KEY": s3.secret_key,
            "DOCPARSE_S3_BUCKET": f"test-{suffix}",
            "DOCPARSE_RATE_LIMIT": "1000/second",
            **({"DOCPARSE_DATABASE_URL": db_url} if db_url else {}),
            **(extra_env or {}),
        }
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.api: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen] = []
        self._logs: list[Path] = []

    @property
    def settings(self) -> Settings:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_") and k not in GEMINI_KEYS}
        saved = dict(os.environ)
        os.environ.clear()
        os.environ.update({**keep, **self.env})
        try:
            return Settings()
        finally:
            os.environ.clear()
            os.environ.update(saved)

    def _spawn(self, *args: str, log_name: str) -> subprocess.Popen:
        # a Gemini key of the environment must not send test batches to the real service
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_") and k not in GEMINI_KEYS}
        env.update(self.env)
        log = self.tmp / f"{log_name}-{len(self._logs)}.log"
        self._logs.append(log)
        return subprocess.Popen(
            [sys.executable, "-m", "cli", *args],
            env=env, stdout=open(log, "wb"), stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[2],
        )

    @property
    def worker(self) -> subprocess.Popen | None:
        return self.workers[0] if self.workers else None

    def start_worker(self) -> None:
        """One more worker process (benchmarks run several; tests usually one)."""
        self.workers.append(self._spawn("worker", log_name="worker"))

    def kill_worker(self) -> None:
        for w in self.workers:
            w.send_signal(signal.SIGKILL)
            w.wait(10)
        self.workers = []

    def start_api(self, timeout: float = 30) -> None:
        self.api = self._spawn("api", "--port", str(self.port), log_name="api")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.api.poll() is not None:
                raise RuntimeError("API exited:\n" + self.logs())
            try:
                if httpx.get(self.base_url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("API did not answer:\n" + self.logs())

    def stop_api(self) -> None:
        if self.api is not None:
            self.api.terminate()
            try:
                self.api.wait(10)
            except subprocess.TimeoutExpired:
                self.api.kill()
            self.api = None

    def start(self) -> "AppStack":
        self.start_api()
        self.start_worker()
        return self

    def ensure_running(self) -> None:
        """Starts again what a test killed or stopped (an API, every worker)."""
        if self.api is None or self.api.poll() is not None:
            self.api = None
            self.start_api()
        self.workers = [w for w in self.workers if w.poll() is None]
        if not self.workers:
            self.start_worker()

    def stop(self) -> None:
        self.stop_api()
        for w in self.workers:
            w.terminate()
        for w in self.workers:
            try:
                w.wait(15)
            except subprocess.TimeoutExpired:
                w.kill()
        self.workers = []

    def logs(self, lines: int = 40) -> str:
        out = []
        for log in self._logs:
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {log.name}\n" + "\n".join(tail))
        return "\n".join(out)

    def create_key(self, *, pages: int = 10_000, name: str = "test") -> str:
        from core.accounts import create_account, create_key
        from core.db import init_db, session_scope

        with session_scope(init_db(self.settings)) as session:
            account = create_account(session, name=name, pages=pages)
            _, key = create_key(session, account_id=account.id, name=name)
            session.commit()
        return key

    def client(self, key: str | None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=60)

    def wait_terminal(self, http: httpx.Client, extraction_id: str, batch_id: str, timeout: float = 120) -> dict:
        deadline = time.monotonic() + timeout
        body: dict = {}
        while time.monotonic() < deadline:
            r = http.get(f"/v1/extractions/{extraction_id}/batches/{batch_id}")
            assert r.status_code == 200, r.text
            body = r.json()
            if body["batch"]["status"] in ("processed", "failed", "needs_review"):
                return body
            time.sleep(0.3)
        raise AssertionError(f"batch {batch_id} not terminal after {timeout}s: {body}\n{self.logs()}")
