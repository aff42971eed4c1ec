"""Evidence per value for the confidence model (RawResult.evidence): named features in [0, 1].

* ``margin``: the chosen candidate's score minus the runner-up's (another value), or its own
  score when nothing competed;
* ``label``: how well its label matched (0: found by position, e.g. a letterhead name);
* ``agree``: the share of independent readings that agree with it: the best labelled candidate
  when the cross-checks chose another value (disagrees), arithmetic (amounts that add up, a due
  date after the issue date, or not), and the same value printed in another place; absent when
  no independent reading exists;
* ``ocr``: the mean OCR confidence of its words (absent on a text layer);
* ``derived``: 1 when it is inferred rather than printed.
"""

from __future__ import annotations

from extraction.engines.offline.candidates import Arithmetic, Candidate


def clamp(v: float) -> float:
    return round(max(0.0, min(1.0, v)), 3)


def header_evidence(c: Candidate, ranked: list[Candidate], key: str, arith: Arithmetic) -> dict[str, float]:
    """The evidence behind a chosen header value; ``ranked`` are the field's candidates, best first."""
    others = [x.score for x in ranked if x.value != c.value]
    margin = c.score - max(others) if others else c.score
    # independent readings beside the one that chose it: the best labelled candidate when
    # that is another value, the arithmetic, and the same value printed in another place
    readings: list[float] = []
    labelled = [x for x in ranked if x.label > 0]
    if labelled and labelled[0].value != c.value:
        readings.append(0.0)
    if key in arith.confirmed:
        readings.append(1.0)
    elif key in arith.contradicted:
        readings.append(0.0)
    if c.seen > 1:
        readings.append(1.0)
    ev = {"margin": clamp(margin), "label": clamp(c.label), "derived": 1.0 if c.derived else 0.0}
    if readings:  # no independent reading: agreement unknown, left out
        ev["agree"] = clamp(sum(readings) / len(readings))
    if c.ocr is not None:
        ev["ocr"] = clamp(c.ocr)
    return ev


def derived_evidence(agree: float | None) -> dict[str, float]:
    """A value computed from others (a subtotal from total - tax): no label, no competitor."""
    ev = {"margin": 0.0, "label": 0.0, "derived": 1.0}
    if agree is not None:
        ev["agree"] = clamp(agree)
    return ev
