"""The --data-dir option of the commands that run or manage a local stack, and the Settings it selects."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Optional

import typer

DataDir = Annotated[
    Optional[Path],
    typer.Option("--data-dir", help="State directory (default ~/.docparse or DOCPARSE_DATA_DIR)."),
]


def settings_for(data_dir: Path | None):
    """The Settings from the environment, with DOCPARSE_DATA_DIR set to data_dir when given (so the
    processes started from here see it too)."""
    from core.config import Settings

    if data_dir is not None:
        os.environ["DOCPARSE_DATA_DIR"] = str(data_dir.resolve())
    return Settings()
