"""The calibrated confidence model: features of a value -> probability that it is right.

A logistic regression over the standardised features (extraction.confidence.features), then an
isotonic map fitted on out-of-family predictions, so that a confidence of 0.9 means nine in ten such
values were right on layout families the model had not seen. `docparse calibrate` fits it
(evals/calibrate.py) and writes ``calibration.json`` beside this module; it is small, deterministic
JSON, loaded once per process. An engine kind without a model keeps the rule-based confidence.
"""

from __future__ import annotations

import bisect
import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

SHIPPED = Path(__file__).with_name("calibration.json")


class ConfidenceModel(BaseModel):
    engine: str
    features: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[float]
    bias: float
    iso_x: list[float]  # increasing raw probabilities ...
    iso_y: list[float]  # ... and the calibrated probability at each (non-decreasing)

    def raw(self, feats: dict[str, float]) -> float:
        z = self.bias
        for name, m, s, w in zip(self.features, self.mean, self.scale, self.weights):
            z += w * (feats.get(name, 0.0) - m) / s
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def predict(self, feats: dict[str, float]) -> float:
        return round(isotonic(self.iso_x, self.iso_y, self.raw(feats)), 3)


def isotonic(xs: list[float], ys: list[float], x: float) -> float:
    """The isotonic map at x: linear between its knots, flat outside them."""
    if not xs:
        return x
    if x <= xs[0]:
        return ys[0]
    if x >= xs[-1]:
        return ys[-1]
    i = bisect.bisect_right(xs, x)
    x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0) if x1 > x0 else y1


class CalibrationFile(BaseModel):
    version: int = 1
    produced_by: str = ""
    fitted_on: dict[str, Any] = {}
    models: dict[str, ConfidenceModel] = {}


def load(path: Path) -> CalibrationFile:
    return CalibrationFile.model_validate(json.loads(path.read_text()))


@lru_cache(maxsize=4)
def _shipped(path: str) -> dict[str, ConfidenceModel]:
    p = Path(path)
    return load(p).models if p.exists() else {}


def shipped_model(engine_kind: str) -> ConfidenceModel | None:
    """The shipped model for an engine kind (offline, gemini, einvoice), or None."""
    return _shipped(str(SHIPPED)).get(engine_kind)
