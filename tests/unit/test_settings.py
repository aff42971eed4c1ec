from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.config import Settings


def test_dev_mode_runs_on_embedded_defaults(tmp_path):
    s = Settings(data_dir=tmp_path)
    assert s.sqlalchemy_url.startswith("sqlite:///") and s.temporal_address == "127.0.0.1:7233"


def test_production_refuses_default_credentials(monkeypatch, tmp_path):
    for k in list(__import__("os").environ):
        if k.startswith("DOCPARSE_"):
            monkeypatch.delenv(k)
    with pytest.raises(ValidationError) as err:
        Settings(mode="production", data_dir=tmp_path)
    for name in ("DOCPARSE_S3_SECRET_KEY", "DOCPARSE_DATABASE_URL", "DOCPARSE_TEMPORAL_ADDRESS"):
        assert name in str(err.value)
    ok = Settings(mode="production", data_dir=tmp_path, s3_access_key="app", s3_secret_key="s3cr3t-long",
                  database_url="postgresql://u:p@db/x", temporal_address="temporal:7233", s3_endpoint="minio:9000")
    assert ok.sqlalchemy_url == "postgresql+psycopg://u:p@db/x"


def test_gemini_key_from_either_variable(monkeypatch, tmp_path):
    monkeypatch.delenv("DOCPARSE_GEMINI_API_KEY", raising=False)
    monkeypatch.setenv("GEMINI_API_KEY", "g-key")
    assert Settings(data_dir=tmp_path).gemini_api_key == "g-key"
    monkeypatch.setenv("DOCPARSE_GEMINI_API_KEY", "d-key")
    assert Settings(data_dir=tmp_path).gemini_api_key == "d-key"
