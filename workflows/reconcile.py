"""ReconcileWorkflow: one pass of the stranded-batch reconciler, started by a Temporal Schedule
that the worker keeps (worker/schedules.py), so it runs once per interval however many API
replicas or workers there are, and every pass is visible in the Temporal UI."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from workflows import activity_names as act
    from workflows import policies


@workflow.defn
class ReconcileWorkflow:
    @workflow.run
    async def run(self) -> int:
        """The number of batches started."""
        return await workflow.execute_activity(act.RESUBMIT_STRANDED, result_type=int, **policies.RECONCILE)
