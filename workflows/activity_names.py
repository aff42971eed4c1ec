"""Activity names: the workflow calls activities by name, so it never imports their I/O code."""

PREPARE_FILE = "prepare_file"
INGEST_FILE = "ingest_file"  # ingest, render, extract: before prepare_file
RENDER_PAGES = "render_pages"
EXTRACT_FILE = "extract_file"
SAVE_RESULT = "save_result"
SET_FILE_STATUS = "set_file_status"
SET_BATCH_STATUS = "set_batch_status"
PURGE_FILE = "purge_file"
MODEL_EXTRACT_CHUNK = "model_extract_chunk"
MERGE_CHUNKS = "merge_chunks"
APPLY_REVIEW = "apply_review"
DELIVER_WEBHOOK = "deliver_webhook"
