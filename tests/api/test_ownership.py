"""Another account's extraction, batch or file answers 404 on every route, as an unknown id does:
existence is never revealed (deps.Owned*)."""

from __future__ import annotations

import pytest

from tests.api.helpers import error, extraction, set_file, upload


@pytest.fixture
def world(api):
    owner = api.client(name="owner")
    ext = extraction(owner)
    batch, (file_id,) = upload(owner, ext)
    set_file(api.state.db, file_id, status="needs_review", result={"invoice_number": "A-1"})
    return owner, ext, batch, file_id


def routes(ext: str, batch: str, file_id: str) -> list[tuple[str, str, dict]]:
    return [
        ("GET", f"/v1/extractions/{ext}", {}),
        ("GET", f"/v1/extractions/{ext}/batches", {}),
        ("POST", f"/v1/extractions/{ext}/batches", {"files": [("files", ("a.pdf", b"%PDF page", "application/pdf"))]}),
        ("GET", f"/v1/extractions/{ext}/batches/{batch}", {}),
        ("GET", f"/v1/extractions/{ext}/batches/{batch}/results", {}),
        ("GET", f"/v1/extractions/{ext}/reviews", {}),
        ("GET", f"/v1/extractions/{ext}/files/{file_id}", {}),
        ("GET", f"/v1/extractions/{ext}/files/{file_id}/result", {}),
        ("GET", f"/v1/extractions/{ext}/files/{file_id}/review", {}),
        ("POST", f"/v1/extractions/{ext}/files/{file_id}/review", {"json": {"action": "approve", "revision": 1}}),
        ("GET", f"/v1/extractions/{ext}/files/{file_id}/pages/1", {}),
        ("DELETE", f"/v1/extractions/{ext}/files/{file_id}", {}),
        ("DELETE", f"/v1/extractions/{ext}/batches/{batch}", {}),
        ("DELETE", f"/v1/extractions/{ext}", {}),
    ]


def test_another_accounts_objects_are_404_on_every_route(api, world):
    owner, ext, batch, file_id = world
    intruder = api.client(name="intruder")
    for method, url, kw in routes(ext, batch, file_id):
        assert "not found" in error(intruder.request(method, url, **kw), 404, "not_found"), url
    assert intruder.get("/v1/extractions").json()["extractions"] == []
    assert intruder.get("/v1/reviews").json()["files"] == []
    # nothing reached the workflow or the store on the intruder's behalf
    assert api.temporal.updates == [] and api.temporal.signals == [] and len(api.temporal.started) == 1
    assert owner.get(f"/v1/extractions/{ext}/files/{file_id}/review").status_code == 200
    assert any(file_id in k for k in api.store.objects)  # the deletes removed nothing


def test_the_answer_is_the_same_as_for_an_unknown_id(api, world):
    owner, ext, batch, file_id = world
    intruder = api.client(name="intruder")
    theirs = intruder.get(f"/v1/extractions/{ext}/batches/{batch}").json()
    unknown = owner.get(f"/v1/extractions/{ext}/batches/btc_nope").json()
    assert theirs == {**unknown, "error": unknown["error"].replace("btc_nope", batch)}


def test_ids_must_belong_together(api, world):
    """The owner's file under the owner's other extraction is not found either."""
    owner, ext, batch, file_id = world
    other_ext = extraction(owner, name="other")
    error(owner.get(f"/v1/extractions/{other_ext}/files/{file_id}/result"), 404, "not_found")
    error(owner.get(f"/v1/extractions/{other_ext}/batches/{batch}"), 404, "not_found")


def test_a_deleted_file_is_not_found(api, world):
    owner, ext, _, file_id = world
    assert owner.delete(f"/v1/extractions/{ext}/files/{file_id}").status_code == 204
    assert api.temporal.signals and api.temporal.signals[0][1][1] == file_id  # the workflow was told
    assert not any(file_id in k for k in api.store.objects)  # its objects are gone
    for method, url, kw in routes(ext, "btc_x", file_id):
        if file_id in url:
            error(owner.request(method, url, **kw), 404, "not_found")
