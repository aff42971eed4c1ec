"""The CLI finds the stack it is meant for: `docparse extract/review --data-dir` read the stack's
ports file and dev key, `docparse temporal` fills in the Temporal address, `docparse worker` says in
one line which server it could not reach, and one `docparse up` holds a data dir at a time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from devstack.lock import DataDirInUse, DataDirLock
from devstack.ports import free_port
from devstack.processes import spawn, stop_processes
from devstack.state import save_ports
from devstack.temporal import TemporalDevServer

ROOT = Path(__file__).resolve().parents[2]


class FakeApi:
    """Answers GET /v1/reviews with an empty queue and records which key each request carried."""

    def __init__(self) -> None:
        seen: list[str] = []
        self.seen = seen

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
                seen.append(self.headers.get("Authorization", ""))
                body = json.dumps({"files": []}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture()
def fake_api() -> Iterator[FakeApi]:
    api = FakeApi()
    yield api
    api.server.shutdown()


def _stack_dir(path: Path, api_url: str | None, key: str | None, temporal: str | None = None) -> Path:
    """A data dir as `docparse up` leaves it: ports.json with the API URL (and Temporal address), the dev key."""
    path.mkdir(parents=True, exist_ok=True)
    ports: dict[str, dict] = {}
    if api_url:
        ports["api"] = {"url": api_url}
    if temporal:
        ports["temporal"] = {"address": temporal}
    save_ports(path, ports)
    if key:
        (path / "dev-api-key").write_text(key + "\n")
    return path


@pytest.fixture()
def clean_env(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("DOCPARSE_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DOCPARSE_DATA_DIR", str(tmp_path / "default-home"))


def test_review_with_data_dir_uses_that_stacks_url_and_dev_key(clean_env, fake_api, tmp_path, monkeypatch):
    stack = _stack_dir(tmp_path / "b", fake_api.url, "dp_stack_b")
    # variables for another stack are set: an explicit --data-dir wins over them
    monkeypatch.setenv("DOCPARSE_API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("DOCPARSE_API_KEY", "dp_from_env")
    res = CliRunner().invoke(app, ["review", "--data-dir", str(stack)])
    assert res.exit_code == 0, res.output
    assert "no files are waiting for review" in res.output
    assert fake_api.seen == ["Bearer dp_stack_b"]
    # after the subcommand too, and --key still wins over the stack's key
    res = CliRunner().invoke(app, ["review", "list", "--data-dir", str(stack), "--key", "dp_given"])
    assert res.exit_code == 0, res.output
    assert fake_api.seen[-1] == "Bearer dp_given"


def test_without_data_dir_the_variables_then_the_default_stack(clean_env, fake_api, tmp_path, monkeypatch):
    monkeypatch.setenv("DOCPARSE_API_URL", fake_api.url)
    monkeypatch.setenv("DOCPARSE_API_KEY", "dp_from_env")
    assert CliRunner().invoke(app, ["review"]).exit_code == 0
    assert fake_api.seen == ["Bearer dp_from_env"]
    monkeypatch.delenv("DOCPARSE_API_URL")
    monkeypatch.delenv("DOCPARSE_API_KEY")
    _stack_dir(tmp_path / "default-home", fake_api.url, "dp_default_stack")  # DOCPARSE_DATA_DIR's
    res = CliRunner().invoke(app, ["review"])
    assert res.exit_code == 0, res.output
    assert fake_api.seen[-1] == "Bearer dp_default_stack"


def test_extract_with_data_dir(clean_env, fake_api, tmp_path):
    """`docparse extract --data-dir` asks that stack (here: for the account's extractions)."""
    stack = _stack_dir(tmp_path / "c", fake_api.url, "dp_stack_c")
    schema = tmp_path / "schema.json"
    schema.write_text(json.dumps({"name": "x", "fields": [{"key": "total", "type": "number"}]}))
    doc = tmp_path / "a.pdf"
    doc.write_bytes(b"%PDF-1.4\n")
    CliRunner().invoke(app, ["extract", str(doc), "--schema", str(schema), "--data-dir", str(stack)])
    assert fake_api.seen and set(fake_api.seen) == {"Bearer dp_stack_c"}


def test_a_data_dir_without_a_stack_is_a_clear_error(clean_env, tmp_path):
    res = CliRunner().invoke(app, ["review", "--data-dir", str(tmp_path / "nothing")])
    assert res.exit_code == 2
    assert "no stack found in" in res.output and "docparse up --data-dir" in res.output
    no_key = _stack_dir(tmp_path / "nokey", "http://127.0.0.1:9", None)
    res = CliRunner().invoke(app, ["review", "--data-dir", str(no_key)])
    assert res.exit_code == 2 and "no API key" in res.output and str(no_key) in res.output


def _docparse(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCPARSE_", "TEMPORAL_"))}
    return subprocess.run([sys.executable, "-m", "cli", *args], env={**base, **(env or {})}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def temporal_server(tmp_path_factory):
    server = TemporalDevServer.start(tmp_path_factory.mktemp("temporal"), headless=True)
    yield server
    server.stop()


def test_docparse_temporal_runs_a_real_query_against_the_stack(temporal_server, tmp_path):
    stack = _stack_dir(tmp_path / "t", None, None, temporal=temporal_server.address)
    home = {"HOME": str(tmp_path / "home")}  # the Temporal CLI writes ~/.config/temporalio
    health = _docparse("temporal", "--data-dir", str(stack), "operator", "cluster", "health", env=home)
    assert health.returncode == 0, health.stderr
    assert "SERVING" in health.stdout
    # --data-dir after the CLI's own arguments works too; the namespace is filled in
    listed = _docparse("temporal", "operator", "search-attribute", "list", "--data-dir", str(stack), env=home)
    assert listed.returncode == 0, listed.stderr
    assert "ExtractionId" in listed.stdout and "BatchStatus" in listed.stdout
    # DOCPARSE_TEMPORAL_ADDRESS when no --data-dir is given
    env = {**home, "DOCPARSE_TEMPORAL_ADDRESS": temporal_server.address, "DOCPARSE_DATA_DIR": str(tmp_path / "x")}
    assert "SERVING" in _docparse("temporal", "operator", "cluster", "health", env=env).stdout
    # the CLI's exit code comes back
    bad = _docparse("temporal", "--data-dir", str(stack), "workflow", "describe", "--workflow-id", "nope", env=home)
    assert bad.returncode != 0


def test_docparse_temporal_without_a_stack(tmp_path):
    res = _docparse("temporal", "--data-dir", str(tmp_path), "workflow", "list")
    assert res.returncode == 2
    assert "no Temporal server found" in res.stderr and "DOCPARSE_TEMPORAL_ADDRESS" in res.stderr
    assert _docparse("temporal").returncode == 2


@pytest.mark.parametrize("server", ["temporal", "database"])
def test_a_worker_that_cannot_reach_a_server_says_so_in_one_line(tmp_path, server):
    port = free_port()  # nothing listens there
    if server == "temporal":
        setting, value = "DOCPARSE_TEMPORAL_ADDRESS", f"127.0.0.1:{port}"
        said = f"cannot reach the Temporal server at 127.0.0.1:{port} (connection refused)"
    else:
        setting, value = "DOCPARSE_DATABASE_URL", f"postgresql://docparse:s3cret@127.0.0.1:{port}/docparse"
        said = f"cannot reach the database at postgresql+psycopg://docparse:***@127.0.0.1:{port}/docparse"
    res = _docparse("worker", env={"DOCPARSE_DATA_DIR": str(tmp_path), setting: value})
    assert res.returncode == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr  # not the SDK's or the driver's traceback
    assert said in lines[0] and setting in lines[0]
    assert "s3cret" not in lines[0]


def test_one_lock_per_data_dir_held_by_what_up_started(tmp_path):
    first, second = DataDirLock(tmp_path), DataDirLock(tmp_path)
    first.acquire()
    with pytest.raises(DataDirInUse, match=rf"in use by another `docparse up` \(pid {os.getpid()}\)"):
        second.acquire()
    # a process started with the descriptor keeps the data dir locked after its parent's copy is gone
    # (a crashed `docparse up` whose servers still stop), and frees it when it exits
    child = spawn(["sleep", "60"], pass_fds=(first.fd,), die_with_parent=False)
    try:
        os.close(first.fd)
        first.fd = None
        with pytest.raises(DataDirInUse):
            second.acquire()
    finally:
        stop_processes([child], timeout=5)
    second.acquire()
    second.release()
    first.acquire()  # released: free again
    first.release()
