"""Label normalisation and lookup: pieces of a word, a label's key, the index of labels in a row's
pieces, and the concept a client's field means."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from core.schema import FieldSpec
from extraction.values import fold

# ---------------------------------------------------------------------------------------------
# normalisation and label index


def pieces_of(text: str) -> list[str]:
    """Fold a word and cut it into alphanumeric pieces ('USt.-Id.-Nr.:' -> ['ust','id','nr'])."""
    return list(_pieces(text))


@lru_cache(maxsize=65536)
def _pieces(text: str) -> tuple[str, ...]:
    return tuple(re.findall(r"[a-z0-9]+|#", fold(text)))


@lru_cache(maxsize=8192)
def label_key(phrase: str) -> str:
    """A label as one comparable key: its pieces concatenated ("Rechnungs-Nr." -> "rechnungsnr")."""
    return "".join(_pieces(phrase))


class LabelIndex:
    """Maps concatenated label pieces to (target, weight, n_pieces)."""

    def __init__(self) -> None:
        self.map: dict[str, list[tuple[str, float]]] = {}
        self.max_pieces = 1

    def add(self, phrase: str, target: str, weight: float) -> None:
        ps = pieces_of(phrase)
        if not ps:
            return
        self.max_pieces = max(self.max_pieces, len(ps) + 1)
        lst = self.map.setdefault("".join(ps), [])
        for i, (t, w) in enumerate(lst):
            if t == target:
                lst[i] = (t, max(w, weight))
                return
        lst.append((target, weight))

    def matches(self, pieces: list[str]) -> list[tuple[int, int, str, float]]:
        """All (start, end, target, weight) with pieces[start:end] spelling a label."""
        out = []
        n = len(pieces)
        for i in range(n):
            acc = ""
            for j in range(i, min(n, i + self.max_pieces + 2)):
                acc += pieces[j]
                if len(acc) > 48:
                    break
                hit = self.map.get(acc)
                if hit:
                    for target, w in hit:
                        out.append((i, j + 1, target, w))
        return out


def one_edit_apart(a: str, b: str) -> bool:
    """Whether b is a with exactly one letter changed, dropped or added."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i + (len(a) == len(b)):] == b[i + 1:]


# ---------------------------------------------------------------------------------------------
# field -> concept mapping


def field_words(f: FieldSpec) -> str:
    """A field key as lower-case words ("total_amount" -> "total amount")."""
    return " ".join(re.split(r"[_\W]+", f.key)).strip().lower()


def map_concept(f: FieldSpec, concepts: dict[str, dict[str, Any]]) -> str | None:
    """The concept (a key of ``concepts``) a client's field means: by its key equal to a concept
    name or alias, else by its description naming an alias; None when nothing fits."""
    key = label_key(field_words(f))
    best, best_score = None, 0.0
    for name, c in concepts.items():
        score = 0.0
        if key == label_key(name.replace("_", " ")):
            score = 3.0
        for a in c["aliases"]:
            if label_key(a) == key:
                score = max(score, 2.5)
        if f.description:
            d = " " + " ".join(pieces_of(f.description)) + " "
            for a in c["aliases"]:
                ap = " ".join(pieces_of(a))
                if d.strip() == ap:
                    score = max(score, 2.0)
                elif len(ap.split()) >= 2 and " " + ap + " " in d:
                    score = max(score, 1.0 + 0.1 * len(a.split()))
        if score > best_score:
            best, best_score = name, score
    return best
