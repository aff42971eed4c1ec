"""TCP ports on 127.0.0.1 for the local servers: pick free ones, probe what answers."""

from __future__ import annotations

import http.client
import random
import socket
import threading

HOST = "127.0.0.1"

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
    """A TCP port on 127.0.0.1 that is free now and not handed out before by this process.

    Free *now* only: another process may bind it before the caller does (see
    devstack.server.Server, which starts a server again on fresh ports when that happens)."""
    with _ports_lock:
        for _ in range(200):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind((HOST, 0))
                port = s.getsockname()[1]
            if port not in _handed_out:
                _handed_out.add(port)
                return port
    raise RuntimeError("could not find a free TCP port")


def free_port_with_partner(offset: int) -> int:
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


def tcp_accepts(port: int, timeout: float = 0.2) -> bool:
    """True when something accepts TCP connections on 127.0.0.1:port."""
    try:
        with socket.create_connection((HOST, port), timeout=timeout):
            return True
    except OSError:
        return False


def http_status(port: int, path: str = "/", timeout: float = 1.0) -> int | None:
    """The status of GET http://127.0.0.1:port/path, None when nothing answers HTTP."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()
