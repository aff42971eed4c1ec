"""devstack: the real Temporal dev server and SeaweedFS S3, started on free ports in tmp dirs."""

from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from devstack import s3 as s3_module
from devstack import temporal as temporal_module
from devstack import up
from devstack.ports import free_port, port_is_free
from devstack.processes import stop_processes
from devstack.s3 import S3Server
from devstack.server import ServerError, ServerExited, busy_ports
from devstack.state import load_ports, save_ports
from devstack.temporal import TemporalDevServer

pytestmark = pytest.mark.timeout(120)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for our purposes only once reaped; Popen.wait() reaps, so check state.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.3):
            return True
    except OSError:
        return False


def _procs_mentioning(text: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text in (entry / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(entry.name))
            except OSError:
                pass
    return [p for p in pids if p != os.getpid() and _pid_alive(p)]


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = S3Server.start(tmp_path_factory.mktemp("s3"), buckets=["docparse"])
    yield server
    server.kill()  # durability is tested explicitly below; keep teardown fast


@pytest.fixture(scope="module")
def temporal(tmp_path_factory):
    server = TemporalDevServer.start(tmp_path_factory.mktemp("temporal"))
    yield server
    server.kill()


def test_free_port_is_free_and_unique():
    ports = [free_port() for _ in range(20)]
    assert len(set(ports)) == 20
    assert all(port_is_free(p) for p in ports)


@pytest.fixture
def port_thief(monkeypatch):
    """steal(module, nth): the nth port `module` picks with free_port gets bound by someone else
    right after it was picked, before the server can bind it (the race of a busy CI machine)."""
    held: list[socket.socket] = []

    def steal(module, nth: int) -> list[int]:
        real, picked, stolen = module.free_port, [], []

        def racing_free_port() -> int:
            port = real()
            picked.append(port)
            if len(picked) == nth:
                thief = socket.socket()
                thief.bind(("127.0.0.1", port))
                thief.listen()
                held.append(thief)
                stolen.append(port)
            return port

        monkeypatch.setattr(module, "free_port", racing_free_port)
        return stolen

    yield steal
    for sock in held:
        sock.close()


def test_busy_ports_read_from_the_logs():
    temporal_log = "Error: can't set metrics port 34701: listen tcp 127.0.0.1:34701: bind: address already in use"
    weed_log = ("E1201 mini.go:1244 Port allocation failed: port 38481 for Master (specified by flag "
                "master.port) is not available on 127.0.0.1 and cannot be used")
    assert busy_ports(temporal_log) == {34701}
    assert busy_ports(weed_log) == {38481}
    assert busy_ports("listen unix /tmp/x.sock: bind: address already in use") == set()
    assert busy_ports("W gRPC port 50805 for Master is not available, finding alternative...") is None
    assert busy_ports("Error: no such flag") is None


def test_temporal_starts_again_on_fresh_ports_when_a_picked_one_is_taken(tmp_path, port_thief):
    stolen = port_thief(temporal_module, 3)  # headless: port, http_port, metrics_port
    server = TemporalDevServer.start(tmp_path / "t", headless=True)
    try:
        assert stolen and stolen[0] not in server.ports.values()
        log = server.log_path.read_text()
        assert f"127.0.0.1:{stolen[0]}: bind: address already in use" in log
        assert "starting again on fresh ports" in log
        assert server.is_running()
    finally:
        server.kill()


def test_s3_starts_again_on_fresh_ports_when_a_picked_one_is_taken(tmp_path, port_thief):
    stolen = port_thief(s3_module, 1)  # the master port
    server = S3Server.start(tmp_path / "s", buckets=["docparse"])
    try:
        assert stolen and stolen[0] not in server.ports.values()
        assert "starting again on fresh ports" in server.log_path.read_text()
        assert server.minio().bucket_exists("docparse")
    finally:
        server.kill()


def test_a_taken_port_the_caller_asked_for_is_not_moved(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        port = busy.getsockname()[1]
        with pytest.raises(ServerError, match="exited during start-up") as failed:
            S3Server.start(tmp_path / "s", port=port)
        assert f"port {port} for S3" in str(failed.value)
        log = (tmp_path / "s" / "weed.log").read_text()
        assert log.count("Port allocation failed") == 1 and "fresh ports" not in log
    finally:
        busy.close()


def test_s3_bucket_put_get(s3):
    client = s3.minio()
    assert s3.endpoint == f"127.0.0.1:{s3.port}"
    assert client.bucket_exists("docparse")  # created by -bucket, waited for by start()
    client.make_bucket("unit-test")
    client.put_object("unit-test", "a/b.txt", io.BytesIO(b"hello"), 5, content_type="text/plain")
    assert client.get_object("unit-test", "a/b.txt").read() == b"hello"
    assert [o.object_name for o in client.list_objects("unit-test", "a/")] == ["a/b.txt"]


def test_s3_rejects_wrong_secret(s3):
    from minio import Minio
    from minio.error import S3Error

    bad = Minio(s3.endpoint, s3.access_key, "wrong-secret", secure=False, region="us-east-1")
    with pytest.raises(S3Error):
        bad.list_buckets()


def test_s3_identity_file_is_private_and_reused(s3):
    assert s3.identity_file.stat().st_mode & 0o077 == 0
    assert S3Server()._pick_ports(None, {})["admin_grpc"] > 0
    again = S3Server()
    again.dir = s3.dir
    assert again._credentials(None, None) == (s3.access_key, s3.secret_key)


async def test_temporal_client_connects(temporal):
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
    from temporalio.client import Client

    client = await Client.connect(temporal.address)
    resp = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace="default")
    )
    assert {"ExtractionId", "BatchStatus"} <= set(resp.custom_attributes)
    with urllib.request.urlopen(temporal.ui_url, timeout=5) as r:  # the Web UI is served
        assert r.status == 200
    assert (temporal.state_dir / "temporal.db").exists()
    assert (temporal.state_dir / "temporal.log").exists()


@pytest.mark.slow
def test_s3_kill_and_restart_keeps_object(s3):
    client = s3.minio()
    client.make_bucket("durable")
    client.put_object("durable", "k", io.BytesIO(b"x" * 100_000), 100_000)
    ports = dict(s3.ports)
    old_pid = s3.pid
    s3.kill()
    assert not _pid_alive(old_pid)
    s3.restart()
    assert s3.ports == ports and s3.pid != old_pid
    assert s3.minio().get_object("durable", "k").read() == b"x" * 100_000


@pytest.mark.slow
async def test_temporal_kill_and_restart_same_ports(temporal):
    from temporalio.client import Client

    address = temporal.address
    temporal.kill()
    assert not _listening(temporal.port)
    temporal.restart()
    assert temporal.address == address
    client = await Client.connect(address)
    assert (await client.count_workflows()).count >= 0


@pytest.mark.slow
def test_stop_leaves_no_process(tmp_path):
    t = TemporalDevServer.start(tmp_path / "t", headless=True)
    s = S3Server.start(tmp_path / "s")
    pids = [t.pid, s.pid]
    ports = [t.port, s.port, *s.ports.values()]
    assert t.ui_url is None
    # Stop both at once (each takes ~1.5-4 s to shut down gracefully).
    stop_processes([t.proc, s.proc])
    t.stop()
    s.stop()
    assert not any(_pid_alive(p) for p in pids)
    assert not any(_listening(p) for p in ports)
    assert not list((tmp_path / "s").glob("*.sock"))
    assert not [p for p in s._grpc_socket_files() if p.exists()]
    t.stop()  # idempotent
    s.stop()


STUB_API = """
import http.server, sys
port = int(sys.argv[1])
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if self.path == "/healthz" else 404)
        self.end_headers()
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", port), H).serve_forever()
"""

STUB_WORKER = """
import os, sys, time
die_after = float(os.environ.get("STUB_WORKER_DIE", "0"))
start = time.time()
while not die_after or time.time() - start < die_after:
    time.sleep(0.1)
sys.exit(3)
"""

UP = """
import sys
from pathlib import Path
from devstack.up import run_up
stubs, data, port = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
sys.exit(run_up(data, port,
    api_cmd=[sys.executable, str(stubs / "api.py"), str(port)],
    worker_cmd=[sys.executable, str(stubs / "worker.py")]))
"""


def _start_up(tmp_path: Path, extra_env: dict[str, str] | None = None):
    stubs = tmp_path / "stubs"
    stubs.mkdir(exist_ok=True)
    (stubs / "api.py").write_text(STUB_API)
    (stubs / "worker.py").write_text(STUB_WORKER)
    (stubs / "up.py").write_text(textwrap.dedent(UP))
    data, port = tmp_path / "data", free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")}
    env.update(extra_env or {})
    out = tmp_path / "up.out"
    with open(out, "wb") as f:
        proc = subprocess.Popen(
            [sys.executable, str(stubs / "up.py"), str(stubs), str(data), str(port)],
            stdout=f, stderr=subprocess.STDOUT, env=env, stdin=subprocess.DEVNULL,
            cwd=Path(__file__).resolve().parents[2],
        )  # fmt: skip
    return proc, data, port, out


@pytest.mark.slow
def test_run_up_starts_prints_and_stops_cleanly(tmp_path):
    proc, data, port, out = _start_up(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while "Press Ctrl-C" not in out.read_text() and time.monotonic() < deadline:
            assert proc.poll() is None, out.read_text()
            time.sleep(0.1)
        text = out.read_text()
        ports = json.loads((data / "ports.json").read_text())
        for needle in (
            f"http://127.0.0.1:{port}",
            f"http://127.0.0.1:{port}/docs",
            f"http://127.0.0.1:{ports['temporal']['ui_port']}",
            f"127.0.0.1:{ports['s3']['s3']}",
            str(data),
            "Dev API key",
        ):
            assert needle in text, text
        key = (data / "dev-api-key").read_text().strip()
        assert key in text
        assert _procs_mentioning(str(data))  # servers are running under the data dir
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, out.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not _procs_mentioning(str(data)), out.read_text()
    assert not _listening(port)
    assert not _listening(ports["temporal"]["port"]) and not _listening(ports["s3"]["s3"])


@pytest.mark.slow
def test_run_up_child_death_stops_everything_nonzero(tmp_path):
    proc, data, port, out = _start_up(tmp_path, {"STUB_WORKER_DIE": "1"})
    try:
        assert proc.wait(90) != 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert "worker" in out.read_text()
    assert not _procs_mentioning(str(data)), out.read_text()


def test_saved_ports_reused_only_when_free(tmp_path):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    try:
        busy_port = busy.getsockname()[1]
        save_ports(tmp_path, {"temporal": {"port": busy_port, "ui_port": free_port()}})
        saved = load_ports(tmp_path)["temporal"]
        reused = up._still_free(saved, set())
        assert "port" not in reused and reused["ui_port"] == saved["ui_port"]
    finally:
        busy.close()


def test_a_temporal_dev_server_that_dies_just_after_serving_has_not_started(tmp_path, monkeypatch):
    """The frontend answers health checks before the dev server's internal services bind their
    ports; one finding its port taken panics a moment later (seen on `make up`): that start fails
    with the log's busy port, so it is started again on fresh ports."""
    server = TemporalDevServer()
    server.state_dir, server.headless, server.port = tmp_path, True, 1
    server.log_path = tmp_path / "temporal.log"
    server.log_path.write_text('msg="Failed to start gRPC listener" error="listen tcp 127.0.0.1:35823: '
                               'bind: address already in use" service=worker\npanic: runtime error\n')
    server._log_offset = 0
    server.proc = subprocess.Popen(["sleep", "0.3"])
    monkeypatch.setattr(temporal_module, "tcp_accepts", lambda port: True)
    monkeypatch.setattr(temporal_module.subprocess, "run",
                        lambda *a, **k: subprocess.CompletedProcess(a, 0, "SERVING", ""))
    with pytest.raises(ServerExited) as e:
        server._wait_ready("temporal", {}, timeout=5)
    assert busy_ports(e.value.output) == {35823}
