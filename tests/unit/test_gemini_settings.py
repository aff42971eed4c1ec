"""The Gemini settings (core/config.py): keys under every name the SDK knows, the backends, the
pinned API version, the default model."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from core.config import Settings

KEY_NAMES = ("DOCPARSE_GEMINI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")


@pytest.fixture
def clean(monkeypatch):
    for name in KEY_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("name", KEY_NAMES)
def test_a_key_under_any_of_its_names_configures_gemini(clean, tmp_path, name):
    assert not Settings(data_dir=tmp_path).gemini_configured
    clean.setenv(name, "k-" + name)
    s = Settings(data_dir=tmp_path)
    assert s.gemini_api_key == "k-" + name and s.gemini_configured


def test_docparse_own_name_wins(clean, tmp_path):
    clean.setenv("GOOGLE_API_KEY", "google")
    clean.setenv("DOCPARSE_GEMINI_API_KEY", "ours")
    assert Settings(data_dir=tmp_path).gemini_api_key == "ours"


def test_vertex_ai_needs_a_project_and_no_key(clean, tmp_path):
    with pytest.raises(ValidationError, match="DOCPARSE_GEMINI_VERTEX_PROJECT"):
        Settings(data_dir=tmp_path, gemini_backend="vertex")
    s = Settings(data_dir=tmp_path, gemini_backend="vertex", gemini_vertex_project="acme")
    assert s.gemini_configured and s.gemini_vertex_location == "global"


def test_the_defaults_a_current_model_on_a_pinned_version(clean, tmp_path):
    s = Settings(data_dir=tmp_path)
    assert s.gemini_model == "gemini-3.8-flash" and s.gemini_api_version == "v1"
    assert (s.gemini_backend, s.model_page_input, s.model_image_max_side) == ("developer", "pdf", 3072)
