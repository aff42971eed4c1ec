"""The hold-out layout families.

Group A (group_a.py): may be inspected, documents and the engine's mistakes alike, to name general
failure classes. Group B (group_b_en.py, group_b_eu.py): SEALED, scored only; nobody tuning the
engine or the confidence looks at its documents, the engine's output on them or per-document scores.
"""

from evals.holdout.families.common import Family
from evals.holdout.families.group_a import FAMILIES_A
from evals.holdout.families.group_b_en import FAMILIES_B_EN
from evals.holdout.families.group_b_eu import FAMILIES_B_EU

FAMILIES: list[Family] = [*FAMILIES_A, *sorted([*FAMILIES_B_EN, *FAMILIES_B_EU], key=lambda f: f.id)]

__all__ = ["FAMILIES", "Family"]
