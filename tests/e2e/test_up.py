"""`docparse up` as a user runs it: one foreground command, Ctrl-C stops all, state survives,
and two stacks run side by side."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from devstack.ports import free_port
from tests.support.invoices import make_invoice, schema_invoice

ROOT = Path(__file__).resolve().parents[2]


class Up:
    def __init__(self, data_dir: Path, port: int):
        env = {k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_") and k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
        self.port = port
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "up", "--data-dir", str(data_dir), "--port", str(port)],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            text=True, start_new_session=True,
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_ready(self, timeout: float = 120) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = "\n".join(self.lines)
            key = re.search(r"Dev API key\s+(dp_\S+)", text)
            if key:
                ui = re.search(r"Temporal UI\s+(http://\S+)", text)
                docs = re.search(r"API docs\s+(http://\S+)", text)
                return {"key": key.group(1), "ui": ui.group(1), "docs": docs.group(1)}
            assert self.proc.poll() is None, text
            time.sleep(0.2)
        raise AssertionError("docparse up did not become ready:\n" + "\n".join(self.lines[-40:]))

    def ctrl_c(self) -> int:
        # What the terminal does on Ctrl-C: SIGINT to the whole foreground process group.
        os.killpg(self.proc.pid, signal.SIGINT)
        return self.proc.wait(60)

    def client(self, key: str) -> httpx.Client:
        return httpx.Client(base_url=f"http://127.0.0.1:{self.port}", headers={"Authorization": f"Bearer {key}"}, timeout=30)


def _process_gone(pid_group: int) -> bool:
    try:
        os.killpg(pid_group, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture(scope="module")
def two_stacks(tmp_path_factory):
    """Two `docparse up` started side by side (each start is a Temporal server, SeaweedFS, an API
    and a worker: started once for the module). The first test stops the first and starts it
    again; the second crashes the second."""
    root = tmp_path_factory.mktemp("up")
    a, b = Up(root / "a", free_port()), Up(root / "b", free_port())
    try:
        yield (a, root / "a", a.wait_ready()), (b, root / "b", b.wait_ready())
    finally:
        for up in (a, b):
            if up.proc.poll() is None:
                up.ctrl_c()


@pytest.mark.slow
def test_up_serves_stops_and_keeps_state(two_stacks):
    (a, a_dir, info_a), (b, _, info_b) = two_stacks
    try:
        assert info_a["ui"] != info_b["ui"]
        assert httpx.get(info_a["ui"], timeout=10).status_code == 200  # the Temporal Web UI
        assert httpx.get(info_a["docs"], timeout=10).status_code == 200
        with a.client(info_a["key"]) as http:
            ext = http.post("/v1/extractions", json={**schema_invoice(), "review_threshold": 0}).json()["extraction"]["id"]
            r = http.post(f"/v1/extractions/{ext}/batches", files=[("files", ("a.pdf", make_invoice(seed=5)[0], "application/pdf"))])
            assert r.status_code == 202, r.text
            batch = r.json()["batch"]["id"]
            deadline = time.monotonic() + 90
            while http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["batch"]["status"] != "processed":
                assert time.monotonic() < deadline
                time.sleep(0.3)
        # a key made with the CLI for this data dir works against the running stack at once
        made = subprocess.run(
            [sys.executable, "-m", "cli", "keys", "create", "--name", "cli", "--data-dir", str(a_dir)],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")},
        )
        with a.client(made.stdout.strip().splitlines()[-1]) as http:
            assert http.get("/v1/extractions").status_code == 200
        with b.client(info_b["key"]) as http:  # the other stack is separate
            assert ext not in [e["id"] for e in http.get("/v1/extractions").json()["extractions"]]
            assert http.get(f"/v1/extractions/{ext}").status_code == 404
    finally:
        code = a.ctrl_c()
    assert code == 0, a.lines[-20:]
    assert _process_gone(a.proc.pid)
    assert b.proc.poll() is None  # Ctrl-C in one terminal stops that stack only

    again = Up(a_dir, a.port)
    try:
        info = again.wait_ready()
        assert info["key"] == info_a["key"] and info["ui"] == info_a["ui"]
        with again.client(info["key"]) as http:
            assert http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["batch"]["status"] == "processed"
            files = http.get(f"/v1/extractions/{ext}/batches/{batch}").json()["files"]
            assert http.get(f"/v1/extractions/{ext}/files/{files[0]['id']}/result").status_code == 200
    finally:
        assert again.ctrl_c() == 0


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCPARSE_", "TEMPORAL_"))}
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**base, **(env or {})})


@pytest.mark.slow
def test_up_finds_itself_and_holds_its_data_dir(two_stacks, tmp_path):
    """The banner's export lines and Temporal address work as printed; the CLI finds the stack by
    --data-dir (its ports file and dev key); `docparse temporal` queries its workflow; a second
    `docparse up` on the data dir is refused at once, also after the first crashed, until what
    the first started is gone."""
    _, (first, data, info) = two_stacks
    port = first.port
    elsewhere = {"HOME": str(tmp_path / "home"), "DOCPARSE_DATA_DIR": str(tmp_path / "not-the-stack")}
    try:
        text = "\n".join(first.lines)
        exports = re.search(r"export DOCPARSE_API_URL=(\S+) DOCPARSE_API_KEY=(\S+)", text)
        assert exports and exports.groups() == (f"http://127.0.0.1:{port}", info["key"]), text
        grpc = re.search(r"Temporal gRPC\s+(\S+)", text).group(1)
        assert re.search(rf"export TEMPORAL_ADDRESS={re.escape(grpc)} TEMPORAL_NAMESPACE=default", text)
        assert f"--data-dir {data}" in text

        # a second `up` on the same data dir: refused at once, nothing started
        second = subprocess.run([sys.executable, "-m", "cli", "up", "--data-dir", str(data), "--port", str(free_port())],
                                cwd=ROOT, capture_output=True, text=True, timeout=60,
                                env={k: v for k, v in os.environ.items() if not k.startswith("DOCPARSE_")})
        assert second.returncode == 2, second.stdout + second.stderr
        assert f"{data} is in use by another `docparse up` (pid {first.proc.pid})" in second.stdout
        assert "starting" not in second.stdout

        # the CLI by --data-dir, and by the exported variables, from anywhere
        schema = tmp_path / "schema.json"
        schema.write_text(json.dumps({**schema_invoice(), "review_threshold": 0}))
        pdf = tmp_path / "inv.pdf"
        pdf.write_bytes(make_invoice(seed=8)[0])
        made = _cli("extract", str(pdf), "--schema", str(schema), "--data-dir", str(data), env=elsewhere)
        assert made.returncode == 0, made.stderr
        batch = made.stdout.strip().splitlines()[-1]
        assert batch.startswith("btc_")
        queue = _cli("review", env={**elsewhere, "DOCPARSE_API_URL": exports.group(1),
                                    "DOCPARSE_API_KEY": exports.group(2)})
        assert queue.returncode == 0 and "no files are waiting for review" in queue.stdout, queue.stderr

        # `docparse temporal` fills in the address: a real query of the batch's workflow
        deadline = time.monotonic() + 90
        while True:
            status = _cli("temporal", "--data-dir", str(data), "workflow", "query", "--workflow-id",
                          f"batch-{batch}", "--name", "status", env=elsewhere)
            if status.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(1)
        assert status.returncode == 0, status.stderr
        assert "inv.pdf" in status.stdout
        assert "SERVING" in _cli("temporal", "operator", "cluster", "health",
                                 env={**elsewhere, "DOCPARSE_TEMPORAL_ADDRESS": grpc}).stdout
    finally:
        # a crash: SIGKILL to `docparse up` alone; its servers get SIGTERM from the kernel
        with contextlib.suppress(ProcessLookupError):
            os.kill(first.proc.pid, signal.SIGKILL)
        first.proc.wait(30)

    # refused while what it started still runs; free once it is gone (within seconds)
    deadline, again = time.monotonic() + 60, None
    while time.monotonic() < deadline:
        again = Up(data, port)
        while again.proc.poll() is None and not any("Press Ctrl-C" in ln for ln in again.lines):
            time.sleep(0.2)
        if again.proc.poll() is None:
            break
        assert f"{data} is still in use" in "\n".join(again.lines), again.lines  # `up` pid gone
        time.sleep(0.5)
    assert again is not None and again.proc.poll() is None, again.lines if again else None
    try:
        assert again.wait_ready()["key"] == info["key"]
    finally:
        assert again.ctrl_c() == 0
