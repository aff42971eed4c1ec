"""bench/load.py, shorter: 5 clients x 8 s of uploads and status polls against the real stack.
Every accepted file reaches a terminal status (0 lost) and the API never answers 5xx.
The full run (20 clients x 60 s against `docparse up`) is `.venv/bin/python bench/load.py`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"


def _load_module():
    if "bench_load" in sys.modules:
        return sys.modules["bench_load"]
    spec = importlib.util.spec_from_file_location("bench_load", LOAD)
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_load"] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


async def test_short_load_loses_nothing_and_never_5xx(sqlite_stack, tmp_path):
    load = _load_module()
    keys = [sqlite_stack.create_key(pages=100_000, name=f"load-{i}") for i in range(5)]
    rep = await load.run_load(sqlite_stack.base_url, keys, clients=5, duration=8, drain_timeout=180)
    print(load.format_report(rep))
    files = rep["files"]
    assert files["accepted"] >= 5, rep
    assert files["lost"] == 0, rep["lost"]
    assert files["terminal"] == files["accepted"], rep
    assert rep["server_errors_5xx"] == 0, rep["errors_by_status"]
    assert set(files["by_status"]) <= {"processed", "failed", "needs_review"}, files
    assert files["by_status"].get("processed", 0) == files["accepted"], files  # generated invoices all work
    assert rep["latency"]["status_read"]["n"] > 0 and rep["latency"]["upload"]["n"] == rep["batches"]["upload_requests"]
    assert rep["errors_by_status"] == {}, rep["errors_by_operation"]
