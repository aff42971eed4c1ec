"""One confidence per value, a citation per grounded value, and the validation issues of a result.

Every engine's output goes through :func:`assess` after extraction::

    a = assess(schema, result, engine_confidence, document, engine_kind="offline")
    a.confidence   # {"total_amount": 0.97, "line_items": 0.91, "line_items[2].qty": 0.88, ...}
    a.citations    # {"total_amount": Citation(page=1, bbox=(x0, y0, x1, y1) in 0..1), ...}
    a.issues       # [Issue(rule="subtotal_tax_total", paths=[...], message="...")]

Signals
-------
1. **Engine score** ``e``: what the engine reported for the path (offline engine: label and
   position match quality, raised by its own cross-checks; Gemini: the merged self-report; e-invoice
   XML: 1.0). A path the engine did not score starts from the kind's default. Gemini's self-report
   is shrunk halfway towards 0.7, as it says 0.9 for nearly everything.
2. **Grounding** ``g`` in [0, 1]: is the value printed on the page (text layer or OCR words)?
   The words are indexed once per document: numbers under every reading of the printed token
   (``1.234,50``, ``1,234.50``, ``1 234,50``, ``€1234.5`` -> 1234.5; an ambiguous ``1.234`` under
   both 1234 and 1.234), dates under every reading (``05.03.2024``, ``5 March 2024``,
   ``March 5, 2024``, ``03/05/2024`` day- and month-first, ``2024-03-05``), strings by their
   letters and digits across 1-6 adjacent words of a row (case, accents, spaces and punctuation
   ignored; a currency code also matches its symbol), else by token overlap of nearby words
   (wrapped descriptions), ``g`` = share of the value's token characters found. Line items are
   grounded together: the item's most specific value is placed first (after the previous item), the other
   values of the item are taken nearest to it; a value only found far from its item counts
   ``g = 0.7``. A grounded value gets a citation: the page and the union box of the matched words.
3. **Validation**: type coercion (``type``), dates between 1990 and one year ahead
   (``date_range``), due date not before issue date (``due_before_issue``), line items summing to
   the subtotal or the total within 0.01 x number of items, or to an amount printed elsewhere on
   the page (a "sum of lines" row before allowances) (``items_sum``), qty x unit price = amount
   per item, also with a price per 10/100/1000 units or a line discount of a whole or half percent
   (``line_arithmetic``), subtotal + tax = total
   (``subtotal_tax_total``). Rules find their fields by concept (the shared vocabulary's
   ``map_concept``, extraction/vocabulary.py: a key ``total_amount``, ``grand_total`` or ``total``
   is the total) and are skipped when a field is absent. A failed rule adds an :class:`Issue` naming the paths; a
   passed one counts as a cross-check for its paths.

Combination (per path, in this order; constants in ``PARAMS``)
---------------------------------------------------------------

| step | offline | gemini | einvoice |
|---|---|---|---|
| engine score ``e`` (default if missing) | ``c = 1 - 0.35 (1 - e)`` (e = 0.5) | ``c = 0.7 + 0.5 (e - 0.7)`` (e = 0.7) | ``c = e`` (e = 1.0) |
| grounded (``g >= 0.95``) | ``c += (1 - c) x 0.6 x s x g`` | ``c += (1 - c) x 0.6 x s x g`` | citation only |
| partly / not grounded | ``c *= 0.5 + 0.5 g`` | ``c *= 0.35 + 0.65 g`` | no penalty |
| each passed cross-check | ``c += (1 - c) x 0.5`` | ``c += (1 - c) x 0.5`` | ``c += (1 - c) x 0.5`` |
| each failed rule | ``c *= 0.6`` | ``c *= 0.6`` | ``c *= 0.9`` |

``s`` is the value's specificity, ``min(1, significant characters / 4)``: finding "1" on a page
proves little, finding "DE123456789" a lot. Empty values keep the engine's score and are never
grounded, penalised or cited; pages without any words (an image that was not OCR'd) give no
grounding signal either way. A list's own key gets the mean of its items' present leaf
confidences, then its ``items_sum`` cross-check. Results are clamped to [0, 1], 3 decimals.

Calibrated model (``model``, ``features``): where a model is shipped for the engine kind
(``calibration.json``, written by ``docparse calibrate``; today: offline), the rule-based result
above is one feature of the value among its evidence (engine score and RawResult.evidence, grounding,
specificity, OCR word confidence, rules passed and failed, its line item's own arithmetic and
grounding, how empty and how inconsistent the whole reading is) and the model's probability is the
confidence: a logistic regression, then an isotonic map fitted on predictions for layout families
the regression had not seen. Engine kinds without a model (gemini, einvoice) keep the rules.

Why the rule constants: on ../shared/eval the offline engine's values were right ~98.7% of the time
whatever its raw match score, so its score is shrunk towards 1 and only orders values; what
separates wrong values is a failed rule or a value not on the page. Gemini's self-report is flat (0.9 for nearly everything), so it is shrunk
towards 0.7 and grounding weighs more: a model can write a value that is not printed. E-invoice
XML values are exact: a failed rule is reported as an issue but barely lowers them.

Modules: ``index`` (WordIndex: the page words indexed by every reading), ``grounding`` (where each
value is printed, its citation), ``rules`` (validation, Issue), ``combine`` (assess, PARAMS),
``features`` (a value's evidence as named numbers), ``model`` (the calibrated model and its file).
"""

from extraction.confidence.combine import GROUNDED, PARAMS, Assessment, assess
from extraction.confidence.index import WordIndex
from extraction.confidence.rules import Issue

__all__ = ["GROUNDED", "PARAMS", "Assessment", "Issue", "WordIndex", "assess"]
