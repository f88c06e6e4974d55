"""What /healthz reports: the database, the schema, the outbox backlog, the worker.

Three small queries; no personal data and no configuration value in the answer.
"""
import migrations
from models import OutboxMessage, db, run_sql, utcnow
from services import heartbeat


def report(worker_max_age):
    """(healthy, the JSON-ready report). `worker_max_age` 0: the worker is not checked
    (a node whose mail another machine delivers)."""
    try:
        db.connect(reuse_if_open=True)
        pending_steps = migrations.pending_names()
        backlog = outbox_backlog()
        last_beat = heartbeat.newest_beat()
    except Exception:  # noqa: BLE001 - any database failure means "unavailable", whatever its type
        return False, {"status": "error", "database": "unavailable",
                       "problems": ["database unavailable"]}
    worker = worker_state(last_beat, worker_max_age)
    problems = []
    if pending_steps:
        problems.append("schema behind: run `flask --app app migrate`")
    if worker["status"] in ("missing", "stale"):
        problems.append(f"outbox worker heartbeat {worker['status']}")
    body = {"status": "error" if problems else "ok", "database": "ok",
            "schema": {"status": "behind" if pending_steps else "ok",
                       "pending_steps": len(pending_steps)},
            "outbox": backlog, "worker": worker}
    if problems:
        body["problems"] = problems
    return not problems, body


def outbox_backlog(now=None):
    """How many messages are due now, and the age of the oldest one still pending."""
    now = now or utcnow()
    due, oldest = run_sql(
        'SELECT SUM(CASE WHEN "next_attempt_at" <= ? THEN 1 ELSE 0 END), MIN("created_at") '
        'FROM "outboxmessage" WHERE "status" = ?',
        OutboxMessage.next_attempt_at.db_value(now), OutboxMessage.PENDING).fetchone()
    return {"due": int(due or 0), "oldest_pending_seconds": _age(oldest, now)}


def worker_state(last_beat, max_age, now=None):
    age = _age(last_beat, now or utcnow())
    if not max_age:
        status = "not checked"
    elif age is None:
        status = "missing"
    elif age > max_age:
        status = "stale"
    else:
        status = "ok"
    return {"status": status, "heartbeat_age_seconds": age, "max_age_seconds": max_age}


def _age(moment, now):
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite hands a bare aggregate back as text
        moment = OutboxMessage.created_at.python_value(moment)
    return max(0, int((now - moment).total_seconds()))
