"""The worker's housekeeping, each pass a short workflow started by a Temporal Schedule that the
worker keeps (worker/schedules.py), so it runs once per interval however many API replicas or
workers there are, and every pass is visible in the Temporal UI:

- ReconcileWorkflow: unfinished batches (never started, or whose workflow died; activities/reconcile.py);
- SweepWorkflow: objects that no batch row holds (activities/sweep.py).
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activity_names as act
    from workflows import policies
    from workflows.models import ReconcileReport, SweepReport

# Workflow versions: passes started before it only started stranded batches (resubmit_stranded).
RECONCILE_REPORT = "reconcile-report"


@workflow.defn
class ReconcileWorkflow:
    @workflow.run
    async def run(self) -> ReconcileReport:
        if not workflow.patched(RECONCILE_REPORT):
            started = await workflow.execute_activity(act.RESUBMIT_STRANDED, result_type=int, **policies.RECONCILE)
            return ReconcileReport(started=started)
        return await workflow.execute_activity(act.RECONCILE_BATCHES, result_type=ReconcileReport,
                                               **policies.RECONCILE)


@workflow.defn
class SweepWorkflow:
    @workflow.run
    async def run(self) -> SweepReport:
        return await workflow.execute_activity(act.SWEEP_ORPHANS, result_type=SweepReport, **policies.SWEEP)
