"""Measuring extraction quality: `docparse eval` (evaluate), the scoring rules (scoring) and how
far confidences can be trusted (calibration)."""
