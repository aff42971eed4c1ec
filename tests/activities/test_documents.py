"""activities/documents.py and pages.py under ActivityEnvironment: a real DocumentService (one
page process) on generated PDFs, an in-memory object store (tests/support/fakes.py MemoryStore).

- a retried prepare_document resumes after the heartbeat details' page: the pages before it are
  read back from the store, not read again; heartbeats report progress;
- the original gone from the store -> FileGone; a damaged document -> DocumentRejected, both
  non-retryable;
- purge_file deletes the file's objects only.
"""

from __future__ import annotations

import asyncio
import dataclasses

import pymupdf
import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.documents import DocumentActivities
from activities.pages import PAGES_PER_CALL, PageReader
from core import storage
from core.config import Settings
from core.schema import ExtractionSchema
from documents.service import DocumentService
from extraction.pages import PageText, Word
from extraction.result import FinalResult
from tests.support import damaged
from tests.support.fakes import FixedCatalog, MemoryStore
from tests.support.invoices import make_invoice, make_text_pdf
from workflows.contracts import ErrorType
from workflows.models import FileInput, FileRef, PrepareTask

PAGES = 12  # one call of PAGES_PER_CALL pages, then the rest
SCHEMA = ExtractionSchema(fields=[{"key": "invoice_number", "type": "string"}, {"key": "total_amount", "type": "number"}])
B, F = "btc_1", "fil_1"


@pytest.fixture(scope="module")
def settings(tmp_path_factory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("data"))


@pytest.fixture(scope="module")
def service(settings):
    documents = DocumentService(settings, processes=1)
    yield documents
    documents.shutdown()


class SpyDocuments:
    """The real document service, recording which pages each call read."""

    def __init__(self, service: DocumentService):
        self.service = service
        self.opened: list[int] = []  # first_pages of each open()
        self.read: list[tuple[int, int]] = []  # (start, stop) of each read_pages()

    async def open(self, path, name, *, first_pages, **kw):
        self.opened.append(first_pages)
        return await self.service.open(path, name, first_pages=first_pages, **kw)

    async def read_pages(self, path, *, start, stop, **kw):
        self.read.append((start, stop))
        return await self.service.read_pages(path, start=start, stop=stop, **kw)

    def __getattr__(self, name):
        return getattr(self.service, name)


@pytest.fixture(scope="module")
def invoice() -> bytes:
    data, _ = make_invoice(seed=7, n_items=2 * PAGES, pages=PAGES)
    with pymupdf.open(stream=data, filetype="pdf") as doc:
        assert doc.page_count == PAGES
    return data


def file_input(name: str = "invoice.pdf", pages: int = PAGES) -> FileInput:
    return FileInput(file_id=F, file_name=name, object_key=storage.original_key(B, F), kind="pdf", page_count=pages)


def task(model: str | None = None, **file) -> PrepareTask:
    return PrepareTask(batch_id=B, extraction_id="ext_1", file_id=F, file=file_input(**file), model=model)


def marker(n: int) -> str:
    """Words an earlier attempt stored for page n: no such words are on the page."""
    return PageText(number=n, width=595, height=842, source="ocr",
                    words=[Word(text=f"MARKER-{n}", x0=50, y0=50, x1=120, y1=60)]).model_dump_json()


def store_with(original: bytes, stored_pages: range | list[int] = ()) -> MemoryStore:
    store = MemoryStore()
    store.put_bytes(storage.original_key(B, F), original)
    for n in stored_pages:
        store.put_bytes(storage.page_words_key(B, F, n), marker(n).encode())
    return store


def retried(details: list) -> tuple[ActivityEnvironment, list[list]]:
    """An activity environment for an attempt after one that heartbeat `details`."""
    env, beats = ActivityEnvironment(), []
    env.info = dataclasses.replace(env.info, attempt=2, heartbeat_details=details)
    env.on_heartbeat = lambda *d: beats.append(list(d))
    return env, beats


def words_of(store: MemoryStore, n: int) -> list[str]:
    return [w.text for w in PageText.model_validate_json(store.get_bytes(storage.page_words_key(B, F, n))).words]


# -- resuming after a retry -----------------------------------------------------------------------

async def test_read_pages_resumes_with_the_stored_pages(service, invoice, tmp_path):
    store, spy = store_with(invoice, range(1, PAGES_PER_CALL + 1)), SpyDocuments(service)
    path = tmp_path / "original"
    path.write_bytes(invoice)
    progress = [PAGES_PER_CALL]
    pages = await PageReader(store, spy).read_pages(
        path, batch_id=B, file_id=F, kind="pdf", page_count=PAGES, language="auto", images=True,
        store_all_words=True, resume_at=PAGES_PER_CALL, progress=progress,
    )

    assert pages[:PAGES_PER_CALL] == [marker(n) for n in range(1, PAGES_PER_CALL + 1)]  # read back
    fresh = [PageText.model_validate_json(p) for p in pages[PAGES_PER_CALL:]]
    assert [p.number for p in fresh] == list(range(PAGES_PER_CALL + 1, PAGES + 1))
    assert all(p.words and not any(w.text.startswith("MARKER") for w in p.words) for p in fresh)
    assert spy.read == [(PAGES_PER_CALL, PAGES)]  # only the pages after the resume point
    assert progress == [PAGES]
    assert [k.rsplit("/", 1)[1] for k in store.keys(f"files/{B}/{F}/model/")] == [  # the pages as the model reads them
        f"{n:04d}" for n in range(PAGES_PER_CALL + 1, PAGES + 1)]
    assert store.get_bytes(storage.model_page_key(B, F, PAGES)).startswith(b"%PDF")  # a one-page PDF


async def test_prepare_document_for_the_model_resumes_after_the_heartbeat_details(service, settings, invoice):
    store, spy = store_with(invoice, range(1, PAGES_PER_CALL + 1)), SpyDocuments(service)
    acts = DocumentActivities(settings, store, spy, FixedCatalog(SCHEMA))
    env, beats = retried([PAGES_PER_CALL])
    prepared = await env.run(acts.prepare_document, task(model="gemini-2.5-flash"))

    assert (prepared.kind, prepared.page_count, prepared.outcome) == ("pdf", PAGES, None)  # the model reads it
    assert spy.opened == [0]  # a resumed attempt reads no first pages when opening
    assert spy.read == [(PAGES_PER_CALL, PAGES)]
    for n in range(1, PAGES_PER_CALL + 1):  # read back, not written again
        assert storage.page_words_key(B, F, n) in store.reads
        assert words_of(store, n) == [f"MARKER-{n}"]
    for n in range(PAGES_PER_CALL + 1, PAGES + 1):  # the model finds every page's words and the page
        assert words_of(store, n) and not words_of(store, n)[0].startswith("MARKER")
        assert store.get_bytes(storage.model_page_key(B, F, n)).startswith(b"%PDF")  # as a one-page PDF
    assert beats and beats[0] == [PAGES_PER_CALL]  # the first heartbeat keeps the resume point


async def test_prepare_document_offline_heartbeats_its_progress(service, settings, invoice, monkeypatch):
    monkeypatch.setattr("activities.heartbeat.INTERVAL_S", 0.01)
    store, spy = store_with(invoice, range(1, PAGES_PER_CALL + 1)), SpyDocuments(service)
    acts = DocumentActivities(settings, store, spy, FixedCatalog(SCHEMA))
    env, beats = retried([PAGES_PER_CALL])
    prepared = await env.run(acts.prepare_document, task())

    assert spy.read == [(PAGES_PER_CALL, PAGES)]
    assert beats[0] == [PAGES_PER_CALL] and [PAGES] in beats  # then the pages done, for the next retry
    assert all(b in ([PAGES_PER_CALL], [PAGES]) for b in beats)
    final = FinalResult.model_validate_json(store.get_bytes(prepared.outcome.result_key))
    assert prepared.outcome.result_key == storage.result_key(B, F) and final.engine == "offline"
    assert not store.keys(f"files/{B}/{F}/pages/") and not store.keys(f"files/{B}/{F}/model/")  # the offline
    # engine needs no page images


async def test_a_call_not_wholly_stored_is_read_again(service, settings, invoice):
    stored = [n for n in range(1, PAGES_PER_CALL + 1) if n != 5]  # page 5's words never got stored
    store, spy = store_with(invoice, stored), SpyDocuments(service)
    acts = DocumentActivities(settings, store, spy, FixedCatalog(SCHEMA))
    env, _ = retried([PAGES_PER_CALL])
    await env.run(acts.prepare_document, task(model="gemini-2.5-flash"))

    assert spy.read == [(0, PAGES_PER_CALL), (PAGES_PER_CALL, PAGES)]
    assert all(not words_of(store, n)[0].startswith("MARKER") for n in range(1, PAGES + 1))


async def test_a_first_attempt_reads_the_first_pages_when_opening(service, settings, invoice):
    store, spy = store_with(invoice), SpyDocuments(service)
    acts = DocumentActivities(settings, store, spy, FixedCatalog(SCHEMA))
    beats: list[list] = []
    env = ActivityEnvironment()
    env.on_heartbeat = lambda *d: beats.append(list(d))
    prepared = await env.run(acts.prepare_document, task(model="gemini-2.5-flash"))

    assert prepared.page_count == PAGES
    assert spy.opened == [PAGES_PER_CALL] and spy.read == [(PAGES_PER_CALL, PAGES)]
    assert len(store.keys(f"files/{B}/{F}/words/")) == len(store.keys(f"files/{B}/{F}/model/")) == PAGES
    assert beats[0] == [0]  # nothing done yet


# -- what no retry can fix ------------------------------------------------------------------------

async def test_the_original_deleted_from_the_store_means_the_file_is_gone(service, settings):
    store = MemoryStore()  # the file's prefix was purged before the activity ran
    acts = DocumentActivities(settings, store, service, FixedCatalog(SCHEMA))
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(acts.prepare_document, task())
    assert (err.value.type, err.value.non_retryable) == (ErrorType.FILE_GONE, True)
    assert F in err.value.message


@pytest.mark.parametrize("data,words", [
    (b"%PDF-1.7\n" + bytes(range(256)) * 40, "cannot be opened as PDF"),
    (b"", "is empty"),
    (b"<html><body>not a pdf</body></html>", "not a supported document type"),
    # PyMuPDF's own error from the page process: it used to come back unpicklable (a TypeError,
    # judged transient) and was retried for two hours
    (damaged.pdf_page_tree_loop(), "cycle in page tree"),
], ids=["garbage-after-header", "empty", "html", "page-tree-loop"])
async def test_a_damaged_document_is_rejected_with_its_name(service, settings, data, words):
    acts = DocumentActivities(settings, store_with(data), service, FixedCatalog(SCHEMA))
    with pytest.raises(ApplicationError) as err:
        await ActivityEnvironment().run(acts.prepare_document, task(name="scan 0042.pdf", pages=1))
    assert (err.value.type, err.value.non_retryable) == (ErrorType.DOCUMENT_REJECTED, True)
    assert "'scan 0042.pdf'" in err.value.message and words in err.value.message


async def test_purge_file_deletes_the_files_objects_only(service, settings):
    store = store_with(make_text_pdf("hello"), [1])
    other = storage.original_key(B, "fil_2")
    store.put_bytes(other, b"another file")
    acts = DocumentActivities(settings, store, service, FixedCatalog(SCHEMA))
    await ActivityEnvironment().run(acts.purge_file, FileRef(batch_id=B, file_id=F))
    assert store.keys() == [other]


async def test_a_cancelled_prepare_document_stops_at_the_page_chunk_in_hand(service, settings, invoice):
    """The file was deleted (the workflow cancels the activity): no page after the chunk being read."""
    env = ActivityEnvironment()

    class CancelledWhileReading(SpyDocuments):
        async def read_pages(self, path, *, start, stop, **kw):
            if start == PAGES_PER_CALL:  # the second call: the deletion arrives meanwhile
                env.cancel()
            return await super().read_pages(path, start=start, stop=stop, **kw)

    store, spy = store_with(invoice), CancelledWhileReading(service)
    acts = DocumentActivities(settings, store, spy, FixedCatalog(SCHEMA))
    with pytest.raises(asyncio.CancelledError):
        await env.run(acts.prepare_document, task(model="gemini-2.5-flash"))

    assert spy.read == [(PAGES_PER_CALL, PAGES)]  # the first chunk read when opening, the second begun
    assert not store.keys(storage.result_key(B, F))
    assert not store.exists(storage.model_page_key(B, F, PAGES))  # nothing of the chunk it was reading
