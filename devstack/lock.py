"""One `docparse up` per data dir: an exclusive lock on DATA_DIR/up.lock, taken before anything
starts. Two stacks on one data dir would run two Temporal servers on one database and two
SeaweedFS on one volume (SeaweedFS panics).

The lock is flock(2) on an open file: the kernel releases it when the last descriptor closes, so
it goes on exit and on a crash alike. `docparse up` hands the descriptor to the processes it starts
(`fd` in their `pass_fds`): a crashed `up`'s servers, which stop on their own a moment later
(they get SIGTERM when their parent dies), keep the data dir locked until they are gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from pathlib import Path

from core.processes import pid_alive

LOCK_FILE = "up.lock"


class DataDirInUse(RuntimeError):
    """Another `docparse up` (or what it started) holds the data dir."""


class DataDirLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / LOCK_FILE
        self.fd: int | None = None

    def acquire(self) -> None:
        """Take the lock at once or raise DataDirInUse saying who holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 64, 0).decode(errors="replace").strip()
            os.close(fd)
            raise DataDirInUse(self._message(holder)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd = fd

    def release(self) -> None:
        """Unlock (for every process holding the descriptor: call it once they are stopped)."""
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None

    def _message(self, holder: str) -> str:
        data_dir = self.path.parent
        advice = "stop it first (Ctrl-C in its terminal), or start this one with another --data-dir"
        if not holder.isdigit():
            return f"{data_dir} is in use by another `docparse up`; {advice}"
        pid = int(holder)
        if pid_alive(pid):
            return f"{data_dir} is in use by another `docparse up` (pid {pid}); {advice}"
        return (f"{data_dir} is still in use by processes that a `docparse up` (pid {pid}, no longer running) "
                "started (Temporal, SeaweedFS, the API or the worker); they stop within seconds of it: "
                f"try again, or stop them (`pgrep -af {data_dir}` lists them)")
