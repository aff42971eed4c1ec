"""Seeded synthetic invoices with exact truth, in many layout families (`docparse synth`).

    docparse synth OUT --count 240 --seed 1            # text PDFs
    docparse synth OUT-scans --count 240 --seed 1 --scans   # the same documents, scanned-looking

What varies between families (evals.synth.families): paper, fonts and sizes; the seller in the
letterhead (left, right, centred), in a sidebar, only in the footer, in a return-address line, or
as a headed block beside the buyer's (buyer first or second); party headings in six languages
("Bill to", "Rechnungsempfänger", "Adresse de facturation", "Facturar a", "Fatturare a",
"Factuuradres"...) and a ship-to block; header values label-left, label-above, boxed or in a band,
beside the buyer or below the parties; the line-item columns (position, SKU, unit, discount, tax
rate), their order and labels; ruled, grid, shaded or plain tables across pages with or without
carried-forward rows and repeated headers; totals stacked, boxed or in a band, with items total,
document discounts, shipping charges, several tax rates, deposits and amount due; credit notes
(amounts printed positive or negative; the truth keeps them positive, as e-invoices do); dates the
country's way (US month first, month names, ordinals "March 5th, 2026", "1er mars", "5 de marzo de")
and numbers (1,234.56 / 1.234,56 / 1 234,56 / 1'234.56, symbols before or after, ISO codes);
distractors (order and delivery dates, customer numbers, a dated terms-version line, the buyer's
VAT id). Within a family, documents differ in content and length (1 to 60 lines, several pages).

Scanned copies (evals.synth.scan): 150 dpi grey, rotated up to 5 degrees, some pages turned 90 or
180 degrees, blur, speckle noise, JPEG artefacts; image-only PDFs or single JPEG/PNG files.

Frozen development set (fixed before any tuning against it; bench/out_of_family.py reads
these): generator version 1, seed 1, 240 documents, 24 families; scans: the first 72 documents of
the same set. A new seed gives unseen families for a final check.
"""

from dataclasses import dataclass

from evals.synth.dataset import GENERATOR_VERSION, SynthDoc, make_document, write_set
from evals.synth.families import Family, draw_families
from evals.synth.schema import schema_invoice


@dataclass(frozen=True)
class Frozen:
    generator_version: str
    seed: int
    count: int
    families: int
    scan_count: int


FROZEN = Frozen(generator_version="1", seed=1, count=240, families=24, scan_count=72)

__all__ = ["FROZEN", "GENERATOR_VERSION", "Family", "SynthDoc", "draw_families", "make_document",
           "schema_invoice", "write_set"]
