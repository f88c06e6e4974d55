"""GET /healthz: 200 when the database answers, the schema is migrated and the outbox worker
beats; 503 saying which when not. Small JSON, no personal data, no secrets."""
import datetime as dt
import threading

from conftest import free_port, make_test_app, post_signature
from models import OutboxMessage, SchemaMigration, WorkerHeartbeat, utcnow
from services import outbox
from services.heartbeat import BEAT_EVERY, FORGET_AFTER, Heartbeat


def beat(app, worker_id="worker-1", at=None):
    with app.app_context():
        Heartbeat(worker_id).beat(now=at)


def test_healthz_is_200_with_a_live_worker(app, client, database):
    beat(app)
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["schema"] == {"status": "ok", "pending_steps": 0}
    assert body["worker"]["status"] == "ok" and body["worker"]["heartbeat_age_seconds"] <= 1
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_reports_the_outbox_backlog_without_personal_data(app, client, database):
    beat(app)
    post_signature(client, email="backlog.personne@example.net", last_name="Arnaudet")
    two_minutes_ago = utcnow() - dt.timedelta(minutes=2)
    OutboxMessage.update(created_at=two_minutes_ago).execute()
    response = client.get("/healthz")
    body = response.get_json()
    assert body["outbox"]["due"] == 1
    assert 115 <= body["outbox"]["oldest_pending_seconds"] <= 130
    text = response.get_data(as_text=True)
    for secret in ("backlog.personne", "Arnaudet", "example", app.config["SECRET_KEY"],
                   app.config["DATABASE_URL"]):
        assert secret not in text


def test_healthz_is_503_when_the_heartbeat_is_missing(client, database):
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["worker"]["status"] == "missing" and body["worker"]["heartbeat_age_seconds"] is None
    assert "outbox worker heartbeat missing" in body["problems"]


def test_healthz_is_503_when_the_heartbeat_is_stale(app, client, database):
    beat(app, at=utcnow() - dt.timedelta(seconds=app.config["HEALTH_WORKER_MAX_AGE"] + 5))
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["worker"]["status"] == "stale"
    beat(app, worker_id="worker-2")  # a second worker, alive: the site is served again
    assert client.get("/healthz").status_code == 200


def test_healthz_is_503_when_the_schema_is_behind(app, client, database):
    beat(app)
    SchemaMigration.delete().where(SchemaMigration.name == SchemaMigration.select(
        SchemaMigration.name).order_by(SchemaMigration.name.desc()).limit(1).scalar()).execute()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["schema"] == {"status": "behind", "pending_steps": 1}


def test_healthz_is_503_when_the_database_file_is_missing(tmp_path):
    app = make_test_app(f"sqlite:///{tmp_path}/absent/db.sqlite3")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unavailable",
                                   "problems": ["database unavailable"]}


def test_healthz_is_503_when_postgresql_does_not_answer():
    app = make_test_app(f"postgresql://postgres@127.0.0.1:{free_port()}/interpelle")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unavailable"


def test_a_node_without_worker_may_leave_the_heartbeat_unchecked(app, client, database):
    app.config["HEALTH_WORKER_MAX_AGE"] = 0
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["worker"]["status"] == "not checked"


def test_the_worker_beats_while_it_runs_and_at_most_every_15_seconds(app, database):
    stop = threading.Event()

    def work():
        with app.app_context():
            outbox.run_forever(should_stop=stop.is_set, idle_sleep=0.05)

    worker = threading.Thread(target=work)
    worker.start()
    try:
        for _ in range(100):  # bounded: five seconds at most
            if WorkerHeartbeat.select().count():
                break
            stop.wait(0.05)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert WorkerHeartbeat.select().count() == 1
    with app.app_context():
        pulse = Heartbeat("worker-x")
        start = utcnow()
        assert pulse.beat(now=start)
        assert not pulse.beat(now=start + BEAT_EVERY / 2)
        assert pulse.beat(now=start + BEAT_EVERY)


def test_workers_not_seen_for_a_day_are_forgotten(app, database):
    beat(app, worker_id="gone", at=utcnow() - FORGET_AFTER - dt.timedelta(minutes=1))
    beat(app, worker_id="here")
    assert [row.worker_id for row in WorkerHeartbeat.select()] == ["here"]
