"""Layout families: what a template fixes for all its documents.

A family is one invoice template as a vendor's software prints it: paper, fonts, where the seller
and buyer blocks stand and how they are headed, how the header values are labelled (label left,
label above, boxed, a band of cells), the line-item columns and their order, the totals block,
the words of every label, the date and number style and how often optional parts occur. Families
are drawn from a seeded generator, so a new seed gives families nobody has seen; the documents of
a family differ in content (parties, dates, lines, amounts, page count).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from evals.synth.locales import DATE_STYLES, LOCALES, Locale, MoneyStyle
from evals.synth.vocab import WORDS

FONTS = (("helv", "hebo"), ("tiro", "tibo"), ("cour", "cobo"))
SELLER_PLACES = ("letterhead-left", "letterhead-right", "letterhead-center", "footer", "sidebar")
META_STYLES = ("label-left", "label-above", "boxed", "band")
TABLE_STYLES = ("rules", "grid", "shaded", "plain")
TOTALS_STYLES = ("stack", "boxed", "band")
# column sets (the numeric columns' order varies on top of these)
COLUMN_SETS = (
    ("description", "qty", "unit_price", "amount"),
    ("pos", "description", "qty", "unit", "unit_price", "amount"),
    ("sku", "description", "qty", "unit_price", "amount"),
    ("pos", "sku", "description", "qty", "unit_price", "discount", "amount"),
    ("description", "qty", "unit_price", "tax_rate", "amount"),
    ("pos", "description", "unit", "qty", "unit_price", "amount"),
    ("description", "unit_price", "qty", "amount"),
    ("sku", "description", "qty", "unit", "unit_price", "discount", "tax_rate", "amount"),
)


@dataclass
class Family:
    template_id: str
    locale: str
    font: tuple[str, str]
    size: float  # base font size
    margin: float
    title_place: str  # top-right | top-left | center | above-meta
    title_size: float
    seller_place: str
    seller_heading: str  # "" = none
    return_line: bool  # DIN-style one-line sender above the buyer's address
    footer_details: bool  # seller name, address, VAT id, bank in the footer
    buyer_heading: str
    buyer_side: str  # left | right
    buyer_first: bool  # buyer block above the seller's (block layouts)
    ship_heading: str
    meta_style: str
    meta_colon: bool
    meta_place: str  # beside-buyer | below-parties
    vat_place: str  # letterhead | footer | meta | none
    labels: dict[str, str]
    columns: list[str]
    col_labels: dict[str, str]
    table_style: str
    totals_style: str
    show_items_total: bool
    show_amount_due: bool
    tax_label: str
    date_style: int
    money: MoneyStyle
    currency_code_in: str  # header | totals | none: where the ISO code is printed (besides symbols)
    rows_first_page: int
    rows_other_pages: int
    carry_rows: bool
    repeat_header: bool
    page_numbers: str  # "" = none
    distractors: list[str]
    credit_sign: str  # positive | negative: how a credit note prints its amounts
    opts: dict[str, Any] = field(default_factory=dict)  # content rates, see content.make_invoice

    @property
    def loc(self) -> Locale:
        return LOCALES[self.locale]

    def describe(self) -> dict[str, Any]:
        d = asdict(self)
        d["money"] = self.money.mode + ("" if self.money.grouping else "-nogroup")
        return d


def _pick(rnd: random.Random, words: dict[str, Any], key: str) -> str:
    return rnd.choice(words[key])


def draw_family(rnd: random.Random, index: int, locale: str | None = None) -> Family:
    """One template, drawn from ``rnd``; ``locale`` forces its locale (else drawn)."""
    locale = locale or rnd.choice(sorted(LOCALES))
    loc = LOCALES[locale]
    w = WORDS[loc.lang]
    cols = list(rnd.choice(COLUMN_SETS))
    if rnd.random() < 0.3 and "qty" in cols and "unit_price" in cols:  # price before quantity
        i, j = cols.index("qty"), cols.index("unit_price")
        cols[i], cols[j] = cols[j], cols[i]
    if rnd.random() < 0.2 and "qty" in cols:  # quantity before the description ("3 x Widget")
        cols.remove("qty")
        cols.insert(cols.index("description"), "qty")
    labels = {k: _pick(rnd, w, k) for k in ("invoice", "credit", "invoice_number", "credit_number",
                                            "issue_date", "due_date", "po", "customer_no",
                                            "delivery_date", "order_date", "vat", "items_total", "currency", "amounts_in",
                                            "discount", "charge", "subtotal", "tax_total", "total",
                                            "amount_due", "paid", "carry", "brought", "terms",
                                            "thanks", "phone", "email", "bank", "reg", "version")}
    if rnd.random() < 0.5:
        labels["invoice"] = labels["invoice"].upper()
    seller_place = rnd.choice(SELLER_PLACES)
    meta_style = rnd.choice(META_STYLES)
    distractors = [d for d in ("customer_no", "delivery_date", "order_date", "version", "phone")
                   if rnd.random() < 0.5]
    many = rnd.random() < 0.35
    opts = {
        "lines": [1, 2, 3, 4, 5, 6, 8] + ([12, 18, 25, 40, 60] if many else [10]),
        "detail": rnd.choice([0.0, 0.15, 0.4]),
        "line_discount": "discount" in cols,
        "multi_rate": 0.5 if "tax_rate" in cols else rnd.choice([0.0, 0.2]),
        "po": rnd.choice([0.0, 0.3, 0.7, 1.0]),
        "due": rnd.choice([0.0, 0.5, 0.9, 1.0]),
        "credit": rnd.choice([0.0, 0.0, 0.1, 0.25]),
        "doc_discount": rnd.choice([0.0, 0.0, 0.2, 0.4]),
        "charge": rnd.choice([0.0, 0.2, 0.5]),
        "paid": rnd.choice([0.0, 0.0, 0.2]),
        "ship_to": rnd.choice([0.0, 0.0, 0.5, 1.0]),
        "units": w["units"],
    }
    size = round(rnd.uniform(7.5, 10.5), 1)
    return Family(
        template_id=f"synth-{index:02d}",
        locale=locale,
        font=rnd.choice(FONTS),
        size=size,
        margin=round(rnd.uniform(32, 62)),
        title_place=rnd.choice(("top-right", "top-left", "center", "above-meta")),
        title_size=round(rnd.uniform(13, 24)),
        seller_place=seller_place,
        seller_heading=_pick(rnd, w, "seller") if rnd.random() < 0.35 else "",
        return_line=rnd.random() < (0.7 if loc.lang == "de" else 0.25),
        footer_details=seller_place == "footer" or rnd.random() < 0.45,
        buyer_heading=_pick(rnd, w, "bill_to") if rnd.random() < 0.8 else "",
        buyer_side=rnd.choice(("left", "left", "right")),
        buyer_first=rnd.random() < 0.3,
        ship_heading=_pick(rnd, w, "ship_to"),
        meta_style=meta_style,
        meta_colon=rnd.random() < 0.6,
        meta_place=rnd.choice(("beside-buyer", "below-parties")),
        vat_place=rnd.choice(("letterhead", "footer", "meta", "none")) if loc.country != "US" else "none",
        labels=labels,
        columns=cols,
        col_labels={k: rnd.choice(w["cols"][k]) for k in cols},
        table_style=rnd.choice(TABLE_STYLES),
        totals_style=rnd.choice(TOTALS_STYLES),
        show_items_total=rnd.random() < 0.4,
        show_amount_due=rnd.random() < 0.4,
        tax_label=_pick(rnd, w, "tax"),
        date_style=rnd.randrange(len(DATE_STYLES[locale])) if rnd.random() < 0.6 else 0,
        money=MoneyStyle(mode=rnd.choice(("bare", "bare", "symbol", "code")), grouping=rnd.random() < 0.85),
        currency_code_in=rnd.choice(("header", "totals", "none")),
        rows_first_page=rnd.randint(14, 24),
        rows_other_pages=rnd.randint(26, 38),
        carry_rows=rnd.random() < 0.5,
        repeat_header=rnd.random() < 0.75,
        page_numbers=_pick(rnd, w, "page") if rnd.random() < 0.7 else "",
        distractors=distractors,
        credit_sign=rnd.choice(("positive", "negative")),
        opts=opts,
    )


def draw_families(seed: int, count: int) -> list[Family]:
    """``count`` families from ``seed``; locales are spread evenly, then shuffled."""
    rnd = random.Random(f"families-{seed}")
    codes = sorted(LOCALES)
    locales = [codes[i % len(codes)] for i in range(count)]
    rnd.shuffle(locales)
    return [draw_family(random.Random(f"family-{seed}-{i}"), i, locales[i]) for i in range(count)]
