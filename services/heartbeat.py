"""The outbox worker's sign of life, which /healthz reads."""
import datetime as dt
import logging

from models import WorkerHeartbeat, utcnow

log = logging.getLogger(__name__)

BEAT_EVERY = dt.timedelta(seconds=15)
FORGET_AFTER = dt.timedelta(days=1)


class Heartbeat:
    """Writes this worker's row at most every BEAT_EVERY; forgets workers long gone."""

    def __init__(self, worker_id):
        self.worker_id = worker_id
        self.last_beat = None

    def beat(self, now=None):
        now = now or utcnow()
        if self.last_beat is not None and now - self.last_beat < BEAT_EVERY:
            return False
        try:
            self._upsert(now)
            WorkerHeartbeat.delete().where(WorkerHeartbeat.beat_at < now - FORGET_AFTER).execute()
        except Exception as error:  # noqa: BLE001 - a missed beat must not stop the mail
            log.warning("worker %s: heartbeat not written (%s)", self.worker_id,
                        type(error).__name__)
            return False
        self.last_beat = now
        return True

    def _upsert(self, now):
        if self.last_beat is not None and WorkerHeartbeat.update(beat_at=now).where(
                WorkerHeartbeat.worker_id == self.worker_id).execute():
            return
        (WorkerHeartbeat.insert(worker_id=self.worker_id, started_at=now, beat_at=now)
         .on_conflict(conflict_target=[WorkerHeartbeat.worker_id],
                      preserve=[WorkerHeartbeat.beat_at])
         .execute())


def newest_beat():
    """When the most recent worker last beat, or None when no worker ever did."""
    row = (WorkerHeartbeat.select(WorkerHeartbeat.beat_at)
           .order_by(WorkerHeartbeat.beat_at.desc()).limit(1).first())
    return row.beat_at if row else None
