"""devstack/s3.py: a `docparse up` started again right after a crash finds the previous weed still
shutting down (its parent died: it got SIGTERM) on the same data dir and ports. The start waits for
it, and when it does not go, says which process to stop."""

from __future__ import annotations

import io
import os
import signal

import pytest

from devstack.s3 import S3Server
from devstack.server import ServerError


def test_a_start_right_after_a_crash_waits_for_the_previous_weed(tmp_path):
    first = S3Server.start(tmp_path / "s3", buckets=["docparse"])
    first.minio().put_object("docparse", "k", io.BytesIO(b"kept"), 4)
    old = first.proc
    os.kill(old.pid, signal.SIGTERM)  # as when `docparse up` dies: weed shuts down on its own time
    second = S3Server()
    try:
        second.start(tmp_path / "s3", ports=first.ports)  # the same ports, as `docparse up` keeps them
        assert old.poll() is not None
        assert second.minio().get_object("docparse", "k").read() == b"kept"
        assert "waiting up to 30s for it to exit" in (tmp_path / "s3" / "weed.log").read_text()
    finally:
        second.stop()
        old.wait()


def test_a_previous_weed_that_does_not_go_is_named(tmp_path):
    first = S3Server.start(tmp_path / "s3")
    os.kill(first.proc.pid, signal.SIGSTOP)  # hung
    second = S3Server()
    second.predecessor_wait_s = 1.0
    try:
        with pytest.raises(ServerError) as err:
            second.start(tmp_path / "s3", ports=first.ports)
        assert f"(pid {first.proc.pid}) still runs on {tmp_path / 's3'}" in str(err.value)
        assert f"stop it (kill {first.proc.pid}) and start again" in str(err.value)
    finally:
        os.kill(first.proc.pid, signal.SIGCONT)
        first.stop()
