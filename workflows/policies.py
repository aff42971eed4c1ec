"""Timeouts and retry policies for every activity call, in one place."""

from dataclasses import replace
from datetime import timedelta
from typing import TypedDict

from temporalio.common import RetryPolicy

from workflows.contracts import NON_RETRYABLE


class ActivityOptions(TypedDict, total=False):
    """The keyword arguments of workflow.execute_activity that every call here sets."""

    start_to_close_timeout: timedelta
    schedule_to_close_timeout: timedelta
    heartbeat_timeout: timedelta
    retry_policy: RetryPolicy


# Transient faults (object store or database briefly down, worker killed) are retried with
# backoff until the schedule-to-close budget runs out.
TRANSIENT = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=0,
    non_retryable_error_types=NON_RETRYABLE,
)

# Activities that may run long heartbeat every few seconds (activities/heartbeat.py); the
# heartbeat timeout is how soon a killed worker's activity is retried elsewhere.
HEARTBEAT = timedelta(seconds=15)

INGEST = ActivityOptions(
    start_to_close_timeout=timedelta(minutes=5),
    schedule_to_close_timeout=timedelta(hours=1),
    heartbeat_timeout=HEARTBEAT,
    retry_policy=TRANSIENT,
)
PREPARE = RENDER = ActivityOptions(
    start_to_close_timeout=timedelta(minutes=30),
    schedule_to_close_timeout=timedelta(hours=2),
    heartbeat_timeout=HEARTBEAT,
    retry_policy=TRANSIENT,
)
EXTRACT = ActivityOptions(
    start_to_close_timeout=timedelta(minutes=15),
    schedule_to_close_timeout=timedelta(hours=2),
    heartbeat_timeout=HEARTBEAT,
    retry_policy=TRANSIENT,
)
RECORD = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=20),
    schedule_to_close_timeout=timedelta(hours=6),
    retry_policy=TRANSIENT,
)

# One model call per activity; rate limits and 5xx are retried with backoff (or the server's
# own retry delay, passed as next_retry_delay) for as long as the schedule-to-close allows.
MODEL_CALL = ActivityOptions(
    start_to_close_timeout=timedelta(minutes=10),
    schedule_to_close_timeout=timedelta(hours=6),
    heartbeat_timeout=HEARTBEAT,
    # TRANSIENT, paced for a shared quota: start at 2 s, back off up to 2 min.
    retry_policy=replace(TRANSIENT, initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=2)),
)
MERGE = REVIEW = EXTRACT  # review: approved values finalized again (re-reads the page words)

# The reconciler's pass over stranded batches (worker/schedules.py): one pass a minute, so a
# pass never outlives its schedule interval and is not retried into the next one.
RECONCILE = ActivityOptions(
    start_to_close_timeout=timedelta(seconds=50),
    retry_policy=RetryPolicy(maximum_attempts=1),
)

# The sweeper's pass over object prefixes (worker/schedules.py): lists the bucket's batches, so it
# may take a while on a large bucket; it heartbeats, and is not retried into the next pass.
SWEEP = ActivityOptions(
    start_to_close_timeout=timedelta(minutes=30),
    heartbeat_timeout=timedelta(minutes=2),
    retry_policy=RetryPolicy(maximum_attempts=1),
)
