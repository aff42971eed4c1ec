"""The calibrated confidence (extraction/confidence: features, model) and its fit (evals/fit):
monotone, deterministic, shipped as a file that reloads; line items vary with their own rows."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from core.schema import ExtractionSchema
from evals.fit import fit_isotonic, fit_logistic, fit_model, predict_logistic
from evals.synth import draw_families, make_document, schema_invoice
from extraction.confidence import assess
from extraction.confidence.features import FEATURES
from extraction.confidence.model import SHIPPED, CalibrationFile, ConfidenceModel, isotonic, load, shipped_model
from extraction.engines.offline import OfflineEngine
from tests.support.pages import read_pdf

SCHEMA = ExtractionSchema(fields=schema_invoice()["fields"], language="auto")


def _records(n: int = 3000, seed: int = 0) -> tuple[list[dict[str, float]], list[bool], list[str]]:
    """Values whose correctness depends on grounding and failed rules, in 12 families."""
    rnd = random.Random(seed)
    feats, ys, groups = [], [], []
    for i in range(n):
        g = rnd.random()
        failed = 1.0 if rnd.random() < 0.2 else 0.0
        p = 0.3 + 0.65 * g - 0.4 * failed
        feats.append({"grounding": g, "grounded": float(g > 0.95), "failed": failed, "heuristic": g})
        ys.append(rnd.random() < p)
        groups.append(f"fam-{i % 12}")
    return feats, ys, groups


def test_isotonic_fit_is_monotone_and_interpolates():
    rnd = np.random.default_rng(1)
    x = rnd.random(2000)
    y = (rnd.random(2000) < x).astype(float)
    kx, ky = fit_isotonic(x, y)
    assert kx == sorted(kx) and all(b >= a for a, b in zip(ky, ky[1:]))
    assert 0 < ky[0] and ky[-1] < 1  # never exactly 0 or 1
    grid = [isotonic(kx, ky, v) for v in np.linspace(-0.5, 1.5, 101)]
    assert all(b >= a - 1e-12 for a, b in zip(grid, grid[1:]))


def test_logistic_fit_learns_the_direction_of_the_evidence():
    feats, ys, _ = _records()
    X = np.array([[f["grounding"], f["failed"]] for f in feats])
    mean, scale, w, b = fit_logistic(X, np.array(ys, dtype=float))
    assert w[0] > 0 and w[1] < 0
    p = predict_logistic(np.array([[1.0, 0.0], [0.0, 1.0]]), mean, scale, w, b)
    assert p[0] > 0.8 > 0.2 > p[1]


def test_fitted_model_is_deterministic_calibrated_and_reloads(tmp_path):
    feats, ys, groups = _records()
    m1 = fit_model(feats, ys, groups)
    m2 = fit_model(feats, ys, groups)
    assert m1.model_dump() == m2.model_dump()
    assert m1.features == list(FEATURES)
    # monotone in the evidence: more grounding never lowers the confidence
    confs = [m1.predict({"grounding": g, "grounded": float(g > 0.95), "heuristic": g}) for g in np.linspace(0, 1, 21)]
    assert all(b >= a for a, b in zip(confs, confs[1:]))
    # calibrated on fresh data of the same kind: confidence ~ accuracy per bin
    f2, y2, _ = _records(4000, seed=7)
    pred = np.array([m1.predict(f) for f in f2])
    for lo in (0.2, 0.5, 0.8):
        sel = (pred >= lo) & (pred < lo + 0.15)
        if sel.sum() > 100:
            assert abs(pred[sel].mean() - np.array(y2)[sel].mean()) < 0.06
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(CalibrationFile(models={"offline": m1}).model_dump(), sort_keys=True))
    again = load(path).models["offline"]
    assert again.predict(feats[5]) == m1.predict(feats[5])


def test_the_shipped_file_loads_and_matches_the_feature_list():
    if not SHIPPED.exists():
        pytest.skip("no calibration.json shipped")
    f = load(SHIPPED)
    m = f.models["offline"]
    assert shipped_model("offline") == m
    assert set(m.features) <= set(FEATURES) and len(m.weights) == len(m.features) == len(m.mean)
    assert m.iso_x == sorted(m.iso_x) and all(b >= a for a, b in zip(m.iso_y, m.iso_y[1:]))
    assert f.fitted_on.get("families", 0) >= 10  # fitted across many layout families


def _flat(n_feat: int = len(FEATURES)) -> ConfidenceModel:
    """A model that follows the rule-based score only (for the tests below)."""
    w = [0.0] * n_feat
    w[FEATURES.index("row_arith_bad")] = -3.0
    w[FEATURES.index("grounding")] = 2.0
    return ConfidenceModel(engine="offline", features=list(FEATURES), mean=[0.0] * n_feat, scale=[1.0] * n_feat,
                           weights=w, bias=1.0, iso_x=[], iso_y=[])


def test_line_item_confidences_follow_their_own_rows():
    doc = make_document(2, 3, draw_families(2, 4))
    words = read_pdf(doc.pdf)
    raw = OfflineEngine().extract(SCHEMA, words)
    items = raw.result["line_items"]
    assert len(items) >= 2
    broken = {**raw.result, "line_items": [dict(items[0], amount=items[0]["amount"] + 7.0), *items[1:]]}
    a = assess(SCHEMA, broken, raw.confidence, words, engine_kind="offline", model=_flat(), keep_features=True)
    assert a.features["line_items[0].amount"]["row_arith_bad"] == 1.0
    assert a.features["line_items[1].amount"]["row_arith_bad"] == 0.0
    # the broken row's values are less credible than the same values of a sound row
    assert a.confidence["line_items[0].qty"] < a.confidence["line_items[1].qty"]
    assert a.confidence["line_items[0].amount"] < a.confidence["line_items[1].amount"]
    assert "line_items[0].description" in a.features and a.features["line_items[0].description"]["kind_item_text"] == 1.0


def test_evidence_of_the_engine_reaches_the_features():
    doc = make_document(2, 1, draw_families(2, 4))
    words = read_pdf(doc.pdf)
    raw = OfflineEngine().extract(SCHEMA, words)
    ev = {"total_amount": {"margin": 0.7, "derived": 1.0}}
    a = assess(SCHEMA, raw.result, raw.confidence, words, engine_kind="offline", evidence=ev, model=None,
               keep_features=True)
    f = a.features["total_amount"]
    assert f["ev_margin"] == 0.7 and f["has_margin"] == 1.0 and f["ev_derived"] == 1.0
    assert f["has_label"] == 0.0 and f["ocr_conf"] == 1.0 and f["kind_amount"] == 1.0
