"""Child processes of the local stack: find a binary, spawn one in its own session (it dies with
its parent), stop several at once, read the end of a log."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

STOP_TIMEOUT_S = 10.0


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
    pass_fds: Sequence[int] = (),
) -> subprocess.Popen:
    """Start a process in its own session; output appended to log_path (or inherited). pass_fds:
    descriptors the child keeps open (the data dir lock of `docparse up`)."""
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
            pass_fds=tuple(pass_fds),
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


def clean_env(extra: Mapping[str, str] | None = None, drop_prefixes: Sequence[str] = ()) -> dict[str, str]:
    """This process's environment without the variables starting with drop_prefixes, plus extra."""
    env = {k: v for k, v in os.environ.items() if not any(k.startswith(p) for p in drop_prefixes)}
    env.update(extra or {})
    return env


def log_tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file (for error messages)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
