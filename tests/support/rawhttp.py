"""Reading an HTTP answer off a raw socket, for tests that write requests by hand (to stream a
body the server should refuse before it ends)."""

from __future__ import annotations

import socket


def read_answer(sock: socket.socket, *, body: bool = False) -> bytes:
    """What the server sent until its headers end (and, with `body`, until its JSON body closes),
    or until it closes the connection."""
    answer = b""
    while b"\r\n\r\n" not in answer or (body and not answer.rstrip().endswith(b"}")):
        data = sock.recv(65536)
        if not data:
            break
        answer += data
    return answer
