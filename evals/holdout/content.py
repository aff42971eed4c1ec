"""The content of one hold-out invoice: parties, dates, items and amounts, drawn from a seeded
generator; amounts are exact decimals (half-up cents per line and per tax rate, as invoicing
software rounds) and the truth follows the shared invoice schema (evals.synth.schema).

Truth conventions (those of the e-invoice sets): ``subtotal_amount`` is the total without tax after
document discounts, ``tax_amount`` the sum of the tax of every rate, ``total_amount`` the two
together, ``amount_due`` the total less what was paid already; credit notes (code 381) keep their
amounts positive, whatever sign the page prints; line ``unit_price`` is the net price printed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from evals.holdout.formats import LOCALES, Locale, day, q2
from evals.holdout.goods import DETAILS, GOODS, LONG_TAIL
from evals.holdout.people import Party, party


@dataclass
class Item:
    description: str
    qty: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    rate: Decimal
    sku: str = ""
    detail: str | None = None  # a second, smaller line; not part of the truth's description


@dataclass(frozen=True)
class Spec:
    """What a family's documents contain (shares are probabilities per document)."""
    locale: str
    number: str  # invoice number pattern: {n} {yyyy} {yy} {mm} {h} (8 hex digits)
    rates: tuple[tuple[str, ...], ...]  # the tax rate sets a document may use (percent)
    items: tuple[int, int] = (1, 8)
    long_share: float = 0.0  # documents with a long table (several pages)
    long_items: tuple[int, int] = (26, 44)
    credit: float = 0.0
    po: float = 0.4
    paid: float = 0.0
    discount: float = 0.0
    ship_to: float = 0.0
    buyer_person: float = 0.0
    details: float = 0.0
    long_desc: float = 0.1
    terms: tuple[int, ...] = (14, 30)
    hours_only: bool = False  # services billed by the hour


@dataclass
class Invoice:
    loc: Locale
    spec: Spec
    credit: bool
    number: str
    issue: date
    due: date
    terms: int
    service: date
    order_date: date
    po: str | None
    customer_no: str
    seller: Party
    buyer: Party
    ship_to: Party | None
    items: list[Item]
    items_total: Decimal
    discount_rate: Decimal
    discount: Decimal
    subtotal: Decimal
    taxes: list[tuple[Decimal, Decimal, Decimal]]  # (rate %, base, tax)
    tax: Decimal
    total: Decimal
    paid: Decimal
    amount_due: Decimal
    related: str = ""  # the invoice a credit note corrects
    extra: dict[str, Any] = field(default_factory=dict)


def _qty(rnd: random.Random, kind: str) -> Decimal:
    if kind == "f":
        return Decimal(1)
    if kind == "h":
        return Decimal(rnd.randint(2, 60)) / 4 if rnd.random() < 0.6 else Decimal(rnd.randint(1, 24))
    if kind == "m":
        return Decimal(rnd.randint(10, 900)) / 10 if rnd.random() < 0.7 else Decimal(rnd.randint(2, 120))
    return Decimal(rnd.choice([1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 20, 25, 50]))


def _price(rnd: random.Random, lo: float, hi: float) -> Decimal:
    p = rnd.uniform(lo, hi)
    if rnd.random() < 0.45:  # round prices are common
        step = 5 if p > 50 else 1
        return q2(max(step, round(p / step) * step))
    return q2(p)


def _items(rnd: random.Random, spec: Spec, loc: Locale, rates: tuple[Decimal, ...], issue: date) -> list[Item]:
    pool = GOODS[loc.lang]
    if spec.hours_only:
        pool = [g for g in pool if g[4] in ("h", "f")] + [g for g in pool if g[4] == "h"]
    long_doc = rnd.random() < spec.long_share
    n = rnd.randint(*spec.long_items) if long_doc else rnd.randint(*spec.items)
    out = []
    for k in range(n):
        desc, unit, lo, hi, kind = rnd.choice(pool)
        if rnd.random() < spec.long_desc:
            desc = f"{desc}, {rnd.choice(LONG_TAIL[loc.lang])}"
        qty = _qty(rnd, kind)
        price = _price(rnd, lo, hi)
        detail = None
        if rnd.random() < spec.details:
            p1 = issue - timedelta(days=rnd.randint(20, 40))
            fmt = "{mm}/{dd}/{yyyy}" if loc.code == "en-US" else "{dd}.{mm}.{yyyy}" if loc.lang == "de" else "{dd}/{mm}/{yyyy}"
            detail = rnd.choice(DETAILS[loc.lang]).format(
                p1=day(p1, fmt, loc), p2=day(p1 + timedelta(days=rnd.randint(6, 30)), fmt, loc),
                sn=f"{rnd.choice('ABCKXZ')}{rnd.randint(100000, 999999)}", job=rnd.randint(1000, 9999),
                site=rnd.choice(["Building B", "Lot 14", "Unit 3", "2nd floor"]) if loc.lang == "en"
                else f"{rnd.randint(2, 90)} {rnd.choice(['Nord', 'Süd', 'Centre', 'Ost', 'West'])}")
        out.append(Item(description=desc, qty=qty, unit=unit, unit_price=price, amount=q2(qty * price),
                        rate=rates[k % len(rates)] if len(rates) > 1 and rnd.random() < 0.5 else rates[0],
                        sku=f"{rnd.choice(['A', 'B', 'K', 'P', 'SV'])}-{rnd.randint(1000, 99999)}", detail=detail))
    return out


def make_invoice(rnd: random.Random, spec: Spec) -> Invoice:
    loc = LOCALES[spec.locale]
    issue = date(2024, 1, 2) + timedelta(days=rnd.randint(0, 990))
    terms = rnd.choice(spec.terms)
    n = rnd.randint(7, 9999) if rnd.random() < 0.7 else rnd.randint(10000, 99999)
    tag = "".join(rnd.choice("0123456789ABCDEF") for _ in range(8))
    number = spec.number.format(n=n, yyyy=issue.year, yy=f"{issue.year % 100:02d}", mm=f"{issue.month:02d}", h=tag)
    rate_set = tuple(Decimal(r) for r in rnd.choice(spec.rates))
    seller = party(rnd, loc, person=False)
    buyer_person = rnd.random() < spec.buyer_person
    buyer = party(rnd, loc, person=buyer_person)
    ship = party(rnd, loc, person=rnd.random() < 0.5) if rnd.random() < spec.ship_to else None
    if ship is not None and rnd.random() < 0.5:
        ship.name = buyer.name  # same company, another site
    items = _items(rnd, spec, loc, rate_set, issue)
    credit = rnd.random() < spec.credit
    items_total = sum((i.amount for i in items), Decimal(0))
    d_rate = Decimal(rnd.choice([3, 5, 10, 15])) if len(rate_set) == 1 and rnd.random() < spec.discount else Decimal(0)
    discount = q2(items_total * d_rate / 100)
    subtotal = items_total - discount
    taxes = []
    for r in sorted(set(i.rate for i in items), reverse=True):
        base = sum((i.amount for i in items if i.rate == r), Decimal(0))
        if discount:
            base = subtotal  # one rate when there is a discount
        taxes.append((r, base, q2(base * r / 100)))
    tax = sum((t for _, _, t in taxes), Decimal(0))
    total = subtotal + tax
    paid = Decimal(0)
    if not credit and rnd.random() < spec.paid:
        paid = q2(total * Decimal(rnd.choice(["0.25", "0.3", "0.5"]))) if rnd.random() < 0.6 else \
            min(q2(total / 2), Decimal(rnd.choice([100, 200, 250, 500, 1000])))
    return Invoice(
        loc=loc, spec=spec, credit=credit, number=number, issue=issue, due=issue + timedelta(days=terms),
        terms=terms, service=issue - timedelta(days=rnd.randint(0, 25)),
        order_date=issue - timedelta(days=rnd.randint(5, 40)),
        po=(rnd.choice(["PO-{n}", "{n}", "45{n}", "P{n}", "ORD-{n}"]).format(n=rnd.randint(10000, 999999))
            if rnd.random() < spec.po else None),
        customer_no=f"{rnd.choice(['C', 'K', 'CL', '', 'D'])}{rnd.randint(1000, 99999)}",
        seller=seller, buyer=buyer, ship_to=ship, items=items, items_total=items_total, discount_rate=d_rate,
        discount=discount, subtotal=subtotal, taxes=taxes, tax=tax, total=total, paid=paid,
        amount_due=total - paid,
        related=spec.number.format(n=max(1, n - rnd.randint(1, 40)), yyyy=issue.year, h=tag,
                                   yy=f"{issue.year % 100:02d}", mm=f"{issue.month:02d}") if credit else "",
    )


def _num(x: Decimal) -> float | int:
    return int(x) if x == x.to_integral_value() else float(x)


def truth_of(inv: Invoice, *, items_keys: tuple[str, ...] = ("description", "qty", "unit_price", "amount")
             ) -> dict[str, Any]:
    """The truth in the shared schema's keys; a family that does not print a field sets it to None
    afterwards (evals.holdout.dataset), and ``items_keys`` names the item columns it prints."""
    items = []
    for i in inv.items:
        full = {"description": i.description, "qty": _num(i.qty), "unit_price": _num(i.unit_price),
                "amount": _num(i.amount)}
        items.append({k: v for k, v in full.items() if k in items_keys})
    return {
        "invoice_number": inv.number,
        "document_type_code": "381" if inv.credit else "380",
        "issue_date": inv.issue.isoformat(),
        "due_date": inv.due.isoformat(),
        "currency": inv.loc.currency,
        "seller_name": inv.seller.name,
        "seller_vat_id": inv.seller.vat_id,
        "buyer_name": inv.buyer.name,
        "purchase_order_number": inv.po,
        "subtotal_amount": _num(inv.subtotal),
        "tax_amount": _num(inv.tax),
        "total_amount": _num(inv.total),
        "amount_due": _num(inv.amount_due),
        "line_items": items,
    }
