"""`docparse up`: the whole local stack in the foreground (`run_up`), and the ports file that lets
a restart reuse the ports of the last run.

Starts the Temporal dev server and `weed mini` (unless external ones are configured), then the API
and the worker as child processes; Ctrl-C or SIGTERM stops everything in order. One stack per data
dir (devstack.lock): a second `docparse up` on it is refused at once.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from devstack.lock import DataDirInUse, DataDirLock
from devstack.ports import HOST, http_status, port_is_free
from devstack.processes import STOP_TIMEOUT_S, spawn, stop_processes
from devstack.s3 import S3Server
from devstack.server import ServerError
from devstack.state import load_ports, save_ports
from devstack.temporal import TemporalDevServer


def _still_free(saved: Mapping[str, Any], avoid: set[int]) -> dict[str, int]:
    """The saved ports that can be reused: free now and not taken by another component."""
    out: dict[str, int] = {}
    for key, value in saved.items():
        if isinstance(value, int) and value not in avoid and port_is_free(value):
            out[key] = value
            avoid.add(value)
    return out


class _Stop(Exception):
    pass


def _wait_http_ok(
    port: int, path: str, timeout: float, watch: Mapping[str, subprocess.Popen]
) -> str | None:
    """None when GET path answers 200; else the reason (a child died / timeout)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for name, proc in watch.items():
            if proc.poll() is not None:
                return f"{name} exited with code {proc.returncode} during start-up"
        if http_status(port, path) == 200:
            return None
        time.sleep(0.2)
    return f"the API did not answer GET {path} on port {port} within {timeout:.0f}s"


def run_up(
    data_dir: Path,
    port: int,
    *,
    api_cmd: Sequence[str] | None = None,
    worker_cmd: Sequence[str] | None = None,
    ready_timeout: float = 120.0,
) -> int:
    """`docparse up`: the whole stack in the foreground until Ctrl-C / SIGTERM.

    Starts the Temporal dev server (with its Web UI) unless DOCPARSE_TEMPORAL_ADDRESS is set,
    `weed mini` unless DOCPARSE_S3_ENDPOINT is set, SQLite under data_dir unless
    DOCPARSE_DATABASE_URL is set; then the API and the worker as child processes.
    Returns 0 after a requested stop, non-zero when something failed or died.
    `api_cmd`/`worker_cmd` replace the child commands (tests).
    """
    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = DataDirLock(data_dir)
    try:
        lock.acquire()
    except DataDirInUse as e:
        _say(str(e))
        return 2
    try:
        return _run_locked(data_dir, port, lock, api_cmd=api_cmd, worker_cmd=worker_cmd,
                           ready_timeout=ready_timeout)
    finally:
        lock.release()  # after _run_locked stopped every process it started


def _say(msg: str) -> None:
    # The terminal may be gone (SIGHUP, a closed pipe): never let printing abort cleanup.
    with contextlib.suppress(OSError, ValueError):
        print(f"docparse up: {msg}", flush=True)


def _run_locked(
    data_dir: Path, port: int, lock: DataDirLock, *, api_cmd: Sequence[str] | None,
    worker_cmd: Sequence[str] | None, ready_timeout: float,
) -> int:
    from core.config import Settings

    keep = (lock.fd,) if lock.fd is not None else ()  # children hold the data dir lock too
    environ = os.environ
    own_temporal = not environ.get("DOCPARSE_TEMPORAL_ADDRESS")
    own_s3 = not environ.get("DOCPARSE_S3_ENDPOINT")

    if not port_is_free(port):
        _say(f"port {port} on {HOST} is already in use (another `docparse up`? use --port)")
        return 2

    stopping: dict[str, Any] = {"signal": None, "cleanup": False}

    def _on_signal(signum, _frame):
        if stopping["signal"] is None and not stopping["cleanup"]:
            stopping["signal"] = signum
            raise _Stop()

    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        with contextlib.suppress(ValueError):  # not in the main thread: leave handlers alone
            previous[sig] = signal.signal(sig, _on_signal)

    temporal: TemporalDevServer | None = None
    s3: S3Server | None = None
    children: dict[str, subprocess.Popen] = {}
    exit_code = 0
    try:
        saved = load_ports(data_dir)
        taken: set[int] = {port}
        ports_out: dict[str, dict[str, Any]] = dict(saved)

        if own_temporal:
            reuse = _still_free(saved.get("temporal", {}), taken)
            _say("starting the Temporal dev server ...")
            t0 = time.monotonic()
            temporal = TemporalDevServer()  # assigned first: a Ctrl-C mid-start still cleans up
            temporal.pass_fds = keep
            temporal.start(
                data_dir / "temporal",
                port=reuse.get("port"),
                ui_port=reuse.get("ui_port"),
                http_port=reuse.get("http_port"),
                metrics_port=reuse.get("metrics_port"),
            )
            taken.update(p for p in temporal.ports.values() if p)
            ports_out["temporal"] = {**temporal.ports, "address": temporal.address}
            _say(f"Temporal ready on {temporal.address} ({time.monotonic() - t0:.1f}s)")

        if own_s3:
            reuse = _still_free(saved.get("s3", {}), taken)
            if "admin" not in reuse or "admin_grpc" not in reuse:
                reuse.pop("admin", None)
                reuse.pop("admin_grpc", None)
            settings_now = Settings(data_dir=data_dir)
            _say("starting the S3 server (SeaweedFS) ...")
            t0 = time.monotonic()
            s3 = S3Server()
            s3.pass_fds = keep
            s3.start(
                data_dir / "s3",
                ports=reuse,
                access_key=environ.get("DOCPARSE_S3_ACCESS_KEY"),
                secret_key=environ.get("DOCPARSE_S3_SECRET_KEY"),
                buckets=[settings_now.s3_bucket],
            )
            ports_out["s3"] = dict(s3.ports)
            _say(f"S3 ready on {s3.endpoint} ({time.monotonic() - t0:.1f}s)")
        api_url = f"http://{HOST}:{port}"
        temporal_address = temporal.address if temporal else environ["DOCPARSE_TEMPORAL_ADDRESS"]
        # What `docparse extract/review/temporal --data-dir` look up (devstack.state).
        ports_out["api"] = {"port": port, "url": api_url}
        ports_out.setdefault("temporal", {})["address"] = temporal_address
        save_ports(data_dir, ports_out)

        overrides: dict[str, Any] = {"data_dir": data_dir}
        child_env = dict(environ)
        child_env["DOCPARSE_DATA_DIR"] = str(data_dir)
        if temporal is not None:
            overrides["temporal_address"] = temporal.address
            child_env["DOCPARSE_TEMPORAL_ADDRESS"] = temporal.address
        if s3 is not None:
            overrides.update(
                s3_endpoint=s3.endpoint, s3_access_key=s3.access_key, s3_secret_key=s3.secret_key,
                s3_secure=False,
            )  # fmt: skip
            child_env.update(
                DOCPARSE_S3_ENDPOINT=s3.endpoint,
                DOCPARSE_S3_ACCESS_KEY=s3.access_key,
                DOCPARSE_S3_SECRET_KEY=s3.secret_key,
                DOCPARSE_S3_SECURE="false",
            )
        settings = Settings(**overrides)
        if settings.database_url:
            child_env["DOCPARSE_DATABASE_URL"] = settings.database_url

        from core.accounts import ensure_dev_key

        dev_key = ensure_dev_key(settings)

        api = list(api_cmd or [sys.executable, "-m", "cli", "api", "--port", str(port)])
        worker = list(worker_cmd or [sys.executable, "-m", "cli", "worker"])
        _say("starting the API and the worker ...")
        # Children share the terminal for their logs; own sessions so Ctrl-C reaches us first.
        children["api"] = spawn(api, env=child_env, pass_fds=keep)
        children["worker"] = spawn(worker, env=child_env, pass_fds=keep)

        problem = _wait_http_ok(port, "/healthz", ready_timeout, children)
        if problem:
            _say(f"ERROR: {problem}; stopping everything")
            return 1

        lines = [
            ("API", api_url),
            ("API docs", f"{api_url}/docs"),
            ("Review page", f"{api_url}/review"),
            ("Temporal UI", temporal.ui_url if temporal else "(external Temporal: its own UI)"),
            ("Temporal gRPC", f"{temporal_address}  (namespace {settings.temporal_namespace})"),
            (
                "S3 endpoint",
                f"{s3.url}  (access key {s3.access_key}, secret in {s3.identity_file})"
                if s3
                else f"{settings.s3_endpoint} (external)",
            ),
            ("Database", "SQLite under the data dir" if not settings.database_url else "DOCPARSE_DATABASE_URL"),
            ("Data dir", str(data_dir)),
            ("Dev API key", dev_key),
        ]
        width = max(len(k) for k, _ in lines)
        bar = "=" * 72
        banner = [
            "",
            bar,
            "  docparse is running",
            *(f"  {k:<{width}}  {v}" for k, v in lines),
            f"  Try: curl -H 'Authorization: Bearer {dev_key}' {api_url}/v1/extractions",
            "  In another shell (docparse extract/review and the Python client read the first line,",
            f"  the Temporal CLI {Path(sys.executable).parent / 'temporal'} the second):",
            f"    export DOCPARSE_API_URL={api_url} DOCPARSE_API_KEY={dev_key}",
            f"    export TEMPORAL_ADDRESS={temporal_address} TEMPORAL_NAMESPACE={settings.temporal_namespace}",
            f"  or pass --data-dir {data_dir} to docparse extract, review and temporal.",
            "  Press Ctrl-C to stop.",
            bar,
            "",
        ]
        with contextlib.suppress(OSError, ValueError):
            print("\n".join(banner), flush=True)

        while True:
            for name, proc in children.items():
                if proc.poll() is not None:
                    _say(f"ERROR: the {name} process exited unexpectedly (code {proc.returncode}); stopping")
                    return 1
            for server in (temporal, s3):
                if server is not None and not server.is_running():
                    _say(f"ERROR: {server.name} exited unexpectedly; see {server.log_path}; stopping")
                    return 1
            time.sleep(0.5)
    except _Stop:
        exit_code = 0
    except ServerError as e:
        _say(f"ERROR: {e}")
        exit_code = 1
    finally:
        # From here on, further signals are ignored: the shutdown below is bounded anyway.
        stopping["cleanup"] = True
        for sig in previous:
            with contextlib.suppress(ValueError):
                signal.signal(sig, signal.SIG_IGN)
        if stopping["signal"] is not None:
            _say("stopping ...")
        stop_processes(children.values(), timeout=15)
        servers = [s for s in (temporal, s3) if s is not None]
        stop_processes([s.proc for s in servers], timeout=STOP_TIMEOUT_S)
        for s in servers:
            s.stop()  # reaps and cleans sockets (already stopped)
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)
        if stopping["signal"] is not None:
            _say("stopped")
    return exit_code
