"""A reader's page image of an OCRed page is drawn turned as its words were read (the stored
words' rotation), so citations fall on the words; kept once the file is read, not before."""

from __future__ import annotations

import json

from core import storage
from tests.api.helpers import extraction, set_file, upload


def _page(api, caller, ext: str, file_id: str, n: int = 1):
    r = caller.get(f"/v1/extractions/{ext}/files/{file_id}/pages/{n}")
    assert r.status_code == 200, r.text
    return api.state.documents.drawn[-1]


def test_an_ocred_page_is_drawn_as_it_was_read(api):
    caller = api.client()
    ext = extraction(caller)
    batch, (file_id,) = upload(caller, ext, b"%PDF page page")
    set_file(api.state.db, file_id, status="processed")
    words = {"number": 1, "width": 842, "height": 595, "source": "ocr", "words": [], "rotation": -90.0}
    api.store.put_bytes(storage.page_words_key(batch, file_id, 1), json.dumps(words).encode())
    assert _page(api, caller, ext, file_id, 1) == (1, -90.0)
    assert _page(api, caller, ext, file_id, 2) == (2, 0.0)  # a text page: no words stored
    assert api.store.exists(storage.page_image_key(batch, file_id, 1))


def test_a_page_asked_for_while_the_file_is_read_is_not_kept(api):
    caller = api.client()
    ext = extraction(caller)
    batch, (file_id,) = upload(caller, ext)
    set_file(api.state.db, file_id, status="processing")
    assert _page(api, caller, ext, file_id) == (1, 0.0)
    assert not api.store.exists(storage.page_image_key(batch, file_id, 1))
