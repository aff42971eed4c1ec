"""The Temporal Schedules the worker keeps: the reconciler and the sweeper (workflows/reconcile.py)."""

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
from workflows.reconcile import ReconcileWorkflow, SweepWorkflow


def reconcile_schedule_id(settings: Settings) -> str:
    # one per task queue: stacks sharing a Temporal server (tests, staging) keep their own
    return f"docparse-reconcile-{settings.task_queue}"


def sweep_schedule_id(settings: Settings) -> str:
    return f"docparse-sweep-{settings.task_queue}"


async def _ensure(client: Client, schedule_id: str, workflow, workflow_id: str, task_queue: str,
                  every: timedelta, run_for: timedelta) -> None:
    try:
        await client.create_schedule(
            schedule_id,
            Schedule(
                action=ScheduleActionStartWorkflow(
                    workflow, id=workflow_id, task_queue=task_queue,
                    execution_timeout=max(every, run_for),  # no worker left: it ends anyway
                ),
                spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=every)]),
                policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),  # a pass at a time
            ),
        )
    except ScheduleAlreadyRunningError:
        pass


async def ensure_schedules(client: Client, settings: Settings) -> None:
    """Creates the schedules unless they exist (every worker calls this at start)."""
    queue = settings.task_queue
    await _ensure(client, reconcile_schedule_id(settings), ReconcileWorkflow.run, f"reconcile-{queue}", queue,
                  timedelta(seconds=settings.reconcile_interval_s), timedelta(minutes=5))
    await _ensure(client, sweep_schedule_id(settings), SweepWorkflow.run, f"sweep-{queue}", queue,
                  timedelta(seconds=settings.sweep_interval_s), timedelta(minutes=35))
