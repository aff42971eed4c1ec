"""The Temporal Schedules the worker keeps: the stranded-batch reconciler (workflows/reconcile.py)."""

from __future__ import annotations

from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
)

from core.config import Settings
from workflows.reconcile import ReconcileWorkflow


def reconcile_schedule_id(settings: Settings) -> str:
    # one per task queue: stacks sharing a Temporal server (tests, staging) keep their own
    return f"docparse-reconcile-{settings.task_queue}"


async def ensure_schedules(client: Client, settings: Settings) -> None:
    """Creates the reconciler's schedule unless it exists (every worker calls this at start)."""
    every = timedelta(seconds=settings.reconcile_interval_s)
    try:
        await client.create_schedule(
            reconcile_schedule_id(settings),
            Schedule(
                action=ScheduleActionStartWorkflow(
                    ReconcileWorkflow.run, id=f"reconcile-{settings.task_queue}", task_queue=settings.task_queue,
                    execution_timeout=max(every, timedelta(minutes=5)),  # no worker left: it ends anyway
                ),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),  # a pass at a time
            ),
        )
    except ScheduleAlreadyRunningError:
        pass
