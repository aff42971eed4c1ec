"""`docparse keys create/list/revoke` against a data dir, as a user runs them."""

from __future__ import annotations

import os

from typer.testing import CliRunner

from cli.main import app
from core.accounts import find_key
from core.config import Settings
from core.db import init_db, session_scope


class Ran:
    def __init__(self, returncode: int, stdout: str, stderr: str):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def docparse(*args: str) -> Ran:
    """The command in process (the console script's app; starting an interpreter per call cost ~1 s),
    with no DOCPARSE_ setting of the environment."""
    unset: dict[str, str | None] = {k: None for k in os.environ if k.startswith("DOCPARSE_")}
    res = CliRunner().invoke(app, list(args), env=unset)
    return Ran(res.exit_code, res.stdout, res.stderr)


def test_create_list_revoke(tmp_path):
    made = docparse("keys", "create", "--name", "acme", "--pages", "42", "--data-dir", str(tmp_path))
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip().splitlines()[-1]
    assert key.startswith("dp_") and len(key) > 30

    listed = docparse("keys", "list", "--data-dir", str(tmp_path)).stdout
    row = next(line for line in listed.splitlines() if "acme" in line)
    assert key[:10] in row and " 42 " in row and row.rstrip().endswith("no")
    assert key not in listed  # only the prefix is ever shown

    with session_scope(init_db(Settings(data_dir=tmp_path, database_url=None))) as s:
        key_id = find_key(s, key).id
    # revoke by id, or by the key itself
    assert docparse("keys", "revoke", key_id, "--data-dir", str(tmp_path)).returncode == 0
    listed = docparse("keys", "list", "--data-dir", str(tmp_path)).stdout
    assert not next(line for line in listed.splitlines() if "acme" in line).rstrip().endswith("no")

    second = docparse("keys", "create", "--name", "two", "--data-dir", str(tmp_path)).stdout.strip().splitlines()[-1]
    assert docparse("keys", "revoke", second, "--data-dir", str(tmp_path)).returncode == 0
    assert docparse("keys", "revoke", "key_unknown", "--data-dir", str(tmp_path)).returncode == 2
