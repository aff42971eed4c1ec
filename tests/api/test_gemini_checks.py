"""Creating an extraction where Gemini reads the files (api/services/gemini.py): a `model` Gemini
does not have is a 400 now, not a failed batch later; a schema over the Gemini caps
(core/limits.py) is a 400 naming the cap; without Gemini configured neither is checked."""

from __future__ import annotations

from core import limits

FIELDS = [{"key": "invoice_number", "type": "string"}]


def create(api, **body):
    return api.client().post("/v1/extractions", json={"name": "x", "fields": FIELDS, **body})


def test_a_model_gemini_does_not_have_is_refused_at_creation(make_api):
    api = make_api(gemini_api_key="k")
    r = create(api, model="gemini-2.5-flash")
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "unknown_model" and not body["retryable"]
    assert "model 'gemini-2.5-flash' cannot be used" in body["error"] and "404 NOT_FOUND" in body["error"]
    assert api.models.asked == ["gemini-2.5-flash"]


def test_a_model_gemini_has_is_accepted(make_api):
    api = make_api(gemini_api_key="k")
    r = create(api, model="gemini-3.5-flash-lite")
    assert r.status_code == 201 and r.json()["extraction"]["model"] == "gemini-3.5-flash-lite"


def test_no_model_named_no_lookup(make_api):
    api = make_api(gemini_api_key="k")
    assert create(api).status_code == 201 and api.models.asked == []


def test_gemini_unreachable_lets_the_extraction_through(make_api):
    api = make_api(gemini_api_key="k")
    api.models.down = True
    assert create(api, model="gemini-3.8-flash").status_code == 201  # the worker checks again


def test_a_schema_over_a_gemini_cap_is_refused_naming_it(make_api):
    api = make_api(gemini_api_key="k")
    values = [f"v{i}" for i in range(limits.GEMINI_MAX_ENUM_VALUES + 1)]
    r = create(api, fields=[{"key": "country", "type": "enum", "values": values}])
    assert r.status_code == 400 and r.json()["code"] == "invalid_request"
    assert f"field 'country' has {len(values)} enum values" in r.json()["error"]
    many = [{"key": f"f{i}", "type": "number"} for i in range(80)]
    r = create(api, fields=many)
    assert r.status_code == 400 and "properties" in r.json()["error"]


def test_without_gemini_nothing_gemini_is_checked(make_api):
    api = make_api(gemini_api_key=None)
    values = [f"v{i}" for i in range(limits.GEMINI_MAX_ENUM_VALUES + 1)]
    assert create(api, fields=[{"key": "country", "type": "enum", "values": values}]).status_code == 201
    assert create(api, model="gemini-2.5-flash").status_code == 201
    assert api.models.asked == []
