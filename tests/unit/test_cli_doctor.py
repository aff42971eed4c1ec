"""`docparse doctor` against the strict fake service: the real code path (the page made as the
prepare step makes it, GeminiEngine, GeminiTransport), what it prints, and its exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.fake_gemini import FakeGemini

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def fake():
    server = FakeGemini(token_counts=True).start()
    yield server
    server.stop()


def doctor(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items()
             if not k.startswith("DOCPARSE_") and k not in ("GEMINI_API_KEY", "GOOGLE_API_KEY")}
    return subprocess.run([sys.executable, "-m", "cli", "doctor", *args], env={**clean, **env}, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_without_a_key_it_says_so(tmp_path):
    out = doctor("--data-dir", str(tmp_path))
    assert out.returncode == 2
    assert "Gemini: not configured" in out.stdout and "GOOGLE_API_KEY" in out.stdout


def test_with_a_key_one_tiny_call_and_what_answered(fake, tmp_path):
    out = doctor("--data-dir", str(tmp_path), GOOGLE_API_KEY="k", DOCPARSE_GEMINI_BASE_URL=fake.base_url)
    assert out.returncode == 0, out.stdout + out.stderr
    text = out.stdout
    assert "model check: gemini-3.8-flash exists (output limit 65536 tokens)" in text
    assert "answered by: gemini-3.8-flash (finish reason STOP)" in text
    assert re.search(r"tokens: input \d+, output 320 \(120 of them thinking\)", text)
    assert "structured output honoured: yes (JSON matching the schema: {'invoice_number': 'DOCTOR-1', 'total_amount': 42.0})" in text
    assert text.strip().endswith("doctor: OK")
    [call] = [c for c in fake.calls if "DOCTOR-1" in c.text][-1:]
    assert call.path == "/v1/models/gemini-3.8-flash:generateContent" and call.blobs()[0][0] == "application/pdf"


def test_compare_measures_tokens_per_page_both_ways(fake, tmp_path):
    out = doctor("--compare", "--data-dir", str(tmp_path), GEMINI_API_KEY="k", DOCPARSE_GEMINI_BASE_URL=fake.base_url)
    assert out.returncode == 0, out.stdout + out.stderr
    images = int(re.search(r"page images \+ text layer: (\d+) tokens per page", out.stdout).group(1))
    pdfs = int(re.search(r"one-page PDFs: (\d+) tokens per page", out.stdout).group(1))
    assert pdfs < images  # the fake's accounting: 560 per PDF page, text layer free; 1120 per image + text


def test_an_unknown_model_fails_the_check(fake, tmp_path):
    out = doctor("--data-dir", str(tmp_path), DOCPARSE_GEMINI_API_KEY="k", DOCPARSE_GEMINI_BASE_URL=fake.base_url,
                 DOCPARSE_GEMINI_MODEL="gemini-2.0-pro-exp")
    assert out.returncode == 1
    assert "model check: FAILED: Gemini has no model 'gemini-2.0-pro-exp'" in out.stdout


def test_an_api_version_the_service_does_not_serve_fails_the_call(fake, tmp_path):
    out = doctor("--data-dir", str(tmp_path), DOCPARSE_GEMINI_API_KEY="k", DOCPARSE_GEMINI_BASE_URL=fake.base_url,
                 DOCPARSE_GEMINI_API_VERSION="v1beta")
    assert out.returncode == 1 and "FAILED" in out.stdout


def test_a_refused_key_fails_the_check_with_the_reason(fake, tmp_path):
    out = doctor("--data-dir", str(tmp_path), GOOGLE_API_KEY="revoked-key", DOCPARSE_GEMINI_BASE_URL=fake.base_url)
    assert out.returncode == 1, out.stdout + out.stderr
    assert "FAILED" in out.stdout and "API key not valid" in out.stdout
    assert "revoked-key" not in out.stdout + out.stderr
