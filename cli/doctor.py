"""`docparse doctor`: an operator's live check of the Gemini setup, through the code path batches
use (the page made where pages are drawn, GeminiEngine's request and reading, GeminiTransport's
call and classification). One tiny real call: a 1-page PDF and a 2-field schema. It prints the
backend and model, the model that answered, the tokens, and whether structured output was
honoured (JSON matching the schema, with the values printed on the page). `--compare` reads a
3-page document both ways (each page drawn with its text layer beside it, and each page as a
one-page PDF) and prints the input tokens per page of each, from the service's usage_metadata.

Exit codes: 0 the check passed; 1 it failed (the reason is printed); 2 Gemini is not configured.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from cli.data_dir import DataDir, settings_for

SCHEMA = {"language": "en", "fields": [{"key": "invoice_number", "type": "string", "required": True},
                                       {"key": "total_amount", "type": "number"}]}
EXPECTED = {"invoice_number": "DOCTOR-1", "total_amount": 42.0}


def _document(pages: int) -> bytes:
    import pymupdf

    doc = pymupdf.open()
    for n in range(1, pages + 1):
        page = doc.new_page()
        lines = ["ACME Supplies Ltd, 1 Main Street", f"Invoice No: DOCTOR-{n}" if n == 1 else f"Page {n}",
                 "Date: 05.03.2026", "Widget, 2 x 21.00 = 42.00", "Total: 42.00"]
        for k, line in enumerate(lines):
            page.insert_text((72, 72 + 20 * k), line, fontsize=11)
    return doc.tobytes()


def _pages(pdf: bytes, page_input: str, settings) -> list:
    """(words, Blob) per page, made as prepare_document makes them."""
    from activities.model import page_blob
    from documents.pages import ModelPages, render_pages
    from extraction.pages import PageText

    with tempfile.TemporaryDirectory(prefix="docparse-doctor-") as tmp:
        path = Path(tmp) / "doctor.pdf"
        path.write_bytes(pdf)
        model = ModelPages(input=page_input, max_side=settings.model_image_max_side,
                           pdf_max_bytes=settings.model_page_pdf_max_bytes)
        import pymupdf

        with pymupdf.open(path) as doc:
            count = doc.page_count
        rendered = render_pages(path, kind="pdf", start=0, stop=count, dpi=settings.render_dpi, model=model)
    return [(PageText.model_validate_json(r.words_json or "{}"), page_blob(r.png or b"")) for r in rendered]


async def _call(settings, transport, page_input: str, pages: int):
    from core.schema import ExtractionSchema
    from extraction.engines.gemini import Chunk, GeminiEngine

    schema = ExtractionSchema.model_validate(SCHEMA)
    engine = GeminiEngine(settings.gemini_model)
    request = engine.request(schema, Chunk(first=1, last=pages, own_first=1, own_last=pages), pages,
                             _pages(_document(pages), page_input, settings))
    reply = await transport.send(settings.gemini_model, request)
    return reply, engine.read(schema, reply)


async def _doctor(settings, compare: bool, echo) -> int:
    from temporalio.exceptions import ApplicationError

    from activities.model import GeminiTransport, RequestTooLarge
    from core.gemini import ModelCatalog, ModelLookupFailed, ModelNotFound, describe

    echo(f"Gemini: {describe(settings)}, model {settings.gemini_model}, pages sent as {settings.model_page_input}")
    try:
        info = await ModelCatalog(settings).lookup(settings.gemini_model)
    except (ModelNotFound, ModelLookupFailed) as e:
        echo(f"model check: FAILED: {e}")
        return 1
    echo(f"model check: {info.name} exists (output limit {info.output_token_limit or 'not given'} tokens)")
    transport = GeminiTransport(settings)
    try:
        reply, reading = await _call(settings, transport, settings.model_page_input, 1)
    except (ApplicationError, RequestTooLarge) as e:
        echo(f"call: FAILED: {getattr(e, 'message', None) or e}")
        return 1
    echo(f"answered by: {reply.model_version or 'not said'} (finish reason {reply.finish_reason})")
    echo(f"tokens: input {reply.input_tokens}, output {reply.output_tokens} "
         f"({reply.thinking_tokens} of them thinking)")
    got = {k: (reading.data or {}).get(k) for k in EXPECTED}
    honoured = reading.data is not None
    echo(f"structured output honoured: {'yes' if honoured else 'no'} "
         f"({'JSON matching the schema: ' + repr(got) if honoured else reading.detail})")
    ok = honoured and got == EXPECTED
    if honoured and not ok:
        echo(f"values: expected {EXPECTED}, got {got}")
    if compare:
        echo("compare (3 pages, input tokens per page from usage_metadata):")
        for mode, label in (("images", "page images + text layer"), ("pdf", "one-page PDFs")):
            try:
                r, _ = await _call(settings, transport, mode, 3)
            except (ApplicationError, RequestTooLarge) as e:
                echo(f"  {label}: FAILED: {getattr(e, 'message', None) or e}")
                ok = False
                continue
            echo(f"  {label}: {r.input_tokens / 3:.0f} tokens per page ({r.input_tokens} in all)")
    echo("doctor: OK" if ok else "doctor: FAILED")
    return 0 if ok else 1


def doctor(
    compare: Annotated[bool, typer.Option("--compare", help="Also measure input tokens per page, page images "
                                                            "with their text layer against one-page PDFs.")] = False,
    data_dir: DataDir = None,
) -> None:
    """Check the Gemini setup with one tiny real call (a 1-page PDF, a 2-field schema)."""
    settings = settings_for(data_dir)
    if not settings.gemini_configured:
        typer.echo("Gemini: not configured: none of GOOGLE_API_KEY, GEMINI_API_KEY, DOCPARSE_GEMINI_API_KEY is set, "
                   "and DOCPARSE_GEMINI_BACKEND is not vertex. Files are read by the offline engine.")
        raise typer.Exit(2)
    raise typer.Exit(asyncio.run(_doctor(settings, compare, typer.echo)))
