"""Scan profiles of the synthetic scans (evals/synth/scan.py): harsh (the default, frozen) and
office (issue 13's condition: 150 dpi grey, skew up to 5 degrees, page turns, light speckles, no blur,
JPEG 90)."""

from __future__ import annotations

import json
import random

import pytest
from typer.testing import CliRunner

from cli.main import app
from evals.holdout import FAMILIES
from evals.holdout import make_document as holdout_document
from evals.synth import make_document
from evals.synth.scan import DEFAULT_PROFILE, OFFICE_JPEG_QUALITY, PROFILES, draw_params


def test_the_default_profile_is_harsh_and_unchanged():
    assert DEFAULT_PROFILE == "harsh" and set(PROFILES) == {"harsh", "office"}
    # the frozen sets' draws: the default is the harsh profile, named or not
    for n in range(50):
        a = draw_params(random.Random(f"scan-1-{n}"), 2)
        assert a == draw_params(random.Random(f"scan-1-{n}"), 2, "harsh")
    first = draw_params(random.Random("scan-1-0"), 1)
    assert first.as_dict() == draw_params(random.Random("scan-1-0"), 1).as_dict()
    assert "profile" not in make_document(1, 0, scans=True).scan  # frozen manifests keep their keys


def test_office_draws_are_seeded_have_no_blur_and_stay_within_their_bounds():
    draws = [draw_params(random.Random(f"office-{n}"), 1 + n % 3, "office") for n in range(400)]
    assert draws == [draw_params(random.Random(f"office-{n}"), 1 + n % 3, "office") for n in range(400)]
    assert all(p.blur == 0 for p in draws)
    assert all(p.noise in (0.0, 0.0005, 0.0025) for p in draws)
    assert all(p.jpeg_quality == OFFICE_JPEG_QUALITY >= 85 for p in draws)
    assert all(abs(p.angle) <= 5 and p.dpi == 150 for p in draws)
    assert all(set(p.turns) <= {0, 90, 180} and len(p.turns) == 1 + n % 3 for n, p in enumerate(draws))
    # every noise level and both quarter turns occur; most pages are upright
    assert {p.noise for p in draws} == {0.0, 0.0005, 0.0025}
    turns = [t for p in draws for t in p.turns]
    assert {90, 180} <= set(turns) and turns.count(0) > len(turns) / 2
    assert max(abs(p.angle) for p in draws) > 3


def test_office_copies_are_skewed_and_turned_as_their_harsh_copies_are():
    for n in range(100):
        harsh = draw_params(random.Random(f"x-{n}"), 2, "harsh")
        office = draw_params(random.Random(f"x-{n}"), 2, "office")
        assert (office.angle, office.turns, office.container) == (harsh.angle, harsh.turns, harsh.container)
        assert office.noise <= max(harsh.noise, 0.0025)


def test_office_documents_are_deterministic_and_name_their_profile():
    a, b = make_document(5, 1, scans=True, scan_profile="office"), make_document(5, 1, scans=True, scan_profile="office")
    assert a.data == b.data and a.scan == b.scan and a.scan["profile"] == "office" and a.scan["blur"] == 0
    assert a.data != make_document(5, 1, scans=True).data
    h1 = holdout_document(13, FAMILIES[0], 0, scans=True, scan_profile="office")
    h2 = holdout_document(13, FAMILIES[0], 0, scans=True, scan_profile="office")
    assert h1.data == h2.data and h1.scan == h2.scan and h1.scan["profile"] == "office"
    with pytest.raises(ValueError):
        draw_params(random.Random(0), 1, "phone")


def test_docparse_synth_writes_office_scans(tmp_path):
    out = tmp_path / "set"
    res = CliRunner().invoke(app, ["synth", str(out), "--count", "2", "--seed", "2", "--families", "2",
                                   "--scans", "--scan-profile", "office"])
    assert res.exit_code == 0, res.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert all(m["scan"]["profile"] == "office" and m["scan"]["blur"] == 0 for m in manifest)
    assert json.loads((out / "GENERATOR.json").read_text())["scan_profile"] == "office"
    res = CliRunner().invoke(app, ["synth", str(tmp_path / "other"), "--scans", "--scan-profile", "phone"])
    assert res.exit_code == 2 and "scan-profile" in res.output
