"""Saved BatchWorkflow (and ReconcileWorkflow) histories must replay against today's workflow code.

A change that reorders or alters the workflow's commands breaks running batches; this test
catches it. Such a change goes behind workflow.patched() (then deprecate_patch()), and a new
history is saved here with tests/histories/README.md's recipe.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer

from workflows.batch import BatchWorkflow
from workflows.reconcile import ReconcileWorkflow

HISTORIES = sorted((Path(__file__).resolve().parents[1] / "histories").glob("*.json"))


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
async def test_history_replays(path: Path):
    replayer = Replayer(workflows=[BatchWorkflow, ReconcileWorkflow], data_converter=pydantic_data_converter)
    history = WorkflowHistory.from_json(f"replay-{path.stem}", path.read_text())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def test_histories_are_there():
    kinds = {"offline_processed", "review_approved_and_deleted", "gemini_split_and_quota"}
    legacy = kinds | {f"prepare_{k}" for k in kinds} | {"gemini_one_chunk_finishes_itself", "webhooks_review_approved"}
    current = {f"current_{k}" for k in kinds | {"webhooks_review_approved", "gemini_one_chunk",
                                                "gemini_blocked_and_split", "review_signal_refused_then_approved",
                                                "deleted_mid_prepare", "review_continued_as_new_first_run",
                                                "review_continued_as_new", "reconcile_pass"}}
    assert {p.stem for p in HISTORIES} >= legacy | current
