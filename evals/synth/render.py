"""A synthetic invoice as a text PDF, drawn twice: once (dry) to count its pages, once with
"page n of N" filled in (rendering uses no randomness, so both passes lay out the same)."""

from __future__ import annotations

from evals.synth.canvas import Printed
from evals.synth.content import Invoice
from evals.synth.families import Family
from evals.synth.layout import Layout
from evals.synth.table import draw_body


def render(fam: Family, inv: Invoice) -> tuple[bytes, list[Printed]]:
    """The PDF and where each truth value is printed (drawn twice: the second knows the page count)."""
    pages = 0
    for _ in range(2):
        lay = Layout(fam, inv, pages)
        c = lay.c
        c.new_page()
        y = lay.letterhead()
        ty = lay.title(y)
        y = lay.parties_and_meta(max(y, ty, lay.m + 70), ty)
        draw_body(lay, y)
        if pages:
            assert pages == c.page_no, "the dry pass counted other pages"
            return c.tobytes(), c.printed
        pages = c.page_no
        c.doc.close()
    raise AssertionError("unreachable")
