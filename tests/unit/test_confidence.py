"""extraction.confidence: grounding (number/date/text formats) with citations, validation rules, and
their rule-based combination (model=None; the calibrated model on top: test_calibrated_confidence.py)."""

from __future__ import annotations

import time
from functools import partial

import pytest

from core.schema import ExtractionSchema
from extraction.confidence import Assessment, assess
from extraction.engines.offline import OfflineEngine
from extraction.pages import DocumentText, PageText
from tests.support import pages as _pages
from tests.support.invoices import make_invoice, schema_invoice
from tests.support.pages import read_pdf

INVOICE = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")
ENGINE = OfflineEngine()
words_page = partial(_pages.words_page, height=800)




def doc_of(*pages: list[list[tuple[float, str]]]) -> DocumentText:
    return DocumentText(pages=[words_page(p, number=i + 1) for i, p in enumerate(pages)])


def schema(*fields: dict) -> ExtractionSchema:
    return ExtractionSchema(fields=list(fields))




def run(s: ExtractionSchema, result: dict, doc: DocumentText, kind: str = "gemini",
        conf: float = 0.9) -> Assessment:
    engine_conf = {k: conf if v is not None else 0.0 for k, v in result.items()}
    for k, v in result.items():
        if isinstance(v, list):
            for n, item in enumerate(v):
                for sk, sv in item.items():
                    engine_conf[f"{k}[{n}].{sk}"] = conf if sv is not None else 0.0
    return assess(s, result, engine_conf, doc, engine_kind=kind, model=None)


def box_of(doc: DocumentText, page: int, *texts: str) -> tuple[float, float, float, float]:
    """Normalised union box of the first words with these texts on a page."""
    p = doc.pages[page - 1]
    ws = [next(w for w in p.words if w.text == t) for t in texts]
    return (min(w.x0 for w in ws) / p.width, min(w.y0 for w in ws) / p.height,
            max(w.x1 for w in ws) / p.width, max(w.y1 for w in ws) / p.height)


def close(a, b, tol=1e-3) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b))


# ---------------------------------------------------------------------------------------------
# grounding and citations


@pytest.mark.parametrize("printed", [["1.234,50"], ["1,234.50"], ["1", "234,50"], ["€1,234.50"],
                                     ["1234.5"], ["EUR", "1.234,50"]])
def test_number_grounded_across_formats(printed):
    s = schema({"key": "total_amount", "type": "number"})
    row, x = [(40, "Gesamtbetrag")], 300.0
    for t in printed:  # one space (3 pt) between the words
        row.append((x, t))
        x += 6 * len(t) + 3
    doc = doc_of([[(40, "Rechnung")], row])
    a = run(s, {"total_amount": 1234.5}, doc)
    cite = a.citations["total_amount"]
    assert cite.page == 1
    number_words = [t for t in printed if t != "EUR"]
    assert close(cite.bbox, box_of(doc, 1, *number_words))
    assert all(0 <= v <= 1 for v in cite.bbox)
    # the same value not on the page: penalised, not cited
    b = run(s, {"total_amount": 4321.5}, doc)
    assert "total_amount" not in b.citations
    assert b.confidence["total_amount"] < 0.5 < a.confidence["total_amount"]


@pytest.mark.parametrize("printed", [["05.03.2024"], ["5", "March", "2024"], ["March", "5,", "2024"],
                                     ["03/05/2024"], ["2024-03-05"], ["5.", "März", "2024"],
                                     ["05-Mar-2024"]])
def test_date_grounded_across_formats_on_the_right_page(printed):
    s = schema({"key": "issue_date", "type": "date"})
    row, x = [(40, "Date:")], 120.0
    for t in printed:
        row.append((x, t))
        x += 6 * len(t) + 3
    page2 = [row]
    doc = doc_of([[(40, "Page"), (80, "one")]], page2)
    a = run(s, {"issue_date": "2024-03-05"}, doc)
    cite = a.citations["issue_date"]
    assert cite.page == 2
    assert close(cite.bbox, box_of(doc, 2, *printed))


def test_strings_multiword_punctuation_and_wrapped_text():
    s = schema({"key": "seller_name", "type": "string"}, {"key": "seller_vat_id", "type": "string"},
               {"key": "invoice_number", "type": "string"}, {"key": "note", "type": "string"},
               {"key": "currency", "type": "string"})
    doc = doc_of([
        [(40, "Musterhandel"), (120, "GmbH"), (300, "Rechnung"), (360, "Nr.RE-2024-17")],
        [(40, "USt-IdNr.:"), (110, "DE"), (128, "123"), (150, "456"), (172, "789")],
        [(40, "Delivery"), (100, "and"), (130, "installation"), (300, "Total"), (400, "€"), (410, "12.00")],
        [(40, "included,"), (100, "colour"), (150, "grey")],
    ])
    a = run(s, {"seller_name": "MUSTERHANDEL GmbH", "seller_vat_id": "DE123456789",
                "invoice_number": "RE-2024-17", "note": "Delivery and installation included, colour grey",
                "currency": "EUR"}, doc)
    c = a.citations
    assert close(c["seller_name"].bbox, box_of(doc, 1, "Musterhandel", "GmbH"))
    assert close(c["seller_vat_id"].bbox, box_of(doc, 1, "DE", "789"))
    assert close(c["invoice_number"].bbox, box_of(doc, 1, "Nr.RE-2024-17"))  # glued to its prefix
    assert close(c["note"].bbox, box_of(doc, 1, "Delivery", "installation", "grey"))  # 2 rows
    assert close(c["currency"].bbox, box_of(doc, 1, "€"))  # a code found as its symbol
    assert min(a.confidence.values()) > 0.8
    # half of a name found: partly penalised
    b = run(s, {"seller_name": "Musterhandel Holding AG"}, doc)
    assert 0.2 < b.confidence["seller_name"] < a.confidence["seller_name"]


def test_line_items_cited_near_their_item_with_leaf_paths():
    s = schema({"key": "items", "type": "list<object>", "fields": [
        {"key": "description", "type": "string"}, {"key": "qty", "type": "number"},
        {"key": "unit_price", "type": "number"}, {"key": "amount", "type": "number"},
        {"key": "unit", "type": "string"}]})
    doc = doc_of([
        [(40, "Description"), (300, "Qty"), (380, "Price"), (480, "Amount")],
        [(40, "Pens"), (300, "1"), (380, "10.00"), (480, "10.00")],
        [(40, "Paper"), (300, "2"), (380, "10.00"), (480, "20.00")],
        [(40, "Pens"), (300, "1"), (380, "10.00"), (480, "10.00")],
    ])
    items = [{"description": "Pens", "qty": 1, "unit_price": 10.0, "amount": 10.0, "unit": None},
             {"description": "Paper", "qty": 2, "unit_price": 10.0, "amount": 20.0, "unit": None},
             {"description": "Pens", "qty": 1, "unit_price": 10.0, "amount": 10.0, "unit": None}]
    a = run(s, {"items": items}, doc)
    for n in range(3):
        for k in ("description", "qty", "unit_price", "amount", "unit"):
            assert f"items[{n}].{k}" in a.confidence
        row_y = (50 + 16 * (n + 1)) / 800
        for k, x in (("qty", 300), ("unit_price", 380), ("amount", 480)):
            cite = a.citations[f"items[{n}].{k}"]
            assert abs(cite.bbox[1] - row_y) < 1e-3, (n, k)  # the item's own row
            assert abs(cite.bbox[0] - x / 600) < 1e-3, (n, k)  # its own column (price = amount)
    assert "items" in a.confidence and a.citations["items"].page == 1
    assert a.confidence["items[0].unit"] == 0.0 and "items[0].unit" not in a.citations


# ---------------------------------------------------------------------------------------------
# validation rules


HEADER = schema(
    {"key": "issue_date", "type": "date"}, {"key": "due_date", "type": "date"},
    {"key": "subtotal_amount", "type": "number"}, {"key": "tax_amount", "type": "number"},
    {"key": "total_amount", "type": "number"}, {"key": "quantity", "type": "integer"},
    {"key": "line_items", "type": "list<object>", "fields": [
        {"key": "description", "type": "string"}, {"key": "qty", "type": "number"},
        {"key": "unit_price", "type": "number"}, {"key": "amount", "type": "number"}]},
)
GOOD = {
    "issue_date": "2024-03-05", "due_date": "2024-04-04", "subtotal_amount": 100.0,
    "tax_amount": 19.0, "total_amount": 119.0, "quantity": 3,
    "line_items": [{"description": "Pens", "qty": 2.0, "unit_price": 20.0, "amount": 40.0},
                   {"description": "Paper", "qty": 3.0, "unit_price": 20.0, "amount": 60.0}],
}
EMPTY_DOC = DocumentText(pages=[PageText(number=1, width=600, height=800, source="none")])


def check(result: dict) -> Assessment:
    return run(HEADER, result, EMPTY_DOC, kind="offline", conf=0.8)


def test_consistent_result_passes_and_cross_checks_raise():
    a = check(GOOD)
    assert a.issues == []
    assert a.citations == {}  # no words: nothing to cite, nothing penalised
    plain = assess(HEADER, {"quantity": 3}, {"quantity": 0.8}, EMPTY_DOC, engine_kind="offline", model=None)
    baseline = plain.confidence["quantity"]
    for p in ("subtotal_amount", "tax_amount", "total_amount", "due_date",
              "line_items[0].qty", "line_items[1].amount", "line_items"):
        assert a.confidence[p] > baseline, p
    assert a.confidence["quantity"] == baseline


@pytest.mark.parametrize("change, rule, paths", [
    ({"quantity": "three"}, "type", ["quantity"]),
    ({"issue_date": "1985-03-05"}, "date_range", ["issue_date"]),
    ({"due_date": "2099-01-01"}, "date_range", ["due_date"]),
    ({"due_date": "2024-03-01"}, "due_before_issue", ["due_date", "issue_date"]),
    ({"total_amount": 129.0}, "subtotal_tax_total", ["subtotal_amount", "tax_amount", "total_amount"]),
    ({"line_items": [{"description": "Pens", "qty": 2.0, "unit_price": 20.0, "amount": 40.0},
                     {"description": "Paper", "qty": 3.0, "unit_price": 20.0, "amount": 50.0}]},
     "line_arithmetic", ["line_items[1].qty", "line_items[1].unit_price", "line_items[1].amount"]),
    ({"line_items": [{"description": "Pens", "qty": 2.0, "unit_price": 20.0, "amount": 40.0}]},
     "items_sum", ["line_items", "subtotal_amount"]),
])
def test_each_rule_fires_with_an_issue_and_lowers_confidence(change, rule, paths):
    good = check(GOOD)
    a = check({**GOOD, **change})
    fired = [i for i in a.issues if i.rule == rule]
    assert len(fired) == 1, a.issues
    assert fired[0].paths == paths and fired[0].message
    for p in paths:
        assert a.confidence[p] < good.confidence[p], p
        assert a.confidence[p] < 0.8, p


def test_a_line_discount_of_a_whole_or_half_percent_passes_the_line_arithmetic():
    items = [{"description": "Pens", "qty": 4.0, "unit_price": 12.5, "amount": 45.0},  # 10 % off
             {"description": "Paper", "qty": 3.0, "unit_price": 20.0, "amount": 55.0}]  # 8.33 %: no
    a = check({**GOOD, "line_items": items, "subtotal_amount": 100.0})
    fired = [i.paths for i in a.issues if i.rule == "line_arithmetic"]
    assert fired == [["line_items[1].qty", "line_items[1].unit_price", "line_items[1].amount"]]


def test_rules_skip_absent_fields_and_accept_price_per_100_units():
    a = check({"subtotal_amount": 100.0, "total_amount": None, "issue_date": None,
               "due_date": "2024-04-04",
               "line_items": [{"description": "Screws", "qty": 200.0, "unit_price": 52.52, "amount": 105.04}]})
    assert a.issues[0].rule == "items_sum"  # 105.04 vs 100: only that rule can run
    assert len(a.issues) == 1


def test_einvoice_values_need_no_grounding():
    s = schema({"key": "invoice_number", "type": "string"}, {"key": "total_amount", "type": "number"})
    doc = doc_of([[(40, "Something"), (120, "else")]])
    a = run(s, {"invoice_number": "471102", "total_amount": 529.87}, doc, kind="einvoice", conf=1.0)
    assert a.confidence == {"invoice_number": 1.0, "total_amount": 1.0}
    g = run(s, {"invoice_number": "471102", "total_amount": 529.87}, doc, kind="gemini", conf=1.0)
    assert max(g.confidence.values()) < 0.5


# ---------------------------------------------------------------------------------------------
# realistic documents


@pytest.mark.parametrize("seed, language", [(1, "en"), (2, "de"), (3, "fr"), (7, "en")])
def test_generated_invoice_every_value_cited_where_printed(seed, language):
    data, truth = make_invoice(seed=seed, language=language, n_items=30)
    doc = read_pdf(data)
    res = ENGINE.extract(INVOICE, doc)
    a = assess(INVOICE, res.result, res.confidence, doc, engine_kind="offline",
               engine_citations=res.citations, model=None)
    assert a.issues == []
    for n in range(len(res.result["line_items"])):
        for k in ("qty", "unit_price", "amount", "description"):
            path = f"line_items[{n}].{k}"
            cite = a.citations[path]
            engine_cite = res.citations[path]
            assert cite.page == engine_cite.page  # items past the first page are cited there
            assert abs(cite.bbox[1] - engine_cite.bbox[1]) < 0.01, path  # on the item's own row
            assert a.confidence[path] >= 0.9
    assert {c.page for k, c in a.citations.items() if k.startswith("line_items[")} == \
        set(range(1, len(doc.pages) + 1))
    for k in ("invoice_number", "issue_date", "due_date", "seller_vat_id", "purchase_order_number",
              "subtotal_amount", "tax_amount", "total_amount"):
        assert a.confidence[k] >= 0.9, k
        assert a.citations[k].page == (len(doc.pages) if k.endswith("_amount") else 1), k
    assert a.confidence["document_type_code"] < 0.5  # "380" is derived, never printed here


def test_hallucinated_values_penalised_on_a_real_invoice():
    data, truth = make_invoice(seed=4, language="de", n_items=4)
    doc = read_pdf(data)
    fake = dict(truth, invoice_number="RE-0000-1", total_amount=truth["total_amount"] + 17)
    a = run(INVOICE, fake, doc, kind="gemini", conf=0.9)
    b = run(INVOICE, truth, doc, kind="gemini", conf=0.9)
    assert a.confidence["invoice_number"] < 0.5 < b.confidence["invoice_number"]
    assert a.confidence["total_amount"] < 0.3 < b.confidence["total_amount"]
    assert "invoice_number" not in a.citations and "invoice_number" in b.citations
    assert [i.rule for i in a.issues] == ["subtotal_tax_total"]


def big_document(pages: int = 50, per_page: int = 10) -> tuple[DocumentText, dict]:
    """50 pages of an item table (German number format, wrapped descriptions) and its values."""
    products = ["Kopierpapier A4 weiß", "Kugelschreiber blau", "Druckerpatrone schwarz",
                "Bürostuhl ergonomisch", "Wartungsstunden Techniker vor Ort", "Kaffeebohnen 1 kg"]
    items, doc_pages = [], []
    for pg in range(pages):
        rows = [[(40, "Rechnung"), (120, "RE-2024-17"), (400, "Seite"), (440, f"{pg + 1}")],
                [(40, "Bezeichnung"), (300, "Menge"), (380, "Preis"), (480, "Betrag")]]
        for _ in range(per_page):
            n = len(items)
            desc = products[n % len(products)] + (" inkl. Lieferung" if n % 4 == 0 else "")
            qty, price = float(1 + n % 7), round(3.5 + (n * 7.31) % 900, 2)
            amount = round(qty * price, 2)
            items.append({"description": desc, "qty": qty, "unit_price": price, "amount": amount})
            words = desc.split()
            first = words[:3] if n % 4 == 0 else words
            de = lambda v: f"{v:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")  # noqa: E731
            row, x = [], 40.0
            for w in first:
                row.append((x, w))
                x += 6 * len(w) + 3
            rows.append(row + [(300, f"{qty:g}"), (380, de(price)), (480, de(amount))])
            if n % 4 == 0:  # the description wraps onto a second row
                rows.append([(40 + 40 * j, w) for j, w in enumerate(words[3:])])
        doc_pages.append(words_page(rows, number=pg + 1))
    subtotal = round(sum(i["amount"] for i in items), 2)
    return DocumentText(pages=doc_pages), {"line_items": items, "subtotal_amount": subtotal}


def test_big_document_is_fast():
    doc, result = big_document()
    t = time.perf_counter()
    a = run(INVOICE, result, doc, kind="gemini", conf=0.9)
    elapsed = time.perf_counter() - t
    print(f"assess: {len(doc.pages)} pages, {len(result['line_items'])} items: {elapsed:.3f} s")
    cited = [k for k in a.citations if k.startswith("line_items[")]
    assert len(cited) == 4 * 500
    assert a.citations["line_items[499].amount"].page == 50
    assert a.citations["line_items[496].description"].bbox[3] > a.citations["line_items[496].qty"].bbox[3]
    assert a.issues == []  # items sum to the subtotal, which is not printed: grounding penalised
    assert a.confidence["subtotal_amount"] < a.confidence["line_items[0].amount"]
    assert elapsed < 5  # about 0.3 s on one laptop core
