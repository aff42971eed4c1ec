"""The Vertex AI backend through the real API, workflow and worker: application-default credentials
from a service-account file (GOOGLE_APPLICATION_CREDENTIALS, as on GCP), its token fetched from the
fake's OAuth endpoint, every call on Vertex AI's URL shape with that bearer token, no API key sent
(though a stray GOOGLE_API_KEY is in the environment)."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.conftest import make_stack
from tests.e2e.test_gemini import SCHEMA, run, scenario_pdf
from tests.support.fake_gemini import FakeGemini

PROJECT, LOCATION = "acme-prod", "europe-west4"


@pytest.fixture(scope="module")
def fake():
    server = FakeGemini().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def service_account(tmp_path_factory, fake):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    path = tmp_path_factory.mktemp("adc") / "service-account.json"
    path.write_text(json.dumps({
        "type": "service_account", "project_id": PROJECT, "private_key_id": "k1", "private_key": pem,
        "client_email": f"docparse@{PROJECT}.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": f"{fake.base_url}/token",
    }))
    return path


@pytest.fixture(scope="module")
def vstack(request, temporal_server, s3_server, tmp_path_factory, fake, service_account):
    s = make_stack(
        request, temporal_server, s3_server, tmp_path_factory, "sqlite",
        DOCPARSE_GEMINI_BACKEND="vertex", DOCPARSE_GEMINI_VERTEX_PROJECT=PROJECT,
        DOCPARSE_GEMINI_VERTEX_LOCATION=LOCATION, DOCPARSE_GEMINI_BASE_URL=fake.base_url,
        GOOGLE_APPLICATION_CREDENTIALS=str(service_account), GOOGLE_API_KEY="a-stray-developer-key",
    ).start()
    yield s
    s.stop()


def test_a_batch_read_on_vertex_ai_with_application_default_credentials(vstack, fake):
    http = vstack.client(vstack.create_key(name="vertex"))
    ext = http.post("/v1/extractions", json=SCHEMA).json()["extraction"]["id"]
    pdf, codes = scenario_pdf("VERTEX", pages=1)
    got = run(vstack, (http, ext), {"v.pdf": pdf})["v.pdf"]
    assert got["file"]["status"] == "processed", got["file"]
    assert got["result"]["model_used"] == "gemini-3.8-flash"
    assert [i["description"] for i in got["result"]["result"]["line_items"]] == [f"Item {c}" for c in codes]
    [call] = fake.calls_for("VERTEX")
    assert call.path == (f"/v1/projects/{PROJECT}/locations/{LOCATION}/publishers/google/models/"
                         "gemini-3.8-flash:generateContent")
    token = call.headers["Authorization"].removeprefix("Bearer ")
    assert token in fake.tokens  # issued to the service account by the token endpoint
    assert "x-goog-api-key" not in {k.lower() for k in call.headers}
    assert any(c.path == "/token" for c in fake.lookups)
    # the worker checked the model at start, on Vertex AI's models path
    assert any(c.path == "/v1/publishers/google/models/gemini-3.8-flash" for c in fake.lookups)
