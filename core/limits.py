"""Every fixed size and count the service accepts, in one place (the configurable ones, such as
files per batch, bytes per file and pages per file, are settings: core/config.py).

Whatever the API accepts must fit what runs after it (Temporal's payload and history limits,
the engines' own), so each cap below is checked where the input enters, with a 4xx naming it.
The schema caps bound `BatchInput` (it carries the schema once, for the review validator) well
under Temporal's 2 MB payload limit: tests/unit/test_limits.py does the arithmetic.
"""

from __future__ import annotations

# -- extraction schemas (checked at creation: a 400 naming the field) -------------------------
MAX_FIELDS = 200  # all fields, nested included
MAX_DEPTH = 2  # levels of fields: the top level, and the fields of a list<object>
# The one statement of that limit: the error, the OpenAPI descriptions and the README all say it
# (tests/api/test_housekeeping.py checks they agree).
NESTING_RULE = "fields may be nested one level deep: a list<object> holds fields of the other types, never another list<object>"
MAX_KEY_CHARS = 64
MAX_DESCRIPTION_CHARS = 2000
MAX_ENUM_VALUES = 500  # values of one enum field
MAX_ENUM_VALUES_TOTAL = 2000  # values of all enum fields together
MAX_ENUM_VALUE_CHARS = 200  # one enum value
# The fields as compact JSON (UTF-8, as stored and as sent to the worker): 200 fields with
# 2,000-character ASCII descriptions and the largest enum fit; non-ASCII text counts its bytes.
MAX_SCHEMA_BYTES = 1_000_000

# -- request bodies and parts ------------------------------------------------------------------
# A JSON body (extraction, review decision): read while it streams, 413 at this byte + 1. Room for
# a maximal schema written with \u escapes (what json.dumps does by default for non-ASCII text).
MAX_JSON_BODY_BYTES = 4 * 1024 * 1024
MAX_FORM_FIELD_BYTES = 10_000  # a text field of a batch upload (name, webhook_url)
MAX_FILE_NAME_CHARS = 255  # longer names are shortened, keeping the extension
MAX_BATCH_NAME_CHARS = 200  # as an extraction's name
MAX_WEBHOOK_URL_CHARS = 2000

# -- listing -----------------------------------------------------------------------------------
MAX_PAGE_SIZE = 100  # `limit` of a listing (extractions, batches)
DEFAULT_PAGE_SIZE = 20

# -- what an error body echoes of the request ----------------------------------------------------
MAX_ECHO_CHARS = 80  # an id, a field name or a value quoted back in an error, cut beyond this

# -- review decisions (the API answers 400 naming the field; the workflow's `review` update
# validator and `review` signal refuse the same, so nothing a reviewer sends grows history unbounded)
MAX_CORRECTION_VALUE_BYTES = 64 * 1024  # one corrected value, as compact JSON
MAX_CORRECTIONS_BYTES = 256 * 1024  # all corrected values of one decision, as compact JSON
# Corrections larger than this go into workflow history by reference: the API stores them as an
# object and the update carries its key. The workflow refuses larger ones sent inline (CLI, UI).
MAX_INLINE_CORRECTIONS_BYTES = 16 * 1024
MAX_REVIEW_REASON_CHARS = 2000
MAX_REVIEWER_CHARS = 200

# -- engine-specific caps, applied only where that engine is configured ------------------------
# Gemini (checked at extraction creation when the API reads with Gemini: a 400 naming the cap). The
# service refuses response schemas with "too many states" (long enums, many properties) at limits
# it does not document, so these are ours, on the response schema it is sent (prompt.py: every
# scalar also has a _confidence property; every list item a _page and a _confidence).
GEMINI_MAX_ENUM_VALUES = 50  # values of one enum field
GEMINI_MAX_ENUM_VALUES_TOTAL = 200  # values of all enum fields together
GEMINI_MAX_SCHEMA_PROPERTIES = 120  # properties of the response schema, all levels
GEMINI_MAX_SCHEMA_DEPTH = 3  # nested objects and arrays: the answer, a list, its items
GEMINI_MAX_SCHEMA_BYTES = 16_000  # the response schema as JSON
