"""Progress of `docparse extract --wait` on stderr: a rich bar per batch on a terminal, else one
line whenever a batch's counts change."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Self

from cli.connection import err

if TYPE_CHECKING:
    from client import BatchStatus


class LineProgress:
    """One line on stderr whenever a batch's counts change: fine in logs and without a TTY."""

    def __init__(self, labels: dict[str, str]):
        self.labels = labels
        self.last: dict[str, tuple] = {}

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def update(self, status: BatchStatus) -> None:
        c = status.counts()
        total = len(status.files)
        key = (c["processed"], c["needs_review"], c["failed"], total, status.batch.status)
        if self.last.get(status.batch.id) == key:
            return
        self.last[status.batch.id] = key
        err(f"{self.labels[status.batch.id]}: processed {c['processed']}, needs review {c['needs_review']}, "
            f"failed {c['failed']} of {total} ({status.batch.status})")


class RichProgress:
    """A progress bar per batch (rich, on a terminal)."""

    def __init__(self, labels: dict[str, str], totals: dict[str, int]):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("processed {task.fields[processed]} · needs review {task.fields[review]} · "
                       "failed {task.fields[failed]}"),
            TimeElapsedColumn(), console=Console(stderr=True),
        )
        self.tasks = {
            bid: self.progress.add_task(labels[bid], total=totals[bid], processed=0, review=0, failed=0)
            for bid in labels
        }

    def __enter__(self) -> Self:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, status: BatchStatus) -> None:
        c = status.counts()
        self.progress.update(
            self.tasks[status.batch.id], total=len(status.files) or None,
            completed=c["processed"] + c["needs_review"] + c["failed"],
            processed=c["processed"], review=c["needs_review"], failed=c["failed"],
        )


def use_rich() -> bool:
    """A terminal on stderr and rich installed."""
    if not sys.stderr.isatty():
        return False
    try:
        import rich.progress  # noqa: F401
    except ImportError:
        return False
    return True

