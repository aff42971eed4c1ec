"""`docparse up` as a user runs it: one foreground command, Ctrl-C stops all, state survives,
and two stacks run side by side."""

from __future__ import annotations

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


@pytest.mark.slow
def test_up_serves_stops_and_keeps_state(tmp_path):
    a_dir, b_dir = tmp_path / "a", tmp_path / "b"
    a, b = Up(a_dir, free_port()), Up(b_dir, free_port())
    try:
        info_a, info_b = a.wait_ready(), b.wait_ready()
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
            assert http.get("/v1/extractions").json()["extractions"] == []
            assert http.get(f"/v1/extractions/{ext}").status_code == 404
    finally:
        codes = [a.ctrl_c(), b.ctrl_c()]
    assert codes == [0, 0], a.lines[-20:] + b.lines[-20:]
    assert _process_gone(a.proc.pid) and _process_gone(b.proc.pid)

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
