"""What the local servers share: the `Server` lifecycle (start, stop, kill, restart), its errors,
and starting again on fresh ports when a port picked for a server was taken before it bound it."""

from __future__ import annotations

import abc
import contextlib
import re
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from devstack.processes import STOP_TIMEOUT_S, log_tail, spawn, stop_processes

START_TIMEOUT_S = 60.0
START_ATTEMPTS = 3  # launches in all when picked ports keep being taken

# How the binaries say a port is taken: Go's net.Listen, and weed mini's own check of its ports.
_BUSY_PORT = (
    re.compile(r":(\d+): bind: address already in use"),
    re.compile(r"port (\d+) for [^\n]*?is not available on \S+ and cannot be used"),
)


class ServerError(RuntimeError):
    """A server did not start (or not in time); the message ends with the last lines of its log."""


class ServerExited(ServerError):
    """The server process exited during start-up; `output` is what it logged since it was launched."""

    def __init__(self, message: str, output: str) -> None:
        super().__init__(message)
        self.output = output


def busy_ports(output: str) -> set[int] | None:
    """The ports a server's log says were taken; None when it says no address was in use
    (an empty set: one was, the log does not say which)."""
    found = {int(m) for pattern in _BUSY_PORT for m in pattern.findall(output)}
    if found or "address already in use" in output:
        return found
    return None


class Server(abc.ABC):
    """Shared lifecycle: `start()` (also callable on the class), `stop()`, `kill()`, `restart()`.

    A subclass has its ports in `ports` (name -> port), the ones its caller asked for in
    `asked_ports`, and implements `_choose_ports()` (pick the others) and `_launch()`.
    """

    name = "server"
    proc: subprocess.Popen | None = None
    log_path: Path
    pass_fds: tuple[int, ...] = ()  # descriptors the server process keeps (the data dir lock)

    if TYPE_CHECKING:  # each subclass has its own: an attribute or a property
        @property
        def ports(self) -> Mapping[str, int | None]: ...

    def __init__(self) -> None:
        self.proc = None
        self.asked_ports: dict[str, int] = {}
        self._log_offset = 0

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

    def _after_exit(self) -> None:  # noqa: B027 - an optional hook, not an abstract step
        pass

    @abc.abstractmethod
    def _choose_ports(self) -> None:
        """Pick a free port for every port the caller did not ask for (again: fresh ones)."""

    @abc.abstractmethod
    def _launch(self, timeout: float) -> None:
        """Start the process and wait until it serves (each server kind knows how)."""

    def _start(self, timeout: float) -> None:
        """Choose the ports and launch. Ports are picked free, but another process may bind one
        before the server does, which then exits at start-up: in that case launch again on fresh
        ports, up to START_ATTEMPTS launches in all. A port the caller asked for never moves:
        when it is the taken one, the ServerError is raised at once."""
        self._choose_ports()
        for attempt in range(1, START_ATTEMPTS + 1):
            try:
                self._launch(timeout)
                return
            except ServerExited as e:
                busy = busy_ports(e.output)
                if attempt == START_ATTEMPTS or not self._may_move(busy):
                    raise
                self.stop(timeout=3)  # reaps the exited process and cleans up after it
                taken = f"port {', '.join(map(str, sorted(busy)))}" if busy else "a port"
                self._note(f"{taken} was taken before {self.name} could bind it; "
                           f"starting again on fresh ports (attempt {attempt + 1} of {START_ATTEMPTS})")
                self._choose_ports()

    def _may_move(self, busy: set[int] | None) -> bool:
        """Whether fresh ports can help: a port was taken and it is not one the caller asked for."""
        if busy is None:
            return False
        asked = set(self.asked_ports.values())
        chosen = {p for p in self.ports.values() if p and p not in asked}
        return bool(chosen) and (not busy or bool(busy & chosen))

    def _note(self, line: str) -> None:
        with contextlib.suppress(OSError), open(self.log_path, "a") as f:
            f.write(f"docparse: {line}\n")

    def _spawn(self, cmd: Sequence[str], *, env: Mapping[str, str], cwd: Path) -> subprocess.Popen:
        """Start the server process, its output appended to log_path (what it logs from here on is
        what `ServerExited.output` holds)."""
        try:
            self._log_offset = self.log_path.stat().st_size
        except OSError:
            self._log_offset = 0
        return spawn(cmd, env=env, log_path=self.log_path, cwd=cwd, pass_fds=self.pass_fds)

    def _launch_output(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_offset)
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def _check_alive(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            code = None if self.proc is None else self.proc.returncode
            raise ServerExited(
                f"{self.name} exited during start-up (exit code {code}); "
                f"last lines of {self.log_path}:\n{log_tail(self.log_path)}",
                self._launch_output(),
            )

    def _fail_start(self, message: str) -> None:
        self.stop(timeout=3)
        raise ServerError(f"{message}; last lines of {self.log_path}:\n{log_tail(self.log_path)}")


class class_or_instance:
    """Method decorator: `Server.start(...)` creates an instance and starts it, `server.start(...)`
    starts that one."""

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
