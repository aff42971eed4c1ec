"""What a synthetic invoice says: parties, dates, lines, discounts, charges, taxes and totals.

Content is drawn per document; the layout family only sets how often optional parts occur (a
purchase order number, a due date, a deposit, a document-level discount or charge, several tax
rates, credit notes). Amounts are computed the way invoicing software does: line amount = qty x
unit price less the line discount, rounded per line; tax per rate on the net base, rounded per rate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from evals.synth.locales import Locale, vat_id

FIRST = {"en": ["Anna", "James", "Maria", "David", "Sarah", "Michael", "Emily", "Robert"],
         "de": ["Anna", "Jonas", "Sabine", "Thomas", "Julia", "Markus", "Petra", "Lukas"],
         "fr": ["Camille", "Julien", "Claire", "Nicolas", "Sophie", "Antoine", "Élodie", "Hugo"],
         "es": ["Lucía", "Javier", "Carmen", "Pablo", "Marta", "Alejandro", "Elena", "Diego"],
         "it": ["Giulia", "Marco", "Francesca", "Luca", "Chiara", "Matteo", "Sara", "Davide"],
         "nl": ["Sanne", "Daan", "Femke", "Bram", "Lotte", "Ruben", "Eva", "Thijs"]}
LAST = {"en": ["Carter", "Hughes", "Bennett", "Foster", "Reynolds", "Sullivan", "Porter", "Hayes"],
        "de": ["Schneider", "Becker", "Hoffmann", "Wagner", "Keller", "Brandt", "Vogel", "Krüger"],
        "fr": ["Lefèvre", "Moreau", "Girard", "Fontaine", "Rousseau", "Chevalier", "Bonnet", "Lambert"],
        "es": ["García", "Fernández", "Romero", "Navarro", "Moreno", "Ortega", "Delgado", "Castro"],
        "it": ["Rossi", "Bianchi", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo"],
        "nl": ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Mulder", "de Boer", "Dekker"]}
TRADE = {"en": ["Supplies", "Traders", "Consulting", "Logistics", "Office Solutions", "Industries",
                "Software", "Print & Media", "Facility Services", "Engineering"],
         "de": ["Bürobedarf", "Handel", "Elektrotechnik", "Logistik", "Haustechnik", "Software",
                "Druck & Medien", "Maschinenbau", "Gebäudeservice", "Beratung"],
         "fr": ["Fournitures", "Distribution", "Conseil", "Transports", "Informatique", "Imprimerie",
                "Bâtiment", "Services", "Équipements", "Ingénierie"],
         "es": ["Suministros", "Distribuciones", "Consultoría", "Transportes", "Informática",
                "Gráficas", "Construcciones", "Servicios", "Instalaciones", "Ingeniería"],
         "it": ["Forniture", "Distribuzione", "Consulenza", "Trasporti", "Informatica", "Tipografia",
                "Costruzioni", "Servizi", "Impianti", "Ingegneria"],
         "nl": ["Kantoorartikelen", "Groothandel", "Advies", "Transport", "Automatisering",
                "Drukwerk", "Installatietechniek", "Diensten", "Bouw", "Techniek"]}
ADJ = {"en": ["Northwind", "Blue Harbor", "Summit", "Riverside", "Golden Gate", "Pinecrest", "Redwood",
              "Silver Lake", "Oakridge", "Brightline"],
       "de": ["Nordlicht", "Rheintal", "Alpen", "Hanse", "Isar", "Elbe", "Schwarzwald", "Bodensee"],
       "fr": ["Atlantique", "Lumière", "Provence", "Val de Loire", "Mont Blanc", "Rhône", "Bretagne"],
       "es": ["Levante", "Mediterráneo", "Ibérica", "Cantábrico", "Sierra", "Guadalquivir"],
       "it": ["Adriatica", "Lombarda", "Toscana", "Alpina", "Tirrena", "Padana", "Ligure"],
       "nl": ["Noordzee", "Randstad", "Polder", "Zuiderzee", "Maas", "Veluwe", "Amstel"]}
LEGAL = {"en-US": ["Inc.", "LLC", "Corp.", "Group LLC", "Co."], "en-GB": ["Ltd", "Limited", "PLC", "LLP"],
         "de-DE": ["GmbH", "AG", "KG", "GmbH & Co. KG", "e.K."], "de-CH": ["AG", "GmbH"],
         "fr-FR": ["SARL", "SAS", "SA", "EURL"], "es-ES": ["S.L.", "S.A.", "S.L.U."],
         "it-IT": ["S.r.l.", "S.p.A.", "S.n.c."], "nl-NL": ["B.V.", "V.O.F."], "nl-BE": ["BV", "NV", "BVBA"]}
ORGS = {"en": ["City of {c} Public Works", "{c} Dental Clinic", "{c} Primary School", "St. Mary's Hospital"],
        "de": ["Stadtwerke {c}", "Praxis Dr. {l}", "Gemeinde {c}", "Kreiskrankenhaus {c}"],
        "fr": ["Mairie de {c}", "Cabinet {l}", "Lycée {l} de {c}", "Clinique du Parc"],
        "es": ["Ayuntamiento de {c}", "Clínica Dental {l}", "Colegio {l}"],
        "it": ["Comune di {c}", "Studio Dentistico {l}", "Istituto {l}"],
        "nl": ["Gemeente {c}", "Tandartspraktijk {l}", "Basisschool De Regenboog"]}
STREET = {"en-US": ["{n} Market Street", "{n} Oak Avenue", "{n} Industrial Pkwy, Suite {s}"],
          "en-GB": ["{n} High Street", "{n} Station Road", "Unit {s}, {n} Mill Lane"],
          "de": ["{w}straße {n}", "{w}weg {n}", "Am {w} {n}"], "fr": ["{n} rue {w}", "{n} avenue {w}", "{n} boulevard {w}"],
          "es": ["Calle {w} {n}", "Avda. {w}, {n}", "Plaza {w} {n}"], "it": ["Via {w} {n}", "Corso {w} {n}", "Piazza {w} {n}"],
          "nl": ["{w}straat {n}", "{w}laan {n}", "{w}weg {n}"]}
STREET_WORDS = {"de": ["Haupt", "Linden", "Bahnhof", "Garten", "Schiller", "Industrie"],
                "fr": ["de la Paix", "Victor Hugo", "des Lilas", "Pasteur", "de la Gare"],
                "es": ["Mayor", "de la Constitución", "del Sol", "Real", "de Goya"],
                "it": ["Roma", "Garibaldi", "Dante", "Mazzini", "Verdi"],
                "nl": ["Kerk", "Molen", "Dorps", "Stations", "Linden"]}
CITIES = {"en-US": [("Springfield", "IL 62701"), ("Austin", "TX 78701"), ("Portland", "OR 97205"), ("Dayton", "OH 45402")],
          "en-GB": [("London", "EC1A 1BB"), ("Leeds", "LS1 4AP"), ("Bristol", "BS1 5TR"), ("York", "YO1 7HH")],
          "de-DE": [("München", "80333"), ("Berlin", "10115"), ("Köln", "50667"), ("Leipzig", "04109")],
          "de-CH": [("Zürich", "8001"), ("Bern", "3011"), ("Basel", "4051")],
          "fr-FR": [("Paris", "75002"), ("Lyon", "69001"), ("Nantes", "44000"), ("Lille", "59000")],
          "es-ES": [("Madrid", "28013"), ("Valencia", "46002"), ("Sevilla", "41001"), ("Bilbao", "48001")],
          "it-IT": [("Milano", "20121"), ("Torino", "10121"), ("Bologna", "40121"), ("Napoli", "80133")],
          "nl-NL": [("Utrecht", "3511 AB"), ("Rotterdam", "3011 AD"), ("Groningen", "9711 LM")],
          "nl-BE": [("Gent", "9000"), ("Antwerpen", "2000"), ("Leuven", "3000")]}
PRODUCTS = {
    "en": ["Printer paper A4, 500 sheets", "Ballpoint pens, blue (box of 50)", "LED desk lamp", "Heavy-duty stapler",
           "Consulting services", "Ink cartridge, black", "USB-C cable 2 m", "Whiteboard markers", "Ergonomic office chair",
           "Filing cabinet, 3 drawers", "Monitor stand", "Software support", "Coffee beans 1 kg", "Spiral notebook",
           "On-site installation", "Annual maintenance contract", "Network switch 24-port", "Laptop docking station",
           "Cleaning service (monthly)", "Travel expenses", "Safety gloves, size L", "Wireless keyboard"],
    "de": ["Kopierpapier A4 weiß", "Kugelschreiber blau", "Schreibtischlampe LED", "Heftgerät groß", "Beratungsleistung",
           "Druckerpatrone schwarz", "USB-C Kabel 2 m", "Whiteboard-Marker", "Bürostuhl ergonomisch", "Aktenschrank 3 Schübe",
           "Monitorhalterung", "Wartungsstunden", "Kaffeebohnen 1 kg", "Notizblock kariert", "Montage vor Ort",
           "Wartungsvertrag jährlich", "Netzwerk-Switch 24 Port", "Dockingstation", "Unterhaltsreinigung", "Fahrtkosten",
           "Arbeitshandschuhe Gr. 9", "Funktastatur"],
    "fr": ["Papier A4 blanc", "Stylos bille bleus", "Lampe de bureau LED", "Agrafeuse grand modèle", "Prestation de conseil",
           "Cartouche d'encre noire", "Câble USB-C 2 m", "Feutres effaçables", "Chaise de bureau ergonomique",
           "Armoire de classement", "Support d'écran réglable", "Heures de maintenance", "Café en grains 1 kg",
           "Cahier à spirale", "Installation sur site", "Contrat de maintenance annuel", "Commutateur réseau 24 ports",
           "Station d'accueil", "Nettoyage des locaux", "Frais de déplacement", "Gants de protection", "Clavier sans fil"],
    "es": ["Papel A4 500 hojas", "Bolígrafos azules", "Lámpara de escritorio LED", "Grapadora grande", "Servicios de consultoría",
           "Cartucho de tinta negro", "Cable USB-C 2 m", "Rotuladores de pizarra", "Silla de oficina ergonómica",
           "Archivador de 3 cajones", "Soporte para monitor", "Horas de mantenimiento", "Café en grano 1 kg",
           "Cuaderno de espiral", "Instalación in situ", "Contrato de mantenimiento anual", "Switch de red 24 puertos",
           "Base de conexión", "Servicio de limpieza", "Gastos de viaje", "Guantes de seguridad", "Teclado inalámbrico"],
    "it": ["Carta A4 500 fogli", "Penne a sfera blu", "Lampada da scrivania LED", "Cucitrice grande", "Servizi di consulenza",
           "Cartuccia inchiostro nero", "Cavo USB-C 2 m", "Pennarelli per lavagna", "Sedia da ufficio ergonomica",
           "Cassettiera a 3 cassetti", "Supporto monitor", "Ore di manutenzione", "Caffè in grani 1 kg", "Quaderno a spirale",
           "Installazione in sede", "Contratto di manutenzione annuale", "Switch di rete 24 porte", "Docking station",
           "Servizio di pulizia", "Spese di trasferta", "Guanti di protezione", "Tastiera wireless"],
    "nl": ["Printpapier A4 500 vel", "Balpennen blauw", "Bureaulamp LED", "Nietmachine groot", "Adviesdiensten",
           "Inktcartridge zwart", "USB-C kabel 2 m", "Whiteboardstiften", "Ergonomische bureaustoel", "Archiefkast 3 laden",
           "Monitorstandaard", "Onderhoudsuren", "Koffiebonen 1 kg", "Collegeblok", "Installatie op locatie",
           "Jaarlijks onderhoudscontract", "Netwerkswitch 24 poorten", "Dockingstation", "Schoonmaakdienst",
           "Reiskosten", "Werkhandschoenen", "Draadloos toetsenbord"],
}
DETAILS = {"en": ["incl. delivery and setup", "colour: graphite grey", "per licence, 12 months", "as per quote"],
           "de": ["inkl. Lieferung und Montage", "Farbe: graphitgrau", "je Lizenz, 12 Monate", "laut Angebot"],
           "fr": ["livraison et installation incluses", "coloris : gris graphite", "par licence, 12 mois", "selon devis"],
           "es": ["incluye entrega e instalación", "color: gris grafito", "por licencia, 12 meses", "según presupuesto"],
           "it": ["consegna e installazione incluse", "colore: grigio grafite", "per licenza, 12 mesi", "come da preventivo"],
           "nl": ["incl. levering en installatie", "kleur: grafietgrijs", "per licentie, 12 maanden", "volgens offerte"]}


@dataclass
class Party:
    name: str
    lines: list[str]  # address lines below the name
    vat: str = ""  # compact id (truth)
    vat_printed: str = ""
    phone: str = ""
    email: str = ""
    iban: str = ""


@dataclass
class Line:
    description: str
    detail: str  # a second description line, or ""
    sku: str
    qty: float
    unit: str
    unit_price: float
    discount: float  # percent
    tax_rate: float
    amount: float


@dataclass
class Invoice:
    credit: bool
    number: str
    issue: date
    due: date | None
    delivery: date
    order: date
    po: str
    customer_no: str
    currency: tuple[str, str]
    seller: Party
    buyer: Party
    ship_to: Party | None
    lines: list[Line]
    discount_pct: float
    charge: float
    paid: float
    terms_days: int
    items_total: float = 0.0
    subtotal: float = 0.0
    taxes: list[tuple[float, float, float]] = field(default_factory=list)  # (rate, base, tax)
    tax: float = 0.0
    total: float = 0.0
    due_amount: float = 0.0


def _company(rnd: random.Random, loc: Locale) -> str:
    lang = loc.lang
    legal = rnd.choice(LEGAL[loc.code])
    form = rnd.randrange(4)
    if form == 0:
        base = f"{rnd.choice(ADJ[lang])} {rnd.choice(TRADE[lang])}"
    elif form == 1:
        base = f"{rnd.choice(LAST[lang])} {rnd.choice(TRADE[lang])}"
    elif form == 2:
        a, b = rnd.sample(LAST[lang], 2)
        base = f"{a} & {b}" if lang != "en" or rnd.random() < 0.5 else f"{a}, {b} and Partners"
    else:
        base = f"{rnd.choice(ADJ[lang])} {rnd.choice(LAST[lang])} {rnd.choice(TRADE[lang])}"
    if lang in ("es",) and form in (0, 3):
        base = f"{rnd.choice(TRADE[lang])} {rnd.choice(ADJ[lang])}"
    return f"{base} {legal}"


def _address(rnd: random.Random, loc: Locale) -> list[str]:
    key = loc.code if loc.code in STREET else loc.lang
    street = rnd.choice(STREET[key]).format(n=rnd.randint(1, 240), s=rnd.randint(2, 40),
                                           w=rnd.choice(STREET_WORDS.get(loc.lang, ["Main"])))
    city, post = rnd.choice(CITIES[loc.code])
    if loc.country == "US":
        return [street, f"{city}, {post}"]
    if loc.country == "GB":
        return [street, city, post]
    return [street, f"{post} {city}"]


def _party(rnd: random.Random, loc: Locale, company: bool, with_vat: bool) -> Party:
    if company or rnd.random() < 0.5:
        name = _company(rnd, loc)
    elif rnd.random() < 0.5:
        name = rnd.choice(ORGS[loc.lang]).format(c=rnd.choice(CITIES[loc.code])[0], l=rnd.choice(LAST[loc.lang]))
    else:
        name = f"{rnd.choice(FIRST[loc.lang])} {rnd.choice(LAST[loc.lang])}"
    vat, printed = vat_id(rnd, loc.country) if with_vat else ("", "")
    digits = "".join(rnd.choice("0123456789") for _ in range(9))
    host = "".join(ch for ch in name.split()[0].lower() if ch.isascii() and ch.isalpha()) or "mail"
    return Party(name=name, lines=_address(rnd, loc), vat=vat, vat_printed=printed,
                 phone=f"+{rnd.randint(1, 49)} {digits[:3]} {digits[3:]}", email=f"billing@{host}.example",
                 iban=f"{loc.country}{rnd.randint(10, 99)} " + " ".join(
                     "".join(rnd.choice("0123456789") for _ in range(4)) for _ in range(4)))


def _number(rnd: random.Random, year: int) -> str:
    form = rnd.randrange(6)
    n = rnd.randint(100, 999999)
    return [f"INV-{year}-{n % 10000:04d}", f"{year}{n:06d}", f"RE{n}", f"F{year % 100:02d}/{n % 1000:03d}",
            f"{n}", f"A-{n % 100000}"][form]


def _money(v: float) -> float:
    return round(v + 1e-9, 2)


def make_invoice(rnd: random.Random, loc: Locale, opts: dict[str, Any]) -> Invoice:
    """One invoice's content; ``opts`` are the family's rates (po, due, credit, discount...)."""
    lang = loc.lang
    issue = date(2019, 1, 1) + timedelta(days=rnd.randint(0, 6 * 365))
    terms = rnd.choice([7, 10, 14, 30, 30, 45, 60])
    n_lines = max(1, int(rnd.choice(opts["lines"])))
    rates = list(loc.tax_rates)
    multi_rate = rnd.random() < opts["multi_rate"] and len(rates) > 1
    lines: list[Line] = []
    for _ in range(n_lines):
        desc = rnd.choice(PRODUCTS[lang])
        detail = rnd.choice(DETAILS[lang]) if rnd.random() < opts["detail"] else ""
        if rnd.random() < 0.85:
            qty = float(rnd.choice([1, 1, 2, 3, 4, 5, 6, 10, 12, 20, 24, 25, 50, 100]))
        else:
            qty = rnd.choice([0.5, 1.5, 2.25, 7.5, 0.25, 12.5])
        price = _money(rnd.uniform(0.4, 60) if rnd.random() < 0.5 else rnd.uniform(20, 2400))
        disc = rnd.choice([0, 0, 0, 5, 10, 15, 20]) if opts["line_discount"] else 0
        amount = _money(qty * price * (1 - disc / 100))
        rate = rnd.choice(rates) if multi_rate else rates[0]
        sku = f"{rnd.choice('ABCDEFGHKMPRSTX')}{rnd.randint(100, 99999)}"
        lines.append(Line(desc, detail, sku, qty, rnd.choice(opts["units"]), price, disc, rate, amount))
    inv = Invoice(
        credit=rnd.random() < opts["credit"], number=_number(rnd, issue.year), issue=issue,
        due=issue + timedelta(days=terms) if rnd.random() < opts["due"] else None,
        delivery=issue - timedelta(days=rnd.randint(0, 20)), order=issue - timedelta(days=rnd.randint(5, 60)),
        po=(rnd.choice(["PO-", "PO", "B", "", "ORD-"]) + str(rnd.randint(10000, 9999999))) if rnd.random() < opts["po"] else "",
        customer_no=str(rnd.randint(10000, 999999)), currency=rnd.choice(loc.currencies),
        seller=_party(rnd, loc, True, loc.country != "US" or rnd.random() < 0.0),
        buyer=_party(rnd, loc, False, rnd.random() < 0.4 and loc.country != "US"),
        ship_to=None, lines=lines,
        discount_pct=rnd.choice([2, 3, 5, 10]) if rnd.random() < opts["doc_discount"] else 0,
        charge=_money(rnd.choice([4.9, 6.95, 9.5, 15, 25, 49])) if rnd.random() < opts["charge"] else 0.0,
        paid=0.0, terms_days=terms,
    )
    if rnd.random() < opts["ship_to"]:
        ship = _party(rnd, loc, False, False)
        if rnd.random() < 0.5:  # often the same organisation at another site
            ship.name = inv.buyer.name
        inv.ship_to = ship
    compute_totals(inv, rates[0])
    if rnd.random() < opts["paid"] and not inv.credit:
        inv.paid = _money(inv.total * rnd.choice([0.2, 0.3, 0.5]))
        inv.due_amount = _money(inv.total - inv.paid)
    return inv


def compute_totals(inv: Invoice, main_rate: float) -> None:
    inv.items_total = _money(sum(ln.amount for ln in inv.lines))
    disc = _money(inv.items_total * inv.discount_pct / 100)
    inv.subtotal = _money(inv.items_total - disc + inv.charge)
    bases: dict[float, float] = {}
    for ln in inv.lines:
        bases[ln.tax_rate] = bases.get(ln.tax_rate, 0.0) + ln.amount
    # the document discount is spread over the rates; the charge goes with the main rate
    scale = (inv.items_total - disc) / inv.items_total if inv.items_total else 1.0
    taxes = []
    for rate in sorted(bases, reverse=True):
        base = _money(bases[rate] * scale + (inv.charge if rate == main_rate or len(bases) == 1 else 0))
        taxes.append((rate, base, _money(base * rate / 100)))
    if not any(r == main_rate for r, _, _ in taxes) and inv.charge:
        taxes[0] = (taxes[0][0], _money(taxes[0][1] + inv.charge), _money((taxes[0][1] + inv.charge) * taxes[0][0] / 100))
    # bases must add up to the subtotal exactly (rounding goes to the largest base)
    diff = _money(inv.subtotal - sum(b for _, b, _ in taxes))
    if diff:
        r, b, _ = taxes[0]
        taxes[0] = (r, _money(b + diff), _money((b + diff) * r / 100))
    inv.taxes = taxes
    inv.tax = _money(sum(t for _, _, t in taxes))
    inv.total = _money(inv.subtotal + inv.tax)
    inv.due_amount = inv.total


def truth_of(inv: Invoice) -> dict[str, Any]:
    """The truth file: keys of shared/eval/schema-invoice.json. A field the document does not carry
    is null (the engine should leave it empty). Credit notes keep amounts positive, as e-invoices do."""
    return {
        "invoice_number": inv.number,
        "document_type_code": "381" if inv.credit else "380",
        "issue_date": inv.issue.isoformat(),
        "due_date": inv.due.isoformat() if inv.due else None,
        "currency": inv.currency[0],
        "seller_name": inv.seller.name,
        "seller_vat_id": inv.seller.vat or None,
        "buyer_name": inv.buyer.name,
        "purchase_order_number": inv.po or None,
        "subtotal_amount": inv.subtotal,
        "tax_amount": inv.tax,
        "total_amount": inv.total,
        "amount_due": inv.due_amount,
        "line_items": [{"description": (ln.description + (" " + ln.detail if ln.detail else "")),
                        "qty": ln.qty, "unit_price": ln.unit_price, "amount": ln.amount} for ln in inv.lines],
    }
