"""Activity names: the workflow calls activities by name, so it never imports their I/O code."""

# the current path (patch `ids-not-copies`): payloads carry ids and keys (workflows/models.py)
PREPARE_DOCUMENT = "prepare_document"  # pages, words, OCR; the local engines' result
READ_CHUNK = "model_read_chunk"  # one model call for one page chunk
MERGE_CHUNKS = "merge_chunks"  # the chunks' answers -> the file's result (the legacy path's too)
FINALIZE_REVIEW = "finalize_review"  # approved values -> the file's result, again
SAVE_RESULT = "save_result"
SAVE_REVIEW = "save_review"
SET_FILE_STATUS = "set_file_status"
SET_BATCH_STATUS = "set_batch_status"
PURGE_FILE = "purge_file"
RECORD_REVIEW_REFUSAL = "record_review_refusal"  # a refused review signal, into the file's review record
DELIVER_WEBHOOK = "deliver_webhook"
RECONCILE_BATCHES = "reconcile_batches"  # the reconciler schedule's pass (patch reconcile-report)
RESUBMIT_STRANDED = "resubmit_stranded"  # its pass before that patch (the stranded batches started)
SWEEP_ORPHANS = "sweep_orphans"  # the sweeper schedule's pass

# the legacy path (workflows/legacy.py), for batches started before `ids-not-copies`
PREPARE_FILE = "prepare_file"
INGEST_FILE = "ingest_file"  # ingest, render, extract: before prepare_file
RENDER_PAGES = "render_pages"
EXTRACT_FILE = "extract_file"
MODEL_EXTRACT_CHUNK = "model_extract_chunk"
APPLY_REVIEW = "apply_review"
