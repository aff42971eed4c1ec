"""Hardened XML parsing for e-invoices: stdlib expat, no DOCTYPE, bounded size and depth.

Any DOCTYPE is refused (so no entity expansion, no external entities); the XML may be at most
MAX_XML_BYTES and nest at most MAX_DEPTH levels. Errors are reported as EInvoiceError. Also the
syntax of an invoice by its root element (``sniff_syntax``).
"""

from __future__ import annotations

from typing import Any, Literal, NoReturn
from xml.etree.ElementTree import Element, TreeBuilder
from xml.parsers import expat

MAX_XML_BYTES = 5 * 1024 * 1024
MAX_DEPTH = 64  # real CII/UBL nests ~10 levels

NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"

Syntax = Literal["cii", "ubl"]


class EInvoiceError(ValueError):
    """The XML is unsafe, too large, not well-formed or not a CII/UBL invoice."""


class _StopAtRoot(Exception):
    """Raised from a handler to stop after the root element."""


def _refuse_dtd(*_a: Any) -> NoReturn:
    raise EInvoiceError("XML with a DOCTYPE / entity declarations is refused (entity expansion)")


def _new_parser() -> expat.XMLParserType:
    """An expat parser that refuses DOCTYPEs and entity declarations."""
    p = expat.ParserCreate(namespace_separator="}")
    p.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    p.StartDoctypeDeclHandler = _refuse_dtd
    p.EntityDeclHandler = _refuse_dtd
    p.UnparsedEntityDeclHandler = _refuse_dtd
    p.ExternalEntityRefHandler = _refuse_dtd
    return p


def _split_name(name: str) -> tuple[str, str]:
    """expat "uri}local" -> (uri, local)."""
    if "}" in name:
        ns, local = name.rsplit("}", 1)
        return ns, local
    return "", name


def _check_size(xml: bytes) -> None:
    """Refuse anything but bytes within MAX_XML_BYTES."""
    if not isinstance(xml, (bytes, bytearray)):
        raise EInvoiceError("XML must be bytes")
    if len(xml) > MAX_XML_BYTES:
        raise EInvoiceError(f"XML is {len(xml)} bytes; at most {MAX_XML_BYTES} are accepted")


def _root_name(xml: bytes) -> tuple[str, str]:
    """(namespace, local name) of the root element, parsing no further than its start tag."""
    _check_size(xml)
    p = _new_parser()
    found: list[tuple[str, str]] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        found.append(_split_name(name))
        raise _StopAtRoot

    p.StartElementHandler = start
    try:
        p.Parse(bytes(xml), True)
    except _StopAtRoot:
        pass
    except expat.ExpatError as e:
        raise EInvoiceError(f"not well-formed XML: {e}") from None
    if not found:
        raise EInvoiceError("no root element")
    return found[0]


def parse_tree(xml: bytes) -> tuple[str, Element]:
    """(root namespace, root element) with tags and attribute names reduced to local names."""
    _check_size(xml)
    p = _new_parser()
    tb = TreeBuilder()
    depth = [0]
    root_ns: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        depth[0] += 1
        if depth[0] > MAX_DEPTH:
            raise EInvoiceError(f"XML nested deeper than {MAX_DEPTH} levels")
        ns, local = _split_name(name)
        if not root_ns:
            root_ns.append(ns)
        tb.start(local, {_split_name(k)[1]: v for k, v in attrs.items()})

    def end(name: str) -> None:
        depth[0] -= 1
        tb.end(_split_name(name)[1])

    p.StartElementHandler = start
    p.EndElementHandler = end
    p.CharacterDataHandler = tb.data
    try:
        p.Parse(bytes(xml), True)
    except expat.ExpatError as e:
        raise EInvoiceError(f"not well-formed XML: {e}") from None
    return (root_ns[0] if root_ns else ""), tb.close()


def syntax_of(ns: str, local: str) -> Syntax | None:
    """"cii" / "ubl" for a root element (namespace, local name), None for any other."""
    if local == "CrossIndustryInvoice":
        return "cii"
    if local == "CrossIndustryDocument" and "ferd" in ns.lower():  # ZUGFeRD 1.0
        return "cii"
    if local in ("Invoice", "CreditNote") and ns in (NS_UBL_INVOICE, NS_UBL_CREDIT):
        return "ubl"
    return None


def sniff_syntax(xml: bytes) -> Syntax | None:
    """"cii" / "ubl" by the root element, None for other XML. Raises EInvoiceError if unsafe/broken."""
    return syntax_of(*_root_name(xml))
