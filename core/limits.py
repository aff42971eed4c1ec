"""Every fixed size and count the service accepts, in one place (the configurable ones, such as
files per batch, bytes per file and pages per file, are settings: core/config.py).

Whatever the API accepts must fit what runs after it (Temporal's payload and history limits,
the engines' own), so each cap below is checked where the input enters, with a 4xx naming it.
"""

from __future__ import annotations

# -- extraction schemas (checked at creation: a 400 naming the field) -------------------------
MAX_FIELDS = 200  # all fields, nested included
MAX_DEPTH = 2  # top level + one level inside a list<object>
MAX_KEY_CHARS = 64
MAX_DESCRIPTION_CHARS = 2000

# -- request parts -----------------------------------------------------------------------------
MAX_FORM_FIELD_BYTES = 10_000  # a text field of a batch upload (name, webhook_url)
MAX_FILE_NAME_CHARS = 255  # longer names are shortened, keeping the extension

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
