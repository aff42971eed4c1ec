"""WebhookDeliveryWorkflow: one per event, started by BatchWorkflow and left to run on its own
(parent close policy ABANDON), so a receiver that is down for hours delays nothing else and a
finished batch does not wait for it. Temporal retries the delivery with exponential backoff."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from workflows import activity_names as act
    from workflows.contracts import ErrorType
    from workflows.models import WebhookEvent


@workflow.defn
class WebhookDeliveryWorkflow:
    @workflow.run
    async def run(self, event: WebhookEvent) -> None:
        await workflow.execute_activity(
            act.DELIVER_WEBHOOK, event,
            start_to_close_timeout=timedelta(seconds=60),
            schedule_to_close_timeout=timedelta(hours=event.target.retry_hours),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=event.target.retry_initial_s),
                backoff_coefficient=2.0,
                maximum_interval=timedelta(hours=1),
                maximum_attempts=0,
                non_retryable_error_types=[ErrorType.WEBHOOK_REFUSED],
            ),
        )
