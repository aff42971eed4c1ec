"""House rules the refactor set: small source files, and the README's layout naming the tree."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_LINES = 500
EXEMPT = ("tests/", "core/migrations/versions/", "api/static/")


def _tracked_python() -> list[Path]:
    names = subprocess.run(["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / n for n in names.stdout.split() if not n.startswith(EXEMPT)]


def test_no_source_file_is_over_500_lines():
    long = {str(p.relative_to(ROOT)): n for p in _tracked_python() if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}, f"split these (tests, migrations and static assets aside): {long}"


def test_the_readme_layout_names_the_tree_s_packages():
    readme = (ROOT / "README.md").read_text()
    block = readme.split("<!-- layout:", 1)[1].split("```text", 1)[1].split("```", 1)[0]
    listed = set(re.findall(r"^([a-z_]+)/", block, flags=re.M))
    packages = {p.parent.name for p in ROOT.glob("*/__init__.py")} - {"tests", "bench"}
    assert listed == packages, f"README layout lists {sorted(listed)}, the tree has {sorted(packages)}"
    sources = {p.name for p in _tracked_python()}
    for mentioned in re.findall(r"\b([a-z_]+\.py)\b", block):
        assert mentioned in sources, f"README layout mentions {mentioned}, which is not in the tree"
