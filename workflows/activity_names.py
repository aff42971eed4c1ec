"""Activity names: the workflow calls activities by name, so it never imports their I/O code."""

INGEST_FILE = "ingest_file"
RENDER_PAGES = "render_pages"
EXTRACT_FILE = "extract_file"
SAVE_RESULT = "save_result"
SET_FILE_STATUS = "set_file_status"
SET_BATCH_STATUS = "set_batch_status"
PURGE_FILE = "purge_file"
