"""Validation rules: type coercion, date sanity and the arithmetic between fields.

Rules find their fields by concept (extraction.vocabulary.map_concept: a key ``total_amount``,
``grand_total`` or ``total`` is the total) and are skipped when a field is absent. A failed rule
adds an Issue naming the paths; a passed one counts as a cross-check for its paths.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel

from core.schema import ExtractionSchema, FieldSpec
from extraction.confidence.index import Hit, WordIndex
from extraction.values import coerce, parse_date, parse_number
from extraction.vocabulary import COLUMN_CONCEPTS, HEADER_CONCEPTS, map_concept

PRICE_BASES = (1, 10, 100, 1000)  # qty x price / base = amount (a price per 100 units)
# a line discount printed in its own column: amount = qty x price x (1 - d/100), d in half percents
LINE_DISCOUNTS = tuple(d / 2 for d in range(1, 151))
MIN_YEAR = 1990
MAX_FUTURE_DAYS = 365


class Issue(BaseModel):
    rule: str  # type, date_range, due_before_issue, items_sum, line_arithmetic, subtotal_tax_total
    paths: list[str]
    message: str


def as_number(v: Any) -> float | None:
    """A value as a float for the arithmetic rules (booleans are not numbers)."""
    if isinstance(v, bool) or v is None:
        return None
    if isinstance(v, (int, float)):
        return float(v)
    return parse_number(v)


def _field_concepts(fields: list[FieldSpec], table: dict[str, dict[str, Any]],
                    types: Mapping[str, tuple[str, ...]]) -> dict[str, str]:
    """concept -> field key (the first field of a fitting type per concept)."""
    out: dict[str, str] = {}
    for f in fields:
        c = map_concept(f, table)
        if c and c not in out and f.type in types.get(c, ()):
            out[c] = f.key
    return out


_NUMERIC = ("number", "integer")
_HEADER_TYPES = {"issue_date": ("date",), "due_date": ("date",), "subtotal_amount": _NUMERIC,
                 "tax_amount": _NUMERIC, "total_amount": _NUMERIC, "amount_due": _NUMERIC}
_COLUMN_TYPES = {"qty": _NUMERIC, "unit_price": _NUMERIC, "amount": _NUMERIC}


class RuleOutcomes:
    """The issues of the failed rules, and per path how many rules failed and passed."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.failed: dict[str, int] = {}
        self.passed: dict[str, int] = {}
        self.outcome: dict[tuple[str, str], bool] = {}  # (rule, path) -> passed (for the confidence model)

    def fail(self, rule: str, paths: list[str], message: str) -> None:
        self.issues.append(Issue(rule=rule, paths=paths, message=message))
        for p in paths:
            self.failed[p] = self.failed.get(p, 0) + 1
            self.outcome[(rule, p)] = False

    def ok(self, paths: list[str], rule: str = "") -> None:
        for p in paths:
            self.passed[p] = self.passed.get(p, 0) + 1
            if rule:
                self.outcome.setdefault((rule, p), True)


def _sum_is_printed(index: WordIndex, total: float, hits: dict[int, dict[str, Hit]],
                    amount_key: str) -> bool:
    """The items' sum is printed on the page, and not as one of the items' own amounts."""
    own = {h.start for hs in hits.values() for k, h in hs.items() if k == amount_key}
    return any(sp[0] not in own for sp in index.find_number(total)) if total else False


def _amount_text(v: float) -> str:
    """An amount as printed in an issue message: 1,234.50."""
    return f"{v:,.2f}"


def validate(schema: ExtractionSchema, result: dict[str, Any], rules: RuleOutcomes, today: date,
             index: WordIndex, item_hits: dict[str, dict[int, dict[str, Hit]]]) -> None:
    """Apply every rule to a result: type, date_range, due_before_issue, subtotal_tax_total,
    line_arithmetic, items_sum."""
    lang = schema.language or "auto"
    scalars = [f for f in schema.fields if f.type != "list<object>"]
    lists = [f for f in schema.fields if f.type == "list<object>"]
    # type coercion and date sanity, every leaf
    earliest, latest = date(MIN_YEAR, 1, 1), today + timedelta(days=MAX_FUTURE_DAYS)

    def leaf(path: str, f: FieldSpec, v: Any) -> None:
        if v is None or (v == "" and f.type != "string"):
            return
        cv, problem = coerce(v, f, lang)
        if problem or (cv is None and v not in ("", None)):
            rules.fail("type", [path], f"{path}: {problem or 'not a ' + f.type}")
            return
        if f.type == "date":
            d = date.fromisoformat(cv)
            if d < earliest or d > latest:
                rules.fail("date_range", [path],
                           f"{path}: {cv} is outside {earliest.isoformat()} .. {latest.isoformat()}")

    for f in scalars:
        leaf(f.key, f, result.get(f.key))
    for f in lists:
        items = result.get(f.key)
        if items is None:
            continue
        if not isinstance(items, list):
            rules.fail("type", [f.key], f"{f.key}: expected a list of objects")
            continue
        for n, item in enumerate(items):
            if not isinstance(item, dict):
                rules.fail("type", [f"{f.key}[{n}]"], f"{f.key}[{n}]: expected an object")
                continue
            for s in f.fields or []:
                leaf(f"{f.key}[{n}].{s.key}", s, item.get(s.key))

    head = _field_concepts(scalars, HEADER_CONCEPTS, _HEADER_TYPES)
    val = {c: result.get(k) for c, k in head.items()}

    # due date not before issue date
    ki, kd = head.get("issue_date"), head.get("due_date")
    if ki and kd:
        di, dd = parse_date(val["issue_date"]), parse_date(val["due_date"])
        if di and dd:
            if dd < di:
                rules.fail("due_before_issue", [kd, ki], f"{kd} {dd} is before {ki} {di}")
            else:
                rules.ok([kd, ki])

    # subtotal + tax = total
    ks, kt, kT = head.get("subtotal_amount"), head.get("tax_amount"), head.get("total_amount")
    sub, tax, tot = (as_number(val.get("subtotal_amount")), as_number(val.get("tax_amount")),
                     as_number(val.get("total_amount")))
    if ks and kt and kT and sub is not None and tax is not None and tot is not None:
        if abs(sub + tax - tot) <= 0.011:
            rules.ok([ks, kt, kT])
        else:
            rules.fail("subtotal_tax_total", [ks, kt, kT],
                       f"{ks} {_amount_text(sub)} + {kt} {_amount_text(tax)} = {_amount_text(sub + tax)}, "
                       f"but {kT} is {_amount_text(tot)}")

    for f in lists:
        items = result.get(f.key)
        if not isinstance(items, list) or not items:
            continue
        cols = _field_concepts(list(f.fields or []), COLUMN_CONCEPTS, _COLUMN_TYPES)
        kq, kp, ka = cols.get("qty"), cols.get("unit_price"), cols.get("amount")
        # qty x unit price = amount, per item
        if kq and kp and ka:
            for n, item in enumerate(items):
                if not isinstance(item, dict):
                    continue
                q, p, a = as_number(item.get(kq)), as_number(item.get(kp)), as_number(item.get(ka))
                if q is None or p is None or a is None:
                    continue
                paths = [f"{f.key}[{n}].{k}" for k in (kq, kp, ka)]
                # a price may be per 10, 100 or 1000 units (price basis quantity), and the line may
                # carry a discount of a whole or half percent
                tol = max(0.011, 0.005 * abs(a))
                if any(abs(q * p / base - a) <= tol for base in PRICE_BASES) or (
                        0 < a < q * p and any(abs(q * p * (1 - d / 100) - a) <= 0.011 for d in LINE_DISCOUNTS)):
                    rules.ok(paths, "line_arithmetic")
                else:
                    rules.fail("line_arithmetic", paths,
                               f"{f.key}[{n}]: {kq} {q:g} x {kp} {p:g} = {_amount_text(q * p)}, "
                               f"but {ka} is {_amount_text(a)}")
        # items sum to the subtotal or the total
        if ka and (ks or kT):
            amounts = [as_number(it.get(ka)) if isinstance(it, dict) else None for it in items]
            if any(a is None for a in amounts):
                continue
            total = sum(a for a in amounts if a is not None)  # every one is (checked above)
            tol = max(0.011, 0.01 * len(items))
            refs = [(k, v) for k, v in ((ks, sub), (kT, tot)) if k and v is not None]
            if tot is not None and tax is not None and kT and not ks:
                refs.append((kT, tot - tax))
            if not refs:
                continue
            amount_paths = [f"{f.key}[{n}].{ka}" for n in range(len(items))]
            hit = next((k for k, v in refs if abs(total - v) <= tol), None)
            if hit:
                rules.ok([f.key, hit] + amount_paths, "items_sum")
            elif _sum_is_printed(index, total, item_hits.get(f.key, {}), ka):
                rules.ok([f.key] + amount_paths, "items_sum")  # a "sum of lines" row (before allowances)
            else:
                ref_k, ref_v = refs[0]
                rules.fail("items_sum", [f.key, ref_k],
                           f"the {len(items)} {f.key} {ka} values sum to {_amount_text(total)}, "
                           f"but {ref_k} is {_amount_text(ref_v)}")
