"""api/uploads.py clean_upload_leftovers, which the API runs at start: the upload folders of API
processes that are gone (killed mid-upload) are removed; a live process's stay."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from api.uploads import UPLOAD_DIR_PREFIX, clean_upload_leftovers, upload_tmpdir


def folder(root, name: str, *, age_s: float = 0):
    path = root / name
    path.mkdir()
    (path / "part-0").write_bytes(b"x" * 1000)
    if age_s:
        old = time.time() - age_s
        os.utime(path, (old, old))
    return path


def test_folders_of_processes_that_are_gone_are_removed(tmp_path):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(gone.stdout)
    other_api = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = folder(tmp_path, f"{UPLOAD_DIR_PREFIX}{dead_pid}-k1ll3d")
        live = folder(tmp_path, f"{UPLOAD_DIR_PREFIX}{other_api.pid}-busy")  # another API process, uploading
        old_style = folder(tmp_path, f"{UPLOAD_DIR_PREFIX}a8x0q2", age_s=7200)  # before the pid was in the name
        recent_old_style = folder(tmp_path, f"{UPLOAD_DIR_PREFIX}b7y1r3")
        other = folder(tmp_path, "docparse-page-zz")

        assert clean_upload_leftovers(tmp_path) == 2
        assert not dead.exists() and not old_style.exists()
        assert live.exists() and recent_old_style.exists() and other.exists()
    finally:
        other_api.kill()
        other_api.wait()


def test_a_predecessor_that_had_this_processs_pid_leaves_no_folder(tmp_path):
    """A container's API is pid 1 after every restart, and its /tmp survives the restart: a folder
    named with this process's pid, found while it starts, was left by the process before it."""
    leftover = folder(tmp_path, f"{UPLOAD_DIR_PREFIX}{os.getpid()}-0ld")

    assert clean_upload_leftovers(tmp_path) == 1
    assert not leftover.exists()


def test_upload_folders_carry_their_owners_pid():
    with upload_tmpdir() as tmp:
        assert os.path.basename(tmp).startswith(f"{UPLOAD_DIR_PREFIX}{os.getpid()}-")
