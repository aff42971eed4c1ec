"""Fitting the confidence model: L2-regularised logistic regression (Newton's method) and an
isotonic map (pool-adjacent-violators) on cross-fitted predictions, both in numpy.

Small and deterministic: the same records give the same model, bit for bit, on any machine with
the pinned numpy. Cross-fitting is by layout family: the isotonic map is fitted on predictions of
logistic models that never saw the family being predicted.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from extraction.confidence.features import FEATURES
from extraction.confidence.model import ConfidenceModel

L2 = 30.0  # ridge penalty on standardised weights: strong, as the features overlap (the rule-based
# score already holds grounding and rules); chosen by family-grouped cross-validation (ECE, log loss)
FOLDS = 5


def matrix(feats: Sequence[dict[str, float]], names: Sequence[str] = FEATURES) -> np.ndarray:
    return np.array([[f.get(n, 0.0) for n in names] for f in feats], dtype=np.float64).reshape(len(feats), len(names))


def fit_logistic(X: np.ndarray, y: np.ndarray, l2: float = L2, iters: int = 50
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, weights, bias) of a logistic regression on standardised columns."""
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale < 1e-9] = 1.0
    Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    w = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], l2)
    reg[-1] = 0.0  # the intercept is not shrunk
    for _ in range(iters):
        p = 1 / (1 + np.exp(-np.clip(Z @ w, -30, 30)))
        grad = Z.T @ (p - y) + reg * w
        H = (Z * (p * (1 - p))[:, None]).T @ Z + np.diag(reg + 1e-9)
        step = np.linalg.solve(H, grad)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return mean, scale, w[:-1], float(w[-1])


def predict_logistic(X: np.ndarray, mean: np.ndarray, scale: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    return 1 / (1 + np.exp(-np.clip(((X - mean) / scale) @ w + b, -30, 30)))


def fit_isotonic(x: np.ndarray, y: np.ndarray) -> tuple[list[float], list[float]]:
    """Knots (x, y) of the non-decreasing least-squares fit of y on x (PAVA); y is shrunk a little
    towards 0.5 by one pseudo-count per side in each block, so no block claims 0 or 1 exactly."""
    order = np.argsort(x, kind="stable")
    xs, ys = x[order], y[order].astype(np.float64)
    blocks: list[list[float]] = []  # [sum_y, count, sum_x]
    for xi, yi in zip(xs, ys):
        blocks.append([yi, 1.0, xi])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] >= blocks[-1][0] / blocks[-1][1]:
            s, n, sx = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += n
            blocks[-1][2] += sx
    kx = [round(b[2] / b[1], 6) for b in blocks]
    ky = [round((b[0] + 1) / (b[1] + 2), 6) for b in blocks]
    for i in range(1, len(ky)):  # the pseudo-counts may break monotonicity of tiny blocks
        ky[i] = max(ky[i], ky[i - 1])
    return kx, ky


def fit_model(feats: Sequence[dict[str, float]], correct: Sequence[bool], groups: Sequence[str],
              engine: str = "offline") -> ConfidenceModel:
    """Logistic regression on all records; the isotonic map on predictions cross-fitted by family
    (FOLDS folds of whole families)."""
    X, y = matrix(feats), np.array(correct, dtype=np.float64)
    fams = sorted(set(groups))
    fold_of = {f: i % FOLDS for i, f in enumerate(fams)}
    folds = np.array([fold_of[g] for g in groups])
    oof = np.zeros(len(y))
    for k in range(min(FOLDS, len(fams))):
        train, test = folds != k, folds == k
        if not test.any() or len(set(y[train])) < 2:
            oof[test] = y[train].mean() if train.any() else 0.5
            continue
        oof[test] = predict_logistic(X[test], *fit_logistic(X[train], y[train]))
    mean, scale, w, b = fit_logistic(X, y)
    kx, ky = fit_isotonic(oof, y)
    return ConfidenceModel(engine=engine, features=list(FEATURES), mean=[round(v, 6) for v in mean],
                           scale=[round(v, 6) for v in scale], weights=[round(v, 6) for v in w],
                           bias=round(b, 6), iso_x=kx, iso_y=ky)
