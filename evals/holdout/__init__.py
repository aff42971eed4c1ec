"""A second, independent generator of invoice layouts: an evaluation set nobody tunes against.

Why: the offline engine was tuned while looking at documents of evals/synth, so a new seed of that
generator only recombines the vocabulary and layout blocks the engine already saw (in-family).
This package was written without reading the engine (extraction/engines/offline/), the shared
vocabulary (extraction/vocabulary/) or evals/synth's vocabulary, layout, family, locale and table
modules. Its labels, date and number formats and page layouts come from general knowledge of
real invoices (US accounting and online-billing tools, UK VAT invoices, French, German, Austrian,
Swiss, Spanish, Italian, Dutch, Belgian and Australian conventions). It shares only the truth keys
(evals/synth/schema.py), the set format `docparse eval` reads, and the scan damage (evals/synth/scan.py).

    docparse synth OUT --generator holdout --count 140 --seed 13 [--scans] [--groups A]
    .venv/bin/python bench/holdout.py        # the frozen set, measured with the shipped confidence

Families (evals.holdout.families), 14 in two groups:

* group A (6 families, A1-A6): engineers MAY inspect these documents and the engine's mistakes on
  them to name general failure classes;
* group B (8 families, B1-B8): SEALED. Scored only: nobody tuning the engine or the confidence
  looks at these documents, at the engine's output on them or at per-document scores; reports give
  group and family figures only. A fix is judged on B without having seen it.

Modules: formats (numbers, money, dates per country), people (parties, addresses, tax ids), goods
(what is sold), content (an invoice and its truth), sheet (PyMuPDF drawing, fonts found at run
time, where each truth value is printed), blocks (layout pieces), families/ (the layouts), dataset
(sets on disk, scans), measure (the engine and the shipped confidence on a set).

Frozen set (fixed before anyone measured the engine on it): generator version 1, seed 13, 10
documents per family (140), text PDFs and scanned-looking copies of all of them.
"""

from dataclasses import dataclass

from evals.holdout.dataset import GENERATOR_VERSION, HoldoutDoc, documents, families_of, make_document, write_set
from evals.holdout.families import FAMILIES, Family


@dataclass(frozen=True)
class Frozen:
    generator_version: str
    seed: int
    per_family: int
    scans: bool


FROZEN = Frozen(generator_version="1", seed=13, per_family=10, scans=True)

__all__ = ["FAMILIES", "FROZEN", "GENERATOR_VERSION", "Family", "HoldoutDoc", "documents", "families_of",
           "make_document", "write_set"]
