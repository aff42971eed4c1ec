"""Sellers and buyers of the hold-out set: company and person names, addresses and tax ids, each
the way its country writes them (invented names; any likeness is chance)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from evals.holdout.formats import Locale


@dataclass
class Party:
    name: str
    lines: list[str]  # street, town ...
    vat_id: str | None = None  # as the truth holds it (no spaces)
    vat_printed: str | None = None  # as printed
    phone: str = ""
    email: str = ""
    web: str = ""
    ids: dict[str, str] = field(default_factory=dict)  # SIRET, Steuernummer, KvK, ... as printed
    bank: dict[str, str] = field(default_factory=dict)  # bank, IBAN, BIC / routing, account
    person: bool = False


_FIRST = {
    "en": "James Maria Robert Jennifer David Linda Carlos Aisha Kevin Priya Sean Emily Marcus Hannah Luis Grace".split(),
    "fr": "Camille Julien Sophie Nicolas Claire Antoine Manon Hugo Élodie Mathieu Chloé Thomas".split(),
    "de": "Andreas Katrin Stefan Julia Markus Sabine Tobias Anja Florian Birgit Jürgen Lena".split(),
    "es": "Javier Lucía Alejandro Carmen Pablo Marta Sergio Elena Álvaro Nuria".split(),
    "it": "Giuseppe Francesca Marco Chiara Luca Giulia Matteo Elena Davide Silvia".split(),
    "nl": "Jeroen Sanne Bram Femke Daan Eva Thijs Anouk Ruben Lotte".split(),
}
_LAST = {
    "en": "Carter Ortiz Whitfield Nguyen Sullivan Patel Brennan Okafor Delgado Hughes Lindqvist Morrison Fairbanks Castillo".split(),
    "fr": "Moreau Lefèvre Girard Dubois Fontaine Rousseau Mercier Garnier Chevalier Lambert Faure Perrin".split(),
    "de": "Hoffmann Wagner Becker Schulte Krüger Neumann Zimmermann Hartmann Vogel Lorenz Brandt Keller".split(),
    "es": "García Martínez Romero Navarro Gil Serrano Molina Ortega Castro Rubio".split(),
    "it": "Rossi Bianchi Ferrari Esposito Colombo Ricci Marino Greco Bruno Gallo".split(),
    "nl": "de Vries van Dijk Bakker Visser Smit Meijer de Boer Mulder Bos Vos".split(" "),
}
_LAST["nl"] = ["de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "Bos", "Vos"]

# (pattern, legal forms): {L} a surname, {P} a place word, {T} a trade
_COMPANY = {
    "en-US": (["{P} {T}", "{L} & {L2} {T}", "{L} {T}", "{P} {T} Group"], ["LLC", "Inc.", "Co.", "", "LLC", "Corp."]),
    "en-GB": (["{P} {T}", "{L} & {L2}", "{L} {T}"], ["Ltd", "Limited", "LLP", "Ltd"]),
    "en-AU": (["{P} {T}", "{L} {T}", "{L} & {L2} {T}"], ["Pty Ltd", "Pty Ltd", ""]),
    "fr": (["{T} {L}", "{P} {T}", "{L} & {L2}", "{T} {L} et Fils"], ["SARL", "SAS", "EURL", "SA", ""]),
    "de": (["{T} {L}", "{L} {T}", "{L} & {L2} {T}", "{P} {T}"], ["GmbH", "GmbH & Co. KG", "KG", "e.K.", "GmbH"]),
    "de-AT": (["{T} {L}", "{L} & {L2}", "{P} {T}"], ["GmbH", "KG", "OG"]),
    "de-CH": (["{T} {L}", "{L} {T}", "{P} {T}"], ["AG", "GmbH", "AG"]),
    "es": (["{T} {L}", "{P} {T}", "{T} {L} y {L2}"], ["S.L.", "S.A.", "S.L.U.", "S.L."]),
    "it": (["{T} {L}", "{P} {T}", "{L} & {L2} {T}"], ["S.r.l.", "S.p.A.", "S.n.c.", "S.a.s."]),
    "nl": (["{T} {L}", "{P} {T}", "{L} & {L2}"], ["B.V.", "V.O.F.", "B.V."]),
    "fr-BE": (["{T} {L}", "{L} & {L2}", "{P} {T}"], ["SRL", "SA", "SC"]),
}
_TRADE = {
    "en": "Plumbing & Heating|Landscaping|Creative Studio|IT Services|Electrical|Bookkeeping|Signs & Print|"
          "Roofing|Web Design|Catering|Cleaning Services|Consulting|Supply|Auto Repair|Marketing".split("|"),
    "fr": "Menuiserie|Atelier|Plomberie|Boulangerie|Cabinet|Imprimerie|Électricité|Conseil|Paysages|Transports".split("|"),
    "de": "Schreinerei|Elektrotechnik|Haustechnik|Druckerei|Malerbetrieb|Dachdeckerei|Softwarehaus|"
          "Gartenbau|Steuerberatung|Metallbau".split("|"),
    "es": "Construcciones|Reformas|Distribuciones|Instalaciones|Gestoría|Talleres|Carpintería|Suministros".split("|"),
    "it": "Studio Tecnico|Officina Meccanica|Ceramiche|Impianti Elettrici|Tipografia|Edilizia|Forniture".split("|"),
    "nl": "Installatiebedrijf|Schildersbedrijf|Bouwbedrijf|Groenvoorziening|Drukkerij|Adviesbureau|Timmerwerken".split("|"),
}
_PLACE = {
    "en": "Harborview Redwood Bluebird Summit Ridge Northgate Cedar Lane Ironwood Lakeside Granite Peak Maple Grove "
          "Thornbury Kestrel Ashford Pennine Wattle Coastal Southern Cross".split(),
    "fr": "Lumière Horizon Vertical Atlantique Provence Saint-Clair Alpes Bocage".split(),
    "de": "Nordlicht Alpen Rheintal Hanse Isar Elbe Schwarzwald Bergland".split(),
    "es": "Alhambra Mediterráneo Costa Brava Levante Cantábrico Sierra".split(),
    "it": "Toscane Adriatica Dolomiti Lombarda Vesuvio Tirrena".split(),
    "nl": "Noorderlicht Polder Amstel Duinrand Maasdal Waddenzee".split(),
}
_EN_SINGLE = ["Ridge", "Grove", "Lane", "Peak", "Cross"]  # second words of two-word places above

_STREET = {
    "en-US": ["{n} {S} Street", "{n} {S} Ave", "{n} {S} Blvd, Suite {s}", "{n} {S} Road"],
    "en-GB": ["{n} {S} Road", "Unit {s}, {S} Business Park", "{n} {S} Lane"],
    "en-AU": ["{n} {S} St", "Unit {s}/{n} {S} Rd", "{n} {S} Parade"],
    "fr": ["{n} rue {Sfr}", "{n}, avenue {Sfr}", "{n} bis boulevard {Sfr}", "ZA du {Sfr}, lot {s}"],
    "fr-BE": ["Rue {Sfr} {n}", "Avenue {Sfr} {n}", "Chaussée de {Tn} {n}"],
    "de": ["{Sde}straße {n}", "{Sde}weg {n}", "Am {Sde}hof {n}", "{Sde}str. {n}a"],
    "es": ["C/ {Ses}, {n}", "Avda. de {Ses}, {n}, {s}º", "Calle {Ses} {n}"],
    "it": ["Via {Sit}, {n}", "Viale {Sit} {n}", "Corso {Sit}, {n}/B"],
    "nl": ["{Snl}straat {n}", "{Snl}weg {n}", "{Snl}laan {n}-{s}"],
}
_S = {
    "S": "Maple Oak Pine Franklin Jefferson Harbor Mill Church Station Kingsley Elm Victoria".split(),
    "Sfr": "de la République|Victor Hugo|des Lilas|Jean Jaurès|du Moulin|Pasteur|des Artisans|Gambetta".split("|"),
    "Sde": "Linden Birken Haupt Bahnhof Garten Mühlen Schiller Kirch Berg Rosen".split(),
    "Ses": "Mayor|Alcalá|la Constitución|Gran Vía|Serrano|San Vicente|Colón".split("|"),
    "Sit": "Roma|Garibaldi|Mazzini|Dante|Cavour|Verdi|della Repubblica".split("|"),
    "Snl": "Kerk Molen Dorps Stations Heren Zuider Linden Beuken".split(),
}
_TOWN = {
    "en-US": ["Austin, TX {z5}", "Portland, OR {z5}", "Columbus, OH {z5}", "Raleigh, NC {z5}", "Denver, CO {z5}",
              "Madison, WI {z5}", "Tampa, FL {z5}", "Sacramento, CA {z5}"],
    "en-GB": ["Leeds\nLS{d} {d}{L}{L}", "Bristol\nBS{d} {d}{L}{L}", "Norwich\nNR{d} {d}{L}{L}", "York\nYO{d} {d}{L}{L}"],
    "en-AU": ["Newcastle NSW {z4}", "Geelong VIC {z4}", "Toowoomba QLD {z4}", "Fremantle WA {z4}"],
    "fr": ["{z5} Lyon", "{z5} Nantes", "{z5} Toulouse", "{z5} Rennes", "{z5} Annecy", "{z5} Lille"],
    "fr-BE": ["{z4} Namur", "{z4} Liège", "{z4} Bruxelles", "{z4} Charleroi"],
    "de-DE": ["{z5} München", "{z5} Köln", "{z5} Leipzig", "{z5} Freiburg im Breisgau", "{z5} Bremen"],
    "de-AT": ["{z4} Wien", "{z4} Graz", "{z4} Linz", "{z4} Innsbruck"],
    "de-CH": ["{z4} Zürich", "{z4} Bern", "{z4} Winterthur", "{z4} Luzern"],
    "es": ["{z5} Madrid", "{z5} Valencia", "{z5} Sevilla", "{z5} Zaragoza", "{z5} Bilbao (Bizkaia)"],
    "it": ["{z5} Milano (MI)", "{z5} Bologna (BO)", "{z5} Firenze (FI)", "{z5} Torino (TO)", "{z5} Bari (BA)"],
    "nl": ["{z4} {L}{L} Utrecht", "{z4} {L}{L} Haarlem", "{z4} {L}{L} Groningen", "{z4} {L}{L} Eindhoven"],
}


def _pick(table: dict, loc: Locale):
    """The entry for the locale, else its language, else the US one."""
    return table.get(loc.code) or table.get(loc.lang) or table["en-US"]


def _fill(rnd: random.Random, pattern: str) -> str:
    def digits(k: int) -> str:
        return str(rnd.randint(1, 9)) + "".join(str(rnd.randint(0, 9)) for _ in range(k - 1))
    out = pattern
    for key, vals in _S.items():
        while "{" + key + "}" in out:
            out = out.replace("{" + key + "}", rnd.choice(vals), 1)
    while "{L}" in out:
        out = out.replace("{L}", rnd.choice("ABDEFGHJLNPRSTW"), 1)
    while "{d}" in out:
        out = out.replace("{d}", str(rnd.randint(1, 9)), 1)
    return out.format(n=rnd.randint(2, 248), s=rnd.randint(1, 12), z5=digits(5), z4=digits(4),
                      Tn=rnd.choice(["Louvain", "Wavre", "Mons"]))


def address(rnd: random.Random, loc: Locale) -> list[str]:
    street = _fill(rnd, rnd.choice(_pick(_STREET, loc)))
    town = _fill(rnd, rnd.choice(_pick(_TOWN, loc)))
    lines = [street, *town.split("\n")]
    if loc.code in ("fr-FR", "de-DE", "es-ES", "it-IT", "nl-NL") and rnd.random() < 0.15:
        lines.append({"fr": "France", "de": "Deutschland", "es": "España", "it": "Italia", "nl": "Nederland"}[loc.lang])
    return lines


def person_name(rnd: random.Random, loc: Locale) -> str:
    return f"{rnd.choice(_FIRST[loc.lang])} {rnd.choice(_LAST[loc.lang])}"


def company_name(rnd: random.Random, loc: Locale) -> str:
    patterns, forms = _pick(_COMPANY, loc)
    lang = loc.lang
    last = _LAST[lang]
    l1, l2 = rnd.sample(last, 2)
    place = rnd.choice(_PLACE[lang])
    if lang == "en" and rnd.random() < 0.4:
        place += " " + rnd.choice(_EN_SINGLE)
    name = rnd.choice(patterns).format(L=l1, L2=l2, P=place, T=rnd.choice(_TRADE[lang]))
    form = rnd.choice(forms)
    if form and lang == "en" and loc.code == "en-US" and form == "Inc." and rnd.random() < 0.5:
        return f"{name}, Inc."
    return f"{name} {form}".strip()


def _digits(rnd: random.Random, k: int) -> str:
    return "".join(str(rnd.randint(0, 9)) for _ in range(k))


def vat_id(rnd: random.Random, loc: Locale) -> tuple[str | None, str | None, dict[str, str]]:
    """(truth form, printed form, other registration numbers as printed) for the country."""
    c = loc.code
    if c == "en-US":
        return None, None, {}
    if c == "en-GB":
        d = _digits(rnd, 9)
        return "GB" + d, f"GB {d[:3]} {d[3:7]} {d[7:]}", {"company_no": _digits(rnd, 8)}
    if c == "en-AU":
        d = str(rnd.randint(1, 9)) + _digits(rnd, 10)
        return d, f"{d[:2]} {d[2:5]} {d[5:8]} {d[8:]}", {}
    if c == "fr-FR":
        siren, key = _digits(rnd, 9), f"{rnd.randint(10, 99)}"
        return (f"FR{key}{siren}", f"FR {key} {siren}",
                {"siret": f"{siren[:3]} {siren[3:6]} {siren[6:]} {_digits(rnd, 5)}",
                 "rcs": f"RCS {rnd.choice(['Lyon', 'Nantes', 'Paris'])} {siren[:3]} {siren[3:6]} {siren[6:]}",
                 "ape": f"{rnd.randint(10, 96)}.{rnd.randint(10, 99)}{rnd.choice('ABCZ')}"})
    if c == "fr-BE":
        d = "0" + _digits(rnd, 9)
        return "BE" + d, f"BE {d[:4]}.{d[4:7]}.{d[7:]}".replace(".", " "), {"rpm": f"RPM {rnd.choice(['Namur', 'Liège'])}"}
    if c == "de-DE":
        d = _digits(rnd, 9)
        return ("DE" + d, "DE" + d,
                {"steuernr": f"{rnd.randint(100, 199)}/{_digits(rnd, 3)}/{_digits(rnd, 5)}",
                 "hrb": f"HRB {rnd.randint(10000, 99999)}", "court": rnd.choice(["Amtsgericht München", "Amtsgericht Köln", "Amtsgericht Leipzig"])})
    if c == "de-AT":
        d = _digits(rnd, 8)
        return "ATU" + d, "ATU" + d, {"fn": f"FN {rnd.randint(100000, 599999)}{rnd.choice('abdiptxz')}"}
    if c == "de-CH":
        d = _digits(rnd, 9)
        return f"CHE-{d[:3]}.{d[3:6]}.{d[6:]}", f"CHE-{d[:3]}.{d[3:6]}.{d[6:]}", {}
    if c == "es-ES":
        d = rnd.choice("ABL") + _digits(rnd, 8)
        return d, d, {"registro": f"Inscrita en el Registro Mercantil de Madrid, Tomo {rnd.randint(1000, 40000)}, Folio {rnd.randint(1, 200)}"}
    if c == "it-IT":
        d = _digits(rnd, 11)
        return "IT" + d, "IT" + d, {"cf": d, "rea": f"REA MI-{rnd.randint(1000000, 2999999)}"}
    if c == "nl-NL":
        d = _digits(rnd, 9)
        return f"NL{d}B01", f"NL{d}B01", {"kvk": _digits(rnd, 8)}
    raise ValueError(c)


def bank(rnd: random.Random, loc: Locale) -> dict[str, str]:
    if loc.code == "en-US":
        return {"bank": rnd.choice(["First Republic Trust", "Chase", "Wells Fargo", "US Bank"]),
                "routing": "0" + _digits(rnd, 8), "account": _digits(rnd, 10)}
    if loc.code == "en-AU":
        return {"bank": rnd.choice(["Westpac", "ANZ", "Commonwealth Bank"]),
                "bsb": f"{_digits(rnd, 3)}-{_digits(rnd, 3)}", "account": _digits(rnd, 9)}
    cc = {"en-GB": "GB", "fr-FR": "FR", "fr-BE": "BE", "de-DE": "DE", "de-AT": "AT", "de-CH": "CH",
          "es-ES": "ES", "it-IT": "IT", "nl-NL": "NL"}[loc.code]
    n = {"GB": 18, "FR": 23, "BE": 12, "DE": 18, "AT": 16, "CH": 17, "ES": 20, "IT": 23, "NL": 14}[cc]
    body = _digits(rnd, n) if cc not in ("NL", "GB") else (
        rnd.choice(["RABO", "INGB", "ABNA"]) + _digits(rnd, 10) if cc == "NL" else "NWBK" + _digits(rnd, 14))
    iban = f"{cc}{_digits(rnd, 2)}{body}"
    grouped = " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    bics = {"GB": ["NWBKGB2L", "BARCGB22"], "FR": ["BNPAFRPPXXX", "CRLYFRPP", "AGRIFRPP882"],
            "BE": ["GEBABEBB", "BBRUBEBB"], "DE": ["COBADEFFXXX", "GENODEF1M01", "BYLADEM1001"],
            "AT": ["RZOOAT2L", "BKAUATWW"], "CH": ["UBSWCHZH80A", "ZKBKCHZZ80A"], "ES": ["CAIXESBBXXX", "BBVAESMM"],
            "IT": ["UNCRITMM", "BCITITMM"], "NL": ["INGBNL2A", "RABONL2U", "ABNANL2A"]}
    out = {"iban": grouped, "bic": rnd.choice(bics[cc])}
    if cc == "GB":
        out["sort_code"] = f"{_digits(rnd, 2)}-{_digits(rnd, 2)}-{_digits(rnd, 2)}"
        out["account"] = _digits(rnd, 8)
    return out


def party(rnd: random.Random, loc: Locale, *, person: bool = False, with_vat: bool = True) -> Party:
    name = person_name(rnd, loc) if person else company_name(rnd, loc)
    vat, vat_p, ids = vat_id(rnd, loc) if with_vat else (None, None, {})
    slug = "".join(ch for ch in name.split()[0].casefold() if ch.isalpha() and ch.isascii()) or "info"
    tld = {"en-US": "com", "en-GB": "co.uk", "en-AU": "com.au", "fr-FR": "fr", "fr-BE": "be", "de-DE": "de",
           "de-AT": "at", "de-CH": "ch", "es-ES": "es", "it-IT": "it", "nl-NL": "nl"}[loc.code]
    phone = {"en-US": f"({rnd.randint(201, 989)}) {rnd.randint(200, 999)}-{_digits(rnd, 4)}",
             "en-GB": f"0{rnd.randint(113, 199)} {_digits(rnd, 3)} {_digits(rnd, 4)}",
             "en-AU": f"(0{rnd.randint(2, 8)}) {_digits(rnd, 4)} {_digits(rnd, 4)}",
             "fr-FR": f"0{rnd.randint(1, 5)} {_digits(rnd, 2)} {_digits(rnd, 2)} {_digits(rnd, 2)} {_digits(rnd, 2)}",
             "fr-BE": f"+32 {rnd.randint(2, 87)} {_digits(rnd, 2)} {_digits(rnd, 2)} {_digits(rnd, 2)}",
             "de-DE": f"0{rnd.randint(30, 911)} {_digits(rnd, 6)}",
             "de-AT": f"+43 {rnd.randint(1, 732)} {_digits(rnd, 6)}",
             "de-CH": f"+41 {rnd.randint(21, 91)} {_digits(rnd, 3)} {_digits(rnd, 2)} {_digits(rnd, 2)}",
             "es-ES": f"+34 9{_digits(rnd, 2)} {_digits(rnd, 3)} {_digits(rnd, 3)}",
             "it-IT": f"0{rnd.randint(2, 99)} {_digits(rnd, 7)}",
             "nl-NL": f"0{rnd.randint(10, 79)} {_digits(rnd, 3)} {_digits(rnd, 4)}",
             }[loc.code]
    return Party(name=name, lines=address(rnd, loc), vat_id=vat, vat_printed=vat_p, phone=phone,
                 email=f"{rnd.choice(['info', 'billing', 'office', 'accounts', 'hello'])}@{slug}.{tld}",
                 web=f"www.{slug}.{tld}", ids=ids, bank=bank(rnd, loc), person=person)
