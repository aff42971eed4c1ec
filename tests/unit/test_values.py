"""Locale-robust parsing of printed numbers and dates, and coercion per schema type."""

from __future__ import annotations

import pytest

from core.schema import FieldSpec
from extraction.values import coerce, detect_currency, parse_date, parse_number


@pytest.mark.parametrize(
    "text,expected",
    [
        ("1.234,56", 1234.56),
        ("1,234.56", 1234.56),
        ("$4,108.26", 4108.26),
        ("4 108,26 €", 4108.26),
        ("4\u00a0108,26", 4108.26),
        ("-12.00", -12.0),
        ("(12.00)", -12.0),
        ("12.00-", -12.0),
        ("12,5", 12.5),
        ("1'234.50", 1234.5),
        ("EUR 12", 12.0),
        ("12.-", 12.0),
        ("12,-", 12.0),
        ("9,9000", 9.9),
        ("1.234.567", 1234567.0),
        ("1,234,567.89", 1234567.89),
        ("0", 0.0),
        ("€ -0,90", -0.9),
        ("Rs 1939", 1939.0),
        ("1.234", 1234.0),  # ambiguous: thousands without a hint
        (12, 12.0),
    ],
)
def test_parse_number(text, expected):
    assert parse_number(text) == pytest.approx(expected)


@pytest.mark.parametrize("text", ["", "abc", "12 %", "1.2.3,4,5", "12a", None, "1 23,4"])
def test_parse_number_rejects(text):
    assert parse_number(text) is None


def test_parse_number_ambiguous_uses_hints():
    assert parse_number("1.234", language="en") == pytest.approx(1.234)
    assert parse_number("1.234", language="de") == pytest.approx(1234)
    assert parse_number("1,234", language="de") == pytest.approx(1.234)
    assert parse_number("1,234", language="en") == pytest.approx(1234)
    assert parse_number("1,234", decimal=",") == pytest.approx(1.234)


@pytest.mark.parametrize(
    "text,language,expected",
    [
        ("05.03.2018", "auto", "2018-03-05"),
        ("03/05/2018", "de", "2018-05-03"),
        ("03/05/2018", "en", "2018-03-05"),
        ("03/05/2018", "en-US", "2018-03-05"),
        ("13/05/2018", "en", "2018-05-13"),  # month 13 impossible: day first
        ("05/13/2018", "fr", "2018-05-13"),
        ("2018-03-05", "auto", "2018-03-05"),
        ("5 March 2018", "auto", "2018-03-05"),
        ("March 5, 2018", "auto", "2018-03-05"),
        ("5. März 2018", "de", "2018-03-05"),
        ("5 mars 2018", "fr", "2018-03-05"),
        ("1er mars 2018", "fr", "2018-03-01"),
        ("05-Mar-2018", "auto", "2018-03-05"),
        ("20180305", "auto", "2018-03-05"),
        ("19 april 2014", "nl", "2014-04-19"),
        ("5.3.18", "de", "2018-03-05"),
    ],
)
def test_parse_date(text, language, expected):
    assert parse_date(text, language) == expected


@pytest.mark.parametrize("text", ["31.02.2018", "2018-13-01", "32 March 2018", "hello", "", "12345"])
def test_parse_date_rejects_impossible(text):
    assert parse_date(text) is None


def test_detect_currency():
    assert detect_currency("€ 12,00") == "EUR"
    assert detect_currency("$4.11") == "USD"
    assert detect_currency("£ 3") == "GBP"
    assert detect_currency("Total CHF 12") == "CHF"
    assert detect_currency("nothing") is None


def f(**kw) -> FieldSpec:
    return FieldSpec(key=kw.pop("key", "x"), **kw)


def test_coerce_scalars():
    assert coerce(" ACME   GmbH ", f(type="string")) == ("ACME GmbH", None)
    assert coerce("1.234,50", f(type="number")) == (1234.5, None)
    assert coerce("12", f(type="integer")) == (12, None)
    value, problem = coerce("12,5", f(type="integer"))
    assert value == 12 and problem
    assert coerce("oui", f(type="boolean")) == (True, None)
    assert coerce("Nein", f(type="boolean")) == (False, None)
    assert coerce("05.03.2018", f(type="date")) == ("2018-03-05", None)
    assert coerce(None, f(type="number")) == (None, None)
    value, problem = coerce("soon", f(type="date"))
    assert value is None and "date" in problem
    value, problem = coerce("abc", f(type="number"))
    assert value is None and problem


def test_coerce_enum_case_and_accents():
    spec = f(type="enum", values=["Créé", "Payé", "credit_note"])
    assert coerce("PAYE", spec) == ("Payé", None)
    assert coerce("créé", spec) == ("Créé", None)
    assert coerce("Credit Note", spec) == ("credit_note", None)
    value, problem = coerce("open", spec)
    assert value is None and problem


def test_coerce_list_of_objects_recurses():
    spec = f(key="line_items", type="list<object>", fields=[
        {"key": "description", "type": "string"},
        {"key": "qty", "type": "integer"},
        {"key": "amount", "type": "number"},
    ])
    value, problem = coerce([{"description": "Pen", "qty": "2", "amount": "1.234,00"},
                             {"description": "Ink", "qty": "x", "amount": None}], spec)
    assert value == [{"description": "Pen", "qty": 2, "amount": 1234.0},
                     {"description": "Ink", "qty": None, "amount": None}]
    assert "line_items[1].qty" in problem
    assert coerce(None, spec) == ([], None)
