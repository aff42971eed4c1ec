"""Other processes on this machine, as the API's and `docparse up`'s housekeeping sees them."""

from __future__ import annotations

import os


def pid_alive(pid: int) -> bool:
    """A process with this id runs (someone else's counts: it cannot be signalled, but it is there)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
