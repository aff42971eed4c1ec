"""The sweeper: objects under files/<batch>/ that no batch row holds are removed once the newest
of them is `orphan_grace_s` old. The API writes a batch's objects before its rows (so a row never
points at a missing object); an API killed in between leaves objects nobody will read. Run by the
worker's schedule (workflows/reconcile.py SweepWorkflow)."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.engine import Engine
from sqlmodel import col, select
from temporalio import activity

from activities.heartbeat import keep_alive
from core import storage
from core.config import Settings
from core.db import session_scope
from core.models import Batch, utcnow
from core.storage import ObjectStore
from workflows import activity_names as act
from workflows.models import SweepReport

log = logging.getLogger("docparse.worker")

_LOOKUP = 500  # batch ids per database query


class SweepActivities:
    def __init__(self, settings: Settings, db: Engine, store: ObjectStore):
        self.settings = settings
        self.db = db
        self.store = store

    def _known(self, batch_ids: list[str]) -> set[str]:
        found: set[str] = set()
        with session_scope(self.db) as session:
            for i in range(0, len(batch_ids), _LOOKUP):
                part = batch_ids[i:i + _LOOKUP]
                found.update(session.exec(select(Batch.id).where(col(Batch.id).in_(part))).all())
        return found

    def sweep(self) -> SweepReport:
        report = SweepReport()
        prefixes = {p.removeprefix(storage.FILES).rstrip("/"): p for p in self.store.child_prefixes(storage.FILES)}
        known = self._known(sorted(prefixes))
        cutoff = utcnow() - timedelta(seconds=self.settings.orphan_grace_s)
        for batch_id, prefix in sorted(prefixes.items()):
            if batch_id in known:
                continue
            newest = self.store.newest(prefix)
            # Written within the grace period: an upload may still be on its way to its rows.
            if newest is not None and newest > cutoff:
                continue
            if batch_id in self._known([batch_id]):  # recorded meanwhile
                continue
            removed = self.store.delete_prefix(prefix)
            report.removed_batches += 1
            report.removed_objects += removed
            log.warning("removed %d object(s) under %s: no batch holds them (an upload interrupted)", removed, prefix)
        return report

    @activity.defn(name=act.SWEEP_ORPHANS)
    async def sweep_orphans(self) -> SweepReport:
        async with keep_alive():
            return await asyncio.to_thread(self.sweep)
